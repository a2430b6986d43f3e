package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/frontdesk/frontdesk/idgen"
)

// Reasons of [EventCallMoved] and of the entry transition a move records.
const (
	// MoveInstanceDown: the room's Janus instance stopped answering.
	MoveInstanceDown = "instance_down"
	// MoveRestarted: the room's Janus instance restarted and lost its
	// rooms and stored tokens.
	MoveRestarted = "restarted"
	// MoveEvacuated: an admin evacuated the instance for maintenance.
	MoveEvacuated = "evacuated"
	// ReasonNoCapacity ends a call that no media server could take when
	// its own was lost: the caller goes back to the head of the queue.
	ReasonNoCapacity = "no_media_capacity"
)

// moveClaim is how long one replica's claim on moving a call holds
// (Call.MovingUntil): longer than a room creation and token minting take.
const moveClaim = 15 * time.Second

// errMoved: the call is not in the room a move was asked for any more.
var errMoved = errors.New("queue: call already moved")

// LiveCalls returns the calls not yet ended whose room is on instance
// (a Janus instance name): the calls to move when it is lost.
func (e *Engine) LiveCalls(ctx context.Context, instance string) ([]Call, error) {
	calls, err := e.store.ListCalls(ctx, CallFilter{Instance: instance, States: []CallState{CallCreated, CallActive}})
	if err != nil {
		return nil, fmt.Errorf("queue: live calls on %s: %w", instance, err)
	}
	return calls, nil
}

// MoveCall places the live call callID, whose room fromRoom was lost (its
// media server died or restarted) or is being evacuated, in a new room: the
// RoomProvisioner chooses where (a lost or draining instance takes none),
// with a new secret and pin and, on Janus, new stored tokens; the call
// record changes in one compare-and-set, then the old tokens are revoked
// and the old room destroyed (best effort: its server may be gone). The
// call keeps its id, participants, feed ids, state and statistics; the
// entry keeps its state. An entry in the call gets both sides' rejoin
// grace, which their joining the new room ends, as after a reload, and
// which ends the call if a side never comes back. [EventCallMoved] tells
// both sides to fetch a new ticket.
//
// It is safe to call from several replicas at once: one claims the call
// (Call.MovingUntil) and moves it; a call already moved (its room is not
// fromRoom) is returned as it is. Errors: ErrNotFound, ErrState (the call
// ended, or another replica is moving it now), provisioning errors, among
// them one wrapping [ErrNoCapacity] when no media server can take the
// call now; the call then stays where it was, unclaimed, to be moved
// again (a restarting instance may be back in a moment) or given up with
// [Engine.Requeue].
func (e *Engine) MoveCall(ctx context.Context, callID CallID, fromRoom uint64, reason string) (Call, error) {
	now := e.clock.Now()
	old, err := e.casCall(ctx, callID, func(c *Call) error {
		switch {
		case c.State == CallEnded:
			return fmt.Errorf("queue: move call %s: ended: %w", callID, ErrState)
		case c.Room.ID != fromRoom:
			return errMoved
		case now.Before(c.MovingUntil):
			return fmt.Errorf("queue: move call %s: being moved: %w", callID, ErrState)
		}
		c.MovingUntil = now.Add(moveClaim)
		return nil
	})
	if errors.Is(err, errMoved) {
		return e.store.GetCall(ctx, callID)
	}
	if err != nil {
		return Call{}, err
	}
	q, err := e.store.GetQueue(ctx, old.QueueID)
	if err != nil {
		e.unclaim(ctx, callID)
		return Call{}, fmt.Errorf("queue: move call %s: %w", callID, err)
	}
	room, err := e.rooms.CreateRoom(ctx, RoomRequest{CallID: callID, QueueID: q.ID, Engine: q.Media,
		Secret: idgen.Hex(16), PIN: randPIN(), Publishers: 2})
	if err != nil {
		e.unclaim(ctx, callID)
		return Call{}, fmt.Errorf("queue: move call %s: %w", callID, err)
	}
	toks := make([]string, len(old.Participants))
	drop := func() {
		for _, t := range toks {
			if t != "" {
				_ = e.tokens.RevokeToken(ctx, room.Instance, t)
			}
		}
		if derr := e.rooms.DestroyRoom(ctx, room); derr != nil {
			e.log.WarnContext(ctx, "queue: destroying an unused room", "call", callID, "err", derr)
		}
	}
	if room.Engine == MediaJanus {
		for i := range toks {
			if toks[i], err = e.tokens.MintToken(ctx, room.Instance); err != nil {
				drop()
				e.unclaim(ctx, callID)
				return Call{}, fmt.Errorf("queue: move call %s: mint token: %w", callID, err)
			}
		}
	}
	moved, err := e.casCall(ctx, callID, func(c *Call) error {
		if c.State == CallEnded || c.Room.ID != fromRoom {
			return errSkip
		}
		c.Room, c.MovingUntil = room, time.Time{}
		c.Moves++
		for i := range c.Participants {
			p := &c.Participants[i]
			p.Token = toks[i]
			if !p.JoinedAt.IsZero() {
				p.LeftAt = now // it left the old room; joining the new one is a rejoin
			}
		}
		return nil
	})
	if err != nil {
		drop()
		if errors.Is(err, errSkip) { // ended or moved meanwhile
			return e.store.GetCall(ctx, callID)
		}
		return Call{}, err
	}
	e.revokeTokens(ctx, &old)
	if derr := e.rooms.DestroyRoom(ctx, old.Room); derr != nil {
		e.log.WarnContext(ctx, "queue: destroying the room a call left", "call", callID, "err", derr)
	}
	e.awaitBoth(ctx, &q, moved, reason, now)
	e.log.InfoContext(ctx, "queue: call moved", "call", callID, "reason", reason, "from", old.Room.Instance,
		"to", room.Instance, "room", room.ID)
	e.publish(Event{Kind: EventCallMoved, Queue: q.ID, Entry: moved.EntryID, Host: moved.HostID, Call: callID, Reason: reason})
	return moved, nil
}

