package wire

import "fmt"

// Error is a Janus core error: a {"janus":"error","error":{"code","reason"}}
// reply (Janus docs, "The Janus API", error codes from src/apierror.h).
// errors.Is(err, &Error{Code: c}) matches any *Error with code c.
type Error struct {
	// Code is the apierror.h code, e.g. [CodeSessionNotFound].
	Code Code `json:"code"`
	// Reason is Janus's human-readable text.
	Reason string `json:"reason"`
}

// Error implements error.
func (e *Error) Error() string { return fmt.Sprintf("janus error %d: %s", e.Code, e.Reason) }

// Is reports whether target is an *Error with the same Code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}
