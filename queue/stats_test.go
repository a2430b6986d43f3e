package queue_test

import (
	"bytes"
	"encoding/csv"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
	"github.com/frontdesk/frontdesk/queue/queuetest"
)

func TestComputeStats(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC) // 10:00 Berlin
	q := queue.Queue{ID: "q", Hours: hours.Schedule{Zone: "Europe/Berlin"}, ServiceLevel: 30 * time.Second}
	sec := func(n int) time.Duration { return time.Duration(n) * time.Second }
	ent := func(host string, state queue.EntryState, joined, answered, ended time.Duration) queue.Entry {
		en := queue.Entry{QueueID: "q", HostID: host, State: state, CreatedAt: t0.Add(joined)}
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
		{ID: "h4", State: queue.HostAvailable, Serving: []string{"other"}}} // not serving q now
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
	env := queuetest.NewEnv(t, queue.NewMemoryStore(), monday10, queue.WithDefaultHandleTime(4*time.Minute))
	q := queue.Queue{ID: "q"}
	tests := []struct {
		name   string
		pos, n int
		want   time.Duration
		wantOK bool
	}{
		{"no hosts", 1, 0, 0, false},
		{"first with one host", 1, 1, 4 * time.Minute, true},
		{"third with two hosts", 3, 2, 8 * time.Minute, true},
		{"fourth with two hosts", 4, 2, 8 * time.Minute, true},
		{"fifth with two hosts", 5, 2, 12 * time.Minute, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := env.Engine.EstimateWait(t.Context(), &q, tc.pos, tc.n)
			if got != tc.want || ok != tc.wantOK {
				t.Fatalf("EstimateWait(%d, %d) = %s %v, want %s %v", tc.pos, tc.n, got, ok, tc.want, tc.wantOK)
			}
		})
	}
	// With completed calls the recent handle time replaces the default.
	s := env.Engine.Store()
	now := env.Clock.Now()
	for i, d := range []time.Duration{time.Minute, 3 * time.Minute} {
		en := queue.Entry{ID: string(rune('a' + i)), QueueID: "q2", State: queue.EntryCompleted, CreatedAt: now.Add(-time.Hour),
			AnsweredAt: now.Add(-time.Hour), EndedAt: now.Add(-time.Hour + d)}
		if _, err := s.CreateEntry(t.Context(), en); err != nil {
			t.Fatal(err)
		}
	}
	q2 := queue.Queue{ID: "q2", Timeouts: queue.Timeouts{WrapUp: time.Minute}}
	if got, _ := env.Engine.EstimateWait(t.Context(), &q2, 1, 1); got != 3*time.Minute {
		t.Fatalf("with history: %s, want 3m (mean 2m + 1m wrap-up)", got)
	}
}

func TestWriteCSV(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	entries := []queue.Entry{
		{ID: "e1", QueueID: "q", Seq: 1, State: queue.EntryCompleted, CallerID: "c1", CallerName: "=HYPERLINK(\"x\")",
			Intake: map[string]string{"topic": "wifi, \"5 GHz\""}, HostID: "h1", CreatedAt: t0, AnsweredAt: t0.Add(10 * time.Second),
			EndedAt: t0.Add(70 * time.Second), History: []queue.Transition{{State: queue.EntryCompleted, Reason: "completed"}}},
		{ID: "e2", QueueID: "q", Seq: 2, State: queue.EntryWaiting, CallerID: "c2", CallerName: "Bob", CreatedAt: t0},
	}
	var buf bytes.Buffer
	berlin, _ := time.LoadLocation("Europe/Berlin")
	if err := queue.WriteCSV(&buf, entries, berlin); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(buf.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][0] != "id" {
		t.Fatalf("rows = %v", rows)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	r := rows[1]
	tests := []struct{ col, want string }{
		{"caller_name", `'=HYPERLINK("x")`},
		{"state", "completed"},
		{"reason", "completed"},
		{"wait_s", "10.000"},
		{"handle_s", "60.000"},
		{"created_at", "2026-06-01T10:00:00+02:00"},
		{"intake", `{"topic":"wifi, \"5 GHz\""}`},
	}
	for _, tc := range tests {
		if got := r[col[tc.col]]; got != tc.want {
			t.Errorf("%s = %q, want %q", tc.col, got, tc.want)
		}
	}
	if rows[2][col["wait_s"]] != "" || rows[2][col["ended_at"]] != "" {
		t.Errorf("waiting row = %v", rows[2])
	}
}
