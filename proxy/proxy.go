package proxy

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/problem"
	"github.com/frontdesk/frontdesk/ratelimit"
)

// TicketHeader is the HTTP header that may carry the call ticket.
const TicketHeader = "Frontdesk-Ticket"

// TicketSubprotocolPrefix prefixes the ticket when a browser sends it as a
// WebSocket subprotocol ("frontdesk-ticket.<jwt>"); the proxy answers with
// janus-protocol only.
const TicketSubprotocolPrefix = "frontdesk-ticket."

// TicketVerifier checks call tickets (auth.Service implements it).
type TicketVerifier interface {
	VerifyTicket(raw string) (auth.Ticket, error)
}

// Target is where a ticket's traffic goes, with the credentials the proxy
// adds. It is never sent to the client.
type Target struct {
	// Instance is the instance name (for metrics and CloseInstance).
	Instance string
	// WSURL is the backend's Janus API over WebSocket.
	WSURL string
	// HTTPURL is the backend's Janus API over HTTP (base path /janus).
	HTTPURL string
	// Token is the participant's Janus stored token.
	Token string
	// Pin is the room's pin ("" when it has none).
	Pin string
	// SIP is the account a phone ticket's calls go out on; required for
	// a phone ticket (auth.Ticket.Phone), nil otherwise.
	SIP *SIPAccount
}

// Resolver finds the backend and credentials of a verified ticket. It
// returns an error wrapping [ErrRoomUnavailable] when the room has no live
// instance.
type Resolver interface {
	Resolve(ctx context.Context, t auth.Ticket) (Target, error)
}

// Evicter removes the participant a ticket names from the ticket's room
// (VideoRoom "kick" with the room secret, which the proxy never holds).
// The proxy calls it when that participant's publisher join was refused
// because the id is already in the room: the id is forced from the ticket,
// so the one in the room is the same participant's earlier connection
// (a reload or a network blip whose old session Janus has not timed out).
// The refused join still reaches the client, whose retry then succeeds.
type Evicter interface {
	EvictStale(ctx context.Context, t auth.Ticket) error
}

// ResolverFunc adapts a function to [Resolver].
type ResolverFunc func(ctx context.Context, t auth.Ticket) (Target, error)

// Resolve calls f.
func (f ResolverFunc) Resolve(ctx context.Context, t auth.Ticket) (Target, error) { return f(ctx, t) }

// Proxy is the Janus API proxy; it is an http.Handler for /janus and
// /janus/... . Close it to disconnect every client.
type Proxy struct {
	verifier TicketVerifier
	resolver Resolver
	evicter  Evicter // nil: none
	// backendLost is told when a backend connection drops (WithBackendLost).
	backendLost func(instance string)
	// phoneSteps is told of phone steps (WithPhoneSteps).
	phoneSteps func(ctx context.Context, t auth.Ticket, step PhoneStep)

	origins      *auth.OriginChecker
	maxMessage   int64
	rate         float64
	burst        int
	maxConns     int
	pingInterval time.Duration
	log          *slog.Logger
	reg          prometheus.Registerer
	m            *metrics
	hc           *http.Client

	owners *registry
	joins  *joinWatch // HTTP publisher joins awaiting their long-poll result

	httpLimits *ratelimit.Keyed // HTTP requests, per participant

	mu      sync.Mutex
	conns   map[*wsConn]struct{}
	perPart map[string]int // open WebSocket connections by participantKey
	closed  bool
	wg      sync.WaitGroup

	// stopping ends with Close: pending HTTP long-polls return at once.
	stopping context.Context
	stop     context.CancelFunc
}

// New returns a proxy that verifies tickets with v and finds backends with r.
func New(v TicketVerifier, r Resolver, opts ...Option) (*Proxy, error) {
	p := &Proxy{
		verifier: v, resolver: r,
		maxMessage: DefaultMaxMessageSize, rate: DefaultMessagesPerSecond, burst: DefaultBurst,
		maxConns: DefaultMaxConnsPerParticipant, pingInterval: DefaultPingInterval, log: slog.Default(),
		owners: newRegistry(), joins: newJoinWatch(), conns: map[*wsConn]struct{}{}, perPart: map[string]int{},
		hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}},
	}
	for _, o := range opts {
		o(p)
	}
	p.httpLimits = ratelimit.New(rate.Limit(p.rate), p.burst)
	p.stopping, p.stop = context.WithCancel(context.Background())
	m, err := newMetrics(p.reg)
	if err != nil {
		return nil, fmt.Errorf("proxy: metrics: %w", err)
	}
	p.m = m
	return p, nil
}

