package webhookout

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/frontdesk/frontdesk/queue"
)

// Target is one receiver of events.
type Target struct {
	// Name names the target in logs and metrics (never the URL, which may
	// carry credentials).
	Name string
	// URL receives a POST per event.
	URL string
	// Secret signs the deliveries (see the package comment).
	Secret string
	// Kinds are the event kinds delivered; empty means all.
	Kinds []queue.EventKind
}

// Options tune delivery.
type Options struct {
	// Client sends the requests (default: a client with a 10 s timeout).
	Client *http.Client
	// Queue is how many events wait per target before new ones are
	// dropped, and logged (default 1000).
	Queue int
	// MaxElapsed bounds the retries of one delivery (default 10 min);
	// InitialInterval is the first back-off (default 500 ms, then
	// doubling with jitter, at most 1 min apart).
	MaxElapsed, InitialInterval time.Duration
	// Log is the logger (default slog.Default()).
	Log *slog.Logger
	// Now is the clock for signatures (default time.Now).
	Now func() time.Time
}

// DeadLetter is an event whose delivery to a target failed for good.
type DeadLetter struct {
	// Target is the target's name.
	Target string
	// Event is the event.
	Event queue.Event
	// Attempts is how many times it was tried; Err is the last failure.
	Attempts int
	Err      string
	// At is when it was given up.
	At time.Time
}

// maxDeadLetters is how many dead letters are kept (oldest dropped).
const maxDeadLetters = 1000

// Exporter delivers events to targets. Offer hands it an event; Run
// delivers until its context ends.
type Exporter struct {
	targets []Target
	opts    Options
	queues  []chan queue.Event

	mu   sync.Mutex
	dead []DeadLetter
}

// New returns an exporter for targets.
func New(targets []Target, opts Options) *Exporter {
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Queue <= 0 {
		opts.Queue = 1000
	}
	if opts.MaxElapsed <= 0 {
		opts.MaxElapsed = 10 * time.Minute
	}
	if opts.InitialInterval <= 0 {
		opts.InitialInterval = 500 * time.Millisecond
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	x := &Exporter{targets: targets, opts: opts}
	for range targets {
		x.queues = append(x.queues, make(chan queue.Event, opts.Queue))
	}
	return x
}

// Offer queues ev for every target that wants its kind; it never blocks.
// A target whose queue is full loses ev, which is logged.
func (x *Exporter) Offer(ev queue.Event) {
	if ev.Kind == queue.EventResync {
		return // a feed's own signal, not an event
	}
	for i, t := range x.targets {
		if len(t.Kinds) > 0 && !slices.Contains(t.Kinds, ev.Kind) {
			continue
		}
		select {
		case x.queues[i] <- ev:
		default:
			x.opts.Log.Warn("webhookout: queue full, event dropped", "target", t.Name, "event", ev.ID, "kind", string(ev.Kind))
		}
	}
}

// Run delivers queued events, one target per goroutine and in order per
// target, until ctx ends; it returns ctx.Err() once every goroutine has.
func (x *Exporter) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for i := range x.targets {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case ev := <-x.queues[i]:
					x.deliver(ctx, x.targets[i], ev)
				}
			}
		})
	}
	wg.Wait()
	return ctx.Err()
}

// DeadLetters returns the events given up on, oldest first.
func (x *Exporter) DeadLetters() []DeadLetter {
	x.mu.Lock()
	defer x.mu.Unlock()
	return slices.Clone(x.dead)
}

// deliver posts ev to t until it is accepted (2xx), refused for good (a
// 4xx other than 408 and 429), or the back-off gives up; the last two make
// a dead letter.
func (x *Exporter) deliver(ctx context.Context, t Target, ev queue.Event) {
	body, err := json.Marshal(ev)
	if err != nil { // an Event always marshals
		x.opts.Log.Error("webhookout: encoding", "err", err)
		return
	}
	b := backoff.NewExponentialBackOff()
	b.InitialInterval, b.MaxInterval, b.MaxElapsedTime = x.opts.InitialInterval, time.Minute, x.opts.MaxElapsed
	attempts := 0
	err = backoff.Retry(func() error {
		attempts++
		return x.post(ctx, t, ev, body)
	}, backoff.WithContext(b, ctx))
	if err == nil || ctx.Err() != nil {
		return
	}
	x.opts.Log.Warn("webhookout: delivery failed for good", "target", t.Name, "event", ev.ID, "attempts", attempts, "err", err)
	x.mu.Lock()
	x.dead = append(x.dead, DeadLetter{Target: t.Name, Event: ev, Attempts: attempts, Err: err.Error(), At: x.opts.Now()})
	if len(x.dead) > maxDeadLetters {
		x.dead = x.dead[len(x.dead)-maxDeadLetters:]
	}
	x.mu.Unlock()
}

// post makes one attempt. A refusal that retrying cannot mend is a
// backoff.Permanent error.
func (x *Exporter) post(ctx context.Context, t Target, ev queue.Event, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(body))
	if err != nil {
		return backoff.Permanent(fmt.Errorf("webhookout: %s: request: %w", t.Name, err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(EventIDHeader, ev.ID)
	req.Header.Set(SignatureHeader, Sign(t.Secret, x.opts.Now(), body))
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