// unclaim drops this replica's claim on moving callID after a failure.
func (e *Engine) unclaim(ctx context.Context, callID CallID) {
	_, err := e.casCall(ctx, callID, func(c *Call) error {
		if c.MovingUntil.IsZero() {
			return errSkip
		}
		c.MovingUntil = time.Time{}
		return nil
	})
	if err != nil && !errors.Is(err, errSkip) {
		e.log.WarnContext(ctx, "queue: releasing a move claim", "call", callID, "err", err)
	}
}

// awaitBoth gives both sides of a moved call's in-call entry the rejoin
// grace (they left the old room together) and records the move.
func (e *Engine) awaitBoth(ctx context.Context, q *Queue, c Call, reason string, now time.Time) {
	g := RejoinGrace(q)
	_, err := e.casEntry(ctx, c.EntryID, func(x *Entry) error {
		if !x.State.Live() || x.CallID != c.ID {
			return errSkip
		}
		x.History = append(x.History, Transition{State: x.State, At: now, HostID: x.HostID, Reason: "call_moved_" + reason})
		if x.State == EntryInCall && g > 0 {
			for _, away := range []*time.Time{&x.CallerAwayUntil, &x.HostAwayUntil} {
				if away.IsZero() {
					*away = now.Add(g)
				}
			}
			x.Deadline = awayDeadline(x)
		}
		return nil
	})
	if err != nil && !errors.Is(err, errSkip) {
		e.log.WarnContext(ctx, "queue: recording a call's move", "entry", c.EntryID, "err", err)
	}
}

// Requeue ends the live call callID, whose room fromRoom was lost, when no
// media server can take it ([Engine.MoveCall] failed with ErrNoCapacity
// for long enough): the caller goes back to waiting at their place (the
// head of the queue, as they joined before everyone waiting), the host
// becomes available, and an entry.changed event carries
// [ReasonNoCapacity]. A call already ended or moved is left alone (nil).
// Errors: ErrNotFound, store errors.
func (e *Engine) Requeue(ctx context.Context, callID CallID, fromRoom uint64) error {
	now := e.clock.Now()
	c, err := e.casCall(ctx, callID, func(x *Call) error {
		if x.State == CallEnded || x.Room.ID != fromRoom {
			return errSkip
		}
		x.State, x.EndedAt, x.MovingUntil = CallEnded, now, time.Time{}
		return nil
	})
	if errors.Is(err, errSkip) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("queue: requeue call %s: %w", callID, err)
	}
	q, err := e.store.GetQueue(ctx, c.QueueID)
	if err != nil {
		return fmt.Errorf("queue: requeue call %s: %w", callID, err)
	}
	e.requeue(ctx, &q, c, now)
	return nil
}

// requeue is Requeue once the call c has ended.
func (e *Engine) requeue(ctx context.Context, q *Queue, c Call, now time.Time) {
	e.revokeTokens(ctx, &c)
	if derr := e.rooms.DestroyRoom(ctx, c.Room); derr != nil {
		e.log.WarnContext(ctx, "queue: destroying the lost room", "call", c.ID, "err", derr)
	}
	_, err := e.casEntry(ctx, c.EntryID, func(x *Entry) error {
		if !x.State.Live() || x.CallID != c.ID {
			return errSkip
		}
		x.to(EntryWaiting, now, x.HostID, ReasonNoCapacity)
		x.HostID, x.CallID = "", ""
		x.AnsweredAt, x.StartedAt = time.Time{}, time.Time{}
		x.CallerAwayUntil, x.HostAwayUntil = time.Time{}, time.Time{}
		x.Deadline = waitDeadline(q, x)
		return nil
	})
	if err != nil && !errors.Is(err, errSkip) {
		e.log.WarnContext(ctx, "queue: requeueing a caller", "entry", c.EntryID, "err", err)
	}
	e.log.WarnContext(ctx, "queue: no media server can take the call; the caller waits again", "call", c.ID, "entry", c.EntryID)
	e.publish(Event{Kind: EventEntryChanged, Queue: q.ID, Entry: c.EntryID, Host: c.HostID, Call: c.ID, Reason: ReasonNoCapacity})
	e.releaseHost(ctx, c.HostID, c.EntryID, HostAvailable, now)
	e.matchQueue(ctx, *q)
}
