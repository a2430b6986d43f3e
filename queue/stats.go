package queue

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Seconds is a duration rendered in JSON as (fractional) seconds.
type Seconds time.Duration

// MarshalJSON renders the duration in seconds, e.g. 12.5.
func (s Seconds) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, time.Duration(s).Seconds(), 'f', -1, 64), nil
}

// Stats are a queue's statistics over entries that joined in [From, To),
// plus live figures. Definitions (all over that window):
//   - wait: from joining until answered (accepted) or, for entries that
//     ended unanswered, until they ended; AvgWait is its mean over entries
//     that are no longer waiting.
//   - ASA (average speed of answer): mean join → answer of answered entries.
//   - AHT (average handle time): mean answer → end of completed entries.
//   - AbandonmentRate: abandoned / (answered + abandoned); 0 when both are 0.
//   - ServiceLevel: answered within the threshold / (answered + abandoned
//     after the threshold); callers who hang up before the threshold do not
//     count against it. 1 when the denominator is 0.
type Stats struct {
	QueueID string    `json:"queue_id"`
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
	AvgWait Seconds `json:"avg_wait"`
	ASA     Seconds `json:"asa"`
	AHT     Seconds `json:"aht"`
	// Rates in [0, 1].
	AbandonmentRate       float64 `json:"abandonment_rate"`
	ServiceLevel          float64 `json:"service_level"`
	ServiceLevelThreshold Seconds `json:"service_level_threshold"`
	// PerHost has one row per host that answered in the window.
	PerHost []HostStats `json:"per_host"`
	// Hourly has one row per local hour (queue zone) with joins.
	Hourly []HourStats `json:"hourly"`
}

// HostStats are one host's figures in the window.
type HostStats struct {
	HostID    string  `json:"host_id"`
	Answered  int     `json:"answered"`
	Completed int     `json:"completed"`
	ASA       Seconds `json:"asa"`
	AHT       Seconds `json:"aht"`
}

