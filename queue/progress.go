package queue

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ProgressKind is a call-progress event kind, from the Janus event handler
// (VideoRoom plugin events "joined" and "leaving", webrtc event
// "webrtcup", core/handle "hangup") or the built-in SFU's equivalents.
type ProgressKind int

const (
	// ProgressJoined: the participant joined the room (VideoRoom "joined").
	ProgressJoined ProgressKind = iota
	// ProgressWebRTCUp: the participant's PeerConnection is up (Janus
	// webrtc event "up", the "webrtcup" message).
	ProgressWebRTCUp
	// ProgressLeaving: the participant left the room (VideoRoom "leaving").
	ProgressLeaving
	// ProgressHangup: the participant's PeerConnection was hung up
	// (Janus "hangup").
	ProgressHangup
)

var progressNames = []string{"joined", "webrtcup", "leaving", "hangup"}

// String returns "joined", "webrtcup", "leaving" or "hangup".
func (k ProgressKind) String() string { return enumString("ProgressKind", progressNames, int(k)) }

// ParseProgressKind parses the String form; ErrInvalid otherwise.
func ParseProgressKind(s string) (ProgressKind, error) {
	v, err := enumParse("progress kind", progressNames, s)
	return ProgressKind(v), err
}

// Progress is one call-progress event for a participant in a room.
// Janus "leaving" events carry no session or handle id: correlate by room
// and participant (feed) id, as here.
type Progress struct {
	// Kind is what happened.
	Kind ProgressKind
	// Instance is the Janus instance (emitter) name, or "builtin" for the
	// built-in SFU.
	Instance string
	// RoomID is the VideoRoom room id.
	RoomID uint64
	// FeedID is the VideoRoom participant id.
	FeedID uint64
	// At is when it happened (event timestamp); zero means now.
	At time.Time
}

// CallProgress applies one call-progress event; the event pipeline calls
// it for every event about a room Frontdesk created. Effects:
//   - joined: the participant's JoinedAt is recorded (the first time);
//     a participant who had left the call (see leaving) is back: its away
//     time is cleared and the call goes on.
//   - webrtcup: UpAt is recorded; the call becomes active; when it is the
//     caller, the entry moves connecting → in_call (handle time starts,
//     no-show timer stops). Like joined, it also ends an away.
//   - leaving/hangup: LeftAt is recorded. In a call (entry in_call) this
//     starts the queue's rejoin grace (Timeouts.RejoinGrace, default 30 s)
//     for that side: the entry's CallerAwayUntil or HostAwayUntil and its
//     Deadline are set, and the call ends as completed (room destroyed,
//     tokens revoked, host to wrap-up) only when the grace passes without
//     a joined or webrtcup of the same feed ([Engine.Sweep]; persisted, so
//     a restart keeps it). A second leave of a side already away does not
//     extend its grace; a leave older than that side's last rejoin is
//     stale and ignored. A RejoinGrace of 0 ends the call at once. If the
//     host leaves before the caller connected (entry connecting), the
//     entry returns to waiting at its place.
//
// Events for unknown rooms or feeds are ignored (nil error) since the same
// Janus serves other rooms. Events are idempotent.
func (e *Engine) CallProgress(ctx context.Context, p Progress) error {
	if p.At.IsZero() {
		p.At = e.clock.Now()
	}
	calls, err := e.store.ListCalls(ctx, CallFilter{Instance: p.Instance, RoomID: p.RoomID,
		States: []CallState{CallCreated, CallActive}})
	if err != nil {
		return fmt.Errorf("queue: progress: %w", err)
	}
	for _, c := range calls {
		if c.Room.Instance != p.Instance {
			continue
		}
		for _, part := range c.Participants {
			if part.FeedID == p.FeedID {
				return e.applyProgress(ctx, c.ID, part.Role, p)
			}
		}
	}
	return nil
}

