package queue_test

import (
	"cmp"
	"math"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
	"github.com/frontdesk/frontdesk/queue/queuetest"
)

func TestComputeStats(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC) // 10:00 Berlin
	q := queue.Queue{ID: "q", Hours: hours.Schedule{Zone: "Europe/Berlin"}, ServiceLevelThreshold: 30 * time.Second}
	sec := func(n int) time.Duration { return time.Duration(n) * time.Second }
	ent := func(host string, state queue.EntryState, joined, answered, ended time.Duration) queue.Entry {
		en := queue.Entry{QueueID: "q", HostID: queue.HostID(host), State: state, CreatedAt: t0.Add(joined)}
		if answered >= 0 {
			en.AnsweredAt = t0.Add(answered)
		}
		if ended >= 0 {
			en.EndedAt = t0.Add(ended)
		}
		return en
	}
	entries := []queue.Entry{
		ent("h1", queue.EntryCompleted, 0, sec(10), sec(310)),                 // ASA 10, AHT 300, in SL
		ent("h1", queue.EntryCompleted, sec(60), sec(110), sec(210)),          // ASA 50, AHT 100, out of SL
		ent("h2", queue.EntryCompleted, sec(120), sec(140), sec(440)),         // ASA 20, AHT 300, in SL
		ent("", queue.EntryAbandoned, time.Hour, -1, time.Hour+sec(20)),       // short abandon: not in SL
		ent("", queue.EntryAbandoned, time.Hour, -1, time.Hour+sec(100)),      // abandon after SL
		ent("", queue.EntryExpired, time.Hour+sec(1), -1, time.Hour+sec(601)), // wait 600
	}
	waiting := []queue.Entry{{CreatedAt: t0.Add(2 * time.Hour)}, {CreatedAt: t0.Add(2*time.Hour + sec(30))}}
	hosts := []queue.Host{{ID: "h1", State: queue.HostAvailable}, {ID: "h2", State: queue.HostInCall}, {ID: "h3", State: queue.HostAway},
		{ID: "h4", State: queue.HostAvailable, Serving: []queue.QueueID{"other"}}} // not serving q now
	now := t0.Add(2*time.Hour + sec(90))
	st := queue.ComputeStats(&q, entries, waiting, hosts, t0, t0.Add(24*time.Hour), now)

	checks := []struct {
		name      string
		got, want float64
	}{
		{"waiting now", float64(st.WaitingNow), 2},
		{"longest wait now", time.Duration(st.LongestWaitNow).Seconds(), 90},
		{"hosts available", float64(st.HostsAvailable), 1},
		{"hosts staffed", float64(st.HostsStaffed), 2},
		{"joined", float64(st.Joined), 6},
		{"answered", float64(st.Answered), 3},
		{"abandoned", float64(st.Abandoned), 2},
		{"expired", float64(st.Expired), 1},
		{"ASA", time.Duration(st.ASA).Seconds(), (10 + 50 + 20) / 3.0},
		{"AHT", time.Duration(st.AHT).Seconds(), (300 + 100 + 300) / 3.0},
		{"avg wait", time.Duration(st.AvgWait).Seconds(), (10 + 50 + 20 + 20 + 100 + 600) / 6.0},
		{"abandonment rate", st.AbandonmentRate, 2.0 / 5.0},
		{"service level", st.ServiceLevel, 2.0 / 4.0}, // 2 in SL of 3 answered + 1 late abandon
		{"hourly rows", float64(len(st.Hourly)), 2},
		{"per host rows", float64(len(st.PerHost)), 2},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if math.Abs(c.got-c.want) > 1e-3 {
				t.Fatalf("%s = %v, want %v", c.name, c.got, c.want)
			}
		})
	}
	if h := st.Hourly[0]; h.Hour.Hour() != 10 || h.Hour.Location().String() != "Europe/Berlin" || h.Joined != 3 || h.Answered != 3 {
		t.Fatalf("first hour = %+v", h)
	}
	if p := st.PerHost[0]; p.HostID != "h1" || p.Answered != 2 || time.Duration(p.AHT) != 200*time.Second {
		t.Fatalf("per host h1 = %+v", p)
	}
	empty := queue.ComputeStats(&q, nil, nil, nil, t0, t0, now)
	if empty.ServiceLevel != 1 || empty.AbandonmentRate != 0 || empty.PerHost == nil || empty.Hourly == nil {
		t.Fatalf("empty stats = %+v", empty)
	}
}

