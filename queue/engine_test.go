package queue_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
	"github.com/frontdesk/frontdesk/queue/queuetest"
)

// TestRunSweepsOnTheClock runs Run on the real clock inside a synctest
// bubble (virtual time): an offer with a 20 s timeout is still out after
// 19.9 s and back in the queue within one sweep interval after 20 s; Run
// returns on cancel and leaves no goroutine behind (synctest.Test fails
// otherwise).
func TestRunSweepsOnTheClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		env := queuetest.NewEnvWith(t, queue.NewMemoryStore(), queuetest.NewClock(time.Now()), &queuetest.Rooms{}, &queuetest.Tickets{},
			&queuetest.Tokens{}, queue.WithClock(queue.SystemClock{}), queue.WithSweepInterval(250*time.Millisecond))
		ctx := t.Context()
		q, err := env.Engine.CreateQueue(ctx, queue.Queue{Slug: "run", Name: "Run", Mode: queue.ModeAuto, Hours: hours.AlwaysOpen(),
			Timeouts: queue.Timeouts{Offer: 20 * time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := env.Engine.PutHost(ctx, "h1", "Host", []queue.QueueID{q.ID}); err != nil {
			t.Fatal(err)
		}
		j, err := env.Engine.Join(ctx, q.ID, queue.JoinRequest{Caller: queue.Caller{ID: "c1", Name: "Caller"}})
		if err != nil {
			t.Fatal(err)
		}
		if h, err := env.Engine.SetAvailability(ctx, "h1", queue.HostAvailable); err != nil || h.State != queue.HostOffered {
			t.Fatalf("host %+v, %v: want offered", h, err)
		}
		state := func() queue.EntryState {
			en, err := env.Engine.GetEntry(ctx, j.Entry.ID)
			if err != nil {
				t.Fatal(err)
			}
			return en.State
		}
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- env.Engine.Run(runCtx) }()

		time.Sleep(19900 * time.Millisecond)
		synctest.Wait()
		if st := state(); st != queue.EntryOffered {
			t.Fatalf("after 19.9 s the entry is %s, want still offered", st)
		}
		time.Sleep(100*time.Millisecond + 250*time.Millisecond)
		synctest.Wait()
		if st := state(); st != queue.EntryWaiting {
			t.Fatalf("one sweep interval after the 20 s timeout the entry is %s, want waiting", st)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v", err)
		}
	})
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
