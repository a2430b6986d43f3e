package queueapi

import (
	"errors"
	"fmt"

	"github.com/frontdesk/frontdesk/queue"

	"github.com/frontdesk/frontdesk/problem"
)

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
	if errors.Is(err, queue.ErrNotFound) {
		return say(msg, err)
	}
	return err
}

// refusalMessage is the message for people about a refusal.
func refusalMessage(r *queue.Refusal) string {
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
	case "phone_required":
		return "Please give the number to call you back at."
	case "phone_invalid":
		return "Please give the phone number in international form, starting with + and the country code (e.g. +1 555 010 2030)."
	case "phone_not_allowed":
		return "This desk cannot call that number. Please give another one."
	case "callback_unavailable":
		return "This desk does not call back; please wait on this page."
	}
	return sentinelMessage(r.Err)
}

// sentinelMessage is the generic message for people about err.
func sentinelMessage(err error) string {
	switch {
	case errors.Is(err, ErrUnauthenticated):
		return "Please sign in first."
	case errors.Is(err, queue.ErrForbidden):
		return "You are not allowed to do that."
	case errors.Is(err, queue.ErrResumeToken):
		return "Your place could not be kept. Please join again."
	case errors.Is(err, queue.ErrNotFound):
		return "Not found."
	case errors.Is(err, queue.ErrNotAssigned):
		return "That queue is not assigned to this host."
	case errors.Is(err, queue.ErrInvalid):
		return "The request is not valid."
	case errors.Is(err, queue.ErrCooldown):
		return "Please wait a moment before trying again."
	case errors.Is(err, queue.ErrClosed):
		return "This desk is closed."
	case errors.Is(err, queue.ErrFull):
		return "The queue is full. Please try again later."
	case errors.Is(err, queue.ErrAlreadyQueued):
		return "You are already in this queue."
	case errors.Is(err, queue.ErrConflict):
		return "That already exists."
	case errors.Is(err, queue.ErrVersion):
		return "Someone else changed this meanwhile. Reload and try again."
	case errors.Is(err, queue.ErrState):
		return "That is not possible right now; the page may be out of date."
	case errors.Is(err, queue.ErrNoPhone):
		return "Phone calls are not available for this caller or desk right now."
	}
	return problem.InternalDetail
}

// humanMessage is the problem detail for err: never internal text.
func humanMessage(err error) string {
	var h *humanError
	if errors.As(err, &h) {
		return h.msg
	}
	var fe *queue.FieldError
	if errors.As(err, &fe) {
		return fe.Message
	}
	var r *queue.Refusal
	if errors.As(err, &r) {
		return refusalMessage(r)
	}
	return sentinelMessage(err)
}
