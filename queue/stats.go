package queue

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"time"
)

// Seconds is a duration rendered in JSON as (fractional) seconds.
type Seconds time.Duration

// MarshalJSON renders the duration in seconds, e.g. 12.5.
func (s Seconds) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, time.Duration(s).Seconds(), 'f', -1, 64), nil
}

// UnmarshalJSON parses (fractional) seconds, 0–1e9. Anything else is a
// *json.UnmarshalTypeError, which encoding/json completes with the path of
// the field at fault (e.g. "timeouts.offer").
func (s *Seconds) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || f < 0 || f > 1e9 {
		what := "number " + string(b)
		if err != nil {
			what = jsonKind(b)
		}
		return &json.UnmarshalTypeError{Value: what, Type: reflect.TypeFor[Seconds]()}
	}
	*s = Seconds(time.Duration(f * float64(time.Second)))
	return nil
}

// jsonKind names the kind of a JSON value for an error message.
func jsonKind(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

// Stats are a queue's statistics over entries that joined in [From, To),
// plus live figures. Definitions (all over that window):
//   - wait: from joining until answered (accepted) or, for entries that
//     ended unanswered, until they ended; AvgWait is its mean over entries
//     that are no longer waiting.
//   - ASA (average speed of answer): mean join → answer of answered entries.
//   - talk time of a completed entry: answer → end (EndedAt − AnsweredAt);
//     AvgTalk is its mean over completed answered entries.
//   - wrap-up of a completed entry: end → the host leaving wrap-up
//     (WrapUpEndedAt − EndedAt); while the host is still wrapping up, or
//     when that time was not recorded, the queue's wrap-up timeout, cut
//     at now. AvgWrapUp is its mean over the same entries.
//   - AHT (average handle time), as contact centers define it: talk time
//     plus wrap-up, averaged over completed answered entries (AvgTalk +
//     AvgWrapUp).
//   - AbandonmentRate: abandoned / (answered + abandoned); 0 when both are 0.
//   - ServiceLevel: answered within ServiceLevelThreshold / (answered +
//     abandoned after the threshold); callers who hang up before the
//     threshold do not count against it. 1 when the denominator is 0.
//   - waiting intervals (for HourStats.MaxWaiting and AvgWaiting): from the
//     entry's History, a caller waits from each transition into waiting
//     (the join, or a return to the queue after an offer timed out or was
//     declined) until the next transition into any other state (offered,
//     picked, or a final state such as left or expired). Paused entries
//     (caller disconnected within the grace) still wait. An entry still
//     waiting waits until min(To, now); intervals are clipped to
//     [From, min(To, now)). Entries without History wait from CreatedAt
//     until the first of OfferedAt, AnsweredAt and EndedAt that is set.
//     Only entries that joined in the window count, so callers who joined
//     before From are not in the first hour's figures.
type Stats struct {
	QueueID QueueID   `json:"queue_id"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	// Live figures at To (or now).
	WaitingNow     int     `json:"waiting_now"`
	LongestWaitNow Seconds `json:"longest_wait_now"`
	HostsAvailable int     `json:"hosts_available"`
	HostsStaffed   int     `json:"hosts_staffed"`
	// Counts by outcome.
	Joined    int `json:"joined"`
	Answered  int `json:"answered"`
	Completed int `json:"completed"`
	Abandoned int `json:"abandoned"`
	NoShow    int `json:"no_show"`
	Expired   int `json:"expired"`
	Removed   int `json:"removed"`
	// Averages.
	AvgWait   Seconds `json:"avg_wait"`
	ASA       Seconds `json:"asa"`
	AvgTalk   Seconds `json:"avg_talk"`
	AvgWrapUp Seconds `json:"avg_wrap_up"`
	AHT       Seconds `json:"aht"`
	// Rates in [0, 1].
	AbandonmentRate       float64 `json:"abandonment_rate"`
	ServiceLevel          float64 `json:"service_level"`
	ServiceLevelThreshold Seconds `json:"service_level_threshold"`
	// Callbacks are the queued callbacks that joined in the window,
	// counted apart: no other figure above (joined, answered, waits,
	// rates, per host, hourly) includes them.
	Callbacks CallbackStats `json:"callbacks"`
	// PerHost has one row per host that answered in the window.
	PerHost []HostStats `json:"per_host"`
	// Hourly has one row per local hour (queue zone), oldest first, from
	// the first hour with a join or a waiting caller to the last such hour;
	// hours in between with nobody are rows of zeros (ServiceLevel nil).
	Hourly []HourStats `json:"hourly"`
}

// CallbackStats are the figures of queued callbacks (entries with
// Entry.Callback) that joined in the window.
type CallbackStats struct {
	// Requested counts callbacks asked for.
	Requested int `json:"requested"`
	// Completed counts callbacks answered on the phone and ended.
	Completed int `json:"completed"`
	// NoAnswer and Busy count callbacks that ended so on their last
	// attempt; Other counts those that ended otherwise (the caller
	// cancelled, removed, expired).
	NoAnswer int `json:"no_answer"`
	Busy     int `json:"busy"`
	Other    int `json:"other"`
	// Attempts counts the dial attempts of all of them.
	Attempts int `json:"attempts"`
	// AvgTimeToAnswer is the mean time from the request to the caller
	// answering the phone, over the answered ones; 0 when none.
	AvgTimeToAnswer Seconds `json:"avg_time_to_answer"`
}

// add counts one callback entry.
func (cs *CallbackStats) add(en *Entry, toAnswer *mean) {
	cs.Requested++
	cs.Attempts += en.Callback.Attempts
	if !en.StartedAt.IsZero() {
		toAnswer.add(en.StartedAt.Sub(en.CreatedAt))
	}
	switch en.State {
	case EntryCompleted:
		cs.Completed++
	case EntryNoAnswer:
		cs.NoAnswer++
	case EntryBusy:
		cs.Busy++
	case EntryAbandoned, EntryRemoved, EntryExpired, EntryNoShow:
		cs.Other++
	}
}

// HostStats are one host's figures in the window (ASA and AHT as on
// Stats, over the entries the host answered).
type HostStats struct {
	HostID    HostID  `json:"host_id"`
	Answered  int     `json:"answered"`
	Completed int     `json:"completed"`
	ASA       Seconds `json:"asa"`
	AHT       Seconds `json:"aht"`
}

// HourStats are one local hour's figures (queue zone): the outcome counts,
// waits and service level of the entries that joined in that hour, and the
// number of callers waiting during it (from the waiting intervals defined
// on Stats, whichever hour the callers joined in).
type HourStats struct {
	// Hour is the start of the local hour, in the queue's zone. On a
	// daylight-saving fall-back day the repeated local hour is two rows.
	Hour time.Time `json:"hour"`
	// Joined, Answered and Abandoned count entries that joined in the hour
	// (Abandoned: abandoned without being answered, as Stats.Abandoned).
	Joined    int `json:"joined"`
	Answered  int `json:"answered"`
	Abandoned int `json:"abandoned"`
	// AvgWait and ASA are Stats.AvgWait and Stats.ASA over those entries.
	AvgWait Seconds `json:"avg_wait"`
	ASA     Seconds `json:"asa"`
	// ServiceLevel in [0, 1] is Stats.ServiceLevel over those entries
	// (same threshold; 1 when every abandon was before the threshold); nil
	// (JSON null) when none of them was answered or abandoned.
	ServiceLevel *float64 `json:"service_level"`
	// MaxWaiting is the peak number of callers waiting at once during the
	// hour (a peak lasting any positive time counts; a caller leaving as
	// another joins at the same instant is not counted twice).
	MaxWaiting int `json:"max_waiting"`
	// AvgWaiting is the time-weighted mean number of callers waiting:
	// the sum of all waiting time inside the hour divided by the part of
	// the hour inside [From, min(To, now)) (the whole hour for a past hour,
	// the elapsed part for the current one); 0 when that part is empty.
	AvgWaiting float64 `json:"avg_waiting"`
}

// hourStart returns the start of the local hour (in loc) holding t, in
// loc. It works for zones whose offset is not whole hours and keeps the
// two instances of a repeated hour (daylight-saving fall-back) apart.
func hourStart(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return l.Add(-(time.Duration(l.Minute())*time.Minute + time.Duration(l.Second())*time.Second + time.Duration(l.Nanosecond())))
}

// nextHour returns the start of the local hour after the one starting at h.
func nextHour(h time.Time, loc *time.Location) time.Time {
	return hourStart(h.Add(time.Hour), loc)
}

// span is a half-open interval [from, to) of time.
type span struct{ from, to time.Time }

// waitingSpans appends en's waiting intervals (see Stats), clipped to
// [lo, hi), to out; empty intervals are left out.
func waitingSpans(out []span, en *Entry, lo, hi time.Time) []span {
	add := func(a, b time.Time) {
		a, b = maxTime(a, lo), minTime(b, hi)
		if a.Before(b) {
			out = append(out, span{a, b})
		}
	}
	if len(en.History) == 0 {
		end := hi
		for _, t := range []time.Time{en.OfferedAt, en.AnsweredAt, en.EndedAt} {
			if !t.IsZero() {
				end = t
				break
			}
		}
		if end != hi || en.State == EntryWaiting {
			add(en.CreatedAt, end)
		}
		return out
	}
	var start time.Time
	waiting := false
	for _, tr := range en.History {
		switch {
		case tr.State == EntryWaiting && !waiting:
			start, waiting = tr.At, true
		case tr.State != EntryWaiting && waiting:
			add(start, tr.At)
			waiting = false
		}
	}
	if waiting {
		add(start, hi)
	}
	return out
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// hourAcc accumulates one HourStats row.
type hourAcc struct {
	hour                        time.Time
	joined, answered, abandoned int
	wait, asa                   mean
	slHit, slDen                int
	maxWaiting                  int
	waiting                     time.Duration // caller-time waiting in the hour
}

// hourTable holds the hourAccs of one ComputeStats, keyed by the hour's Unix
// second.
type hourTable struct {
	loc *time.Location
	m   map[int64]*hourAcc
}

func (hs *hourTable) at(t time.Time) *hourAcc {
	h := hourStart(t, hs.loc)
	a := hs.m[h.Unix()]
	if a == nil {
		a = &hourAcc{hour: h}
		hs.m[h.Unix()] = a
	}
	return a
}

// addWaiting adds the waiting intervals to the hours: a sweep over their
// ends gives the number waiting on each stretch between two ends, which is
// spread over the hours the stretch covers.
func (hs *hourTable) addWaiting(spans []span) {
	type edge struct {
		at time.Time
		d  int
	}
	edges := make([]edge, 0, 2*len(spans))
	for _, s := range spans {
		edges = append(edges, edge{s.from, +1}, edge{s.to, -1})
	}
	slices.SortFunc(edges, func(a, b edge) int { return a.at.Compare(b.at) })
	n := 0
	var cur *hourAcc     // the hour [cur.hour, curEnd) last added to
	var curEnd time.Time // edges are sorted, so hours are visited in order
	for i := 0; i < len(edges); {
		t := edges[i].at
		for ; i < len(edges) && edges[i].at.Equal(t); i++ {
			n += edges[i].d
		}
		if n == 0 || i == len(edges) {
			continue
		}
		end := edges[i].at
		for at := t; at.Before(end); at = curEnd {
			if cur == nil || !at.Before(curEnd) {
				cur = hs.at(at)
				curEnd = nextHour(cur.hour, hs.loc)
			}
			cur.waiting += time.Duration(n) * minTime(end, curEnd).Sub(at)
			cur.maxWaiting = max(cur.maxWaiting, n)
		}
	}
}

// rows returns one HourStats per hour from the first to the last hour in
// hs, empty hours included; observed [lo, hi) is the time the mean number
// waiting is taken over.
func (hs *hourTable) rows(lo, hi time.Time) []HourStats {
	out := []HourStats{}
	if len(hs.m) == 0 {
		return out
	}
	var first, last time.Time
	for _, a := range hs.m {
		if first.IsZero() || a.hour.Before(first) {
			first = a.hour
		}
		if a.hour.After(last) {
			last = a.hour
		}
	}
	for h := first; !h.After(last); h = nextHour(h, hs.loc) {
		a := hs.m[h.Unix()]
		if a == nil {
			a = &hourAcc{hour: h}
		}
		r := HourStats{Hour: a.hour, Joined: a.joined, Answered: a.answered, Abandoned: a.abandoned,
			AvgWait: a.wait.get(), ASA: a.asa.get(), MaxWaiting: a.maxWaiting}
		if a.answered+a.abandoned > 0 {
			sl := 1.0
			if a.slDen > 0 {
				sl = float64(a.slHit) / float64(a.slDen)
			}
			r.ServiceLevel = &sl
		}
		if obs := minTime(nextHour(h, hs.loc), hi).Sub(maxTime(h, lo)); obs > 0 {
			r.AvgWaiting = float64(a.waiting) / float64(obs)
		}
		out = append(out, r)
	}
	return out
}

type mean struct {
	sum time.Duration
	n   int
}

func (m *mean) add(d time.Duration) { m.sum += d; m.n++ }
func (m mean) get() Seconds {
	if m.n == 0 {
		return 0
	}
	return Seconds(m.sum / time.Duration(m.n))
}

// setLive sets the live figures (WaitingNow, LongestWaitNow,
// HostsAvailable, HostsStaffed) from the queue's waiting entries and its
// hosts at now; only hosts serving q now count (Serving nil or containing
// q.ID).
func (st *Stats) setLive(q *Queue, waiting []Entry, hosts []Host, now time.Time) {
	st.WaitingNow, st.LongestWaitNow, st.HostsAvailable, st.HostsStaffed = len(waiting), 0, 0, 0
	for _, en := range waiting {
		if w := now.Sub(en.CreatedAt); Seconds(w) > st.LongestWaitNow {
			st.LongestWaitNow = Seconds(w)
		}
	}
	for _, h := range hosts {
		if h.Serving != nil && !slices.Contains(h.Serving, q.ID) {
			continue // assigned but not serving it now (Host.Serving)
		}
		switch h.State {
		case HostAvailable:
			st.HostsAvailable++
			st.HostsStaffed++
		case HostOffered, HostInCall, HostWrapUp:
			st.HostsStaffed++
		}
	}
}

// waitOf is an entry's wait: join → answer, or join → end if unanswered;
// ok is false while it is still waiting.
func waitOf(en *Entry) (time.Duration, bool) {
	switch {
	case !en.AnsweredAt.IsZero():
		return en.AnsweredAt.Sub(en.CreatedAt), true
	case !en.EndedAt.IsZero():
		return en.EndedAt.Sub(en.CreatedAt), true
	}
	return 0, false
}

// ComputeStats computes Stats for q from entries that joined in [from, to),
// the queue's current waiting entries and hosts (those assigned to q), at
// now. HostsAvailable and HostsStaffed count only hosts serving q now
// (Serving nil or containing q.ID). It is pure so it
// can be tested on hand-made entries.
func ComputeStats(q *Queue, entries, waiting []Entry, hosts []Host, from, to, now time.Time) Stats {
	loc, err := q.Hours.Location()
	if err != nil {
		loc = time.UTC
	}
	sl := serviceLevel(q)
	st := Stats{QueueID: q.ID, From: from, To: to, ServiceLevelThreshold: Seconds(sl)}
	st.setLive(q, waiting, hosts, now)
	var wait, asa, aht, talks, wraps mean
	slHit, slDen := 0, 0
	type hostAcc struct {
		answered, completed int
		asa, aht            mean
	}
	per := map[HostID]*hostAcc{}
	hourly := hourTable{loc: loc, m: map[int64]*hourAcc{}}
	seen := minTime(to, now) // waiting is observed in [from, seen)
	var spans []span
	var cbAnswer mean
	for i := range entries {
		en := &entries[i]
		if en.Callback != nil {
			st.Callbacks.add(en, &cbAnswer)
			continue
		}
		st.Joined++
		spans = waitingSpans(spans, en, from, seen)
		ha := hourly.at(en.CreatedAt)
		ha.joined++
		if w, ok := waitOf(en); ok {
			wait.add(w)
			ha.wait.add(w)
		}
		answered := !en.AnsweredAt.IsZero()
		if answered {
			st.Answered++
			ha.answered++
			d := en.AnsweredAt.Sub(en.CreatedAt)
			asa.add(d)
			ha.asa.add(d)
			slDen++
			ha.slDen++
			if d <= sl {
				slHit++
				ha.slHit++
			}
			pa := per[en.HostID]
			if pa == nil {
				pa = &hostAcc{}
				per[en.HostID] = pa
			}
			pa.answered++
			pa.asa.add(d)
			if en.State == EntryCompleted {
				pa.completed++
				pa.aht.add(en.EndedAt.Sub(en.AnsweredAt) + wrapUpOf(q, en, now))
			}
		}
		switch en.State {
		case EntryCompleted:
			st.Completed++
			if answered {
				talk, wrap := en.EndedAt.Sub(en.AnsweredAt), wrapUpOf(q, en, now)
				talks.add(talk)
				wraps.add(wrap)
				aht.add(talk + wrap)
			}
		case EntryAbandoned:
			if !answered {
				st.Abandoned++
				ha.abandoned++
				if en.EndedAt.Sub(en.CreatedAt) > sl {
					slDen++
					ha.slDen++
				}
			}
		case EntryNoShow:
			st.NoShow++
		case EntryExpired:
			st.Expired++
		case EntryRemoved:
			st.Removed++
		}
	}
	st.Callbacks.AvgTimeToAnswer = cbAnswer.get()
	st.AvgWait, st.ASA, st.AHT = wait.get(), asa.get(), aht.get()
	st.AvgTalk, st.AvgWrapUp = talks.get(), wraps.get()
	if d := st.Answered + st.Abandoned; d > 0 {
		st.AbandonmentRate = float64(st.Abandoned) / float64(d)
	}
	st.ServiceLevel = 1
	if slDen > 0 {
		st.ServiceLevel = float64(slHit) / float64(slDen)
	}
	st.PerHost = []HostStats{}
	for id, pa := range per {
		st.PerHost = append(st.PerHost, HostStats{HostID: id, Answered: pa.answered, Completed: pa.completed, ASA: pa.asa.get(), AHT: pa.aht.get()})
	}
	slices.SortFunc(st.PerHost, func(a, b HostStats) int { return cmp.Compare(a.HostID, b.HostID) })
	hourly.addWaiting(spans)
	st.Hourly = hourly.rows(from, seen)
	return st
}

// Stats computes the statistics of queueID over entries that joined in
// [from, to). Errors: ErrNotFound, ErrInvalid (to before from).
func (e *Engine) Stats(ctx context.Context, queueID QueueID, from, to time.Time) (Stats, error) {
	if to.Before(from) {
		return Stats{}, &FieldError{Field: "to", Message: "The window ends before it starts."}
	}
	q, err := e.store.GetQueue(ctx, queueID)
	if err != nil {
		return Stats{}, fmt.Errorf("queue: stats: %w", err)
	}
	entries, err := e.store.ListEntries(ctx, EntryFilter{QueueID: queueID, CreatedFrom: from, CreatedTo: to})
	if err != nil {
		return Stats{}, fmt.Errorf("queue: stats: %w", err)
	}
	waiting, err := e.Waiting(ctx, queueID)
	if err != nil {
		return Stats{}, fmt.Errorf("queue: stats: %w", err)
	}
	hosts, err := e.store.ListHosts(ctx, HostFilter{QueueID: queueID})
	if err != nil {
		return Stats{}, fmt.Errorf("queue: stats: %w", err)
	}
	return ComputeStats(&q, entries, waiting, hosts, from, to, e.clock.Now()), nil
}

// wrapUpOf is the wrap-up after en's call (see Stats): WrapUpEndedAt −
// EndedAt when recorded, else q's wrap-up timeout cut at now.
func wrapUpOf(q *Queue, en *Entry, now time.Time) time.Duration {
	if !en.WrapUpEndedAt.IsZero() {
		return max(en.WrapUpEndedAt.Sub(en.EndedAt), 0)
	}
	return min(q.Timeouts.WrapUp, max(now.Sub(en.EndedAt), 0))
}

// WaitTime is how long en waited before it was answered or left (a
// waiting entry: so far is not counted), and false when it has not
// finished waiting. It is the wait that ASA and the service level count.
func (en *Entry) WaitTime() (time.Duration, bool) { return waitOf(en) }
