package queue

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/frontdesk/frontdesk/idgen"
)

// Accepted is what a host gets on accepting an offer (or taking a caller
// in pick mode).
type Accepted struct {
	// Entry is the entry, now connecting.
	Entry Entry
	// Call is the new call (contains secrets: render via the API's views).
	Call Call
	// HostTicket is the host's call ticket.
	HostTicket string
}

// randPIN returns 8 random decimal digits.
func randPIN() string {
	return fmt.Sprintf("%08d", binary.BigEndian.Uint64(idgen.Bytes(8))%100_000_000)
}

// Accept accepts the offer of entryID to hostID: the entry becomes
// connecting (the no-show timeout starts) and the host in_call; then the
// room is created with a random secret and pin, Janus stored tokens are
// minted for both sides (janus rooms) and the host's ticket is issued. If
// the room cannot be created the entry returns to the head of the queue
// and the host becomes available. Errors: ErrNotFound, ErrState (not
// offered to this host any more, e.g. timed out), provisioning errors.
func (e *Engine) Accept(ctx context.Context, hostID HostID, entryID EntryID) (Accepted, error) {
	now := e.clock.Now()
	en, err := e.store.GetEntry(ctx, entryID)
	if err != nil {
		return Accepted{}, fmt.Errorf("queue: accept: %w", err)
	}
	q, err := e.store.GetQueue(ctx, en.QueueID)
	if err != nil {
		return Accepted{}, fmt.Errorf("queue: accept: %w", err)
	}
	callID := CallID(newID())
	en, err = e.casEntry(ctx, entryID, func(x *Entry) error {
		if x.State != EntryOffered || x.HostID != hostID {
			return fmt.Errorf("queue: accept %s: entry is %s: %w", entryID, x.State, ErrState)
		}
		x.to(EntryConnecting, now, hostID, "accepted")
		x.AnsweredAt, x.CallID, x.Deadline = now, callID, now.Add(noShowTimeout(&q))
		return nil
	})
	if err != nil {
		return Accepted{}, err
	}
	h, err := e.casHost(ctx, hostID, func(h *Host) error {
		if h.State != HostOffered || h.EntryID != entryID {
			return fmt.Errorf("queue: accept: host %s is %s: %w", hostID, h.State, ErrState)
		}
		h.to(HostInCall, now)
		return nil
	})
	if err != nil {
		e.undoAccept(ctx, &q, entryID, hostID, now, "host_changed")
		return Accepted{}, err
	}
	call, ticket, err := e.provision(ctx, &q, en, h, callID, now)
	if err != nil {
		e.undoAccept(ctx, &q, entryID, hostID, now, "provision_failed")
		return Accepted{}, err
	}
	e.log.InfoContext(ctx, "queue: accepted", "queue", q.ID, "entry", en.ID, "host", hostID, "call", call.ID,
		"engine", call.Room.Engine.String(), "instance", call.Room.Instance, "room", call.Room.ID)
	e.publish(Event{Kind: EventEntryAccepted, Queue: QueueID(q.ID), Entry: EntryID(en.ID), Host: HostID(hostID), Call: CallID(call.ID)})
	return Accepted{Entry: en, Call: call, HostTicket: ticket}, nil
}

// undoAccept returns an accepted entry to waiting (it keeps its place)
// and its host to available after a failed accept.
func (e *Engine) undoAccept(ctx context.Context, q *Queue, entryID EntryID, hostID HostID, now time.Time, reason string) {
	_, err := e.casEntry(ctx, entryID, func(x *Entry) error {
		if x.State != EntryConnecting || x.HostID != hostID {
			return errSkip
		}
		x.to(EntryWaiting, now, hostID, reason)
		x.HostID, x.CallID, x.AnsweredAt = "", "", time.Time{}
		x.Deadline = waitDeadline(q, x)
		return nil
	})
	if err != nil && !errors.Is(err, errSkip) {
		e.log.WarnContext(ctx, "queue: undoing accept", "entry", entryID, "err", err)
	}
	_, err = e.casHost(ctx, hostID, func(h *Host) error {
		if h.EntryID != entryID {
			return errSkip
		}
		h.to(HostAvailable, now)
		return nil
	})
	if err != nil && !errors.Is(err, errSkip) {
		e.log.WarnContext(ctx, "queue: undoing accept", "host", hostID, "err", err)
	}
	e.publish(Event{Kind: EventEntryChanged, Queue: QueueID(q.ID), Entry: EntryID(entryID), Host: HostID(hostID), Reason: reason})
}