func TestEstimateWait(t *testing.T) {
	env := queuetest.NewEnv(t, queue.NewMemoryStore(), monday10)
	now := env.Clock.Now()
	ring := queue.DefaultRingTime
	q := queue.Queue{ID: "q", HandleTime: 4 * time.Minute}
	host := func(id string, s queue.HostState, since time.Duration) queue.Host {
		return queue.Host{ID: queue.HostID(id), Queues: []queue.QueueID{"q"}, State: s, StateSince: now.Add(-since)}
	}
	notServing := host("x", queue.HostAvailable, 0)
	notServing.Serving = []queue.QueueID{}
	tests := []struct {
		name   string
		pos    int
		hosts  []queue.Host
		want   time.Duration
		wantOK bool
	}{
		{"no hosts", 1, nil, 0, false},
		{"only a host not serving", 1, []queue.Host{notServing}, 0, false},
		{"away host", 1, []queue.Host{host("a", queue.HostAway, 0)}, 0, false},
		{"first with a free host", 1, []queue.Host{host("a", queue.HostAvailable, 0)}, ring, true},
		{"free host not serving does not count", 1, []queue.Host{notServing, host("a", queue.HostInCall, time.Minute)}, 3*time.Minute + ring, true},
		{"first behind a call one minute in", 1, []queue.Host{host("a", queue.HostInCall, time.Minute)}, 3*time.Minute + ring, true},
		{"second behind a call", 2, []queue.Host{host("a", queue.HostInCall, time.Minute)}, 3*time.Minute + ring + 4*time.Minute + ring, true},
		{"overdue call counts a tenth", 1, []queue.Host{host("a", queue.HostInCall, 10*time.Minute)}, 24*time.Second + ring, true},
		{"two hosts, third in line", 3, []queue.Host{host("a", queue.HostInCall, time.Minute), host("b", queue.HostInCall, 3*time.Minute)},
			time.Minute + ring + 4*time.Minute + ring, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := env.Engine.EstimateWait(t.Context(), &q, tc.pos, tc.hosts)
			if got != tc.want || ok != tc.wantOK {
				t.Fatalf("EstimateWait(%d) = %s %v, want %s %v", tc.pos, got, ok, tc.want, tc.wantOK)
			}
		})
	}
	// The first ended call counts within a second even when another
	// replica ended it (on this engine at once), blended with the prior as
	// two calls' worth: (2×4m + 1m) / 3 = 3m; it was answered
	// 5 s after the offer, as the answer delay prior says.
	free := []queue.Host{host("a", queue.HostInCall, 0)}
	if got, _ := env.Engine.EstimateWait(t.Context(), &q, 1, free); got != 4*time.Minute+ring {
		t.Fatalf("before any call: %s, want the prior 4m + %s", got, ring)
	}
	s := env.Engine.Store()
	en := queue.Entry{ID: "a", QueueID: "q", HostID: "a", State: queue.EntryCompleted, CreatedAt: now.Add(-time.Hour),
		OfferedAt: now.Add(-time.Hour), AnsweredAt: now.Add(-time.Hour + 5*time.Second), EndedAt: now.Add(-time.Hour + 5*time.Second + time.Minute)}
	if _, err := s.CreateEntry(t.Context(), en); err != nil {
		t.Fatal(err)
	}
	env.Clock.Advance(time.Second)                      // written straight to the store, as by another replica
	free = []queue.Host{host("a", queue.HostInCall, 0)} // in the call for 1 s by now
	if got, _ := env.Engine.EstimateWait(t.Context(), &q, 1, free); got != 3*time.Minute+4*time.Second {
		t.Fatalf("after one call: %s, want 3m4s (handle 3m - 1s in the call + answer delay 5s)", got)
	}
}

