package admin

import (
	"net/http"
	"time"
)

// options are the Client's settings.
type options struct {
	httpClient     *http.Client
	requestTimeout time.Duration
	header         http.Header
}

// Option configures a Client.
type Option func(*options)

// WithHTTPClient sets the HTTP client (default http.DefaultClient).
func WithHTTPClient(hc *http.Client) Option { return func(o *options) { o.httpClient = hc } }

// WithRequestTimeout bounds each request whose context has no deadline
// (default 10 s; 0 for none).
func WithRequestTimeout(d time.Duration) Option { return func(o *options) { o.requestTimeout = d } }

// WithHeader adds HTTP headers to every request.
func WithHeader(h http.Header) Option { return func(o *options) { o.header = h.Clone() } }
