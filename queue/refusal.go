package queue

import (
	"fmt"
	"time"
)

// Refusal explains why a join (or another request) was refused, with what
// the UI needs to show it. It wraps one of the refusal sentinels
// (ErrClosed, ErrFull, ErrAlreadyQueued, ErrCooldown, ErrForbidden,
// ErrInvalid, ErrNotAssigned), so errors.Is works on it.
type Refusal struct {
	// Err is the sentinel.
	Err error
	// Reason is a stable machine-readable code: "closed", "closing_soon",
	// "full", "already_queued", "cooldown", "account_required",
	// "intake_missing", "intake_invalid", "not_assigned", "phone_required",
	// "phone_invalid" (not an E.164 number), "phone_not_allowed" (not in
	// the queue's PhoneSettings.Allow), "callback_unavailable".
	Reason string
	// NextOpen is when the queue opens next, in the queue's zone (closed
	// and closing_soon; zero when unknown, e.g. manually closed).
	NextOpen time.Time
	// RetryAfter is when the caller may try again (cooldown).
	RetryAfter time.Time
	// EntryID is the caller's existing live entry (already_queued).
	EntryID EntryID
	// Field is the intake field at fault (intake_*), or the request field
	// at fault ("queues" for not_assigned, "phone", "callback").
	Field string
	// Queue is the queue ID at fault (not_assigned).
	Queue QueueID
}

// Error implements error.
func (r *Refusal) Error() string {
	msg := fmt.Sprintf("queue: %s (%s)", r.Err, r.Reason)
	if !r.NextOpen.IsZero() {
		msg += ", opens " + r.NextOpen.Format(time.RFC3339)
	}
	if r.Field != "" {
		msg += ", field " + r.Field
	}
	if r.Queue != "" {
		msg += ", queue " + string(r.Queue)
	}
	return msg
}

// Unwrap returns the sentinel.
func (r *Refusal) Unwrap() error { return r.Err }
