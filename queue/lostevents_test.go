package queue_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/queuetest"
	"github.com/frontdesk/frontdesk/store/bolt"
)

// TestAnsweredCallWithLostHangupIsCompletedAfterRestart: the host accepts,
// events arrive up to some point, Frontdesk is killed, and the rest of the
// call's events (the caller's media-up, the hang-up) are lost. After the
// restart the no-show timeout passes: a caller who reached the room had
// the call, so it ends as completed ("hangup_lost"); one who never did is
// a no-show.
func TestAnsweredCallWithLostHangupIsCompletedAfterRestart(t *testing.T) {
	tests := []struct {
		name       string
		events     []queue.ProgressKind // for the caller, 5 s apart, before the crash
		leftAfter  time.Duration        // a leave of the caller recorded this long after accept (0: none)
		want       queue.EntryState
		reason     string
		endedAfter time.Duration // after the accept; -1: the sweep's now
	}{
		{"caller joined", []queue.ProgressKind{queue.ProgressJoined}, 0, queue.EntryCompleted, "hangup_lost", -1},
		{"caller joined then left", []queue.ProgressKind{queue.ProgressJoined}, 40 * time.Second, queue.EntryCompleted, "hangup_lost", 40 * time.Second},
		{"caller never came", nil, 0, queue.EntryNoShow, "no_show", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "frontdesk.db")
			db, err := bolt.Open(path, bolt.WithNoSync())
			if err != nil {
				t.Fatal(err)
			}
			h := newHarnessOn(t, db.Queue(), queue.ModeAuto, nil)
			h.host("h1")
			id := h.join("c1", 0).Entry.ID
			h.take("h1")
			accepted := h.env.Clock.Now()
			call, err := h.eng.Store().GetCall(t.Context(), h.entry(id).CallID)
			if err != nil {
				t.Fatal(err)
			}
			c := &inCall{h: h, entry: id, call: call, feed: map[queue.PartyRole]uint64{}}
			for _, p := range call.Participants {
				c.feed[p.Role] = p.FeedID
			}
			c.ev(queue.ProgressJoined, queue.PartyHost)
			c.ev(queue.ProgressWebRTCUp, queue.PartyHost)
			for _, k := range tc.events {
				h.env.Clock.Advance(5 * time.Second)
				c.ev(k, queue.PartyCaller)
			}
			if tc.leftAfter > 0 {
				c.evOn(h.eng, queue.ProgressLeaving, queue.PartyCaller, accepted.Add(tc.leftAfter))
			}
			if err := db.Close(); err != nil { // kill -9: nothing else arrives
				t.Fatal(err)
			}
			h.env.Clock.Advance(10 * time.Minute) // down for a while
			db, err = bolt.Open(path, bolt.WithNoSync())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.Close() })
			env := queuetest.NewEnvWith(t, db.Queue(), h.env.Clock, h.env.Rooms, h.env.Tickets, h.env.Tokens)
			h.eng, h.env = env.Engine, env
			h.sweep(0)
			en := h.entry(id)
			wantEnd := h.env.Clock.Now()
			if tc.endedAfter >= 0 {
				wantEnd = accepted.Add(tc.endedAfter)
			}
			if en.State != tc.want || en.History[len(en.History)-1].Reason != tc.reason || !en.EndedAt.Equal(wantEnd) || en.AnsweredAt.IsZero() {
				t.Fatalf("entry %s (%v) ended %s, want %s (%s) at %s", en.State, reasons(en), en.EndedAt, tc.want, tc.reason, wantEnd)
			}
			if tc.want == queue.EntryCompleted && !en.StartedAt.Equal(accepted.Add(5*time.Second)) {
				t.Fatalf("started %s, want the caller's join at %s", en.StartedAt, accepted.Add(5*time.Second))
			}
			st, err := h.eng.Stats(t.Context(), h.q.ID, accepted.Add(-time.Hour), h.env.Clock.Now().Add(time.Second))
			if err != nil {
				t.Fatal(err)
			}
			if done := tc.want == queue.EntryCompleted; (st.Completed == 1) != done || (st.NoShow == 1) == done {
				t.Fatalf("stats completed %d no-show %d", st.Completed, st.NoShow)
			}
			if h.env.Rooms.Live() != 0 || h.hostState("h1").State == queue.HostInCall {
				t.Fatalf("%d rooms left, host %s", h.env.Rooms.Live(), h.hostState("h1").State)
			}
		})
	}
}
