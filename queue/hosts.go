package queue

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// PutHost creates host id or updates its name and queues (its state is
// kept; a new host starts offline). Errors: ErrInvalid, ErrNotFound (a
// queue does not exist).
func (e *Engine) PutHost(ctx context.Context, id, name string, queues []string) (Host, error) {
	if id == "" || len(name) > 200 {
		return Host{}, fmt.Errorf("queue: host id and a name of at most 200 bytes: %w", ErrInvalid)
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
		h, err = e.casHost(ctx, id, func(h *Host) error {
			h.Name, h.Queues = name, queues
			return nil
		})
	}
	if err != nil {
		return Host{}, fmt.Errorf("queue: put host %s: %w", id, err)
	}
	for _, q := range queues {
		e.changed(q)
	}
	e.changed(hostKey(id)) // its own live view (its set of queues changed)
	if h.State == HostAvailable {
		e.matchHost(ctx, h.ID)
	}
	return h, nil
}

// GetHost returns host id. Errors: ErrNotFound.
func (e *Engine) GetHost(ctx context.Context, id string) (Host, error) {
	h, err := e.store.GetHost(ctx, id)
	if err != nil {
		return Host{}, fmt.Errorf("queue: host %s: %w", id, err)
	}
	return h, nil
}

// ListHosts returns the hosts of queueID ("" for all), longest idle first.
func (e *Engine) ListHosts(ctx context.Context, queueID string) ([]Host, error) {
	return e.store.ListHosts(ctx, HostFilter{QueueID: queueID})
}

// DeleteHost removes a host that is not offered or in a call. Errors:
// ErrNotFound, ErrState.
func (e *Engine) DeleteHost(ctx context.Context, id string) error {
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
	for _, q := range h.Queues {
		e.changed(q)
	}
	return nil
}

// SetAvailability sets a host's own state to available, away or offline.
// Allowed from offline, away, available and wrap_up (ending wrap-up
// early); a host with an offer or in a call gets ErrState. Becoming
// available triggers matching in auto-mode queues. Errors: ErrInvalid,
// ErrNotFound, ErrState.
func (e *Engine) SetAvailability(ctx context.Context, hostID string, s HostState) (Host, error) {
	if s != HostAvailable && s != HostAway && s != HostOffline {
		return Host{}, fmt.Errorf("queue: hosts may set available, away or offline, not %s: %w", s, ErrInvalid)
	}
	now := e.clock.Now()
	h, err := e.casHost(ctx, hostID, func(h *Host) error {
		if h.State == HostOffered || h.State == HostInCall {
			return fmt.Errorf("queue: host %s is %s: %w", hostID, h.State, ErrState)
		}
		h.to(s, now)
		return nil
	})
	if err != nil {
		return Host{}, err
	}
	for _, q := range h.Queues {
		e.changed(q)
	}
	if s == HostAvailable {
		e.matchHost(ctx, hostID)
		if h2, err := e.store.GetHost(ctx, hostID); err == nil {
			h = h2
		}
	}
	return h, nil
}

// hostKey is the change key of a host's own view (see Engine.changed).
func hostKey(id string) string { return "host:" + id }
