package failover

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/frontdesk/frontdesk/queue"
)

// Mover is the part of the queue engine that moves calls.
type Mover interface {
	// LiveCalls returns the calls not ended whose room is on instance.
	LiveCalls(ctx context.Context, instance string) ([]queue.Call, error)
	// MoveCall places callID, now in room fromRoom, in a new room.
	MoveCall(ctx context.Context, callID queue.CallID, fromRoom uint64, reason string) (queue.Call, error)
	// Requeue gives up on callID: its caller waits again.
	Requeue(ctx context.Context, callID queue.CallID, fromRoom uint64) error
}

// Options tune a Failover; zero values take the defaults.
type Options struct {
	// Parallel is how many calls of a lost instance move at once
	// (default 8).
	Parallel int
	// Pace is the pause between two calls of an evacuation (default
	// 200 ms: 10 calls take about 2 s).
	Pace time.Duration
	// Retry bounds the retries of one call's move that failed for a
	// passing reason (default 30 s, back-off from 200 ms).
	Retry time.Duration
	// CapacityWait is how long a call no media server can take waits for
	// one (a restarting instance coming back) before its caller goes back
	// to the head of the queue (default 10 s).
	CapacityWait time.Duration
	// Log is the logger (default slog.Default()).
	Log *slog.Logger
	// Registerer receives frontdesk_failover_moves_total{reason,result}
	// (nil: no metrics).
	Registerer prometheus.Registerer
}

// job is one instance's calls to move.
type job struct {
	instance string
	reason   string // queue.MoveInstanceDown, MoveRestarted or MoveEvacuated
}

// Failover moves calls off instances. Create it with New, run Run, and
// tell it about lost instances with Lost and about evacuations with
// Evacuate.
type Failover struct {
	mover Mover
	opts  Options
	jobs  chan job
	moves *prometheus.CounterVec

	mu      sync.Mutex
	running map[string]bool // instances with a job in progress
	again   map[string]job  // a job asked for while one ran
	pending map[string]int  // calls left to move, per instance
	stopped bool
}

// New returns a Failover that moves calls with m.
func New(m Mover, opts Options) (*Failover, error) {
	if opts.Parallel <= 0 {
		opts.Parallel = 8
	}
	if opts.Pace <= 0 {
		opts.Pace = 200 * time.Millisecond
	}
	if opts.Retry <= 0 {
		opts.Retry = 30 * time.Second
	}
	if opts.CapacityWait <= 0 {
		opts.CapacityWait = 10 * time.Second
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	f := &Failover{mover: m, opts: opts, jobs: make(chan job, 64),
		running: map[string]bool{}, again: map[string]job{}, pending: map[string]int{}}
	f.moves = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "frontdesk_failover_moves_total",
		Help: "Calls moved to a new room, by reason (instance_down, restarted, evacuated) and result (moved; requeued: no capacity anywhere; skipped: ended or moved by another replica; failed)."},
		[]string{"reason", "result"})
	if opts.Registerer != nil {
		if err := opts.Registerer.Register(f.moves); err != nil {
			return nil, fmt.Errorf("failover: metrics: %w", err)
		}
	}
	return f, nil
}

// Lost tells f that instance was lost (reason queue.MoveInstanceDown) or
// restarted with no rooms (queue.MoveRestarted): every live call on it
// moves. It never blocks; a loss reported while its instance's calls are
// moving runs again afterwards (calls placed there meanwhile move too).
func (f *Failover) Lost(instance, reason string) { f.enqueue(job{instance: instance, reason: reason}) }

// Evacuate moves every live call off instance, paced (Options.Pace),
// and returns how many there are now. The caller drains the instance
// first so that no new call is placed there. Errors: the engine's, or
// ErrStopped.
func (f *Failover) Evacuate(ctx context.Context, instance string) (int, error) {
	calls, err := f.mover.LiveCalls(ctx, instance)
	if err != nil {
		return 0, fmt.Errorf("failover: evacuate %s: %w", instance, err)
	}
	if !f.enqueue(job{instance: instance, reason: queue.MoveEvacuated}) {
		return 0, ErrStopped
	}
	return len(calls), nil
}

// Pending returns how many calls of instance are still to move by this
// replica's current job (0 when none runs).
func (f *Failover) Pending(instance string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pending[instance]
}