// provision creates the room, tokens, call record and host ticket; for a
// queued callback, the phone leg and the host's phone ticket instead.
func (e *Engine) provision(ctx context.Context, q *Queue, en Entry, h Host, callID CallID, now time.Time) (Call, string, error) {
	if en.Callback != nil {
		return e.provisionCallback(ctx, q, en, h, callID, now)
	}
	room, err := e.rooms.CreateRoom(ctx, RoomRequest{CallID: callID, QueueID: q.ID, Engine: q.Media,
		Secret: idgen.Hex(16), PIN: randPIN(), Publishers: 2})
	if err != nil {
		return Call{}, "", fmt.Errorf("queue: create room: %w", err)
	}
	call := Call{ID: callID, QueueID: q.ID, EntryID: en.ID, HostID: h.ID, Room: room, State: CallCreated, CreatedAt: now,
		Participants: []Participant{
			{Role: PartyHost, UserID: string(h.ID), Name: h.Name, FeedID: idgen.Uint53()},
			{Role: PartyCaller, UserID: en.CallerID, Name: en.CallerName, FeedID: idgen.Uint53()},
		}}
	cleanup := func() {
		e.revokeTokens(ctx, &call)
		if derr := e.rooms.DestroyRoom(ctx, room); derr != nil {
			e.log.WarnContext(ctx, "queue: destroying room", "call", callID, "err", derr)
		}
	}
	if room.Engine == MediaJanus {
		for i := range call.Participants {
			tok, err := e.tokens.MintToken(ctx, room.Instance)
			if err != nil {
				cleanup()
				return Call{}, "", fmt.Errorf("queue: mint token: %w", err)
			}
			call.Participants[i].Token = tok
		}
	}
	call, err = e.store.CreateCall(ctx, call)
	if err != nil {
		cleanup()
		return Call{}, "", fmt.Errorf("queue: store call: %w", err)
	}
	ticket, err := e.ticketFor(ctx, &call, PartyHost)
	if err != nil {
		e.finishCall(ctx, en, now)
		return Call{}, "", err
	}
	return call, ticket, nil
}

func (e *Engine) ticketFor(ctx context.Context, c *Call, role PartyRole) (string, error) {
	for _, p := range c.Participants {
		if p.Role != role {
			continue
		}
		t, err := e.tickets.IssueTicket(ctx, TicketRequest{CallID: c.ID, Engine: c.Room.Engine, Instance: c.Room.Instance,
			RoomID: c.Room.ID, FeedID: p.FeedID, UserID: p.UserID, Name: p.Name, Role: role, TTL: e.ticketTTL})
		if err != nil {
			return "", fmt.Errorf("queue: issue %s ticket: %w", role, err)
		}
		return t, nil
	}
	return "", fmt.Errorf("queue: call %s has no %s: %w", c.ID, role, ErrState)
}

// Ticket issues a fresh call ticket for userID in the call of entryID
// (the caller or the host), while the entry is connecting or in the call.
// Errors: ErrNotFound, ErrForbidden (not a participant), ErrState.
func (e *Engine) Ticket(ctx context.Context, entryID EntryID, userID string) (string, Call, error) {
	c, role, err := e.CallOf(ctx, entryID, userID)
	if err != nil {
		return "", Call{}, err
	}
	if c.Room.ID == 0 && c.Phone != nil { // a queued callback: the phone is the call
		t, err := e.phoneTicket(ctx, &c)
		return t, c, err
	}
	t, err := e.ticketFor(ctx, &c, role)
	return t, c, err
}