// awayOf returns the away time of role on en.
func awayOf(en *Entry, role PartyRole) *time.Time {
	if role == PartyHost {
		return &en.HostAwayUntil
	}
	return &en.CallerAwayUntil
}

func (e *Engine) applyProgress(ctx context.Context, callID CallID, role PartyRole, p Progress) error {
	back := p.Kind == ProgressJoined || p.Kind == ProgressWebRTCUp
	var rejoinedAt time.Time
	c, err := e.casCall(ctx, callID, func(c *Call) error {
		changed := false
		for i := range c.Participants {
			pp := &c.Participants[i]
			if pp.FeedID != p.FeedID {
				continue
			}
			switch p.Kind {
			case ProgressJoined:
				if pp.JoinedAt.IsZero() {
					pp.JoinedAt, changed = p.At, true
				}
			case ProgressWebRTCUp:
				if pp.UpAt.IsZero() {
					pp.UpAt, changed = p.At, true
				}
				if c.State == CallCreated {
					c.State, c.StartedAt, changed = CallActive, p.At, true
				}
			case ProgressLeaving, ProgressHangup:
				if pp.LeftAt.IsZero() || pp.LeftAt.Before(p.At) {
					pp.LeftAt, changed = p.At, true
				}
			}
			// A join after a leave is a rejoin (reload, network blip).
			if back && !pp.LeftAt.IsZero() && !p.At.Before(pp.LeftAt) && pp.RejoinedAt.Before(p.At) {
				pp.RejoinedAt, changed = p.At, true
			}
			rejoinedAt = pp.RejoinedAt
		}
		if !changed {
			return errSkip
		}
		return nil
	})
	switch {
	case errors.Is(err, errSkip):
		// Nothing new on the call (a duplicate, or a second leave): the
		// entry side below is idempotent too, and still runs so that a
		// crash between the two writes is repaired by redelivery.
		if c, err = e.store.GetCall(ctx, callID); err != nil {
			return fmt.Errorf("queue: progress: %w", err)
		}
		for _, pp := range c.Participants {
			if pp.FeedID == p.FeedID {
				rejoinedAt = pp.RejoinedAt
			}
		}
	case err != nil:
		return err
	}
	switch p.Kind {
	case ProgressJoined, ProgressWebRTCUp:
		kind, reason := EventEntryChanged, "back"
		en, err := e.casEntry(ctx, c.EntryID, func(x *Entry) error {
			changed := false
			if p.Kind == ProgressWebRTCUp && role == PartyCaller && x.State == EntryConnecting {
				x.to(EntryInCall, p.At, x.HostID, "media_up")
				x.StartedAt, x.Deadline = p.At, time.Time{}
				changed = true
				kind, reason = EventCallReady, ""
			}
			if away := awayOf(x, role); x.State == EntryInCall && !away.IsZero() {
				*away = time.Time{}
				x.History = append(x.History, Transition{State: x.State, At: p.At, HostID: x.HostID, Reason: role.String() + "_rejoined"})
				x.Deadline = awayDeadline(x)
				changed = true
			}
			if !changed {
				return errSkip
			}
			return nil
		})
		if errors.Is(err, errSkip) {
			return nil
		}
		if err != nil {
			return err
		}
		e.publish(Event{Kind: kind, Queue: QueueID(c.QueueID), Entry: EntryID(en.ID), Host: HostID(en.HostID), Call: CallID(c.ID), Reason: reason})
	case ProgressLeaving, ProgressHangup:
		if p.At.Before(rejoinedAt) {
			return nil // stale: this side joined again after it
		}
		en, err := e.GetEntry(ctx, c.EntryID)
		if err != nil {
			return err
		}
		switch {
		case en.State == EntryInCall:
			return e.leftCall(ctx, en, role, p)
		case en.State == EntryConnecting && role == PartyHost:
			return e.hostLeftBeforeCaller(ctx, en, c, p.At)
		}
	}
	return nil
}

