package queue

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Sweep acts on everything due at the clock's now: offer timeouts (the
// caller returns to the head, the host goes away), no-shows, the end of a
// disconnected caller's grace (abandoned), the end of a call whose side
// left and did not rejoin within the rejoin grace (completed), max wait (expired), the end of
// wrap-up (host available), stale host claims left by a crashed replica,
// release at close; then it matches waiting callers in auto-mode queues.
// Run calls it periodically; tests call it after advancing a fake clock.
// It is safe to run on several replicas at once. The first error is
// returned after trying everything.
func (e *Engine) Sweep(ctx context.Context) error {
	now := e.clock.Now()
	var errs []error
	due, err := e.store.ListEntries(ctx, EntryFilter{DeadlineBefore: now.Add(1),
		States: []EntryState{EntryWaiting, EntryOffered, EntryConnecting, EntryInCall}})
	if err != nil {
		return fmt.Errorf("queue: sweep: %w", err)
	}
	queues := map[QueueID]*Queue{}
	queueOf := func(id QueueID) (*Queue, error) {
		if q, ok := queues[id]; ok {
			return q, nil
		}
		q, err := e.store.GetQueue(ctx, id)
		if err != nil {
			return nil, err
		}
		queues[id] = &q
		return &q, nil
	}
	for _, en := range due {
		var err error
		switch en.State {
		case EntryOffered:
			err = e.returnOffer(ctx, en.HostID, en.ID, "offer_timeout", now)
		case EntryConnecting:
			if en.Callback != nil {
				// Not dialled, or not answered, in time.
				q, qerr := queueOf(en.QueueID)
				if qerr != nil {
					err = qerr
					break
				}
				err = e.callbackFailed(ctx, q, en.ID, en.CallID, 0, now)
				break
			}
			err = e.noShow(ctx, en, now)
		case EntryInCall:
			err = e.rejoinOver(ctx, en, now)
		case EntryWaiting:
			q, qerr := queueOf(en.QueueID)
			switch {
			case errors.Is(qerr, ErrNotFound):
				err = e.endEntry(ctx, en.ID, EntryRemoved, "queue_deleted", now)
			case qerr != nil:
				err = qerr
			case en.Callback != nil && !en.Callback.RetryAt.IsZero():
				err = e.retryDue(ctx, q, en, now)
			case en.Paused && !now.Before(en.DisconnectedAt.Add(grace(q))):
				err = e.endEntry(ctx, en.ID, EntryAbandoned, "grace_over", now)
			case q.Limits.MaxWait > 0 && !now.Before(en.CreatedAt.Add(q.Limits.MaxWait)):
				err = e.endEntry(ctx, en.ID, EntryExpired, "max_wait", now)
			default:
				// Nothing due any more (e.g. the queue's limits changed):
				// recompute the deadline so the entry is not swept forever.
				_, err = e.casEntry(ctx, en.ID, func(x *Entry) error {
					if x.State != EntryWaiting {
						return errSkip
					}
					x.Deadline = waitDeadline(q, x)
					return nil
				})
				if errors.Is(err, errSkip) {
					err = nil
				}
			}
		}
		if err != nil && !errors.Is(err, ErrState) {
			errs = append(errs, err)
		}
	}

	hosts, err := e.store.ListHosts(ctx, HostFilter{DeadlineBefore: now.Add(1), States: []HostState{HostOffered, HostWrapUp}})
	if err != nil {
		errs = append(errs, fmt.Errorf("queue: sweep hosts: %w", err))
	}
	for _, h := range hosts {
		switch {
		case h.State == HostWrapUp:
			var wrapped EntryID
			_, err = e.casHost(ctx, h.ID, func(x *Host) error {
				if x.State != HostWrapUp || x.Deadline.After(now) {
					return errSkip
				}
				wrapped = wrappingUp(x)
				x.to(HostAvailable, now)
				return nil
			})
			if err == nil {
				e.endWrapUp(ctx, wrapped, now)
			}
		case h.State == HostOffered && h.EntryID == "":
			// A claim whose replica died between the protocol's steps.
			_, err = e.casHost(ctx, h.ID, func(x *Host) error {
				if x.State != HostOffered || x.EntryID != "" || x.Deadline.After(now) {
					return errSkip
				}
				x.to(HostAvailable, now)
				return nil
			})
		case h.State == HostOffered:
			err = e.repairOffered(ctx, h, now)
		}
		if err != nil && !errors.Is(err, errSkip) && !errors.Is(err, ErrState) {
			errs = append(errs, err) // ErrState: another replica got there first
		}
		e.hostChanged(h)
	}

	all, err := e.store.ListQueues(ctx)
	if err != nil {
		errs = append(errs, fmt.Errorf("queue: sweep queues: %w", err))
	}
	for _, q := range all {
		if q.Closing.AtClose == AtCloseRelease && !q.Hours.Open(now) {
			waiting, err := e.store.ListEntries(ctx, EntryFilter{QueueID: q.ID, States: []EntryState{EntryWaiting}})
			if err != nil {
				errs = append(errs, err)
				continue
			}
			for _, en := range waiting {
				if err := e.endEntry(ctx, en.ID, EntryExpired, "closed", now); err != nil {
					errs = append(errs, err)
				}
			}
			continue
		}
		e.matchQueue(ctx, q)
	}
	return errors.Join(errs...)
}