// CallOf returns the call of entryID and userID's role in it (the caller or
// the host), while the entry is connecting or in the call, without minting
// a ticket (live updates show the call; a ticket is minted only when asked
// for, by [Engine.Ticket]). Errors: ErrNotFound, ErrForbidden (not a
// participant), ErrState (not connecting or in the call, or accepted a
// moment ago and the call is still being set up: ask again when the
// entry.accepted event or a live update with the call arrives).
func (e *Engine) CallOf(ctx context.Context, entryID EntryID, userID string) (Call, PartyRole, error) {
	en, err := e.GetEntry(ctx, entryID)
	if err != nil {
		return Call{}, 0, err
	}
	return e.callOf(ctx, &en, userID)
}

// callOf is CallOf for an entry already read.
func (e *Engine) callOf(ctx context.Context, en *Entry, userID string) (Call, PartyRole, error) {
	if en.State != EntryConnecting && en.State != EntryInCall {
		return Call{}, 0, fmt.Errorf("queue: call: entry is %s: %w", en.State, ErrState)
	}
	c, err := e.store.GetCall(ctx, en.CallID)
	if isNotFound(err) && en.State == EntryConnecting {
		// Accepted a moment ago: the room and the call record are
		// still being set up (see Accept). Not there yet, not gone.
		return Call{}, 0, fmt.Errorf("queue: call: being set up: %w", ErrState)
	}
	if err != nil {
		return Call{}, 0, fmt.Errorf("queue: call: %w", err)
	}
	for _, p := range c.Participants {
		if p.UserID == userID {
			return c, p.Role, nil
		}
	}
	return Call{}, 0, fmt.Errorf("queue: call: %w", ErrForbidden)
}

// CallCredentials returns the room (with secret and pin) and the
// participant (with Janus token) for the bearer of a valid ticket: the
// proxy calls it after checking a ticket, to inject the secrets the
// browser never sees. Errors: ErrNotFound, ErrState (call ended).
func (e *Engine) CallCredentials(ctx context.Context, callID CallID, feedID uint64) (Room, Participant, error) {
	c, err := e.store.GetCall(ctx, callID)
	if err != nil {
		return Room{}, Participant{}, fmt.Errorf("queue: credentials: %w", err)
	}
	if c.State == CallEnded {
		return Room{}, Participant{}, fmt.Errorf("queue: credentials: call ended: %w", ErrState)
	}
	for _, p := range c.Participants {
		if p.FeedID == feedID {
			return c.Room, p, nil
		}
	}
	return Room{}, Participant{}, fmt.Errorf("queue: credentials: feed %d: %w", feedID, ErrNotFound)
}

// Decline returns an offered entry to the head of the queue and sets the
// host away. Errors: ErrNotFound, ErrState (not offered to this host).
func (e *Engine) Decline(ctx context.Context, hostID HostID, entryID EntryID) error {
	return e.returnOffer(ctx, hostID, entryID, "declined", e.clock.Now())
}

// returnOffer puts an offered entry back to waiting (keeping its place)
// and the host away.
func (e *Engine) returnOffer(ctx context.Context, hostID HostID, entryID EntryID, reason string, now time.Time) error {
	en, err := e.GetEntry(ctx, entryID)
	if err != nil {
		return err
	}
	q, err := e.store.GetQueue(ctx, en.QueueID)
	if err != nil {
		return fmt.Errorf("queue: %s: %w", reason, err)
	}
	_, err = e.casEntry(ctx, entryID, func(x *Entry) error {
		if x.State != EntryOffered || x.HostID != hostID {
			return fmt.Errorf("queue: %s %s: entry is %s: %w", reason, entryID, x.State, ErrState)
		}
		x.to(EntryWaiting, now, hostID, reason)
		x.HostID = ""
		x.Deadline = waitDeadline(&q, x)
		return nil
	})
	if err != nil {
		return err
	}
	e.releaseHost(ctx, hostID, entryID, HostAway, now)
	e.log.InfoContext(ctx, "queue: offer returned", "queue", q.ID, "entry", entryID, "host", hostID, "reason", reason)
	e.publish(Event{Kind: EventEntryChanged, Queue: QueueID(q.ID), Entry: EntryID(entryID), Host: HostID(hostID), Reason: reason})
	e.matchQueue(ctx, q)
	return nil
}

