package failover

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/frontdesk/frontdesk/queue"
)

// fakeMover holds calls per instance and moves them to "elsewhere".
type fakeMover struct {
	mu       sync.Mutex
	calls    map[string][]queue.Call
	moved    []queue.CallID
	at       []time.Time
	inFlight int
	maxPar   int
	fail     map[queue.CallID]error // returned once
	full     map[queue.CallID]bool  // ErrNoCapacity every time
	requeued []queue.CallID
}

func (m *fakeMover) LiveCalls(_ context.Context, instance string) ([]queue.Call, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]queue.Call(nil), m.calls[instance]...), nil
}

func (m *fakeMover) MoveCall(_ context.Context, id queue.CallID, _ uint64, _ string) (queue.Call, error) {
	m.mu.Lock()
	m.inFlight++
	m.maxPar = max(m.maxPar, m.inFlight)
	err := m.fail[id]
	delete(m.fail, id)
	if m.full[id] {
		err = fmt.Errorf("full: %w", queue.ErrNoCapacity)
	}
	m.mu.Unlock()
	time.Sleep(5 * time.Millisecond)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inFlight--
	if err != nil {
		return queue.Call{}, err
	}
	m.moved = append(m.moved, id)
	m.at = append(m.at, time.Now())
	for inst, cs := range m.calls {
		for i, c := range cs {
			if c.ID == id {
				m.calls[inst] = append(cs[:i:i], cs[i+1:]...)
				return c, nil
			}
		}
	}
	return queue.Call{}, nil
}

func (m *fakeMover) Requeue(_ context.Context, id queue.CallID, _ uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requeued = append(m.requeued, id)
	return nil
}

func (m *fakeMover) movedCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.moved)
}

func calls(inst string, n int) []queue.Call {
	var out []queue.Call
	for i := range n {
		out = append(out, queue.Call{ID: queue.CallID(fmt.Sprintf("%s-%d", inst, i)), Room: queue.Room{Instance: inst, ID: uint64(i + 1)}})
	}
	return out
}

func start(t *testing.T, m Mover, opts Options) *Failover {
	t.Helper()
	opts.Log = slog.New(slog.DiscardHandler)
	f, err := New(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = f.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return f
}

func waitMoved(t *testing.T, m *fakeMover, n int) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); m.movedCount() < n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("moved %d calls, want %d", m.movedCount(), n)
		}
	}
}

func TestFailover(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		run     func(f *Failover) error
		wantPar int           // most moves at once
		minGap  time.Duration // least time between two moves
	}{
		{"a lost instance moves its calls in parallel", 20, func(f *Failover) error { f.Lost("j1", queue.MoveInstanceDown); return nil }, 8, 0},
		{"an evacuation is paced", 5, func(f *Failover) error {
			n, err := f.Evacuate(context.Background(), "j1")
			if n != 5 {
				return fmt.Errorf("evacuate reports %d calls", n)
			}
			return err
		}, 1, 40 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &fakeMover{calls: map[string][]queue.Call{"j1": calls("j1", tt.n), "j2": calls("j2", 3)}}
			f := start(t, m, Options{Pace: 50 * time.Millisecond})
			if err := tt.run(f); err != nil {
				t.Fatal(err)
			}
			waitMoved(t, m, tt.n)
			time.Sleep(20 * time.Millisecond)
			m.mu.Lock()
			defer m.mu.Unlock()
			if len(m.moved) != tt.n || len(m.calls["j2"]) != 3 {
				t.Fatalf("moved %d (want %d); j2 has %d calls left, want 3", len(m.moved), tt.n, len(m.calls["j2"]))
			}
			if m.maxPar != tt.wantPar {
				t.Fatalf("at most %d moves at once, want %d", m.maxPar, tt.wantPar)
			}
			for i := 1; i < len(m.at); i++ {
				if gap := m.at[i].Sub(m.at[i-1]); gap < tt.minGap {
					t.Fatalf("moves %d and %d %v apart, want at least %v", i-1, i, gap, tt.minGap)
				}
			}
		})
	}
}

// TestFailoverRetriesAndCounts: a passing failure is retried, no capacity
// too until CapacityWait, after which the call is requeued; each outcome
// is counted once.
func TestFailoverRetriesAndCounts(t *testing.T) {
	m := &fakeMover{calls: map[string][]queue.Call{"j1": calls("j1", 3)},
		fail: map[queue.CallID]error{"j1-0": errors.New("store hiccup"), "j1-2": fmt.Errorf("full for a moment: %w", queue.ErrNoCapacity)},
		full: map[queue.CallID]bool{"j1-1": true}}
	reg := prometheus.NewRegistry()
	f := start(t, m, Options{Registerer: reg, CapacityWait: 300 * time.Millisecond})
	f.Lost("j1", queue.MoveInstanceDown)
	waitMoved(t, m, 2) // j1-0 and j1-2, each after a retry
	for end := time.Now().Add(5 * time.Second); f.Pending("j1") != 0 && time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
	}
	m.mu.Lock()
	requeued := m.requeued
	m.mu.Unlock()
	if len(requeued) != 1 || requeued[0] != "j1-1" {
		t.Fatalf("requeued %v, want the call that found no capacity for CapacityWait", requeued)
	}
	for _, tc := range []struct {
		result string
		want   float64
	}{{"moved", 2}, {"requeued", 1}, {"failed", 0}} {
		if got := testutil.ToFloat64(f.moves.WithLabelValues(queue.MoveInstanceDown, tc.result)); got != tc.want {
			t.Errorf("%s = %v, want %v", tc.result, got, tc.want)
		}
	}
}