// ServeHTTP serves /janus over WebSocket (an Upgrade request) or HTTP REST,
// and answers CORS preflights (OPTIONS) from allowed origins.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := p.log.With("remote", r.RemoteAddr, "path", logPath(r.URL.Path))
	if !p.originAllowed(r) {
		problem.Write(w, r, problem.New(http.StatusForbidden, "origin not allowed"))
		return
	}
	if o := r.Header.Get("Origin"); o != "" {
		// The origin passed the allow-list: let its scripts read the reply
		// (janus.js on another origin uses XHR/fetch without credentials).
		w.Header().Set("Access-Control-Allow-Origin", o)
		w.Header().Add("Vary", "Origin")
	}
	if r.Method == http.MethodOptions {
		p.preflight(w)
		return
	}
	raw, fromSubprotocol := ticketOf(r)
	if raw == "" {
		problem.Write(w, r, problem.Wrap(http.StatusUnauthorized, ErrNoTicket))
		return
	}
	upgrade := strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
	t, err := p.verifier.VerifyTicket(raw)
	if err != nil {
		// HTTP clients may keep using a ticket that expired after it created
		// their session: the session is bound to the exact ticket string.
		if !upgrade {
			if bound, ok := p.owners.boundTicket(ticketHash(raw)); ok {
				t, err = bound, nil
			}
		}
		if err != nil {
			log.Info("proxy: ticket refused", "err", err)
			problem.Write(w, r, problem.New(http.StatusUnauthorized, "invalid or expired call ticket"))
			return
		}
	}
	log = log.With("ticket_id", t.ID, "call_id", t.CallID, "room", t.Room, "participant", t.ParticipantID)
	if !upgrade && !p.allowHTTP(t) {
		p.m.denials.WithLabelValues("rate_limited").Inc()
		w.Header().Set("Retry-After", "1")
		problem.Write(w, r, problem.New(http.StatusTooManyRequests, "too many requests: slow down"))
		return
	}
	target, err := p.resolver.Resolve(r.Context(), t)
	if err != nil {
		log.Warn("proxy: no backend", "err", err)
		status := http.StatusBadGateway
		if errors.Is(err, ErrRoomUnavailable) {
			status = http.StatusServiceUnavailable
		}
		problem.Write(w, r, problem.New(status, "the call's media server is unavailable; ask for a new ticket"))
		return
	}
	log = log.With("instance", target.Instance)
	g := grant{ticket: t, token: target.Token, pin: target.Pin}
	if t.Phone != "" {
		g.sip, g.phone = target.SIP, &phoneState{}
	}
	if upgrade {
		p.serveWS(w, r, g, target, fromSubprotocol, log)
		return
	}
	if g.phone != nil {
		// The phone policy keeps per-connection state (the call placed,
		// an incoming caller) and rewrites every event: WebSocket only.
		problem.Write(w, r, problem.New(http.StatusBadRequest, "phone calls need the Janus API over WebSocket"))
		return
	}
	p.serveHTTP(w, r, g, target, ticketHash(raw), log)
}

// preflight answers a CORS preflight (Fetch standard, "CORS protocol") for
// an origin that passed the allow-list: the Janus REST API's methods and the
// headers janus.js and the ticket header need.
func (p *Proxy) preflight(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type, "+TicketHeader)
	h.Set("Access-Control-Max-Age", "600")
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	h.Set("Allow", "GET, POST, OPTIONS")
	w.WriteHeader(http.StatusNoContent)
}

// ticketOf finds the raw ticket in the header, the subprotocol list, the
// path (/janus/t/<ticket>/...) or the query; the second result tells
// whether it came as a subprotocol.
func ticketOf(r *http.Request) (string, bool) {
	if t := r.Header.Get(TicketHeader); t != "" {
		return t, false
	}
	for _, proto := range websocketProtocols(r) {
		if strings.HasPrefix(proto, TicketSubprotocolPrefix) {
			return strings.TrimPrefix(proto, TicketSubprotocolPrefix), true
		}
	}
	if t, _, ok := splitTicketPath(r.URL.Path); ok && t != "" {
		return t, false
	}
	return r.URL.Query().Get("ticket"), false
}

// TicketPathSegment is the path segment after /janus that introduces a
// ticket in the path: /janus/t/<ticket>[/<session>[/<handle>]]. A Janus
// client configured with server "<base>/janus/t/<ticket>" keeps the ticket
// on every request (janus.js builds HTTP URLs as server + "/" + session).
const TicketPathSegment = "t"

// splitTicketPath splits a path of the form <prefix>/janus/t/<ticket>/<rest>
// into the ticket and <prefix>/janus/<rest>; ok is false when the path has
// no ticket segment (and then rest is the path unchanged).
func splitTicketPath(path string) (ticket, rest string, ok bool) {
	const marker = "/janus/" + TicketPathSegment + "/"
	i := strings.Index(path, marker)
	if i < 0 {
		return "", path, false
	}
	after := path[i+len(marker):]
	ticket, tail, _ := strings.Cut(after, "/")
	return ticket, path[:i] + "/janus/" + tail, true
}

