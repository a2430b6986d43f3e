package queue

import "errors"

// Store errors. Every Store implementation returns these (possibly wrapped
// with %w) so the engine can tell them apart with errors.Is.
var (
	// ErrNotFound: the queue, host, entry or call does not exist, or (for
	// ClaimNext) no entry matches.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a create collides with an existing document (same ID,
	// same queue slug, or an entry whose live ActiveKey is already taken).
	ErrConflict = errors.New("conflict")
	// ErrVersion: a compare-and-set update lost the race; the stored
	// document's Version differs from the one supplied. Re-read and retry.
	ErrVersion = errors.New("version mismatch")
)

// Engine and API errors (refusals). The HTTP layer maps them to statuses in
// one function (see statusOf in api.go).
var (
	// ErrInvalid: a request or value is malformed (bad enum, missing field).
	ErrInvalid = errors.New("invalid")
	// ErrClosed: the queue is closed (outside working hours, manual close,
	// or within the stop-admitting window before closing).
	ErrClosed = errors.New("queue closed")
	// ErrFull: the queue already has its maximum number of waiting callers.
	ErrFull = errors.New("queue full")
	// ErrAlreadyQueued: the caller already has a live entry in this queue.
	ErrAlreadyQueued = errors.New("already in queue")
	// ErrCooldown: the caller left or finished too recently to re-enter.
	ErrCooldown = errors.New("re-entry cooldown")
	// ErrState: the operation is not allowed in the current state (e.g.
	// accepting an offer that has timed out, going available during a call).
	ErrState = errors.New("wrong state")
	// ErrForbidden: the identity may not do this (wrong role, not the
	// entry's caller, not a host of this queue, account required).
	ErrForbidden = errors.New("forbidden")
	// ErrNotAssigned: a host chose to serve a queue that is not among the
	// queues an admin assigned to it (HTTP 422).
	ErrNotAssigned = errors.New("queue not assigned to host")
	// ErrResumeToken: a resume token is missing, wrong or its grace period
	// is over.
	ErrResumeToken = errors.New("bad resume token")
	// ErrNoCapacity: no media server can host a room now (every Janus
	// instance is down, draining or full, and the built-in SFU cannot take
	// it). A RoomProvisioner wraps it so that [Engine.MoveCall] can tell
	// "nowhere to go" from a passing failure.
	ErrNoCapacity = errors.New("no media capacity")
)

// FieldError is a request or queue field that is not valid. Field names it
// as in the API's JSON ("slug", "hours.zone", "hours.weekly[2]",
// "timeouts.offer"); Message says what is wrong in a sentence for people
// (it is the problem's "detail"). It wraps ErrInvalid and Err (the cause,
// e.g. an *hours.FieldError), so errors.Is works on both; when Err is an
// ErrConflict (a slug already taken) it wraps only Err.
type FieldError struct {
	Field   string
	Message string
	Err     error
}

// Error renders "queue: <field>: <message>".
func (e *FieldError) Error() string { return "queue: " + e.Field + ": " + e.Message }

// Unwrap returns ErrInvalid and the cause.
func (e *FieldError) Unwrap() []error {
	switch {
	case e.Err == nil:
		return []error{ErrInvalid}
	case errors.Is(e.Err, ErrConflict):
		return []error{e.Err}
	}
	return []error{ErrInvalid, e.Err}
}
