package queuetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
	"golang.org/x/sync/errgroup"
)

// openQueue is an always-open queue in mode m.
func openQueue(slug string, m queue.Mode) queue.Queue {
	return queue.Queue{Slug: slug, Name: slug, Mode: m, Hours: hours.AlwaysOpen()}
}

// RunEngineConcurrency runs many callers and hosts at once against two
// engines ("replicas") sharing one store made by newStore, in auto and in
// pick mode, while both replicas also sweep. It checks that no entry is
// offered to or served by two hosts, no host holds two callers at once,
// and no entry is lost: every caller is served exactly once.
//
// A store implementing queue.OfferStore is run twice: through OfferNext
// and, wrapped in Plain, through the generic three-step protocol.
func RunEngineConcurrency(t *testing.T, newStore func(t *testing.T) queue.Store) {
	RunEngineConcurrencyWith(t, newStore, Load{})
}

// Load sizes the two-replica concurrency test; zero fields take the
// defaults (200 callers, 8 hosts, 60 s to serve them all). A slow store
// (FerretDB scans whole collections) runs a smaller load with a longer
// deadline; the properties checked are the same.
type Load struct {
	Callers  int
	Hosts    int
	Deadline time.Duration
}

// RunEngineConcurrencyWith is RunEngineConcurrency with a chosen load.
func RunEngineConcurrencyWith(t *testing.T, newStore func(t *testing.T) queue.Store, load Load) {
	if load.Callers == 0 {
		load.Callers = 200
	}
	if load.Hosts == 0 {
		load.Hosts = 8
	}
	if load.Deadline == 0 {
		load.Deadline = 60 * time.Second
	}
	for _, m := range []queue.Mode{queue.ModeAuto, queue.ModePick} {
		t.Run(m.String(), func(t *testing.T) {
			s := newStore(t)
			if _, ok := s.(queue.OfferStore); ok {
				t.Run("OfferStore", func(t *testing.T) { runConcurrency(t, s, m, load) })
			}
			t.Run("ThreeStep", func(t *testing.T) { runConcurrency(t, Plain(newStore(t)), m, load) })
		})
	}
}

