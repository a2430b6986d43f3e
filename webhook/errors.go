package webhook

import (
	"errors"
	"net/http"

	"github.com/frontdesk/frontdesk/janus/events"
)

var (
	// ErrUnauthorized means the Basic auth credentials were missing or wrong.
	ErrUnauthorized = errors.New("webhook: missing or wrong credentials")
	// ErrForbiddenSource means the client address is not in the allow-list.
	ErrForbiddenSource = errors.New("webhook: source address not allowed")
	// ErrMethod means the request was not a POST.
	ErrMethod = errors.New("webhook: only POST is allowed")
	// ErrUnsupportedEncoding means a Content-Encoding other than gzip or
	// identity.
	ErrUnsupportedEncoding = errors.New("webhook: unsupported Content-Encoding (want gzip or none)")
	// ErrBodyTooLarge means the body (as posted, or after gunzip) exceeds
	// the configured limit.
	ErrBodyTooLarge = errors.New("webhook: body too large")
	// ErrTooManyEvents means a grouped array holds more than MaxEvents
	// events (sampleevh groups at most 100).
	ErrTooManyEvents = errors.New("webhook: too many events in one request")
	// ErrBadGzip means the body is not valid gzip data.
	ErrBadGzip = errors.New("webhook: body is not valid gzip")
	// ErrBadConfig means New was given an invalid Config.
	ErrBadConfig = errors.New("webhook: invalid config")
)

// statusOf maps this package's errors (and the decoder's) to HTTP statuses.
func statusOf(err error) int {
	switch {
	case errors.Is(err, ErrUnauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, ErrForbiddenSource):
		return http.StatusForbidden
	case errors.Is(err, ErrMethod):
		return http.StatusMethodNotAllowed
	case errors.Is(err, ErrUnsupportedEncoding):
		return http.StatusUnsupportedMediaType
	case errors.Is(err, ErrBodyTooLarge), errors.Is(err, ErrTooManyEvents):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrBadGzip), errors.Is(err, events.ErrMalformed), errors.Is(err, events.ErrEmpty),
		errors.Is(err, events.ErrNotObject), errors.Is(err, events.ErrMissingType):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}
