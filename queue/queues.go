package queue

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/frontdesk/frontdesk/queue/hours"
)

var (
	slugRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	intakeRE = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
)

// Validate checks a queue's fields: slug, name, hours, enums, limits,
// timeouts and intake fields. Errors wrap ErrInvalid (or an hours error).
func (q *Queue) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("queue: "+format+": %w", append(a, ErrInvalid)...)
	}
	switch {
	case !slugRE.MatchString(q.Slug):
		return bad("slug %q must be 1–64 of [a-z0-9-]", q.Slug)
	case q.Name == "" || len(q.Name) > 200:
		return bad("name must be 1–200 bytes")
	case len(q.Description) > 4000:
		return bad("description longer than 4000 bytes")
	case q.Mode < ModeAuto || q.Mode > ModePick:
		return bad("mode %d", q.Mode)
	case q.Identity < IdentityGuest || q.Identity > IdentityAccount:
		return bad("identity %d", q.Identity)
	case q.Media < MediaAuto || q.Media > MediaBuiltin:
		return bad("media %d", q.Media)
	case q.Closing.AtClose < AtCloseServe || q.Closing.AtClose > AtCloseRelease:
		return bad("at_close %d", q.Closing.AtClose)
	case q.Limits.MaxWaiting < 0 || q.Limits.MaxWait < 0 || q.Limits.Cooldown < 0 || q.Closing.StopAdmitting < 0:
		return bad("limits must not be negative")
	case q.Timeouts.Offer < 0 || q.Timeouts.NoShow < 0 || q.Timeouts.WrapUp < 0 || q.Timeouts.Grace < 0 || q.ServiceLevel < 0,
		q.Timeouts.RejoinGrace != nil && *q.Timeouts.RejoinGrace < 0:
		return bad("timeouts must not be negative")
	case len(q.Intake) > 20:
		return bad("at most 20 intake fields")
	}
	seen := map[string]bool{}
	for _, f := range q.Intake {
		if !intakeRE.MatchString(f.Name) || seen[f.Name] {
			return bad("intake field name %q must be unique, 1–32 of [a-z0-9_]", f.Name)
		}
		seen[f.Name] = true
		if f.MaxLen < 0 || f.MaxLen > 10000 {
			return bad("intake field %q max_len", f.Name)
		}
	}
	if err := q.Hours.Validate(); err != nil {
		return fmt.Errorf("queue: hours: %w", err)
	}
	return nil
}

// CreateQueue validates q, gives it a new ID and timestamps and stores it.
// Errors: ErrInvalid (bad fields), ErrConflict (slug taken).
func (e *Engine) CreateQueue(ctx context.Context, q Queue) (Queue, error) {
	if err := q.Validate(); err != nil {
		return Queue{}, err
	}
	now := e.clock.Now()
	q.ID, q.CreatedAt, q.UpdatedAt = newID(), now, now
	out, err := e.store.CreateQueue(ctx, q)
	if err != nil {
		return Queue{}, fmt.Errorf("queue: create %q: %w", q.Slug, err)
	}
	return out, nil
}

// UpdateQueue replaces queue q.ID with q if q.Version is still current
// (ID and CreatedAt are kept). Errors: ErrInvalid, ErrNotFound, ErrVersion
// (changed meanwhile: re-read), ErrConflict (slug taken).
func (e *Engine) UpdateQueue(ctx context.Context, q Queue) (Queue, error) {
	if err := q.Validate(); err != nil {
		return Queue{}, err
	}
	old, err := e.store.GetQueue(ctx, q.ID)
	if err != nil {
		return Queue{}, fmt.Errorf("queue: update: %w", err)
	}
	q.CreatedAt, q.UpdatedAt = old.CreatedAt, e.clock.Now()
	out, err := e.store.UpdateQueue(ctx, q)
	if err != nil {
		return Queue{}, fmt.Errorf("queue: update %s: %w", q.ID, err)
	}
	e.changed(q.ID)
	return out, nil
}

// SetManual sets the queue's manual open/closed override, retrying on
// concurrent updates. Errors: ErrNotFound.
func (e *Engine) SetManual(ctx context.Context, queueID string, m hours.Manual) (Queue, error) {
	for range maxCAS {
		q, err := e.store.GetQueue(ctx, queueID)
		if err != nil {
			return Queue{}, fmt.Errorf("queue: manual: %w", err)
		}
		q.Hours.Manual, q.UpdatedAt = m, e.clock.Now()
		out, err := e.store.UpdateQueue(ctx, q)
		if err == nil {
			e.changed(queueID)
			return out, nil
		}
		if !isVersion(err) {
			return Queue{}, fmt.Errorf("queue: manual: %w", err)
		}
	}
	return Queue{}, fmt.Errorf("queue: manual: %w", ErrVersion)
}

// GetQueue returns a queue by ID or, failing that, by slug. Errors: ErrNotFound.
func (e *Engine) GetQueue(ctx context.Context, idOrSlug string) (Queue, error) {
	q, err := e.store.GetQueue(ctx, idOrSlug)
	if err == nil {
		return q, nil
	}
	q, err2 := e.store.GetQueueBySlug(ctx, idOrSlug)
	if err2 != nil {
		return Queue{}, fmt.Errorf("queue: %q: %w", idOrSlug, err)
	}
	return q, nil
}

// ListQueues returns all queues ordered by slug.
func (e *Engine) ListQueues(ctx context.Context) ([]Queue, error) {
	return e.store.ListQueues(ctx)
}

// DeleteQueue deletes a queue; its live entries end as removed. Errors:
// ErrNotFound.
func (e *Engine) DeleteQueue(ctx context.Context, id string) error {
	live, err := e.store.ListEntries(ctx, EntryFilter{QueueID: id, States: []EntryState{EntryWaiting, EntryOffered}})
	if err != nil {
		return fmt.Errorf("queue: delete: %w", err)
	}
	if err := e.store.DeleteQueue(ctx, id); err != nil {
		return fmt.Errorf("queue: delete: %w", err)
	}
	now := e.clock.Now()
	for _, en := range live {
		if err := e.endEntry(ctx, en.ID, EntryRemoved, "queue_deleted", now); err != nil {
			e.log.WarnContext(ctx, "queue: ending entry of deleted queue", "entry", en.ID, "err", err)
		}
	}
	e.changed(id)
	return nil
}

// Status is whether a queue admits callers now.
type Status struct {
	// Open is true when the schedule (or manual override) says open.
	Open bool `json:"open"`
	// Admitting is Open and not within the stop-admitting window.
	Admitting bool `json:"admitting"`
	// NextOpen is the next opening (in the queue's zone) when not open.
	NextOpen *time.Time `json:"next_open,omitempty"`
	// ClosesAt is the next closing time when open (nil if none soon).
	ClosesAt *time.Time `json:"closes_at,omitempty"`
}

// StatusAt reports whether q is open and admitting at now.
func StatusAt(q *Queue, now time.Time) Status {
	var st Status
	st.Open = q.Hours.Open(now)
	if !st.Open {
		if t, ok := q.Hours.NextOpen(now); ok {
			st.NextOpen = &t
		}
		return st
	}
	st.Admitting = true
	if end, ok := q.Hours.NextClose(now); ok {
		st.ClosesAt = &end
		if q.Closing.StopAdmitting > 0 && end.Sub(now) <= q.Closing.StopAdmitting {
			st.Admitting = false
			if t, ok := q.Hours.NextOpen(end); ok {
				st.NextOpen = &t
			}
		}
	}
	return st
}
