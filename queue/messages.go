package queue

import (
	"errors"
	"fmt"
	"strings"

	"github.com/frontdesk/frontdesk/problem"
	"github.com/frontdesk/frontdesk/queue/hours"
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

// humanError gives an error a message for people; Error() stays the
// internal text for logs.
type humanError struct {
	msg string
	err error
}

func (h *humanError) Error() string { return h.err.Error() }
func (h *humanError) Unwrap() error { return h.err }

// say attaches msg, a sentence for people, to err (nil stays nil). The
// problem document shows msg instead of err's internal text.
func say(msg string, err error) error {
	if err == nil {
		return nil
	}
	return &humanError{msg: msg, err: err}
}

// sayNotFound attaches msg to err only when it is ErrNotFound.
func sayNotFound(msg string, err error) error {
	if errors.Is(err, ErrNotFound) {
		return say(msg, err)
	}
	return err
}

// hoursMessage is the message for people about a schedule field error.
func hoursMessage(fe *hours.FieldError) string {
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

// refusalMessage is the message for people about a refusal.
func refusalMessage(r *Refusal) string {
	switch r.Reason {
	case "closed":
		if !r.NextOpen.IsZero() {
			return "This desk is closed. It opens " + r.NextOpen.Format("Monday 2 January 15:04 MST") + "."
		}
		return "This desk is closed."
	case "closing_soon":
		return "This desk closes soon and takes no more callers today."
	case "full":
		return "The queue is full. Please try again later."
	case "already_queued":
		return "You are already in this queue."
	case "cooldown":
		return "Please wait a moment before joining again."
	case "rate_limited":
		return "Too many attempts from your address. Please wait a moment and try again."
	case "account_required":
		return "This desk needs an account: please sign in."
	case "intake_missing":
		return fmt.Sprintf("Please answer %q.", r.Field)
	case "intake_invalid":
		return fmt.Sprintf("The answer to %q is not valid.", r.Field)
	case "name_invalid":
		return "Please give a name of 1–100 characters, without line breaks or control characters."
	case "not_assigned":
		return "That queue is not assigned to this host."
	}
	return sentinelMessage(r.Err)
}

// sentinelMessage is the generic message for people about err.
func sentinelMessage(err error) string {
	switch {
	case errors.Is(err, ErrUnauthenticated):
		return "Please sign in first."
	case errors.Is(err, ErrForbidden):
		return "You are not allowed to do that."
	case errors.Is(err, ErrResumeToken):
		return "Your place could not be kept. Please join again."
	case errors.Is(err, ErrNotFound):
		return "Not found."
	case errors.Is(err, ErrNotAssigned):
		return "That queue is not assigned to this host."
	case errors.Is(err, ErrInvalid):
		return "The request is not valid."
	case errors.Is(err, ErrCooldown):
		return "Please wait a moment before trying again."
	case errors.Is(err, ErrClosed):
		return "This desk is closed."
	case errors.Is(err, ErrFull):
		return "The queue is full. Please try again later."
	case errors.Is(err, ErrAlreadyQueued):
		return "You are already in this queue."
	case errors.Is(err, ErrConflict):
		return "That already exists."
	case errors.Is(err, ErrVersion):
		return "Someone else changed this meanwhile. Reload and try again."
	case errors.Is(err, ErrState):
		return "That is not possible right now; the page may be out of date."
	}
	return problem.InternalDetail
}

// humanMessage is the problem detail for err: never internal text.
func humanMessage(err error) string {
	var h *humanError
	if errors.As(err, &h) {
		return h.msg
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Message
	}
	var r *Refusal
	if errors.As(err, &r) {
		return refusalMessage(r)
	}
	return sentinelMessage(err)
}
