package queueapi_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/queueapi"
)

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
	if err := queueapi.WriteCSV(&buf, entries, berlin); err != nil {
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

// TestComputeStatsHourly checks the per-hour service level and callers
// waiting against hand-computed figures.
