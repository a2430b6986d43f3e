package janus

import (
	"log/slog"
	"net/http"
	"time"
)

// Defaults of the client's optional settings.
const (
	// DefaultRequestTimeout bounds a call whose context has no deadline.
	DefaultRequestTimeout = 10 * time.Second
	// DefaultKeepAlive is the interval of session keepalives: below Janus's
	// default session_timeout of 60 s, and janus.js's 25 s.
	DefaultKeepAlive = 25 * time.Second
)

type options struct {
	token          string
	apiSecret      string
	log            *slog.Logger
	requestTimeout time.Duration
	keepAlive      time.Duration
	httpClient     *http.Client
	header         http.Header
}

// Option sets an optional client setting.
type Option func(*options)

// WithToken sets the token sent with every request (Janus docs,
// "Authenticating the Janus API": stored or HMAC-signed tokens).
func WithToken(token string) Option { return func(o *options) { o.token = token } }

// WithAPISecret sets the apisecret sent with every request.
func WithAPISecret(secret string) Option { return func(o *options) { o.apiSecret = secret } }

// WithLogger sets the logger for transport problems; default slog.Default().
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithRequestTimeout bounds calls whose context has no deadline; default
// [DefaultRequestTimeout].
func WithRequestTimeout(d time.Duration) Option { return func(o *options) { o.requestTimeout = d } }

// WithKeepAlive sets the session keepalive interval (must be below Janus's
// session_timeout); default [DefaultKeepAlive]. Zero or negative disables
// keepalives.
func WithKeepAlive(d time.Duration) Option { return func(o *options) { o.keepAlive = d } }

// WithHTTPClient sets the HTTP client of the HTTP transport (and of the
// Admin API); default a client with no overall timeout (long-polls last
// ~30 s) and a bounded connection pool.
func WithHTTPClient(hc *http.Client) Option { return func(o *options) { o.httpClient = hc } }

// WithHeader adds HTTP headers to the WebSocket handshake or to every HTTP
// request (e.g. a forwarded-for header from the proxy).
func WithHeader(h http.Header) Option { return func(o *options) { o.header = h.Clone() } }

func buildOptions(opts []Option) options {
	o := options{requestTimeout: DefaultRequestTimeout, keepAlive: DefaultKeepAlive}
	for _, f := range opts {
		f(&o)
	}
	if o.log == nil {
		o.log = slog.Default()
	}
	if o.httpClient == nil {
		o.httpClient = &http.Client{Transport: &http.Transport{
			MaxIdleConnsPerHost: 32,
			IdleConnTimeout:     90 * time.Second,
		}}
	}
	return o
}
