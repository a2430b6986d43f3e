package queue

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/idgen"
)

// Deps are the engine's required collaborators.
type Deps struct {
	// Store persists everything.
	Store Store
	// Rooms creates and destroys call rooms.
	Rooms RoomProvisioner
	// Tickets issues call tickets.
	Tickets TicketIssuer
	// Tokens mints and revokes Janus stored tokens (used for janus rooms).
	Tokens TokenMinter
}

// Engine routes callers to hosts: admission, matching, offers, calls,
// timeouts and statistics. All state lives in the Store, so several
// engines (replicas) may share one MongoDB; see Store for the atomic offer
// protocol. Timeouts are persisted as Deadline fields and acted on by
// [Engine.Sweep], which [Engine.Run] calls periodically.
type Engine struct {
	store   Store
	rooms   RoomProvisioner
	tickets TicketIssuer
	tokens  TokenMinter
	phones  PhoneLines // nil: no phone calls
	clock   Clock
	log     *slog.Logger

	sweepEvery   time.Duration
	claimTimeout time.Duration
	ticketTTL    time.Duration
	ahtWindow    int

	feed Feed

	mu        sync.Mutex
	paceCache map[QueueID]pace
}

// Option configures an Engine.
type Option func(*Engine)

// WithClock sets the clock (default SystemClock).
func WithClock(c Clock) Option { return func(e *Engine) { e.clock = c } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(e *Engine) { e.log = l } }

// WithSweepInterval sets how often Run sweeps for due timeouts (default
// 250 ms); timeouts fire at most this late.
func WithSweepInterval(d time.Duration) Option { return func(e *Engine) { e.sweepEvery = d } }

// WithFeed sets the feed the engine publishes its events on (default a
// new [LocalFeed]).
func WithFeed(f Feed) Option { return func(e *Engine) { e.feed = f } }

// WithTicketTTL sets the lifetime of call tickets (default 2 minutes).
func WithTicketTTL(d time.Duration) Option { return func(e *Engine) { e.ticketTTL = d } }

// NewEngine returns an engine over deps. Errors wrap ErrInvalid when a
// dependency is missing.
func NewEngine(deps Deps, opts ...Option) (*Engine, error) {
	if deps.Store == nil || deps.Rooms == nil || deps.Tickets == nil || deps.Tokens == nil {
		return nil, fmt.Errorf("queue: engine needs a store, rooms, tickets and tokens: %w", ErrInvalid)
	}
	e := &Engine{
		store: deps.Store, rooms: deps.Rooms, tickets: deps.Tickets, tokens: deps.Tokens,
		clock: SystemClock{}, log: slog.Default(),
		sweepEvery: 250 * time.Millisecond, claimTimeout: 10 * time.Second,
		ticketTTL: 2 * time.Minute, ahtWindow: 20,
		paceCache: map[QueueID]pace{}, feed: &LocalFeed{},
	}
	for _, o := range opts {
		o(e)
	}
	return e, nil
}

// Store returns the engine's store.
func (e *Engine) Store() Store { return e.store }

// Run sweeps for due timeouts and unmatched callers every sweep interval
// until ctx is done; it returns ctx.Err(). Sweep errors are logged.
func (e *Engine) Run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-e.clock.After(e.sweepEvery):
			if err := e.Sweep(ctx); err != nil && ctx.Err() == nil {
				e.log.WarnContext(ctx, "queue sweep failed", "err", err)
			}
		}
	}
}

// Feed returns the feed the engine publishes its events on.
func (e *Engine) Feed() Feed { return e.feed }

// newID returns 16 random bytes in hex (128 bits).
func newID() string { return idgen.Hex(16) }

// newEntryID returns a 32-hex-digit entry ID that sorts by creation time:
// 6 bytes of Unix milliseconds of the real time now (not the engine's
// clock: the ID is no domain time) then 10 random bytes (80 bits, so IDs
// made in the same millisecond still never collide in practice).
// Time-ordered keys make a store's inserts append at the end of its ID
// index instead of touching a random page each (bbolt: fewer dirty pages
// per commit, smaller fsyncs).
func newEntryID() EntryID {
	now := time.Now()
	var b [16]byte
	ms := uint64(now.UnixMilli())
	for i := range 6 {
		b[i] = byte(ms >> (8 * (5 - i)))
	}
	copy(b[6:], idgen.Bytes(10))
	return EntryID(hex.EncodeToString(b[:]))
}

// maxCAS bounds read-modify-write retries under contention.
const maxCAS = 50

