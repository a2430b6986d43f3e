package queue

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// offer runs the offer protocol documented on Store for host h over the
// queues qs (tried in order): claim the host, claim the first waiting
// entry, bind — or all three in one OfferStore.OfferNext when the store
// has it. It returns the offered entry; ErrVersion when the host
// changed meanwhile (someone else claimed it), ErrNotFound when no entry
// was waiting (the host is released again).
func (e *Engine) offer(ctx context.Context, h Host, qs []Queue) (Entry, error) {
	if h.State != HostAvailable {
		return Entry{}, fmt.Errorf("queue: host %s is %s: %w", h.ID, h.State, ErrVersion)
	}
	now := e.clock.Now()
	if os, ok := e.store.(OfferStore); ok {
		req := OfferRequest{HostID: h.ID, HostVersion: h.Version, At: now}
		for _, q := range qs {
			req.Queues = append(req.Queues, OfferQueue{ID: q.ID, Deadline: now.Add(offerTimeout(&q))})
		}
		_, en, err := os.OfferNext(ctx, req)
		if err != nil {
			return Entry{}, fmt.Errorf("queue: offer to host %s: %w", h.ID, err)
		}
		e.log.DebugContext(ctx, "queue: offered", "queue", en.QueueID, "entry", en.ID, "host", h.ID)
		e.publish(Event{Kind: EventEntryOffered, Queue: QueueID(en.QueueID), Entry: EntryID(en.ID), Host: HostID(h.ID)})
		return en, nil
	}
	idle := h.IdleSince
	h.to(HostOffered, now)
	h.EntryID, h.Deadline = "", now.Add(e.claimTimeout)
	claimed, err := e.store.UpdateHost(ctx, h)
	if err != nil {
		return Entry{}, fmt.Errorf("queue: claim host %s: %w", h.ID, err)
	}
	var en Entry
	var q Queue
	err = ErrNotFound
	for _, q = range qs {
		en, err = e.store.ClaimNext(ctx, Claim{QueueID: q.ID, HostID: h.ID, At: now, Deadline: now.Add(offerTimeout(&q))})
		if !errors.Is(err, ErrNotFound) {
			break
		}
	}
	if err != nil {
		// Nothing to offer (or the store failed): release the host as it was.
		claimed.to(HostAvailable, now)
		claimed.IdleSince = idle
		if _, rerr := e.store.UpdateHost(ctx, claimed); rerr != nil {
			e.log.WarnContext(ctx, "queue: releasing host claim", "host", h.ID, "err", rerr)
		}
		return Entry{}, fmt.Errorf("queue: claim entry for host %s: %w", h.ID, err)
	}
	claimed.EntryID, claimed.Deadline = en.ID, en.Deadline
	if _, err := e.store.UpdateHost(ctx, claimed); err != nil {
		// The host changed under us (e.g. went offline): put the entry back.
		_, rerr := e.casEntry(ctx, en.ID, func(x *Entry) error {
			if x.State != EntryOffered || x.HostID != h.ID {
				return fmt.Errorf("queue: entry %s moved on: %w", x.ID, ErrState)
			}
			x.to(EntryWaiting, now, h.ID, "claim_failed")
			x.HostID, x.Deadline = "", waitDeadline(&q, x)
			return nil
		})
		if rerr != nil {
			e.log.WarnContext(ctx, "queue: releasing entry claim", "entry", en.ID, "err", rerr)
		}
		return Entry{}, fmt.Errorf("queue: bind host %s: %w", h.ID, err)
	}
	e.log.DebugContext(ctx, "queue: offered", "queue", q.ID, "entry", en.ID, "host", h.ID)
	e.publish(Event{Kind: EventEntryOffered, Queue: QueueID(q.ID), Entry: EntryID(en.ID), Host: HostID(h.ID)})
	return en, nil
}

// autoQueues returns the auto-mode queues among ids, ordered so the queue
// whose head entry has waited longest comes first (only computed when
// there is more than one).
func (e *Engine) autoQueues(ctx context.Context, ids []QueueID) []Queue {
	var qs []Queue
	for _, id := range ids {
		q, err := e.store.GetQueue(ctx, id)
		if err == nil && q.Mode == ModeAuto {
			qs = append(qs, q)
		}
	}
	if len(qs) < 2 {
		return qs
	}
	head := map[QueueID]time.Time{}
	for _, q := range qs {
		w, err := e.store.ListEntries(ctx, EntryFilter{QueueID: q.ID, States: []EntryState{EntryWaiting}, Limit: 1})
		if err == nil && len(w) == 1 {
			head[q.ID] = w[0].CreatedAt
		}
	}
	slices.SortStableFunc(qs, func(a, b Queue) int {
		ta, oka := head[a.ID]
		tb, okb := head[b.ID]
		switch {
		case oka && okb:
			return ta.Compare(tb)
		case oka:
			return -1
		case okb:
			return 1
		}
		return 0
	})
	return qs
}

// matchHost offers the longest-waiting caller of the auto-mode queues the
// host serves (Host.ServedQueues) to hostID if it is available. It reports
// whether an offer was made.
func (e *Engine) matchHost(ctx context.Context, hostID HostID) bool {
	h, err := e.store.GetHost(ctx, hostID)
	if err != nil || h.State != HostAvailable {
		return false
	}
	qs := e.autoQueues(ctx, h.ServedQueues())
	if len(qs) == 0 {
		return false
	}
	_, err = e.offer(ctx, h, qs)
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrVersion) {
		e.log.WarnContext(ctx, "queue: matching host", "host", hostID, "err", err)
	}
	return err == nil
}

// matchQueue offers waiting callers of an auto-mode queue to the available
// hosts serving it, longest idle first, until one side runs out. It
// reports whether any offer was made.
func (e *Engine) matchQueue(ctx context.Context, q Queue) (offered []Entry) {
	if q.Mode != ModeAuto {
		return nil
	}
	hosts, err := e.store.ListHosts(ctx, HostFilter{QueueID: q.ID, States: []HostState{HostAvailable}})
	if err != nil {
		e.log.WarnContext(ctx, "queue: listing hosts", "queue", q.ID, "err", err)
		return nil
	}
	for _, h := range hosts {
		if !h.Serves(q.ID) {
			continue
		}
		var qs []Queue
		if served := h.ServedQueues(); len(served) > 1 {
			qs = e.autoQueues(ctx, served)
		} else {
			qs = []Queue{q}
		}
		en, err := e.offer(ctx, h, qs)
		switch {
		case err == nil:
			offered = append(offered, en)
		case errors.Is(err, ErrVersion):
			continue
		case errors.Is(err, ErrNotFound):
			if len(qs) == 1 {
				return offered // nobody left to offer in this queue
			}
		default:
			e.log.WarnContext(ctx, "queue: matching", "queue", q.ID, "host", h.ID, "err", err)
			return offered
		}
	}
	return offered
}
