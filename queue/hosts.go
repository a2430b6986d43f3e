package queue

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// PutHost creates host id or updates its name and queues (its state is
// kept; a new host starts offline, serving all its queues). A queue removed
// from the host's queues is removed from its Serving too; a queue added is
// served at once only when the host serves all its queues (Serving nil).
// Errors: ErrInvalid, ErrNotFound (a queue does not exist).
func (e *Engine) PutHost(ctx context.Context, id HostID, name string, queues []QueueID) (Host, error) {
	if id == "" || len(name) > 200 {
		return Host{}, &FieldError{Field: "name", Message: "A host's name must be at most 200 characters long."}
	}
	for _, q := range queues {
		if _, err := e.store.GetQueue(ctx, q); err != nil {
			return Host{}, fmt.Errorf("queue: host queue %q: %w", q, err)
		}
	}
	queues = slices.Compact(slices.Sorted(slices.Values(queues)))
	now := e.clock.Now()
	h, err := e.store.CreateHost(ctx, Host{ID: id, Name: name, Queues: queues, State: HostOffline, StateSince: now, IdleSince: now})
	if errors.Is(err, ErrConflict) {
		var old []QueueID
		h, err = e.casHost(ctx, id, func(h *Host) error {
			old = h.Queues
			h.Name, h.Queues = name, queues
			if h.Serving != nil {
				h.Serving = slices.DeleteFunc(slices.Clone(h.Serving), func(q QueueID) bool { return !slices.Contains(queues, q) })
			}
			return nil
		})
		for _, q := range old {
			if !slices.Contains(queues, q) {
				e.publish(Event{Kind: EventHostChanged, Queue: QueueID(q), Host: HostID(id), Reason: "unassigned"})
			}
		}
	}
	if err != nil {
		return Host{}, fmt.Errorf("queue: put host %s: %w", id, err)
	}
	e.hostChanged(h)
	e.publish(Event{Kind: EventHostChanged, Host: HostID(id), Reason: "assigned"}) // its own set of queues
	if h.State == HostAvailable {
		e.matchHost(ctx, h.ID)
	}
	return h, nil
}

// GetHost returns host id. Errors: ErrNotFound.
func (e *Engine) GetHost(ctx context.Context, id HostID) (Host, error) {
	h, err := e.store.GetHost(ctx, id)
	if err != nil {
		return Host{}, fmt.Errorf("queue: host %s: %w", id, err)
	}
	return h, nil
}

// ListHosts returns the hosts of queueID ("" for all), longest idle first.
func (e *Engine) ListHosts(ctx context.Context, queueID QueueID) ([]Host, error) {
	return e.store.ListHosts(ctx, HostFilter{QueueID: queueID})
}

// DeleteHost removes a host that is not offered or in a call. Errors:
// ErrNotFound, ErrState.
func (e *Engine) DeleteHost(ctx context.Context, id HostID) error {
	h, err := e.GetHost(ctx, id)
	if err != nil {
		return err
	}
	if h.State == HostOffered || h.State == HostInCall {
		return fmt.Errorf("queue: host %s is %s: %w", id, h.State, ErrState)
	}
	if err := e.store.DeleteHost(ctx, id); err != nil {
		return fmt.Errorf("queue: delete host %s: %w", id, err)
	}
	e.endWrapUp(ctx, wrappingUp(&h), e.clock.Now())
	e.hostChanged(h)
	return nil
}

// SetAvailability sets a host's own state to available, away or offline.
// Allowed from offline, away, available and wrap_up (ending wrap-up
// early); a host with an offer or in a call gets ErrState. Becoming
// available triggers matching in auto-mode queues. Errors: ErrInvalid,
// ErrNotFound, ErrState.
func (e *Engine) SetAvailability(ctx context.Context, hostID HostID, s HostState) (Host, error) {
	if s != HostAvailable && s != HostAway && s != HostOffline {
		return Host{}, &FieldError{Field: "state", Message: fmt.Sprintf("A host may set available, away or offline, not %s.", s)}
	}
	now := e.clock.Now()
	if s == HostAvailable {
		if h, ok := e.availableWithOffer(ctx, hostID, now); ok {
			return h, nil
		}
	}
	var wrapped EntryID // the entry whose wrap-up this ends
	h, err := e.casHost(ctx, hostID, func(h *Host) error {
		if h.State == HostOffered || h.State == HostInCall {
			return fmt.Errorf("queue: host %s is %s: %w", hostID, h.State, ErrState)
		}
		wrapped = wrappingUp(h)
		h.to(s, now)
		return nil
	})
	if err != nil {
		return Host{}, err
	}
	e.endWrapUp(ctx, wrapped, now)
	e.hostChanged(h)
	if s == HostAvailable {
		e.matchHost(ctx, hostID)
		if h2, err := e.store.GetHost(ctx, hostID); err == nil {
			h = h2
		}
	}
	return h, nil
}