func (f *Failover) enqueue(j job) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped {
		return false
	}
	if f.running[j.instance] {
		f.again[j.instance] = j
		return true
	}
	select {
	case f.jobs <- j:
		f.running[j.instance] = true
		return true
	default:
		f.opts.Log.Error("failover: too many instances to move calls off at once; dropped one", "instance", j.instance)
		return false
	}
}

// Run moves calls until ctx ends, one goroutine per instance being
// worked on, and returns nil once they have all stopped.
func (f *Failover) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer func() {
		f.mu.Lock()
		f.stopped = true
		f.mu.Unlock()
		wg.Wait()
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case j := <-f.jobs:
			wg.Go(func() {
				for {
					f.run(ctx, j)
					f.mu.Lock()
					next, ok := f.again[j.instance]
					delete(f.again, j.instance)
					if !ok || ctx.Err() != nil {
						delete(f.running, j.instance)
						delete(f.pending, j.instance)
						f.mu.Unlock()
						return
					}
					f.mu.Unlock()
					j = next
				}
			})
		}
	}
}

// run moves the live calls of j.instance.
func (f *Failover) run(ctx context.Context, j job) {
	start := time.Now()
	calls, err := f.mover.LiveCalls(ctx, j.instance)
	if err != nil {
		f.opts.Log.Error("failover: listing the calls to move", "instance", j.instance, "err", err)
		return
	}
	if len(calls) == 0 {
		return
	}
	f.opts.Log.Warn("failover: moving calls", "instance", j.instance, "reason", j.reason, "calls", len(calls))
	f.mu.Lock()
	f.pending[j.instance] = len(calls)
	f.mu.Unlock()
	parallel := f.opts.Parallel
	if j.reason == queue.MoveEvacuated {
		parallel = 1
	}
	work := make(chan queue.Call)
	var wg sync.WaitGroup
	for range min(parallel, len(calls)) {
		wg.Go(func() {
			for c := range work {
				f.move(ctx, c, j.reason)
				f.mu.Lock()
				f.pending[j.instance]--
				f.mu.Unlock()
			}
		})
	}
feed:
	for i, c := range calls {
		if i > 0 && j.reason == queue.MoveEvacuated {
			select {
			case <-ctx.Done():
				break feed
			case <-time.After(f.opts.Pace):
			}
		}
		select {
		case <-ctx.Done():
			break feed
		case work <- c:
		}
	}
	close(work)
	wg.Wait()
	f.opts.Log.Info("failover: calls moved", "instance", j.instance, "reason", j.reason, "calls", len(calls),
		"took", time.Since(start).String())
}

// move moves one call, retrying passing failures with back-off; a call
// that finds no capacity for CapacityWait is requeued.
func (f *Failover) move(ctx context.Context, c queue.Call, reason string) {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval, b.MaxInterval, b.MaxElapsedTime = 200*time.Millisecond, 2*time.Second, f.opts.Retry
	start := time.Now()
	err := backoff.Retry(func() error {
		_, err := f.mover.MoveCall(ctx, c.ID, c.Room.ID, reason)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, queue.ErrNoCapacity):
			if time.Since(start) >= f.opts.CapacityWait {
				return backoff.Permanent(err)
			}
			return err
		case errors.Is(err, queue.ErrNotFound):
			return backoff.Permanent(err)
		case errors.Is(err, queue.ErrState):
			// Ended, or another replica is moving it: nothing to do here.
			return backoff.Permanent(err)
		}
		return err
	}, backoff.WithContext(b, ctx))
	result := "moved"
	switch {
	case err == nil:
	case errors.Is(err, queue.ErrNoCapacity):
		result = "requeued"
		if rerr := f.mover.Requeue(ctx, c.ID, c.Room.ID); rerr != nil {
			result = "failed"
			f.opts.Log.Error("failover: a call no media server can take could not be requeued", "call", c.ID, "err", rerr)
		}
	case errors.Is(err, queue.ErrState), errors.Is(err, queue.ErrNotFound):
		result = "skipped"
	default:
		result = "failed"
		f.opts.Log.Error("failover: a call could not be moved", "call", c.ID, "reason", reason, "err", err)
	}
	f.moves.WithLabelValues(reason, result).Inc()
}
