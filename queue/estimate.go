package queue

import (
	"context"
	"slices"
	"time"
)

// DefaultRingTime is the wait estimate's prior for the answer delay: how
// long a free host takes to answer (auto mode: from the offer to the
// accept; pick mode: from when the host could pick the caller to the pick).
const DefaultRingTime = 5 * time.Second

// priorWeight is how many calls the priors (Queue.HandleTime and
// DefaultRingTime) count as when blended with real calls.
const priorWeight = 2

// paceCacheTTL bounds how long a full sample of calls is reused before
// it is read again (other replicas end calls too); paceCacheShortTTL
// bounds it for a smaller sample (a new queue, whose every call counts),
// so that many callers' estimates in one burst read the calls once.
const (
	paceCacheTTL      = 15 * time.Second
	paceCacheShortTTL = time.Second
)

// HandleTimePrior is q's expected handle time before calls are counted:
// HandleTime, else DefaultHandleTime.
func HandleTimePrior(q *Queue) time.Duration { return orDefault(q.HandleTime, DefaultHandleTime) }

// pace is what the wait estimate knows about a queue's calls.
type pace struct {
	// at is when it was computed; n is how many ended calls it saw.
	at time.Time
	n  int
	// handle is the expected answer→hang-up time of one call, ring the
	// expected answer delay of a free host.
	handle, ring time.Duration
}

// pace returns q's pace: the priors blended with the last ahtWindow calls
// answered and ended (completed) in the past 24 hours, the priors counting
// as priorWeight calls. A sample smaller than the window is reused for at
// most paceCacheShortTTL, a full one for paceCacheTTL; a call that ends on
// this engine drops it at once (see forgetPace), so the first calls count
// as soon as they end.
func (e *Engine) pace(ctx context.Context, q *Queue) pace {
	now := e.clock.Now()
	e.mu.Lock()
	c, ok := e.paceCache[q.ID]
	e.mu.Unlock()
	if ok && (now.Sub(c.at) < paceCacheShortTTL || (c.n >= e.ahtWindow && now.Sub(c.at) < paceCacheTTL)) {
		return c
	}
	p := pace{at: now, handle: HandleTimePrior(q), ring: DefaultRingTime}
	done, err := e.store.ListEntries(ctx, EntryFilter{QueueID: q.ID, States: []EntryState{EntryCompleted}, CreatedFrom: now.Add(-24 * time.Hour)})
	if err != nil {
		e.log.WarnContext(ctx, "queue: wait estimate", "queue", q.ID, "err", err)
		return p
	}
	done = slices.DeleteFunc(done, func(en Entry) bool { return en.AnsweredAt.IsZero() || en.EndedAt.IsZero() })
	slices.SortFunc(done, func(a, b Entry) int { return a.EndedAt.Compare(b.EndedAt) })
	// Each host's previous call (over the whole day) says when it was
	// free; the last ahtWindow calls are averaged.
	freeAt := map[HostID]time.Time{}
	var handle, ring time.Duration
	for i, en := range done {
		if i >= len(done)-e.ahtWindow {
			handle += en.EndedAt.Sub(en.AnsweredAt)
			ring += answerDelay(q, &en, freeAt)
			p.n++
		}
		freeAt[en.HostID] = en.EndedAt.Add(q.Timeouts.WrapUp)
	}
	if p.n > 0 {
		w := time.Duration(priorWeight)
		p.handle = (w*p.handle + handle) / (w + time.Duration(p.n))
		p.ring = (w*p.ring + ring) / (w + time.Duration(p.n))
	}
	e.mu.Lock()
	e.paceCache[q.ID] = p
	e.mu.Unlock()
	return p
}

// answerDelay is how long a free host took to answer en: in auto mode from
// the (last) offer to the accept; in pick mode from when the caller and a
// free host were both there (the later of the join and the end of the
// host's previous call in the sample, freeAt) to the pick.
func answerDelay(q *Queue, en *Entry, freeAt map[HostID]time.Time) time.Duration {
	from := en.OfferedAt
	if q.Mode == ModePick || from.IsZero() {
		from = en.CreatedAt
		if t, ok := freeAt[en.HostID]; ok && t.After(from) {
			from = t
		}
	}
	return max(en.AnsweredAt.Sub(from), 0)
}

// forgetPace drops queueID's cached pace: a call just ended there.
func (e *Engine) forgetPace(queueID QueueID) {
	e.mu.Lock()
	delete(e.paceCache, queueID)
	e.mu.Unlock()
}

// EstimateWait returns the estimated time until the caller at 1-based
// position pos among q's waiting entries is answered, and false when no
// host serving q now (Host.Serves) is staffed (available, offered, in_call
// or wrap_up). hosts are the queue's hosts (others are ignored).
//
// It plays the queue forward: each staffed serving host is free after
// what is left of its present work, reckoned from its state and how long
// it has been in it — available: now; offered: the rest of the answer
// delay, then one call; in_call: the rest of one handle time (at least a
// tenth of it), then wrap-up; wrap_up: its deadline. Each caller ahead
// takes the host free first and keeps it for the answer delay, one handle
// time and the queue's wrap-up; this caller is answered one answer delay
// after the host it gets is free. Handle time and answer delay are the
// queue's pace: the admin's Queue.HandleTime and DefaultRingTime as
// priors, blended with the calls that ended in the past 24 hours (see the
// pace method), so the first calls count at once.
func (e *Engine) EstimateWait(ctx context.Context, q *Queue, pos int, hosts []Host) (time.Duration, bool) {
	if pos <= 0 {
		return 0, false
	}
	now := e.clock.Now()
	var p pace
	var free []time.Duration
	for i := range hosts {
		h := &hosts[i]
		if !h.Serves(q.ID) {
			continue
		}
		switch h.State {
		case HostAvailable, HostOffered, HostInCall, HostWrapUp:
		default:
			continue
		}
		if free == nil {
			p = e.pace(ctx, q)
		}
		since := now.Sub(h.StateSince)
		var f time.Duration
		switch h.State {
		case HostOffered:
			f = max(p.ring-since, 0) + p.handle + q.Timeouts.WrapUp
		case HostInCall:
			f = max(p.handle-since, p.handle/10) + q.Timeouts.WrapUp
		case HostWrapUp:
			f = max(h.Deadline.Sub(now), 0)
		}
		free = append(free, f)
	}
	if len(free) == 0 {
		return 0, false
	}
	slot := p.ring + p.handle + q.Timeouts.WrapUp
	for range pos - 1 {
		i := slices.Index(free, slices.Min(free))
		free[i] += slot
	}
	return slices.Min(free) + p.ring, true
}

// EstimateAnswer returns the estimated time until an offered entry is
// answered: what is left of the queue's answer delay (see EstimateWait),
// never negative. It is 0 for other states.
func (e *Engine) EstimateAnswer(ctx context.Context, q *Queue, en *Entry) time.Duration {
	if en.State != EntryOffered {
		return 0
	}
	return max(e.pace(ctx, q).ring-e.clock.Now().Sub(en.OfferedAt), 0)
}
