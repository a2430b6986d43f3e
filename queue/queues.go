package queue

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/queue/hours"
)

var (
	slugRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	intakeRE = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
)

// Validate checks a queue's fields: slug, name, hours, enums, limits,
// timeouts and intake fields. Errors are a *FieldError naming the field as
// in the API's JSON (e.g. "slug", "hours.zone", "hours.weekly[2]") with a
// message for people; it wraps ErrInvalid and, for hours, the hours
// sentinel (hours.ErrBadZone, ...).
func (q *Queue) Validate() error {
	bad := func(field, msg string) error { return &FieldError{Field: field, Message: msg} }
	neg := func(ds ...time.Duration) bool {
		return slices.ContainsFunc(ds, func(d time.Duration) bool { return d < 0 })
	}
	switch {
	case !slugRE.MatchString(q.Slug):
		return bad("slug", "The address must be 1–64 lower-case letters, digits or dashes, starting with a letter or digit.")
	case q.Name == "" || len(q.Name) > 200:
		return bad("name", "The name must be 1–200 characters long.")
	case len(q.Description) > 4000:
		return bad("description", "The description must be at most 4000 characters long.")
	case q.Mode < ModeAuto || q.Mode > ModePick:
		return bad("mode", "Unknown mode.")
	case q.Identity < IdentityGuest || q.Identity > IdentityAccount:
		return bad("identity", "Unknown identity setting.")
	case q.Media < MediaAuto || q.Media > MediaBuiltin:
		return bad("media", "Unknown media engine.")
	case q.Closing.AtClose < AtCloseServe || q.Closing.AtClose > AtCloseRelease:
		return bad("closing.at_close", "Unknown closing behaviour.")
	case q.Limits.MaxWaiting < 0:
		return bad("limits.max_waiting", "The maximum number of waiting callers must not be negative.")
	case neg(q.Limits.MaxWait, q.Limits.Cooldown):
		return bad("limits", "Limits must not be negative.")
	case q.Closing.StopAdmitting < 0:
		return bad("closing.stop_admitting", "The time before closing must not be negative.")
	case neg(q.Timeouts.Offer, q.Timeouts.NoShow, q.Timeouts.WrapUp, q.Timeouts.Grace),
		q.Timeouts.RejoinGrace != nil && *q.Timeouts.RejoinGrace < 0:
		return bad("timeouts", "Timeouts must not be negative.")
	case q.ServiceLevelThreshold < 0:
		return bad("service_level_threshold", "The service-level threshold must not be negative.")
	case q.HandleTime < 0 || q.HandleTime > 24*time.Hour:
		return bad("handle_time", "The expected handle time must be between 0 and 24 hours.")
	case len(q.Intake) > 20:
		return bad("intake", "At most 20 intake questions.")
	}
	seen := map[string]bool{}
	for i, f := range q.Intake {
		if !intakeRE.MatchString(f.Name) || seen[f.Name] {
			return bad(fmt.Sprintf("intake[%d].name", i), "Each question needs a unique key of 1–32 lower-case letters, digits or underscores.")
		}
		seen[f.Name] = true
		if f.MaxLen < 0 || f.MaxLen > 10000 {
			return bad(fmt.Sprintf("intake[%d].max_len", i), "The maximum answer length must be 0–10000.")
		}
	}
	if err := validatePhone(q.Phone); err != nil {
		return err
	}
	if err := q.Hours.Validate(); err != nil {
		var fe *hours.FieldError
		if errors.As(err, &fe) {
			return &FieldError{Field: "hours." + fe.Field, Message: HoursMessage(fe), Err: err}
		}
		return &FieldError{Field: "hours", Message: "The working hours are not valid.", Err: err}
	}
	return nil
}

// slugTaken turns an ErrConflict from the store into a FieldError on
// "slug" (the only unique field of a queue besides its random ID).
func slugTaken(err error) error {
	if errors.Is(err, ErrConflict) {
		return &FieldError{Field: "slug", Message: "That address is taken; choose another.", Err: err}
	}
	return err
}

// CreateQueue validates q, gives it a new ID and timestamps and stores it.
// Errors: ErrInvalid (bad fields, a *FieldError), ErrConflict (slug
// taken, a *FieldError on "slug").
func (e *Engine) CreateQueue(ctx context.Context, q Queue) (Queue, error) {
	if err := q.Validate(); err != nil {
		return Queue{}, err
	}
	now := e.clock.Now()
	q.ID, q.CreatedAt, q.UpdatedAt = QueueID(newID()), now, now
	out, err := e.store.CreateQueue(ctx, q)
	if err != nil {
		return Queue{}, slugTaken(fmt.Errorf("queue: create %q: %w", q.Slug, err))
	}
	e.publish(Event{Kind: EventQueueChanged, Queue: out.ID, Reason: "created"})
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
		return Queue{}, slugTaken(fmt.Errorf("queue: update %s: %w", q.ID, err))
	}
	e.forgetPace(q.ID) // the handle-time prior may have changed
	e.publish(Event{Kind: EventQueueChanged, Queue: QueueID(q.ID)})
	return out, nil
}

// SetManual sets the queue's manual open/closed override, retrying on
// concurrent updates. Errors: ErrNotFound.
func (e *Engine) SetManual(ctx context.Context, queueID QueueID, m hours.Manual) (Queue, error) {
	out, err := cas(ctx, "queue", queueID, e.store.GetQueue, e.store.UpdateQueue, func(q *Queue) error {
		q.Hours.Manual, q.UpdatedAt = m, e.clock.Now()
		return nil
	})
	if err != nil {
		return Queue{}, err
	}
	e.publish(Event{Kind: EventQueueChanged, Queue: QueueID(queueID), Reason: "manual"})
	return out, nil
}

// GetQueue returns a queue by ID or, failing that, by slug. Errors: ErrNotFound.
func (e *Engine) GetQueue(ctx context.Context, idOrSlug string) (Queue, error) {
	q, err := e.store.GetQueue(ctx, QueueID(idOrSlug))
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
func (e *Engine) DeleteQueue(ctx context.Context, id QueueID) error {
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
	e.publish(Event{Kind: EventQueueChanged, Queue: QueueID(id), Reason: "deleted"})
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

// HoursMessage is a sentence for people saying what is wrong with a
// schedule field (the problem detail of an invalid "hours" value).
func HoursMessage(fe *hours.FieldError) string {
	switch {
	case errors.Is(fe.Err, hours.ErrBadZone):
		return "Unknown time zone."
	case errors.Is(fe.Err, hours.ErrBadManual):
		return "The manual override must be open, closed or none."
	case errors.Is(fe.Err, hours.ErrOverlap):
		return "Two opening times on the same day overlap (" + fe.Detail + ")."
	case errors.Is(fe.Err, hours.ErrBadRange):
		return "An opening time must end after it starts on the same day (" + fe.Detail + "); split a night shift at midnight."
	case errors.Is(fe.Err, hours.ErrBadDate) && strings.HasSuffix(fe.Detail, " twice"):
		return "There are two special days on " + strings.TrimSuffix(fe.Detail, " twice") + "."
	case errors.Is(fe.Err, hours.ErrBadDate):
		return "Not a date; use YYYY-MM-DD, e.g. 2026-12-25."
	case errors.Is(fe.Err, hours.ErrBadTime):
		return "Not a time of day; use HH:MM from 00:00 to 24:00."
	}
	return "The working hours are not valid."
}
