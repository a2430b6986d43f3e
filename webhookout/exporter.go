package webhookout

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/frontdesk/frontdesk/idgen"
	"github.com/frontdesk/frontdesk/queue"
)

// Target is one receiver of events.
type Target struct {
	// Name names the target in the outbox, logs, errors and the admin API
	// (never the URL, which may carry credentials).
	Name string
	// URL receives a POST per event.
	URL string
	// Secret signs the deliveries (see the package comment).
	Secret string
	// Kinds are the event kinds delivered; empty means all.
	Kinds []queue.EventKind
}

// Options tune delivery. Zero fields take the defaults named.
type Options struct {
	// Client sends the requests (default: a client with a 10 s timeout).
	// Its timeout must stay below Lease.
	Client *http.Client
	// Queue is how many published events may wait in memory for the
	// outbox write before new ones are dropped, and logged (default
	// 10,000).
	Queue int
	// MaxElapsed bounds the retries of one delivery, from its first
	// attempt's round (see Delivery.Since): a retry that would be due
	// later makes it a dead letter instead (default 10 min).
	// InitialInterval is the first back-off (default 500 ms, then
	// doubling with ±50 % jitter, at most 1 min apart).
	MaxElapsed, InitialInterval time.Duration
	// Lease is how long a claimed delivery stays with this replica; one
	// whose replica died is claimed by another after it (default 1 min).
	Lease time.Duration
	// Poll is how often a target's worker looks for due deliveries it was
	// not woken for: retries, other replicas' events, leases that expired
	// (default 1 s).
	Poll time.Duration
	// Owner names this replica in the leases it takes (default the host
	// name and 8 random hex digits); replicas must not share one.
	Owner string
	// Log is the logger (default slog.Default()).
	Log *slog.Logger
	// Now is the clock for signatures, leases and back-off (default
	// time.Now).
	Now func() time.Time
}

// maxRetryInterval is the longest back-off between two attempts.
const maxRetryInterval = time.Minute

// finalFlushTimeout bounds the outbox write of the events still in memory
// when Run stops.
const finalFlushTimeout = 5 * time.Second

// Exporter delivers events to targets through a durable [Outbox]: [Offer]
// (or the [Exporter.Feed] wrapper) buffers an event in memory, Run writes
// it to the outbox as one pending delivery per interested target, and a
// worker per target claims due deliveries (with a lease, so that replicas
// sharing the outbox never attempt one together), posts them, and deletes,
// reschedules or kills them. Safe for concurrent use.
type Exporter struct {
	targets []Target
	out     Outbox
	opts    Options
	flushc  chan struct{}   // a new event is buffered
	wake    []chan struct{} // per target: a delivery may be due now

	mu  sync.Mutex
	buf []queue.Event
}

