package queue_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
	"go.uber.org/goleak"
)

// TestRunSweepsOnTheClock drives Run with the fake clock: an offer times
// out only when the clock passes the deadline, and Run stops on cancel
// leaving no goroutine behind.
func TestRunSweepsOnTheClock(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	h := newHarness(t, queue.ModeAuto, nil)
	h.host("h1")
	id := h.join("c1", 0).Entry.ID
	h.available("h1")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.eng.Run(ctx) }()
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			h.env.Clock.Advance(100 * time.Millisecond) // wakes Run's After
			time.Sleep(time.Millisecond)
		}
	}
	waitFor("offer timeout", func() bool { return h.entry(id).State == queue.EntryWaiting })
	if got := h.env.Clock.Now().Sub(monday10); got < 20*time.Second {
		t.Fatalf("offer timed out after %s, before its 20 s", got)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
}

// TestSweepRepairsAbandonedClaim: a replica that died between claiming a
// host and claiming an entry leaves the host offered with no entry; the
// sweep frees it after the claim deadline.
func TestSweepRepairsAbandonedClaim(t *testing.T) {
	h := newHarness(t, queue.ModeAuto, nil)
	h.host("h1")
	s := h.env.Engine.Store()
	host := h.hostState("h1")
	host.State, host.EntryID, host.Deadline = queue.HostOffered, "", h.env.Clock.Now().Add(10*time.Second)
	if _, err := s.UpdateHost(t.Context(), host); err != nil {
		t.Fatal(err)
	}
	id := h.join("c1", 0).Entry.ID
	h.sweep(9 * time.Second)
	if st := h.hostState("h1").State; st != queue.HostOffered {
		t.Fatalf("claim released early: %s", st)
	}
	h.sweep(time.Second)
	got := h.hostState("h1")
	if got.State != queue.HostOffered || got.EntryID != id {
		t.Fatalf("after repair host = %s %q, want offered the waiting caller %s", got.State, got.EntryID, id)
	}
}

func TestNewEngineNeedsDeps(t *testing.T) {
	if _, err := queue.NewEngine(queue.Deps{Store: queue.NewMemoryStore()}); !errors.Is(err, queue.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
}

func TestQueueValidate(t *testing.T) {
	ok := queue.Queue{Slug: "a-1", Name: "A", Hours: hours.AlwaysOpen()}
	tests := []struct {
		name string
		edit func(*queue.Queue)
		ok   bool
	}{
		{"ok", func(*queue.Queue) {}, true},
		{"bad slug", func(q *queue.Queue) { q.Slug = "A B" }, false},
		{"no name", func(q *queue.Queue) { q.Name = "" }, false},
		{"bad mode", func(q *queue.Queue) { q.Mode = 7 }, false},
		{"negative limit", func(q *queue.Queue) { q.Limits.MaxWaiting = -1 }, false},
		{"negative timeout", func(q *queue.Queue) { q.Timeouts.Offer = -time.Second }, false},
		{"duplicate intake", func(q *queue.Queue) { q.Intake = []queue.IntakeField{{Name: "t"}, {Name: "t"}} }, false},
		{"bad zone", func(q *queue.Queue) { q.Hours.Zone = "Nowhere/Land" }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := ok.Clone()
			tc.edit(&q)
			if err := q.Validate(); (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