func runConcurrency(t *testing.T, s queue.Store, mode queue.Mode, load Load) {
	nCallers, nHosts := load.Callers, load.Hosts
	start := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	a := NewEnv(t, s, start)
	b := NewEnvWith(t, s, a.Clock, a.Rooms, a.Tickets, a.Tokens) // one media side for both replicas
	replicas := []*queue.Engine{a.Engine, b.Engine}
	ctx := t.Context()
	q, err := a.Engine.CreateQueue(ctx, openQueue("busy", mode))
	if err != nil {
		t.Fatal(err)
	}
	for i := range nHosts {
		if _, err := replicas[i%2].PutHost(ctx, queue.HostID(fmt.Sprintf("h%d", i)), "Host", []queue.QueueID{q.ID}); err != nil {
			t.Fatal(err)
		}
	}

	var (
		mu      sync.Mutex
		served  = map[string]string{} // entry → host
		joined  = map[string]bool{}
		failure error
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if failure == nil {
			failure = err
		}
	}
	done := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return failure != nil || len(served) == nCallers
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	// Callers join from both replicas at once.
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < nCallers; i += 4 {
				j, err := replicas[i%2].Join(ctx, q.ID, queue.JoinRequest{Caller: queue.Caller{ID: fmt.Sprint("c", i), Name: "Caller"}})
				if err != nil {
					fail(fmt.Errorf("join %d: %w", i, err))
					return
				}
				mu.Lock()
				joined[string(j.Entry.ID)] = true
				mu.Unlock()
			}
		})
	}
	// Both replicas sweep all the time (matching races with the hosts).
	for _, r := range replicas {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := r.Sweep(ctx); err != nil {
					fail(fmt.Errorf("sweep: %w", err))
					return
				}
				time.Sleep(200 * time.Microsecond)
			}
		})
	}
	serve := func(r *queue.Engine, hostID string, acc queue.Accepted) error {
		mu.Lock()
		if prev, ok := served[string(acc.Entry.ID)]; ok {
			mu.Unlock()
			return fmt.Errorf("entry %s served by %s and %s", acc.Entry.ID, prev, hostID)
		}
		served[string(acc.Entry.ID)] = hostID
		mu.Unlock()
		// While in the call, nobody may hand this host another caller.
		for range 3 {
			h, err := r.GetHost(ctx, queue.HostID(hostID))
			if err != nil {
				return err
			}
			if h.State != queue.HostInCall || h.EntryID != acc.Entry.ID {
				return fmt.Errorf("host %s in a call with %s is %s with %q", hostID, acc.Entry.ID, h.State, h.EntryID)
			}
			time.Sleep(50 * time.Microsecond)
		}
		return r.Complete(ctx, hostID, acc.Entry.ID)
	}
	for i := range nHosts {
		hostID := fmt.Sprintf("h%d", i)
		wg.Go(func() {
			for n := 0; !done(); n++ {
				r := replicas[n%2]
				h, err := r.GetHost(ctx, queue.HostID(hostID))
				if err != nil {
					fail(err)
					return
				}
				var acc queue.Accepted
				switch {
				case h.State == queue.HostOffered && h.EntryID != "":
					acc, err = r.Accept(ctx, queue.HostID(hostID), h.EntryID)
				case h.State == queue.HostAvailable && mode == queue.ModePick:
					acc, err = r.Next(ctx, queue.HostID(hostID), q.ID)
				case h.State != queue.HostAvailable && h.State != queue.HostOffered:
					_, err = r.SetAvailability(ctx, queue.HostID(hostID), queue.HostAvailable)
					if errors.Is(err, queue.ErrState) {
						err = nil // raced with an offer: look again
					}
					continue
				default:
					time.Sleep(100 * time.Microsecond)
					continue
				}
				switch {
				case errors.Is(err, queue.ErrNotFound), errors.Is(err, queue.ErrState):
					time.Sleep(100 * time.Microsecond) // nothing waiting, or raced
				case err != nil:
					fail(fmt.Errorf("host %s: %w", hostID, err))
					return
				default:
					if err := serve(r, hostID, acc); err != nil {
						fail(err)
						return
					}
				}
			}
		})
	}
	deadline := time.After(load.Deadline)
	for !done() {
		select {
		case <-deadline:
			fail(fmt.Errorf("timed out: served %d of %d", len(served), nCallers))
		case <-time.After(time.Millisecond):
		}
	}
	close(stop)
	wg.Wait()
	if failure != nil {
		t.Fatal(failure)
	}
	all, err := s.ListEntries(ctx, queue.EntryFilter{QueueID: q.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != nCallers || len(joined) != nCallers {
		t.Fatalf("%d entries stored, %d joined, want %d", len(all), len(joined), nCallers)
	}
	for _, en := range all {
		accepts := 0
		for _, tr := range en.History {
			if tr.State == queue.EntryConnecting {
				accepts++
			}
		}
		if en.State != queue.EntryCompleted || accepts != 1 || served[string(en.ID)] != string(en.HostID) {
			t.Fatalf("entry %s: %s, accepted %d times, host %s (served by %s)", en.ID, en.State, accepts, en.HostID, served[string(en.ID)])
		}
	}
	if n := a.Rooms.Created(); n != nCallers {
		t.Fatalf("%d rooms created, want %d", n, nCallers)
	}
	if a.Rooms.Live() != 0 || a.Tokens.Live() != 0 {
		t.Fatalf("left %d rooms, %d tokens", a.Rooms.Live(), a.Tokens.Live())
	}
}

// NewEnvWith is NewEnv with given fakes (to share them between replicas).
func NewEnvWith(tb testing.TB, s queue.Store, c *Clock, r *Rooms, tk *Tickets, to *Tokens, opts ...queue.Option) *Env {
	tb.Helper()
	env := &Env{Clock: c, Rooms: r, Tickets: tk, Tokens: to}
	opts = append([]queue.Option{queue.WithClock(c), queue.WithLogger(discard)}, opts...)
	eng, err := queue.NewEngine(queue.Deps{Store: s, Rooms: r, Tickets: tk, Tokens: to}, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	env.Engine = eng
	return env
}

// BenchJoin measures joins per second into an open auto-mode queue with no
// hosts, on a store from newStore, with 8 joining goroutines per CPU (many
// callers join at once, so a store may batch its writes); it reports
// "joins/s".
func BenchJoin(b *testing.B, newStore func(tb testing.TB) queue.Store) {
	benchJoin(b, newStore, openQueue("bench-join", queue.ModeAuto), 0)
}

// BenchJoinLimited is BenchJoin into a queue with a max-waiting limit and
// one entry per caller (both checked on every join) that already has
// 10,000 callers waiting: the limits must cost O(1), not O(waiting).
func BenchJoinLimited(b *testing.B, newStore func(tb testing.TB) queue.Store) {
	q := openQueue("bench-join-limited", queue.ModeAuto)
	q.Limits.MaxWaiting, q.Limits.OnePerCaller = 10_000_000, true
	benchJoin(b, newStore, q, 10_000)
}

func benchJoin(b *testing.B, newStore func(tb testing.TB) queue.Store, q queue.Queue, waiting int) {
	s := newStore(b)
	env := NewEnv(b, s, time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC))
	ctx := context.Background()
	q, err := env.Engine.CreateQueue(ctx, q)
	if err != nil {
		b.Fatal(err)
	}
	now := env.Clock.Now()
	for i := range waiting {
		_, err := s.CreateEntry(ctx, queue.Entry{ID: queue.EntryID(fmt.Sprintf("w%05d", i)), QueueID: q.ID, CallerID: fmt.Sprint("w", i),
			CallerName: "Caller", State: queue.EntryWaiting, CreatedAt: now, ActiveKey: string(q.ID) + "|" + fmt.Sprint("w", i),
			History: []queue.Transition{{State: queue.EntryWaiting, At: now, Reason: "join"}}})
		if err != nil {
			b.Fatal(err)
		}
	}
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	t0 := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			if _, err := env.Engine.Join(ctx, q.ID, queue.JoinRequest{Caller: queue.Caller{ID: fmt.Sprint("c", i), Name: "Caller"}}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(t0).Seconds(), "joins/s")
}

// BenchAssign measures "host becomes available → offer made" with 10,000
// callers waiting; see BenchAssignWaiting.
func BenchAssign(b *testing.B, newStore func(tb testing.TB) queue.Store) {
	BenchAssignWaiting(b, newStore, 10_000)
}

// BenchAssignWaiting measures "host becomes available → offer made" with
// waiting callers waiting, on a store from newStore: each op is
// SetAvailability (which runs the offer protocol and publishes the
// events) followed, outside the measurement, by a decline, the removal of
// that caller and a new join at the tail. It reports "p99-ms" and
// "p50-ms".
func BenchAssignWaiting(b *testing.B, newStore func(tb testing.TB) queue.Store, waiting int) {
	s := newStore(b)
	env := NewEnv(b, s, time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC))
	ctx := context.Background()
	q, err := env.Engine.CreateQueue(ctx, openQueue("bench-assign", queue.ModeAuto))
	if err != nil {
		b.Fatal(err)
	}
	now := env.Clock.Now()
	waitingEntry := func(i int) queue.Entry {
		return queue.Entry{ID: queue.EntryID(fmt.Sprintf("e%07d", i)), QueueID: q.ID, CallerID: fmt.Sprint("c", i),
			CallerName: "Caller", State: queue.EntryWaiting, CreatedAt: now,
			History: []queue.Transition{{State: queue.EntryWaiting, At: now, Reason: "join"}}}
	}
	// Fill the queue from many goroutines at once, so a store that
	// commits concurrent writes together (bbolt's group commit) loads
	// 100,000 entries in seconds, not one fsync each.
	var fill errgroup.Group
	fill.SetLimit(128)
	for i := range waiting {
		fill.Go(func() error {
			_, err := s.CreateEntry(ctx, waitingEntry(i))
			return err
		})
	}
	if err := fill.Wait(); err != nil {
		b.Fatal(err)
	}
	if _, err := env.Engine.PutHost(ctx, "h", "Host", []queue.QueueID{q.ID}); err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, 1024)
	next := waiting
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		h, err := env.Engine.SetAvailability(ctx, "h", queue.HostAvailable)
		d := time.Since(t0)
		if err != nil || h.State != queue.HostOffered {
			b.Fatalf("available: %v, state %s", err, h.State)
		}
		lat = append(lat, d)
		b.StopTimer()
		// Reset outside the measurement: the host declines (→ away), the
		// offered caller is removed and a new one joins at the tail, so
		// as many stay waiting and no entry's history keeps growing.
		if err := env.Engine.Decline(ctx, "h", h.EntryID); err != nil {
			b.Fatal(err)
		}
		if err := env.Engine.Remove(ctx, h.EntryID, "bench"); err != nil {
			b.Fatal(err)
		}
		if _, err := s.CreateEntry(ctx, waitingEntry(next)); err != nil {
			b.Fatal(err)
		}
		next++
		b.StartTimer()
	}
	ReportLatencies(b, lat)
}

// ReportLatencies reports the median and the 99th percentile of lat
// (which it sorts) as "p50-ms" and "p99-ms".
func ReportLatencies(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(float64(len(lat))*p))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