func TestComputeStatsHourly(t *testing.T) {
	day := func(h, m, s int) time.Time { return time.Date(2026, 6, 1, h, m, s, 0, time.UTC) }
	type step struct {
		state queue.EntryState
		at    time.Time
	}
	// entry builds an entry from its history as the engine would record it.
	entry := func(steps ...step) queue.Entry {
		en := queue.Entry{QueueID: "q", CreatedAt: steps[0].at}
		for _, s := range steps {
			en.History = append(en.History, queue.Transition{State: s.state, At: s.at})
			en.State = s.state
			switch s.state {
			case queue.EntryOffered:
				en.OfferedAt = s.at
			case queue.EntryConnecting:
				en.AnsweredAt = s.at
			case queue.EntryCompleted, queue.EntryAbandoned, queue.EntryExpired:
				en.EndedAt = s.at
			}
		}
		return en
	}
	W, O, C, I := queue.EntryWaiting, queue.EntryOffered, queue.EntryConnecting, queue.EntryInCall
	done, gone := queue.EntryCompleted, queue.EntryAbandoned
	const none = -1.0 // ServiceLevel nil
	type row struct {
		hour      time.Time
		joined    int
		sl        float64
		max       int
		avg       float64
		localHour int // 0: not checked
	}
	tests := []struct {
		name          string
		zone          string
		threshold     time.Duration
		entries       []queue.Entry
		from, to, now time.Time
		want          []row
	}{
		{
			// E1 waits 10:30–11:15, E2 10:45–11:00: hour 10 has one caller for
			// 15 min and two for 15 min (45 caller-minutes), hour 11 one for 15.
			// E1 answered after 45 min and E2 abandoned after 15: both miss.
			name: "entries straddling the hour boundary", threshold: 30 * time.Second,
			entries: []queue.Entry{
				entry(step{W, day(10, 30, 0)}, step{O, day(11, 15, 0)}, step{C, day(11, 15, 10)}, step{I, day(11, 15, 12)}, step{done, day(11, 20, 0)}),
				entry(step{W, day(10, 45, 0)}, step{gone, day(11, 0, 0)}),
			},
			from: day(0, 0, 0), to: day(23, 59, 0), now: day(12, 0, 0),
			want: []row{
				{hour: day(10, 0, 0), joined: 2, sl: 0, max: 2, avg: 45.0 / 60},
				{hour: day(11, 0, 0), joined: 0, sl: none, max: 1, avg: 15.0 / 60},
			},
		},
		{
			// E waits 10:00–10:10, is offered, returns to the head at 10:10:30
			// and waits until offered again at 10:20; F waits 10:05–10:15.
			// Seconds waiting: 300×1 + 300×2 + 30×1 + 270×2 + 300×1 = 1770.
			// F left before the 30 min threshold: it does not count; E is
			// answered after 20m05s: within.
			name: "offered then returned to the head", threshold: 30 * time.Minute,
			entries: []queue.Entry{
				entry(step{W, day(10, 0, 0)}, step{O, day(10, 10, 0)}, step{W, day(10, 10, 30)}, step{O, day(10, 20, 0)},
					step{C, day(10, 20, 5)}, step{I, day(10, 20, 7)}, step{done, day(10, 40, 0)}),
				entry(step{W, day(10, 5, 0)}, step{gone, day(10, 15, 0)}),
			},
			from: day(0, 0, 0), to: day(23, 59, 0), now: day(11, 30, 0),
			want: []row{{hour: day(10, 0, 0), joined: 2, sl: 1, max: 2, avg: 1770.0 / 3600}},
		},
		{
			// Nobody joins or waits in hour 10; G is still waiting at 11:50, so
			// hour 11 is observed for 50 min, 30 of them with G waiting.
			name: "an hour with nobody", threshold: 30 * time.Second,
			entries: []queue.Entry{
				entry(step{W, day(9, 10, 0)}, step{O, day(9, 10, 10)}, step{C, day(9, 10, 20)}, step{I, day(9, 10, 22)}, step{done, day(9, 15, 0)}),
				entry(step{W, day(11, 20, 0)}),
			},
			from: day(0, 0, 0), to: day(23, 59, 0), now: day(11, 50, 0),
			want: []row{
				{hour: day(9, 0, 0), joined: 1, sl: 1, max: 1, avg: 10.0 / 3600},
				{hour: day(10, 0, 0), joined: 0, sl: none, max: 0, avg: 0},
				{hour: day(11, 0, 0), joined: 1, sl: none, max: 1, avg: 30.0 / 50},
			},
		},
		{
			// A disconnect and resume within the grace keep the caller waiting.
			name: "a paused caller still waits", threshold: 30 * time.Second,
			entries: []queue.Entry{
				entry(step{W, day(10, 0, 0)}, step{W, day(10, 10, 0)}, step{W, day(10, 12, 0)}, step{gone, day(10, 30, 0)}),
			},
			from: day(0, 0, 0), to: day(23, 59, 0), now: day(12, 0, 0),
			want: []row{{hour: day(10, 0, 0), joined: 1, sl: 0, max: 1, avg: 0.5}},
		},
		{
			// Three callers at once for a moment only: 10:00–10:20 A, 10:20–10:40
			// B (A leaves as B joins: never two), 10:30–10:31 C with B.
			name: "a caller leaving as another joins is not a peak", threshold: time.Hour,
			entries: []queue.Entry{
				entry(step{W, day(10, 0, 0)}, step{gone, day(10, 20, 0)}),
				entry(step{W, day(10, 20, 0)}, step{gone, day(10, 40, 0)}),
				entry(step{W, day(10, 30, 0)}, step{gone, day(10, 31, 0)}),
			},
			from: day(0, 0, 0), to: day(23, 59, 0), now: day(12, 0, 0),
			want: []row{{hour: day(10, 0, 0), joined: 3, sl: 1, max: 2, avg: 41.0 / 60}},
		},
		{
			// Berlin falls back at 03:00 CEST (01:00 UTC): 02:00–03:00 local
			// happens twice. The caller waits 02:30 CEST–02:30 CET.
			name: "daylight-saving fall-back hour twice", zone: "Europe/Berlin", threshold: 30 * time.Second,
			entries: []queue.Entry{
				entry(step{W, time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)}, step{gone, time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC)}),
			},
			from: time.Date(2026, 10, 24, 0, 0, 0, 0, time.UTC), to: time.Date(2026, 10, 26, 0, 0, 0, 0, time.UTC),
			now: time.Date(2026, 10, 25, 6, 0, 0, 0, time.UTC),
			want: []row{
				{hour: time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC), joined: 1, sl: 0, max: 1, avg: 0.5, localHour: 2},
				{hour: time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC), joined: 0, sl: none, max: 1, avg: 0.5, localHour: 2},
			},
		},
		{
			// Nepal is UTC+05:45: local hours start at :15 UTC.
			name: "zone with a quarter-hour offset", zone: "Asia/Kathmandu", threshold: 30 * time.Second,
			entries: []queue.Entry{entry(step{W, day(4, 0, 0)}, step{gone, day(4, 30, 0)})},
			from:    day(0, 0, 0), to: day(23, 59, 0), now: day(12, 0, 0),
			want: []row{
				{hour: day(3, 15, 0), joined: 1, sl: 0, max: 1, avg: 15.0 / 60, localHour: 9},
				{hour: day(4, 15, 0), joined: 0, sl: none, max: 1, avg: 15.0 / 60, localHour: 10},
			},
		},
		{
			// Without history: CreatedAt until OfferedAt.
			name: "entry without history", threshold: 30 * time.Second,
			entries: []queue.Entry{{QueueID: "q", State: done, CreatedAt: day(10, 0, 0), OfferedAt: day(10, 6, 0),
				AnsweredAt: day(10, 6, 10), EndedAt: day(10, 20, 0)}},
			from: day(0, 0, 0), to: day(23, 59, 0), now: day(12, 0, 0),
			want: []row{{hour: day(10, 0, 0), joined: 1, sl: 0, max: 1, avg: 0.1}},
		},
		{
			// The window ends at 10:30: the caller still waiting counts until
			// then, and the hour is observed for its first 30 min only.
			name: "clipped to the window", threshold: 30 * time.Second,
			entries: []queue.Entry{entry(step{W, day(10, 20, 0)})},
			from:    day(10, 0, 0), to: day(10, 30, 0), now: day(12, 0, 0),
			want: []row{{hour: day(10, 0, 0), joined: 1, sl: none, max: 1, avg: 1.0 / 3}},
		},
		{
			name: "nobody at all", threshold: 30 * time.Second,
			from: day(0, 0, 0), to: day(23, 59, 0), now: day(12, 0, 0),
			want: []row{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := queue.Queue{ID: "q", Hours: hours.Schedule{Zone: cmp.Or(tc.zone, "UTC")}, ServiceLevelThreshold: tc.threshold}
			st := queue.ComputeStats(&q, tc.entries, nil, nil, tc.from, tc.to, tc.now)
			if len(st.Hourly) != len(tc.want) {
				t.Fatalf("%d hourly rows, want %d: %+v", len(st.Hourly), len(tc.want), st.Hourly)
			}
			for i, w := range tc.want {
				g := st.Hourly[i]
				sl := none
				if g.ServiceLevel != nil {
					sl = *g.ServiceLevel
				}
				if !g.Hour.Equal(w.hour) || g.Joined != w.joined || math.Abs(sl-w.sl) > 1e-9 || g.MaxWaiting != w.max ||
					math.Abs(g.AvgWaiting-w.avg) > 1e-9 || (w.localHour != 0 && g.Hour.Hour() != w.localHour) {
					t.Errorf("row %d = {hour %s joined %d sl %v max %d avg %v}, want {hour %s joined %d sl %v max %d avg %v local hour %d}",
						i, g.Hour, g.Joined, sl, g.MaxWaiting, g.AvgWaiting, w.hour, w.joined, w.sl, w.max, w.avg, w.localHour)
				}
			}
		})
	}
}

