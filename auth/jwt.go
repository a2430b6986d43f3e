package auth

import (
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// JWT settings shared by sessions, guest identities and call tickets.
const (
	// jwtAlg is the only accepted algorithm (RFC 7518 §3.2, HMAC-SHA256).
	// Tokens with any other "alg", including "none", are refused.
	jwtAlg = "HS256"
	// jwtIssuer is the "iss" claim of every token Frontdesk signs.
	jwtIssuer = "frontdesk"
	// maxJWTLen bounds the size of a token the parser looks at (bytes).
	maxJWTLen = 4096
	// jwtLeeway tolerates clock skew between replicas when checking exp/iat.
	jwtLeeway = 5 * time.Second
)

// Audiences ("aud" claim) keep one kind of token from being used as another
// (together with the per-purpose keys).
const (
	audSession = "frontdesk-session"
	audGuest   = "frontdesk-guest"
	audTicket  = "frontdesk-call"
)

var signingMethod = jwt.SigningMethodHS256

// sign signs claims for purpose with the current key, setting the kid header.
func (r *KeyRing) sign(purpose string, claims jwt.Claims) (string, error) {
	key, _ := r.derive(r.current, purpose)
	t := jwt.NewWithClaims(signingMethod, claims)
	t.Header["kid"] = r.current
	out, err := t.SignedString(key)
	if err != nil {
		return "", fmt.Errorf("auth: sign: %w", err)
	}
	return out, nil
}

// parse verifies raw as a token for purpose and audience and fills claims.
// It pins the algorithm, requires a known kid, iss, aud, exp and iat, and
// returns ErrInvalidToken (wrapping the reason) on any failure.
func (r *KeyRing) parse(raw, purpose, aud string, now time.Time, claims jwt.Claims) error {
	if len(raw) == 0 || len(raw) > maxJWTLen {
		return fmt.Errorf("auth: token length %d: %w", len(raw), ErrInvalidToken)
	}
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{jwtAlg}),
		jwt.WithIssuer(jwtIssuer),
		jwt.WithAudience(aud),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(jwtLeeway),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithStrictDecoding(),
	)
	_, err := p.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		kid, ok := t.Header["kid"].(string)
		if !ok {
			return nil, fmt.Errorf("missing kid")
		}
		key, ok := r.derive(kid, purpose)
		if !ok {
			return nil, fmt.Errorf("unknown kid")
		}
		return key, nil
	})
	if err != nil {
		return fmt.Errorf("auth: %s token: %w: %w", aud, ErrInvalidToken, err)
	}
	return nil
}

func numericDate(t time.Time) *jwt.NumericDate { return jwt.NewNumericDate(t) }