// Next takes the next caller of queueID for an available host (pick mode,
// and also allowed in auto mode): the offer protocol runs for this host and
// the offer is accepted at once. Errors: ErrNotFound (nobody waiting),
// ErrForbidden (not a host of the queue), ErrState (host not available, or
// not serving the queue now, see Host.Serving).
func (e *Engine) Next(ctx context.Context, hostID HostID, queueID QueueID) (Accepted, error) {
	h, q, err := e.hostOfQueue(ctx, hostID, queueID)
	if err != nil {
		return Accepted{}, err
	}
	en, err := e.offer(ctx, h, []Queue{q})
	if errors.Is(err, ErrVersion) {
		return Accepted{}, fmt.Errorf("queue: next: host changed: %w", ErrState)
	}
	if err != nil {
		return Accepted{}, err
	}
	return e.Accept(ctx, hostID, en.ID)
}

// Pick takes a chosen waiting entry for an available host (pick mode):
// the host is claimed, the entry is claimed with compare-and-set, and the
// offer is accepted at once. Errors: ErrNotFound, ErrForbidden, ErrState
// (host not available or not serving the entry's queue now, or entry no
// longer waiting).
func (e *Engine) Pick(ctx context.Context, hostID HostID, entryID EntryID) (Accepted, error) {
	en, err := e.GetEntry(ctx, entryID)
	if err != nil {
		return Accepted{}, err
	}
	h, q, err := e.hostOfQueue(ctx, hostID, en.QueueID)
	if err != nil {
		return Accepted{}, err
	}
	if en.State != EntryWaiting || en.Paused {
		return Accepted{}, fmt.Errorf("queue: pick %s: entry is %s (paused %v): %w", entryID, en.State, en.Paused, ErrState)
	}
	now := e.clock.Now()
	idle := h.IdleSince
	h.to(HostOffered, now)
	h.EntryID, h.Deadline = entryID, now.Add(e.claimTimeout)
	claimed, err := e.store.UpdateHost(ctx, h)
	if err != nil {
		return Accepted{}, fmt.Errorf("queue: pick: claim host: %w", errors.Join(ErrState, err))
	}
	en.to(EntryOffered, now, hostID, "picked")
	en.HostID, en.OfferedAt, en.Deadline = hostID, now, now.Add(offerTimeout(&q))
	if _, err := e.store.UpdateEntry(ctx, en); err != nil {
		claimed.to(HostAvailable, now)
		claimed.IdleSince = idle
		if _, rerr := e.store.UpdateHost(ctx, claimed); rerr != nil {
			e.log.WarnContext(ctx, "queue: releasing host after failed pick", "host", hostID, "err", rerr)
		}
		return Accepted{}, fmt.Errorf("queue: pick %s: %w", entryID, errors.Join(ErrState, err))
	}
	return e.Accept(ctx, hostID, entryID)
}

// hostOfQueue loads an available host serving queueID: ErrForbidden when
// the queue is not assigned to it, ErrState when it is assigned but not
// ticked in Host.Serving, or the host is not available.
func (e *Engine) hostOfQueue(ctx context.Context, hostID HostID, queueID QueueID) (Host, Queue, error) {
	h, err := e.GetHost(ctx, hostID)
	if err != nil {
		return Host{}, Queue{}, err
	}
	q, err := e.store.GetQueue(ctx, queueID)
	if err != nil {
		return Host{}, Queue{}, fmt.Errorf("queue: %s: %w", queueID, err)
	}
	if !slices.Contains(h.Queues, queueID) {
		return Host{}, Queue{}, fmt.Errorf("queue: host %s is not assigned %s: %w", hostID, queueID, ErrForbidden)
	}
	if !h.Serves(queueID) {
		return Host{}, Queue{}, fmt.Errorf("queue: host %s is not serving %s now: %w", hostID, queueID, ErrState)
	}
	if h.State != HostAvailable {
		return Host{}, Queue{}, fmt.Errorf("queue: host %s is %s: %w", hostID, h.State, ErrState)
	}
	return h, q, nil
}