// BenchmarkComputeStats computes a day's statistics over 10,000 answered
// entries (each with a waiting, offered, connecting and completed
// transition) spread over 24 hours: the admin dashboard's work per refresh.
func BenchmarkComputeStats(b *testing.B) {
	const n = 10000
	t0 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	q := queue.Queue{ID: "q", Hours: hours.Schedule{Zone: "Europe/Berlin"}, ServiceLevelThreshold: 30 * time.Second}
	entries := make([]queue.Entry, n)
	for i := range entries {
		j := t0.Add(time.Duration(i) * 24 * time.Hour / n)
		w := time.Duration(i%120) * time.Second
		entries[i] = queue.Entry{QueueID: "q", HostID: "h", State: queue.EntryCompleted, CreatedAt: j, OfferedAt: j.Add(w),
			AnsweredAt: j.Add(w + 5*time.Second), EndedAt: j.Add(w + 5*time.Minute), History: []queue.Transition{
				{State: queue.EntryWaiting, At: j}, {State: queue.EntryOffered, At: j.Add(w)},
				{State: queue.EntryConnecting, At: j.Add(w + 5*time.Second)}, {State: queue.EntryCompleted, At: j.Add(w + 5*time.Minute)}}}
	}
	now := t0.Add(24 * time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		st := queue.ComputeStats(&q, entries, nil, nil, t0, now, now)
		if len(st.Hourly) != 24 {
			b.Fatalf("%d hourly rows", len(st.Hourly))
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// TestAHTIncludesWrapUp: handle time is talk time plus wrap-up. One call
// talks 3 minutes and the host ends wrap-up after 20 s; the other talks 1
// minute and its wrap-up runs to the queue's 1-minute timeout.
func TestAHTIncludesWrapUp(t *testing.T) {
	h := newHarness(t, queue.ModeAuto, wrapUp) // wrap-up timeout 1 min
	h.host("h1")
	first := h.join("c1", 0).Entry.ID
	second := h.join("c2", 0).Entry.ID
	if got := h.take("h1"); got != first {
		t.Fatalf("took %s, want %s", got, first)
	}
	h.env.Clock.Advance(3 * time.Minute)
	h.finish("h1", first)
	h.env.Clock.Advance(20 * time.Second)
	// Going available ends the wrap-up and brings the second offer.
	if got := h.take("h1"); got != second {
		t.Fatalf("took %s, want %s", got, second)
	}
	h.env.Clock.Advance(time.Minute)
	h.finish("h1", second)
	h.sweep(61 * time.Second) // the wrap-up timeout passes

	for _, tc := range []struct {
		name     string
		id       string
		wantWrap time.Duration
	}{{"ended by the host", string(first), 20 * time.Second}, {"ended by the timeout", string(second), 61 * time.Second}} {
		en := h.entry(queue.EntryID(tc.id))
		if got := en.WrapUpEndedAt.Sub(en.EndedAt); got != tc.wantWrap {
			t.Errorf("%s: wrap-up recorded %s, want %s", tc.name, got, tc.wantWrap)
		}
	}
	now := h.env.Clock.Now()
	st, err := h.eng.Stats(t.Context(), h.q.ID, now.Add(-time.Hour), now.Add(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	sec := func(d time.Duration) queue.Seconds { return queue.Seconds(d) }
	if st.AvgTalk != sec(2*time.Minute) || st.AvgWrapUp != sec(40500*time.Millisecond) || st.AHT != sec(160500*time.Millisecond) {
		t.Fatalf("talk %v, wrap-up %v, AHT %v; want 2m, 40.5s, 2m40.5s", time.Duration(st.AvgTalk), time.Duration(st.AvgWrapUp), time.Duration(st.AHT))
	}
	if len(st.PerHost) != 1 || st.PerHost[0].AHT != st.AHT {
		t.Fatalf("per host %+v, want h1 with AHT %v", st.PerHost, time.Duration(st.AHT))
	}
}
