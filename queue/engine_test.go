package queue_test

import (
	"context"
	"errors"
	"sync"
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
		env := queuetest.NewEnvWith(t, queue.NewMemoryStore(), queuetest.NewClock(time.Now()), queuetest.NewRooms(), &queuetest.Tickets{},
			queuetest.NewTokens(), queue.WithClock(queue.SystemClock{}), queue.WithSweepInterval(250*time.Millisecond))
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

// TestTimersFireOnceAcrossReplicas: three engines (replicas) share one
// store and sweep at the same moments; an offer that times out goes back
// to the queue once, and a no-show ends the entry once, whichever replica
// gets there first.
func TestTimersFireOnceAcrossReplicas(t *testing.T) {
	st := queue.NewMemoryStore()
	clock := queuetest.NewClock(monday10)
	var reps []*queue.Engine
	for range 3 {
		reps = append(reps, queuetest.NewEnvWith(t, st, clock, queuetest.NewRooms(), &queuetest.Tickets{}, queuetest.NewTokens()).Engine)
	}
	ctx := t.Context()
	q, err := reps[0].CreateQueue(ctx, queue.Queue{Slug: "r", Name: "R", Mode: queue.ModeAuto, Hours: hours.AlwaysOpen(),
		Timeouts: queue.Timeouts{Offer: 20 * time.Second, NoShow: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reps[1].PutHost(ctx, "h1", "Host", []queue.QueueID{q.ID}); err != nil {
		t.Fatal(err)
	}
	j, err := reps[2].Join(ctx, q.ID, queue.JoinRequest{Caller: queue.Caller{ID: "c1", Name: "Caller"}})
	if err != nil {
		t.Fatal(err)
	}
	sweepAll := func() {
		var wg sync.WaitGroup
		for _, r := range reps {
			wg.Go(func() {
				if err := r.Sweep(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	count := func(reason string) int {
		en, err := reps[0].GetEntry(ctx, j.Entry.ID)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, tr := range en.History {
			if tr.Reason == reason {
				n++
			}
		}
		return n
	}
	if h, err := reps[0].SetAvailability(ctx, "h1", queue.HostAvailable); err != nil || h.State != queue.HostOffered {
		t.Fatalf("host %s, %v: want offered", h.State, err)
	}
	clock.Advance(21 * time.Second)
	sweepAll()
	sweepAll()
	if n := count("offer_timeout"); n != 1 {
		t.Fatalf("the offer timed out %d times, want once", n)
	}
	h, err := reps[0].SetAvailability(ctx, "h1", queue.HostAvailable)
	if err != nil || h.State != queue.HostOffered {
		t.Fatalf("host %s, %v: want offered again", h.State, err)
	}
	if _, err := reps[1].Accept(ctx, "h1", j.Entry.ID); err != nil {
		t.Fatal(err)
	}
	clock.Advance(61 * time.Second) // nobody joins the room
	sweepAll()
	sweepAll()
	if n := count("no_show"); n != 1 {
		t.Fatalf("the no-show fired %d times, want once", n)
	}
}

// TestCallWhileBeingSetUp: between an accept and the call record (the
// room is being created), the entry is connecting but its call does not
// exist yet; asking for it then is "not yet" (ErrState, 409), not "no such
// call" (ErrNotFound, 404), which a caller's page would take for an error.
func TestCallWhileBeingSetUp(t *testing.T) {
	h := newHarness(t, queue.ModeAuto, nil)
	h.host("h1")
	id := h.join("c1", 0).Entry.ID
	host := h.available("h1")
	var during error
	h.env.Rooms.During = func() {
		h.env.Rooms.During = nil
		if en := h.entry(id); en.State != queue.EntryConnecting {
			t.Errorf("during setup the entry is %s, want connecting", en.State)
		}
		_, _, during = h.eng.CallOf(t.Context(), id, "c1")
	}
	if _, err := h.eng.Accept(t.Context(), "h1", host.EntryID); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(during, queue.ErrState) || errors.Is(during, queue.ErrNotFound) {
		t.Fatalf("the call while being set up: %v, want ErrState", during)
	}
	if _, _, err := h.eng.CallOf(t.Context(), id, "c1"); err != nil {
		t.Fatalf("the call once set up: %v", err)
	}
}