// SetServing sets the queues host hostID is serving now: queues must be
// a subset of the host's assigned queues (duplicates are dropped; the
// stored list is sorted). An empty non-nil list serves none; nil serves
// all assigned queues again (the default). It takes effect for matching at
// once: an available host that now serves a queue with waiting callers
// gets an offer (auto mode), as when it becomes available. Allowed in any
// host state (an offer or call in progress is not affected). Errors:
// *Refusal wrapping ErrNotAssigned (Reason "not_assigned", Field "queues")
// when an ID is not among the host's queues, ErrNotFound.
func (e *Engine) SetServing(ctx context.Context, hostID HostID, queues []QueueID) (Host, error) {
	if queues != nil { // keep an empty list non-nil: it means "none"
		queues = append(make([]QueueID, 0, len(queues)), slices.Compact(slices.Sorted(slices.Values(queues)))...)
	}
	var before []QueueID
	h, err := e.casHost(ctx, hostID, func(h *Host) error {
		for _, q := range queues {
			if !slices.Contains(h.Queues, q) {
				return &Refusal{Err: ErrNotAssigned, Reason: "not_assigned", Field: "queues", Queue: q}
			}
		}
		before = h.ServedQueues()
		h.Serving = queues
		return nil
	})
	if err != nil {
		return Host{}, err
	}
	e.hostChanged(h)
	e.publish(Event{Kind: EventHostChanged, Host: HostID(hostID), Reason: "serving"}) // its own served queues
	added := false
	for _, q := range h.ServedQueues() {
		added = added || !slices.Contains(before, q)
	}
	if added && h.State == HostAvailable {
		e.matchHost(ctx, hostID)
		if h2, err := e.store.GetHost(ctx, hostID); err == nil {
			h = h2
		}
	}
	return h, nil
}

// availableWithOffer is the fast path of a host going available on an
// OfferStore: become available and take the longest-waiting caller of the
// host's served auto-mode queues in one store write. It reports false
// (nothing changed) when the store cannot, nobody is waiting, or the host
// changed meanwhile; SetAvailability then goes the plain way.
func (e *Engine) availableWithOffer(ctx context.Context, hostID HostID, now time.Time) (Host, bool) {
	os, ok := e.store.(OfferStore)
	if !ok {
		return Host{}, false
	}
	h, err := e.store.GetHost(ctx, hostID)
	if err != nil || h.State == HostOffered || h.State == HostInCall {
		return Host{}, false
	}
	qs := e.autoQueues(ctx, h.ServedQueues())
	if len(qs) == 0 {
		return Host{}, false
	}
	req := OfferRequest{HostID: h.ID, HostVersion: h.Version, Available: true, At: now}
	for _, q := range qs {
		req.Queues = append(req.Queues, OfferQueue{ID: q.ID, Deadline: now.Add(offerTimeout(&q))})
	}
	out, en, err := os.OfferNext(ctx, req)
	if err != nil {
		if !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrVersion) {
			e.log.WarnContext(ctx, "queue: offer on going available", "host", hostID, "err", err)
		}
		return Host{}, false
	}
	e.log.DebugContext(ctx, "queue: offered", "queue", en.QueueID, "entry", en.ID, "host", hostID)
	e.endWrapUp(ctx, wrappingUp(&h), now)
	for _, q := range out.Queues {
		if q != en.QueueID {
			e.publish(Event{Kind: EventHostChanged, Queue: QueueID(q), Host: HostID(hostID)})
		}
	}
	e.publish(Event{Kind: EventEntryOffered, Queue: QueueID(en.QueueID), Entry: EntryID(en.ID), Host: HostID(hostID)})
	return out, true
}

// hostChanged publishes EventHostChanged for each queue h is assigned
// to: their staffing changed.
func (e *Engine) hostChanged(h Host) {
	for _, q := range h.Queues {
		e.publish(Event{Kind: EventHostChanged, Queue: QueueID(q), Host: HostID(h.ID)})
	}
}