// logPath is a request path fit for a log line: any ticket in it
// replaced, then truncated and quoted.
func logPath(path string) string {
	if _, rest, ok := splitTicketPath(path); ok {
		i := strings.Index(rest, "/janus/")
		path = rest[:i] + "/janus/" + TicketPathSegment + "/REDACTED/" + rest[i+len("/janus/"):]
	}
	return quoteClip(path)
}

func websocketProtocols(r *http.Request) []string {
	var out []string
	for _, h := range r.Header.Values("Sec-Websocket-Protocol") {
		for _, p := range strings.Split(h, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// RedactQuery returns u's string with the ticket (and any token) query
// parameters replaced, for logs.
func RedactQuery(u *url.URL) string {
	q := u.Query()
	for _, k := range []string{"ticket", "token", "apisecret"} {
		if q.Has(k) {
			q.Set(k, "REDACTED")
		}
	}
	c := *u
	c.RawQuery = q.Encode()
	return c.String()
}

func ticketHash(raw string) [32]byte { return sha256.Sum256([]byte(raw)) }

// originAllowed checks Origin with the allow-list and the same-origin rule
// of [auth.OriginChecker] (scheme, host and port).
func (p *Proxy) originAllowed(r *http.Request) bool {
	if p.origins == nil {
		return auth.NewOriginChecker().Check(r)
	}
	return p.origins.Check(r)
}

// Connections returns the number of open proxied WebSocket connections.
func (p *Proxy) Connections() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

// CloseInstance closes every WebSocket connection relayed to instance with
// [CloseReconnect]: its Janus went down and the clients must reconnect with
// a new ticket.
func (p *Proxy) CloseInstance(instance string) {
	p.mu.Lock()
	var victims []*wsConn
	for c := range p.conns {
		if c.target.Instance == instance {
			victims = append(victims, c)
		}
	}
	p.mu.Unlock()
	for _, c := range victims {
		c.shutdown(CloseReconnect, "instance down: reconnect with a new ticket")
	}
}

// CloseCall closes every WebSocket connection relayed for callID's tickets
// to a room other than room with [CloseReconnect]: the call moved to room
// (see docs/failover.md) and the clients still in the old one must
// reconnect with a new ticket; those already in room stay.
func (p *Proxy) CloseCall(callID string, room uint64) {
	p.mu.Lock()
	var victims []*wsConn
	for c := range p.conns {
		if c.g.ticket.CallID == callID && c.g.ticket.Room != room {
			victims = append(victims, c)
		}
	}
	p.mu.Unlock()
	for _, c := range victims {
		c.shutdown(CloseReconnect, "call moved: reconnect with a new ticket")
	}
}

// ClosePhone disconnects the phone-ticket connections of callID whose
// call the SIP plugin has not hung up (close code 1000): Janus destroys their sessions, so the SIP plugin hangs the
// phone call up (CANCEL or BYE). Frontdesk calls it when the call ended
// without the SIP plugin's own hang-up, e.g. at the ring timeout.
func (p *Proxy) ClosePhone(callID string) {
	p.mu.Lock()
	var victims []*wsConn
	for c := range p.conns {
		if c.g.ticket.CallID == callID && c.g.phone != nil && !c.g.phone.hungUp() {
			victims = append(victims, c)
		}
	}
	p.mu.Unlock()
	for _, c := range victims {
		c.shutdown(1000, "the phone call ended") // RFC 6455 normal closure
	}
}

// Close disconnects every client (1001 going away), ends pending HTTP
// long-polls at once (their clients get an empty reply and poll again
// elsewhere) and waits for the relays.
func (p *Proxy) Close() error {
	p.stop()
	p.mu.Lock()
	p.closed = true
	var all []*wsConn
	for c := range p.conns {
		all = append(all, c)
	}
	p.mu.Unlock()
	for _, c := range all {
		c.shutdown(1001, "server shutting down")
	}
	p.wg.Wait()
	p.hc.CloseIdleConnections()
	return nil
}

// evictTimeout bounds one EvictStale call; it runs on the connection's
// backend reader, before the refused join is relayed.
const evictTimeout = 3 * time.Second

// stale returns the tracker's callback for a publisher join refused with
// 436: evict the ticket's stale participant (nil without an Evicter).
func (p *Proxy) stale(t auth.Ticket, log *slog.Logger) func() {
	if p.evicter == nil {
		return nil
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), evictTimeout)
		defer cancel()
		if err := p.evicter.EvictStale(ctx, t); err != nil {
			log.Warn("proxy: evicting the participant's stale connection", "err", err)
			return
		}
		log.Info("proxy: evicted the participant's stale connection from the room")
	}
}