// cas re-reads document id with get, applies fn and writes it with put
// until the write wins the compare-and-set (put returns ErrVersion when
// the document changed since it was read), at most maxCAS times. what
// names the document kind in errors ("entry", "host", "call").
func cas[T any, ID ~string](ctx context.Context, what string, id ID, get func(context.Context, ID) (T, error),
	put func(context.Context, T) (T, error), fn func(*T) error) (T, error) {
	var zero T
	for range maxCAS {
		doc, err := get(ctx, id)
		if err != nil {
			return zero, fmt.Errorf("queue: %s %s: %w", what, id, err)
		}
		if err := fn(&doc); err != nil {
			return zero, err
		}
		out, err := put(ctx, doc)
		if errors.Is(err, ErrVersion) {
			continue
		}
		if err != nil {
			return zero, fmt.Errorf("queue: update %s %s: %w", what, id, err)
		}
		return out, nil
	}
	return zero, fmt.Errorf("queue: %s %s: contention: %w", what, id, ErrVersion)
}

// casEntry re-reads entry id and applies fn until the update wins.
func (e *Engine) casEntry(ctx context.Context, id EntryID, fn func(*Entry) error) (Entry, error) {
	return cas(ctx, "entry", id, e.store.GetEntry, e.store.UpdateEntry, fn)
}

// casHost re-reads host id and applies fn until the update wins.
func (e *Engine) casHost(ctx context.Context, id HostID, fn func(*Host) error) (Host, error) {
	return cas(ctx, "host", id, e.store.GetHost, e.store.UpdateHost, fn)
}

// casCall re-reads call id and applies fn until the update wins.
func (e *Engine) casCall(ctx context.Context, id CallID, fn func(*Call) error) (Call, error) {
	return cas(ctx, "call", id, e.store.GetCall, e.store.UpdateCall, fn)
}

// to moves the entry to state s at time at, recording the transition.
// Final states set EndedAt and clear Paused and Deadline.
func (en *Entry) to(s EntryState, at time.Time, hostID HostID, reason string) {
	en.State = s
	en.History = append(en.History, Transition{State: s, At: at, HostID: hostID, Reason: reason})
	if !s.Live() {
		en.EndedAt = at
		en.Paused = false
		en.Deadline = time.Time{}
		en.CallerAwayUntil, en.HostAwayUntil = time.Time{}, time.Time{}
	}
}

// to moves the host to state s at time at.
func (h *Host) to(s HostState, at time.Time) {
	if s == HostAvailable && h.State != HostAvailable {
		h.IdleSince = at
	}
	h.State = s
	h.StateSince = at
	if s != HostOffered && s != HostInCall && s != HostWrapUp {
		h.EntryID = ""
	}
	if s != HostOffered && s != HostWrapUp {
		h.Deadline = time.Time{}
	}
}

func offerTimeout(q *Queue) time.Duration  { return orDefault(q.Timeouts.Offer, DefaultOfferTimeout) }
func noShowTimeout(q *Queue) time.Duration { return orDefault(q.Timeouts.NoShow, DefaultNoShowTimeout) }
func grace(q *Queue) time.Duration         { return orDefault(q.Timeouts.Grace, DefaultGrace) }
func serviceLevel(q *Queue) time.Duration {
	return orDefault(q.ServiceLevelThreshold, DefaultServiceLevelThreshold)
}

// RejoinGrace is how long q waits for a side that left a call to come
// back: Timeouts.RejoinGrace, or DefaultRejoinGrace when unset.
func RejoinGrace(q *Queue) time.Duration {
	if q.Timeouts.RejoinGrace == nil {
		return DefaultRejoinGrace
	}
	return *q.Timeouts.RejoinGrace
}

// awayDeadline is the earlier non-zero of an in-call entry's away times.
func awayDeadline(en *Entry) time.Time {
	d := en.CallerAwayUntil
	if d.IsZero() || (!en.HostAwayUntil.IsZero() && en.HostAwayUntil.Before(d)) {
		d = en.HostAwayUntil
	}
	return d
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// waitDeadline is when a waiting entry next needs attention: the end of
// its grace period if paused, or of the queue's max wait, whichever is
// first (zero if neither applies).
func waitDeadline(q *Queue, en *Entry) time.Time {
	var d time.Time
	if q.Limits.MaxWait > 0 {
		d = en.CreatedAt.Add(q.Limits.MaxWait)
	}
	if en.Callback != nil && !en.Callback.RetryAt.IsZero() {
		if d.IsZero() || en.Callback.RetryAt.Before(d) {
			d = en.Callback.RetryAt
		}
	} else if en.Paused {
		g := en.DisconnectedAt.Add(grace(q))
		if d.IsZero() || g.Before(d) {
			d = g
		}
	}
	return d
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
