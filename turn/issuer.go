package turn

import (
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// DefaultTTL is the credential lifetime when none is configured (the
// config default turn.ttl).
const DefaultTTL = 24 * time.Hour

// ICEServer is one entry of RTCConfiguration.iceServers (W3C WebRTC,
// RTCIceServer dictionary), as JSON for browsers.
type ICEServer struct {
	// URLs are stun:, stuns:, turn: or turns: URIs.
	URLs []string `json:"urls"`
	// Username is the TURN REST API username; empty for STUN.
	Username string `json:"username,omitempty"`
	// Credential is the TURN password; empty for STUN. It is meant for the
	// browser of the user it was issued to, and must not be logged.
	Credential string `json:"credential,omitempty"`
}

// Issuer hands out ICE server lists with fresh TURN credentials. Safe for
// concurrent use; the zero value is not usable, call [New].
type Issuer struct {
	secret   []byte
	stunURLs []string
	turnURLs []string
	ttl      time.Duration
	now      func() time.Time
	log      *slog.Logger
}

// Option is an optional setting of [New].
type Option func(*Issuer)

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(i *Issuer) { i.now = now } }

// WithLogger logs every issued credential at debug level (user and expiry,
// never the secret or the credential). Default: no logging.
func WithLogger(l *slog.Logger) Option { return func(i *Issuer) { i.log = l } }

// New returns an Issuer for the ICE server urls (config turn.urls: stun:,
// stuns:, turn: and turns: URIs; STUN URLs are handed out without
// credentials), signing TURN credentials with secret (config
// turn.shared_secret, coturn static-auth-secret) valid for ttl (config
// turn.ttl; 0 means [DefaultTTL]). Errors: [ErrBadURL], [ErrNoSecret] when a
// TURN URL is given without a secret, [ErrBadTTL].
func New(secret string, urls []string, ttl time.Duration, opts ...Option) (*Issuer, error) {
	if ttl == 0 {
		ttl = DefaultTTL
	}
	if ttl < time.Second {
		return nil, ErrBadTTL
	}
	i := &Issuer{secret: []byte(secret), ttl: ttl, now: time.Now, log: slog.New(slog.DiscardHandler)}
	for _, u := range urls {
		scheme, _, ok := strings.Cut(u, ":")
		switch {
		case !ok:
			return nil, fmt.Errorf("%w: %q has no scheme", ErrBadURL, u)
		case scheme == "stun" || scheme == "stuns":
			i.stunURLs = append(i.stunURLs, u)
		case scheme == "turn" || scheme == "turns":
			i.turnURLs = append(i.turnURLs, u)
		default:
			return nil, fmt.Errorf("%w: %q: scheme must be stun, stuns, turn or turns", ErrBadURL, u)
		}
	}
	if len(i.turnURLs) > 0 && secret == "" {
		return nil, ErrNoSecret
	}
	for _, o := range opts {
		o(i)
	}
	return i, nil
}

// TTL returns the lifetime of issued credentials.
func (i *Issuer) TTL() time.Duration { return i.ttl }

// Credentials returns a TURN credential pair for user valid for the
// Issuer's TTL from now. Errors: [ErrBadUser].
func (i *Issuer) Credentials(user string) (Credentials, error) {
	c, err := Sign(i.secret, user, i.now().Add(i.ttl))
	if err != nil {
		return Credentials{}, err
	}
	i.log.Debug("turn: credentials issued", "user", user, "expires", c.Expires)
	return c, nil
}

// ICEServers returns the ICE servers for user: one entry with the STUN URLs
// (no credentials) when any, and one with the TURN URLs and a fresh
// credential pair when any. No URLs configured gives an empty, non-nil list.
// Errors: [ErrBadUser].
func (i *Issuer) ICEServers(user string) ([]ICEServer, error) {
	out := []ICEServer{}
	if len(i.stunURLs) > 0 {
		out = append(out, ICEServer{URLs: append([]string(nil), i.stunURLs...)})
	}
	if len(i.turnURLs) > 0 {
		c, err := i.Credentials(user)
		if err != nil {
			return nil, err
		}
		out = append(out, ICEServer{URLs: append([]string(nil), i.turnURLs...), Username: c.Username, Credential: c.Credential})
	}
	return out, nil
}
