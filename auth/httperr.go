package auth

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/problem"
)

// problemFor maps auth's errors to HTTP problems; it is the one place that
// does so. Each detail is a sentence for people: fixed wording for
// credentials and permissions (an invalid token reads the same whatever
// was wrong with it, so the reply is no oracle for token IDs), and the
// cause without package prefixes for bad input. Unknown errors become a
// 500 whose detail hides the cause.
func problemFor(err error) error {
	var te *ThrottledError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te):
		return withDetail(http.StatusTooManyRequests, err, "Too many attempts; try again later.").
			With("retry_after_s", int(te.RetryAfter.Seconds()))
	case errors.Is(err, ErrInvalidToken):
		return withDetail(http.StatusUnauthorized, err, "The credential is invalid, expired or revoked; sign in again.")
	case errors.Is(err, ErrInvalidCredentials):
		return withDetail(http.StatusUnauthorized, err, "Wrong email or password.")
	case errors.Is(err, ErrUnauthenticated):
		return withDetail(http.StatusUnauthorized, err, "Sign in first.")
	case errors.Is(err, ErrCSRF):
		return withDetail(http.StatusForbidden, err, "The page's security token is missing or stale; reload the page.")
	case errors.Is(err, ErrSignupDisabled):
		return withDetail(http.StatusForbidden, err, "Signing up is turned off here; ask an admin for an account.")
	case errors.Is(err, ErrForbidden):
		return withDetail(http.StatusForbidden, err, sentence(err, ErrForbidden, "You may not do that."))
	case errors.Is(err, ErrWeakPassword):
		return withDetail(http.StatusBadRequest, err, sentence(err, ErrWeakPassword, "The password does not meet the policy."))
	case errors.Is(err, ErrInvalidInput):
		return withDetail(http.StatusBadRequest, err, sentence(err, ErrInvalidInput, "The request is not valid."))
	case errors.Is(err, ErrNotFound):
		return withDetail(http.StatusNotFound, err, "Not found.")
	case errors.Is(err, ErrConflict):
		return withDetail(http.StatusConflict, err, "That already exists (is the email taken?).")
	}
	return problem.From(err)
}

// withDetail is a problem with status whose detail is the sentence detail
// and whose cause (for the server's log) is err.
func withDetail(status int, err error, detail string) *problem.Details {
	d := problem.New(status, detail)
	d.Err = err
	return d
}

// sentence turns a wrapped auth error ("auth: unknown scope \"x\": auth:
// invalid input") into a sentence for people ("Unknown scope \"x\".");
// fallback when nothing is left but the sentinel.
func sentence(err, sentinel error, fallback string) string {
	msg := strings.TrimSuffix(err.Error(), ": "+sentinel.Error())
	if msg == err.Error() && msg == sentinel.Error() {
		return fallback
	}
	msg = strings.ReplaceAll(msg, "auth: ", "")
	if msg == "" || msg == strings.TrimPrefix(sentinel.Error(), "auth: ") {
		return fallback
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

// retryAfter sets the Retry-After header (RFC 9110 §10.2.3) for a
// throttled error.
func retryAfter(h http.Header, err error) {
	var te *ThrottledError
	if errors.As(err, &te) {
		h.Set("Retry-After", strconv.Itoa(int(te.RetryAfter.Seconds())))
	}
}