// New returns an exporter delivering to targets from out.
func New(targets []Target, out Outbox, opts Options) *Exporter {
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Queue <= 0 {
		opts.Queue = 10_000
	}
	if opts.MaxElapsed <= 0 {
		opts.MaxElapsed = 10 * time.Minute
	}
	if opts.InitialInterval <= 0 {
		opts.InitialInterval = 500 * time.Millisecond
	}
	if opts.Lease <= 0 {
		opts.Lease = time.Minute
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.Owner == "" {
		host, _ := os.Hostname()
		opts.Owner = host + "-" + idgen.Hex(4)
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	x := &Exporter{targets: targets, out: out, opts: opts, flushc: make(chan struct{}, 1)}
	for range targets {
		x.wake = append(x.wake, make(chan struct{}, 1))
	}
	return x
}

// Offer buffers ev for the outbox; it never blocks. When Options.Queue
// events already wait, ev is dropped, which is logged. A resync (a feed's
// own signal) is not an event and is ignored.
func (x *Exporter) Offer(ev queue.Event) {
	if ev.Kind == queue.EventResync || len(x.targets) == 0 {
		return
	}
	x.mu.Lock()
	full := len(x.buf) >= x.opts.Queue
	if !full {
		x.buf = append(x.buf, ev)
	}
	x.mu.Unlock()
	if full {
		x.opts.Log.Warn("webhookout: buffer full, event dropped", "event", ev.ID, "kind", string(ev.Kind))
		return
	}
	signal(x.flushc)
}

// Run writes offered events to the outbox and delivers due deliveries,
// until ctx ends; then it writes the events still buffered (for at most
// 5 s) and returns ctx.Err() once every goroutine it started has ended. A
// delivery being attempted when ctx ends keeps its lease, so it is
// attempted again when the lease expires.
func (x *Exporter) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(func() { x.flushLoop(ctx) })
	for i := range x.targets {
		wg.Go(func() { x.work(ctx, i) })
	}
	wg.Wait()
	return ctx.Err()
}

// flushLoop writes buffered events to the outbox whenever there are some.
// A failed write is kept and tried again every Poll; meanwhile Offer
// buffers up to Options.Queue events.
func (x *Exporter) flushLoop(ctx context.Context) {
	var unwritten []Delivery
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalFlushTimeout)
			defer cancel()
			if unwritten = append(unwritten, x.deliveries()...); len(unwritten) > 0 {
				if err := x.out.Add(fctx, unwritten); err != nil {
					x.opts.Log.Error("webhookout: events lost at stop", "events", len(unwritten), "err", err)
				}
			}
			return
		case <-x.flushc:
		case <-time.After(x.opts.Poll):
		}
		unwritten = append(unwritten, x.deliveries()...)
		if len(unwritten) == 0 {
			continue
		}
		if err := x.out.Add(ctx, unwritten); err != nil {
			if ctx.Err() == nil {
				x.opts.Log.Warn("webhookout: writing to the outbox", "deliveries", len(unwritten), "err", err)
			}
			continue
		}
		unwritten = nil
		for i := range x.targets {
			signal(x.wake[i])
		}
	}
}

// deliveries empties the buffer into one pending delivery per event and
// interested target.
func (x *Exporter) deliveries() []Delivery {
	x.mu.Lock()
	evs := x.buf
	x.buf = nil
	x.mu.Unlock()
	now := x.opts.Now()
	var out []Delivery
	for _, ev := range evs {
		body, err := json.Marshal(ev)
		if err != nil { // an Event always marshals
			x.opts.Log.Error("webhookout: encoding", "event", ev.ID, "err", err)
			continue
		}
		for _, t := range x.targets {
			if len(t.Kinds) > 0 && !slices.Contains(t.Kinds, ev.Kind) {
				continue
			}
			out = append(out, Delivery{ID: idgen.Hex(16), Target: t.Name, EventID: ev.ID, Kind: ev.Kind, Event: body,
				State: StatePending, CreatedAt: now, Since: now, NextAt: now})
		}
	}
	return out
}

// work delivers target i's due deliveries one at a time until ctx ends.
func (x *Exporter) work(ctx context.Context, i int) {
	t := x.targets[i]
	for ctx.Err() == nil {
		d, ok, err := x.out.Claim(ctx, t.Name, x.opts.Owner, x.opts.Now(), x.opts.Lease)
		if err != nil && ctx.Err() == nil {
			x.opts.Log.Warn("webhookout: claiming a delivery", "target", t.Name, "err", err)
		}
		if err != nil || !ok {
			select {
			case <-ctx.Done():
			case <-x.wake[i]:
			case <-time.After(x.opts.Poll):
			}
			continue
		}
		x.attempt(ctx, t, d)
	}
}

// attempt posts d once and records the outcome: deleted when accepted
// (2xx), a dead letter when refused for good (a 4xx other than 408 and
// 429) or when the next retry would fall past MaxElapsed, otherwise
// rescheduled after a back-off.
func (x *Exporter) attempt(ctx context.Context, t Target, d Delivery) {
	err := x.post(ctx, t, d)
	if ctx.Err() != nil {
		return // stopping: the lease expires and the delivery is attempted again
	}
	if err == nil {
		if err := x.out.Done(ctx, d.ID); err != nil {
			x.opts.Log.Warn("webhookout: delivered, but not removed from the outbox (it will be sent again)",
				"target", t.Name, "event", d.EventID, "err", err)
		}
		return
	}
	attempts := d.Attempts + 1
	now := x.opts.Now()
	next := now.Add(x.retryAfter(attempts))
	var perm *backoff.PermanentError
	if errors.As(err, &perm) || next.Sub(d.Since) > x.opts.MaxElapsed {
		x.opts.Log.Warn("webhookout: delivery failed for good", "target", t.Name, "event", d.EventID, "attempts", attempts, "err", err)
		err = x.out.Kill(ctx, d.ID, x.opts.Owner, attempts, err.Error(), now)
	} else {
		err = x.out.Retry(ctx, d.ID, x.opts.Owner, attempts, err.Error(), next)
	}
	if err != nil && ctx.Err() == nil {
		x.opts.Log.Warn("webhookout: recording a failed attempt", "target", t.Name, "event", d.EventID, "err", err)
	}
}