// repairOffered frees a host whose offer deadline passed but whose entry
// is no longer offered to it (the entry side was already handled).
func (e *Engine) repairOffered(ctx context.Context, h Host, now time.Time) error {
	en, err := e.store.GetEntry(ctx, h.EntryID)
	if err == nil && en.State == EntryOffered && en.HostID == h.ID {
		return e.returnOffer(ctx, h.ID, en.ID, "offer_timeout", now)
	}
	_, err = e.casHost(ctx, h.ID, func(x *Host) error {
		if x.State != HostOffered || x.EntryID != h.EntryID {
			return errSkip
		}
		x.to(HostAway, now)
		return nil
	})
	return err
}

// noShow ends a connecting entry whose no-show timeout passed. When the
// call record shows that the caller reached the room (its "joined" or
// "webrtcup" arrived) the call did take place and only its media-up and
// hang-up events were lost, e.g. while Frontdesk was down: the entry ends
// as completed with reason "hangup_lost", started at the caller's first
// sign of life and ended at the last leave recorded after it (else now).
// Otherwise it ends as no_show.
func (e *Engine) noShow(ctx context.Context, en Entry, now time.Time) error {
	var started, ended time.Time
	if en.CallID != "" {
		c, err := e.store.GetCall(ctx, en.CallID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("queue: no-show: %w", err)
		}
		for _, p := range c.Participants {
			if p.Role == PartyCaller {
				started = p.JoinedAt
				if started.IsZero() || (!p.UpAt.IsZero() && p.UpAt.Before(started)) {
					started = p.UpAt
				}
			}
		}
		for _, p := range c.Participants {
			if !started.IsZero() && p.LeftAt.After(started) && p.LeftAt.Before(now) && (ended.IsZero() || p.LeftAt.Before(ended)) {
				ended = p.LeftAt
			}
		}
	}
	if started.IsZero() {
		return e.endEntry(ctx, en.ID, EntryNoShow, "no_show", now)
	}
	if ended.IsZero() {
		ended = now
	}
	e.log.InfoContext(ctx, "queue: caller reached the call but its media-up and hang-up were lost: completed", "queue", en.QueueID, "entry", en.ID)
	return e.endEntryIf(ctx, en.ID, EntryCompleted, func(x *Entry) (string, bool) {
		if x.State != EntryConnecting || x.CallID != en.CallID {
			return "", false
		}
		if x.StartedAt.IsZero() {
			x.StartedAt = started
		}
		return "hangup_lost", true
	}, ended)
}