// Complete ends the call of entryID as completed at once: the explicit
// hang-up of either side (userID is the entry's host or its caller), also
// while the other side is away (rejoin grace). The host goes to wrap-up.
// The reason recorded is "completed" (host) or "caller_completed".
// Errors: ErrNotFound, ErrForbidden (neither the entry's host nor its
// caller), ErrState (not connecting or in a call, e.g. already completed).
func (e *Engine) Complete(ctx context.Context, userID string, entryID EntryID) error {
	en, err := e.GetEntry(ctx, entryID)
	if err != nil {
		return err
	}
	reason := "completed"
	switch {
	case userID != "" && en.HostID == HostID(userID):
	case userID != "" && en.CallerID == userID:
		reason = "caller_completed"
	default:
		return fmt.Errorf("queue: complete %s: %w", entryID, ErrForbidden)
	}
	if en.State != EntryConnecting && en.State != EntryInCall {
		return fmt.Errorf("queue: complete %s: entry is %s: %w", entryID, en.State, ErrState)
	}
	return e.endEntry(ctx, entryID, EntryCompleted, reason, e.clock.Now())
}

// finishCall ends the entry's call (tokens revoked, room destroyed) and
// puts its host in wrap-up (or available when the queue has none).
func (e *Engine) finishCall(ctx context.Context, en Entry, now time.Time) {
	if en.CallID != "" {
		c, err := e.casCall(ctx, en.CallID, func(c *Call) error {
			if c.State == CallEnded {
				return errSkip
			}
			c.State, c.EndedAt = CallEnded, now
			return nil
		})
		switch {
		case err == nil && c.Room.ID == 0: // a phone-only call (queued callback)
		case err == nil:
			e.revokeTokens(ctx, &c)
			if err := e.rooms.DestroyRoom(ctx, c.Room); err != nil {
				e.log.WarnContext(ctx, "queue: destroying room", "call", c.ID, "err", err)
			}
		case !errors.Is(err, errSkip) && !errors.Is(err, ErrNotFound):
			e.log.WarnContext(ctx, "queue: ending call", "call", en.CallID, "err", err)
		}
	}
	q, err := e.store.GetQueue(ctx, en.QueueID)
	wrap := time.Duration(0)
	if err == nil {
		wrap = q.Timeouts.WrapUp
	}
	if wrap <= 0 {
		e.releaseHost(ctx, en.HostID, en.ID, HostAvailable, now)
		return
	}
	_, err = e.casHost(ctx, en.HostID, func(h *Host) error {
		if h.EntryID != en.ID || h.State != HostInCall {
			return errSkip
		}
		h.to(HostWrapUp, now)
		h.Deadline = now.Add(wrap)
		return nil
	})
	if err != nil && !errors.Is(err, errSkip) {
		e.log.WarnContext(ctx, "queue: wrap-up", "host", en.HostID, "err", err)
	}
}

func (e *Engine) revokeTokens(ctx context.Context, c *Call) {
	for _, p := range c.Participants {
		if p.Token == "" {
			continue
		}
		if err := e.tokens.RevokeToken(ctx, c.Room.Instance, p.Token); err != nil {
			// The token itself is a secret: log only whose it was.
			e.log.WarnContext(ctx, "queue: revoking token", "call", c.ID, "role", p.Role.String(), "err", err)
		}
	}
}

// wrappingUp is the entry h is wrapping up after, or "".
func wrappingUp(h *Host) EntryID {
	if h.State == HostWrapUp {
		return h.EntryID
	}
	return ""
}

// endWrapUp records on entryID ("" does nothing) that its host's wrap-up
// ended at at, for the handle time (see Stats.AHT). A failure is logged:
// the statistics then count the queue's wrap-up timeout instead.
func (e *Engine) endWrapUp(ctx context.Context, entryID EntryID, at time.Time) {
	if entryID == "" {
		return
	}
	_, err := e.casEntry(ctx, entryID, func(x *Entry) error {
		if x.State.Live() || !x.WrapUpEndedAt.IsZero() {
			return errSkip
		}
		x.WrapUpEndedAt = at
		return nil
	})
	if err != nil && !errors.Is(err, errSkip) {
		e.log.WarnContext(ctx, "queue: recording the end of wrap-up", "entry", entryID, "err", err)
	}
}
