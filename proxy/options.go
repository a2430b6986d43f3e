package proxy

import (
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/frontdesk/frontdesk/auth"
)

// Defaults of the proxy's optional settings.
const (
	DefaultMaxMessageSize         = 64 << 10 // bytes per client message (an SDP fits easily)
	DefaultMessagesPerSecond      = 50       // sustained client messages per second per connection
	DefaultBurst                  = 100      // client messages allowed in a burst
	DefaultMaxConnsPerParticipant = 4        // concurrent WebSocket connections per call participant
	DefaultPingInterval           = 30 * time.Second
	DefaultBackendDialTimeout     = 5 * time.Second
)

// Option sets an optional proxy setting.
type Option func(*Proxy)

// WithAllowedOrigins sets the Origin allow-list of WebSocket and HTTP
// requests ("scheme://host[:port]" values, compared after normalising case,
// a trailing slash and default ports; other values are ignored). The
// request's own origin (same scheme, host and port) always passes, as do
// requests without Origin (non-browser clients). Listed origins also get
// CORS answers (preflights and Access-Control-Allow-Origin).
func WithAllowedOrigins(origins ...string) Option {
	return func(p *Proxy) { p.origins = auth.NewOriginChecker(origins...) }
}

// WithMaxMessageSize bounds a client message in bytes (default
// [DefaultMaxMessageSize]); a larger WebSocket message closes the
// connection with 1009, a larger HTTP body is refused with 413.
func WithMaxMessageSize(n int64) Option { return func(p *Proxy) { p.maxMessage = n } }

// WithRateLimit sets the client message rate (messages per second, burst):
// per WebSocket connection, and per call participant over HTTP (requests
// and long-polls). An excess WebSocket message gets a Janus-style error 429,
// an excess HTTP request HTTP 429; neither is forwarded.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(p *Proxy) { p.rate, p.burst = perSecond, burst }
}

// WithMaxConnsPerParticipant bounds concurrent WebSocket connections per
// call participant, across all the tickets minted for them (default
// [DefaultMaxConnsPerParticipant]); one more is refused with 429.
func WithMaxConnsPerParticipant(n int) Option { return func(p *Proxy) { p.maxConns = n } }

// WithPingInterval sets how often idle clients are pinged; a client that
// does not answer within two intervals is disconnected.
func WithPingInterval(d time.Duration) Option { return func(p *Proxy) { p.pingInterval = d } }

// WithEvicter sets who removes a participant's stale incarnation from its
// room when a publisher's join over WebSocket is refused with VideoRoom
// error 436 (see [Evicter]); without one, such a join keeps failing until
// Janus times the old session out (session_timeout, 60 s by default).
func WithEvicter(e Evicter) Option { return func(p *Proxy) { p.evicter = e } }

// WithBackendLost sets f to be called, on the relay's goroutine, with the
// instance name when a backend WebSocket connection ends while its client
// is still there: the first sign that a Janus died. f must return quickly
// (e.g. ask for a health check); it may be called once per connection.
func WithBackendLost(f func(instance string)) Option { return func(p *Proxy) { p.backendLost = f } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(p *Proxy) { p.log = l } }

// WithRegisterer registers the proxy's metrics.
func WithRegisterer(r prometheus.Registerer) Option { return func(p *Proxy) { p.reg = r } }
