package proxy

import (
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults of the proxy's optional settings.
const (
	DefaultMaxMessageSize     = 64 << 10 // bytes per client message (an SDP fits easily)
	DefaultMessagesPerSecond  = 50       // sustained client messages per second per connection
	DefaultBurst              = 100      // client messages allowed in a burst
	DefaultMaxConnsPerTicket  = 4        // concurrent WebSocket connections per ticket
	DefaultPingInterval       = 30 * time.Second
	DefaultBackendDialTimeout = 5 * time.Second
)

// Option sets an optional proxy setting.
type Option func(*Proxy)

// WithAllowedOrigins sets the Origin allow-list of WebSocket and HTTP
// requests (exact "scheme://host[:port]" values). Requests without Origin
// (non-browser clients) pass. Default, and with an empty list: only
// same-host origins.
func WithAllowedOrigins(origins ...string) Option {
	return func(p *Proxy) {
		if len(origins) == 0 {
			p.origins = nil
			return
		}
		p.origins = map[string]bool{}
		for _, o := range origins {
			p.origins[o] = true
		}
	}
}

// WithMaxMessageSize bounds a client message in bytes (default
// [DefaultMaxMessageSize]); a larger WebSocket message closes the
// connection with 1009, a larger HTTP body is refused with 413.
func WithMaxMessageSize(n int64) Option { return func(p *Proxy) { p.maxMessage = n } }

// WithRateLimit sets the per-connection message rate (messages per second,
// burst); excess messages get a Janus-style error 429 and are not forwarded.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(p *Proxy) { p.rate, p.burst = perSecond, burst }
}

// WithMaxConnsPerTicket bounds concurrent WebSocket connections per ticket.
func WithMaxConnsPerTicket(n int) Option { return func(p *Proxy) { p.maxConns = n } }

// WithPingInterval sets how often idle clients are pinged; a client that
// does not answer within two intervals is disconnected.
func WithPingInterval(d time.Duration) Option { return func(p *Proxy) { p.pingInterval = d } }

// WithEvicter sets who removes a participant's stale incarnation from its
// room when a publisher's join over WebSocket is refused with VideoRoom
// error 436 (see [Evicter]); without one, such a join keeps failing until
// Janus times the old session out (session_timeout, 60 s by default).
func WithEvicter(e Evicter) Option { return func(p *Proxy) { p.evicter = e } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(p *Proxy) { p.log = l } }

// WithRegisterer registers the proxy's metrics.
func WithRegisterer(r prometheus.Registerer) Option { return func(p *Proxy) { p.reg = r } }
