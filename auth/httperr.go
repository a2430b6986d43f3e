package auth

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/frontdesk/frontdesk/problem"
)

// problemFor maps auth's errors to HTTP problems; it is the one place that
// does so. Unknown errors become a 500 whose detail hides the cause.
func problemFor(err error) error {
	var te *ThrottledError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te):
		return problem.Wrap(http.StatusTooManyRequests, err).With("retry_after_s", int(te.RetryAfter.Seconds()))
	case errors.Is(err, ErrUnauthenticated), errors.Is(err, ErrInvalidToken), errors.Is(err, ErrInvalidCredentials):
		return problem.Wrap(http.StatusUnauthorized, err)
	case errors.Is(err, ErrForbidden), errors.Is(err, ErrCSRF), errors.Is(err, ErrSignupDisabled):
		return problem.Wrap(http.StatusForbidden, err)
	case errors.Is(err, ErrWeakPassword), errors.Is(err, ErrInvalidInput):
		return problem.Wrap(http.StatusBadRequest, err)
	case errors.Is(err, ErrNotFound):
		return problem.Wrap(http.StatusNotFound, err)
	case errors.Is(err, ErrConflict):
		return problem.Wrap(http.StatusConflict, err)
	}
	return problem.From(err)
}

// retryAfter sets the Retry-After header (RFC 9110 §10.2.3) for a
// throttled error.
func retryAfter(h http.Header, err error) {
	var te *ThrottledError
	if errors.As(err, &te) {
		h.Set("Retry-After", strconv.Itoa(int(te.RetryAfter.Seconds())))
	}
}