// HourStats are the figures of entries that joined in one local hour.
type HourStats struct {
	Hour      time.Time `json:"hour"`
	Joined    int       `json:"joined"`
	Answered  int       `json:"answered"`
	Abandoned int       `json:"abandoned"`
	AvgWait   Seconds   `json:"avg_wait"`
	ASA       Seconds   `json:"asa"`
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
	var wait, asa, aht mean
	slHit, slDen := 0, 0
	type hostAcc struct {
		answered, completed int
		asa, aht            mean
	}
	per := map[string]*hostAcc{}
	type hourAcc struct {
		joined, answered, abandoned int
		wait, asa                   mean
	}
	hourly := map[time.Time]*hourAcc{}
	for i := range entries {
		en := &entries[i]
		st.Joined++
		l := en.CreatedAt.In(loc)
		hk := time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), 0, 0, 0, loc)
		ha := hourly[hk]
		if ha == nil {
			ha = &hourAcc{}
			hourly[hk] = ha
		}
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
			if d <= sl {
				slHit++
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
				pa.aht.add(en.EndedAt.Sub(en.AnsweredAt))
			}
		}
		switch en.State {
		case EntryCompleted:
			st.Completed++
			if answered {
				aht.add(en.EndedAt.Sub(en.AnsweredAt))
			}
		case EntryAbandoned:
			if !answered {
				st.Abandoned++
				ha.abandoned++
				if en.EndedAt.Sub(en.CreatedAt) > sl {
					slDen++
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
	st.AvgWait, st.ASA, st.AHT = wait.get(), asa.get(), aht.get()
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
	slices.SortFunc(st.PerHost, func(a, b HostStats) int { return strings.Compare(a.HostID, b.HostID) })
	st.Hourly = []HourStats{}
	for h, ha := range hourly {
		st.Hourly = append(st.Hourly, HourStats{Hour: h, Joined: ha.joined, Answered: ha.answered, Abandoned: ha.abandoned, AvgWait: ha.wait.get(), ASA: ha.asa.get()})
	}
	slices.SortFunc(st.Hourly, func(a, b HourStats) int { return a.Hour.Compare(b.Hour) })
	return st
}

// Stats computes the statistics of queueID over entries that joined in
// [from, to). Errors: ErrNotFound, ErrInvalid (to before from).
func (e *Engine) Stats(ctx context.Context, queueID string, from, to time.Time) (Stats, error) {
	if to.Before(from) {
		return Stats{}, fmt.Errorf("queue: stats window ends before it starts: %w", ErrInvalid)
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

// EstimateWait returns the estimated wait of the caller at 1-based
// position pos in queue q, and false when no host is staffed:
//
//	EWT(pos) = ceil(pos / n) × AHT
//
// where n is the number of hosts serving the queue now (Host.Serves) that
// are staffed (available, offered, in_call or wrap_up) and AHT is the mean handle time
// (answer → end, plus the queue's wrap-up time) of the last 20 entries
// completed in the past 24 hours, or the engine's default handle time
// (5 minutes) when there are none. A caller at position 1 with a free host
// therefore sees one AHT at most; the estimate is deliberately simple and
// errs long rather than short. AHT is cached per queue for 15 seconds.
func (e *Engine) EstimateWait(ctx context.Context, q *Queue, pos, staffed int) (time.Duration, bool) {
	if staffed <= 0 || pos <= 0 {
		return 0, false
	}
	aht := e.recentAHT(ctx, q)
	rounds := int(math.Ceil(float64(pos) / float64(staffed)))
	return time.Duration(rounds) * aht, true
}

func (e *Engine) recentAHT(ctx context.Context, q *Queue) time.Duration {
	now := e.clock.Now()
	e.mu.Lock()
	c, ok := e.ahtCache[q.ID]
	e.mu.Unlock()
	if ok && now.Sub(c.at) < 15*time.Second {
		return c.aht
	}
	aht := e.defaultAHT
	done, err := e.store.ListEntries(ctx, EntryFilter{QueueID: q.ID, States: []EntryState{EntryCompleted}, CreatedFrom: now.Add(-24 * time.Hour)})
	if err == nil && len(done) > 0 {
		slices.SortFunc(done, func(a, b Entry) int { return b.EndedAt.Compare(a.EndedAt) })
		var m mean
		for _, en := range done[:min(len(done), e.ahtWindow)] {
			if !en.AnsweredAt.IsZero() {
				m.add(en.EndedAt.Sub(en.AnsweredAt) + q.Timeouts.WrapUp)
			}
		}
		if m.n > 0 {
			aht = time.Duration(m.get())
		}
	}
	e.mu.Lock()
	e.ahtCache[q.ID] = ahtSample{at: now, aht: aht}
	e.mu.Unlock()
	return aht
}

// csvHeader is the column list of WriteCSV.
var csvHeader = []string{"id", "queue_id", "seq", "state", "reason", "caller_id", "caller_name", "guest", "priority",
	"host_id", "created_at", "offered_at", "answered_at", "started_at", "ended_at", "wait_s", "handle_s", "intake"}

// csvSafe defuses spreadsheet formula injection (OWASP "CSV injection"):
// a cell starting with = + - @ tab or CR gets a leading apostrophe.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteCSV writes entries as CSV (RFC 4180) with a header row; times are
// RFC 3339 in loc, durations in seconds, intake as a JSON object. Cells
// from callers are defused against formula injection.
func WriteCSV(w io.Writer, entries []Entry, loc *time.Location) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return fmt.Errorf("queue: csv: %w", err)
	}
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format(time.RFC3339)
	}
	for i := range entries {
		en := &entries[i]
		reason := ""
		if n := len(en.History); n > 0 {
			reason = en.History[n-1].Reason
		}
		wait, handle := "", ""
		if d, ok := waitOf(en); ok {
			wait = strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
		}
		if !en.AnsweredAt.IsZero() && !en.EndedAt.IsZero() {
			handle = strconv.FormatFloat(en.EndedAt.Sub(en.AnsweredAt).Seconds(), 'f', 3, 64)
		}
		intake := ""
		if len(en.Intake) > 0 {
			b, _ := json.Marshal(en.Intake) // map[string]string always marshals
			intake = string(b)
		}
		row := []string{en.ID, en.QueueID, strconv.FormatInt(en.Seq, 10), en.State.String(), reason,
			csvSafe(en.CallerID), csvSafe(en.CallerName), strconv.FormatBool(en.Guest), strconv.Itoa(en.Priority),
			en.HostID, ts(en.CreatedAt), ts(en.OfferedAt), ts(en.AnsweredAt), ts(en.StartedAt), ts(en.EndedAt),
			wait, handle, csvSafe(intake)}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("queue: csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("queue: csv: %w", err)
	}
	return nil
}
