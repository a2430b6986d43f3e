package auth

import (
	"net/http"
	"net/url"
	"strings"
)

// OriginChecker decides whether a browser request's Origin header (RFC 6454)
// is allowed. It guards WebSocket upgrades against cross-site WebSocket
// hijacking (a WebSocket handshake carries cookies but is not subject to
// CORS) and unauthenticated state-changing requests against login CSRF.
//
// Rules, in order:
//   - no Origin header: allowed (not a browser; browsers always send Origin
//     on WebSocket handshakes and cross-origin POSTs);
//   - Origin equal (scheme, host and port, case-insensitive) to an entry of
//     the allow-list: allowed;
//   - Origin whose scheme and host[:port] equal the request's own (the
//     scheme is https when the request came over TLS or with
//     X-Forwarded-Proto: https, else http): allowed (same-origin; behind a
//     reverse proxy that rewrites Host, list the public origin instead);
//   - anything else, including "null": refused.
type OriginChecker struct {
	allowed map[string]bool
}

// NewOriginChecker returns a checker for the given origins, each
// "scheme://host[:port]" (a trailing slash is ignored; default ports are
// normalised away).
func NewOriginChecker(origins ...string) *OriginChecker {
	c := &OriginChecker{allowed: map[string]bool{}}
	for _, o := range origins {
		if n, ok := normaliseOrigin(o); ok {
			c.allowed[n] = true
		}
	}
	return c
}

func normaliseOrigin(o string) (string, bool) {
	u, err := url.Parse(strings.TrimSuffix(strings.TrimSpace(o), "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return "", false
	}
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	if (scheme == "https" && strings.HasSuffix(host, ":443")) || (scheme == "http" && strings.HasSuffix(host, ":80")) {
		host = host[:strings.LastIndexByte(host, ':')]
	}
	return scheme + "://" + host, true
}

// Check reports whether r's Origin is allowed. Its signature matches
// gorilla/websocket's Upgrader.CheckOrigin.
func (c *OriginChecker) Check(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	n, ok := normaliseOrigin(o)
	if !ok {
		return false
	}
	if c.allowed[n] {
		return true
	}
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	self, ok := normaliseOrigin(scheme + "://" + r.Host)
	return ok && n == self
}