// retryAfter is the back-off after the attempts-th failed attempt:
// InitialInterval doubled attempts-1 times, with ±50 % jitter, at most
// maxRetryInterval (before jitter).
func (x *Exporter) retryAfter(attempts int) time.Duration {
	b := &backoff.ExponentialBackOff{InitialInterval: x.opts.InitialInterval, RandomizationFactor: 0.5, Multiplier: 2,
		MaxInterval: maxRetryInterval, Stop: backoff.Stop, Clock: backoff.SystemClock}
	b.Reset()
	var d time.Duration
	for range attempts {
		d = b.NextBackOff()
	}
	return d
}

// post makes one attempt. A refusal that retrying cannot mend is a
// backoff.Permanent error. No error names the URL.
func (x *Exporter) post(ctx context.Context, t Target, d Delivery) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(d.Event))
	if err != nil { // the error would quote the URL
		return backoff.Permanent(fmt.Errorf("webhookout: %s: invalid URL", t.Name))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(EventIDHeader, d.EventID)
	req.Header.Set(SignatureHeader, Sign(t.Secret, x.opts.Now(), d.Event))
	resp, err := x.opts.Client.Do(req)
	if err != nil {
		return fmt.Errorf("webhookout: %s: unreachable", t.Name) // the error names the URL
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode/100 == 2:
		return nil
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
		return fmt.Errorf("webhookout: %s: HTTP %d", t.Name, resp.StatusCode)
	}
	return backoff.Permanent(fmt.Errorf("webhookout: %s: refused, HTTP %d", t.Name, resp.StatusCode))
}

// DeadLetters returns at most limit dead letters, newest first, of target
// only unless target is "".
func (x *Exporter) DeadLetters(ctx context.Context, target string, limit int) ([]Delivery, error) {
	ds, err := x.out.Dead(ctx, target, limit)
	if err != nil {
		return nil, fmt.Errorf("webhookout: dead letters: %w", err)
	}
	return ds, nil
}

// Replay makes dead letter id pending again: it is delivered anew, with
// the same event id, by whichever replica claims it first (a target this
// replica has is woken now). Errors: [ErrNotFound].
func (x *Exporter) Replay(ctx context.Context, id string) error {
	if err := x.out.Replay(ctx, id, x.opts.Now()); err != nil {
		return fmt.Errorf("webhookout: replay: %w", err)
	}
	for i := range x.targets {
		signal(x.wake[i])
	}
	return nil
}

// Delete deletes dead letter id. Errors: [ErrNotFound].
func (x *Exporter) Delete(ctx context.Context, id string) error {
	if err := x.out.Delete(ctx, id); err != nil {
		return fmt.Errorf("webhookout: delete: %w", err)
	}
	return nil
}

// signal wakes the reader of c (capacity 1) without blocking.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Feed wraps a queue.Feed so that every event published through it is
// offered to the exporter too: use it as the engine's feed, so a replica
// exports exactly the events its own engine produces.
func (x *Exporter) Feed(inner queue.Feed) queue.Feed { return exportingFeed{inner: inner, x: x} }

type exportingFeed struct {
	inner queue.Feed
	x     *Exporter
}

func (f exportingFeed) Publish(ev queue.Event) {
	f.x.Offer(ev)
	f.inner.Publish(ev)
}

func (f exportingFeed) Subscribe(fn func(queue.Event)) func() { return f.inner.Subscribe(fn) }
