package proxy

import (
	"testing"
	"time"
)

func TestJoinWatch(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	const refused = `[{"janus":"event","session_id":7,"sender":8,"transaction":"j1",` +
		`"plugindata":{"plugin":"janus.plugin.videoroom","data":{"videoroom":"event","error_code":436,"error":"User ID 31 already exists"}}}]`
	const joined = `{"janus":"event","session_id":7,"sender":8,"transaction":"j1",` +
		`"plugindata":{"plugin":"janus.plugin.videoroom","data":{"videoroom":"joined","room":1,"id":31}}}`
	join := forwarded{verb: "message", txn: "j1", session: 7, handle: 8, pubJoin: true}
	tests := []struct {
		name      string
		replies   []string
		wantStale int
		wantLeft  int
	}{
		{"refused with 436 evicts once", []string{`{"janus":"keepalive"}`, refused}, 1, 0},
		{"a join that worked evicts nothing", []string{joined}, 0, 0},
		{"an ack leaves the join pending", []string{`{"janus":"ack","session_id":7,"transaction":"j1"}`}, 0, 1},
		{"another transaction's result leaves it pending", []string{`{"janus":"event","session_id":7,"transaction":"x"}`}, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j := newJoinWatch()
			stale := 0
			j.add(7, join, func() *tracker { return newTracker(view{}, func() { stale++ }) }, t0)
			for _, r := range tc.replies {
				if !j.observe(7, []byte(r), t0) {
					t.Fatalf("long-poll reply %s was not read", r)
				}
			}
			if stale != tc.wantStale {
				t.Errorf("stale called %d times, want %d", stale, tc.wantStale)
			}
			if got := j.len(); got != tc.wantLeft {
				t.Errorf("%d sessions watched, want %d", got, tc.wantLeft)
			}
		})
	}

	t.Run("sessions without a pending join are not read", func(t *testing.T) {
		j := newJoinWatch()
		if j.observe(9, []byte(refused), t0) {
			t.Fatal("read a long-poll with no join pending")
		}
	})
	t.Run("an unpolled session is dropped after the TTL", func(t *testing.T) {
		j := newJoinWatch()
		mk := func() *tracker { return newTracker(view{}, func() {}) }
		j.add(7, join, mk, t0)
		j.add(8, forwarded{txn: "j2", session: 8, pubJoin: true}, mk, t0.Add(joinWatchTTL/2))
		j.add(9, forwarded{txn: "j3", session: 9, pubJoin: true}, mk, t0.Add(joinWatchTTL+time.Second))
		if got := j.len(); got != 2 {
			t.Fatalf("%d sessions watched, want 2 (session 7 expired)", got)
		}
		if j.observe(7, []byte(refused), t0.Add(joinWatchTTL+time.Second)) {
			t.Fatal("an expired session's long-poll was read")
		}
	})
}