// leftCall starts the rejoin grace of role in an in-call entry, or ends
// the call at once when the queue's RejoinGrace is 0.
func (e *Engine) leftCall(ctx context.Context, en Entry, role PartyRole, p Progress) error {
	q, err := e.store.GetQueue(ctx, en.QueueID)
	g := DefaultRejoinGrace
	if err == nil {
		g = RejoinGrace(&q)
	}
	reason := role.String() + "_" + p.Kind.String()
	if g <= 0 {
		return e.endEntry(ctx, en.ID, EntryCompleted, reason, p.At)
	}
	_, err = e.casEntry(ctx, en.ID, func(x *Entry) error {
		away := awayOf(x, role)
		if x.State != EntryInCall || !away.IsZero() {
			return errSkip // ended meanwhile, or already away (hangup and leaving both come)
		}
		*away = p.At.Add(g)
		x.History = append(x.History, Transition{State: x.State, At: p.At, HostID: x.HostID, Reason: reason})
		x.Deadline = awayDeadline(x)
		return nil
	})
	if errors.Is(err, errSkip) {
		return nil
	}
	if err != nil {
		return err
	}
	e.log.InfoContext(ctx, "queue: participant left the call, waiting for a rejoin", "queue", en.QueueID, "entry", en.ID,
		"role", role.String(), "grace", g.String())
	e.publish(Event{Kind: EventEntryChanged, Queue: QueueID(en.QueueID), Entry: EntryID(en.ID), Host: HostID(en.HostID), Call: CallID(en.CallID), Reason: "away"})
	return nil
}

// rejoinOver ends an in-call entry whose away side did not come back in
// time (called by Sweep when its Deadline passed).
func (e *Engine) rejoinOver(ctx context.Context, en Entry, now time.Time) error {
	var role PartyRole
	due := func(x *Entry) bool {
		switch {
		case !x.HostAwayUntil.IsZero() && !now.Before(x.HostAwayUntil):
			role = PartyHost
		case !x.CallerAwayUntil.IsZero() && !now.Before(x.CallerAwayUntil):
			role = PartyCaller
		default:
			return false
		}
		return true
	}
	if due(&en) {
		err := e.endEntryIf(ctx, en.ID, EntryCompleted, func(x *Entry) (string, bool) {
			if x.State != EntryInCall || !due(x) {
				return "", false // came back meanwhile
			}
			return role.String() + "_rejoin_timeout", true
		}, now)
		if err != nil {
			return err
		}
	}
	// Not due (any more): recompute the deadline so it is not swept again.
	_, err := e.casEntry(ctx, en.ID, func(x *Entry) error {
		if x.State != EntryInCall || x.Deadline.Equal(awayDeadline(x)) {
			return errSkip
		}
		x.Deadline = awayDeadline(x)
		return nil
	})
	if errors.Is(err, errSkip) {
		return nil
	}
	return err
}

// hostLeftBeforeCaller ends the call and puts the entry back in the queue.
func (e *Engine) hostLeftBeforeCaller(ctx context.Context, en Entry, c Call, now time.Time) error {
	q, err := e.store.GetQueue(ctx, en.QueueID)
	if err != nil {
		return fmt.Errorf("queue: progress: %w", err)
	}
	_, err = e.casEntry(ctx, en.ID, func(x *Entry) error {
		if x.State != EntryConnecting {
			return errSkip
		}
		x.to(EntryWaiting, now, x.HostID, "host_left")
		x.HostID, x.CallID, x.AnsweredAt = "", "", time.Time{}
		x.Deadline = waitDeadline(&q, x)
		return nil
	})
	if errors.Is(err, errSkip) {
		return nil
	}
	if err != nil {
		return err
	}
	e.finishCall(ctx, en, now)
	e.publish(Event{Kind: EventEntryChanged, Queue: QueueID(q.ID), Entry: EntryID(en.ID), Host: HostID(en.HostID), Call: CallID(en.CallID), Reason: "host_left"})
	e.matchQueue(ctx, q)
	return nil
}
