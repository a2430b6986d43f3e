package auth

import (
	"context"
	"slices"
)

// PrincipalKind says how a request authenticated.
type PrincipalKind uint8

// Principal kinds.
const (
	// KindSession is a browser session cookie.
	KindSession PrincipalKind = iota + 1
	// KindAPIToken is an "Authorization: Bearer" API token.
	KindAPIToken
	// KindGuest is a guest caller identity cookie.
	KindGuest
)

// String returns "session", "api_token" or "guest".
func (k PrincipalKind) String() string {
	switch k {
	case KindSession:
		return "session"
	case KindAPIToken:
		return "api_token"
	case KindGuest:
		return "guest"
	}
	return "unknown"
}

// Principal is the authenticated party of a request.
type Principal struct {
	// Kind says which credential authenticated the request.
	Kind PrincipalKind
	// UserID is the account ID, or "guest:<id>" for a guest.
	UserID string
	// Email is the account email ("" for guests).
	Email string
	// DisplayName is the name shown to others.
	DisplayName string
	// Role is the account's current role (RoleCaller for guests).
	Role Role
	// SessionID is the browser session ID (KindSession only).
	SessionID string
	// TokenID is the API token ID (KindAPIToken only).
	TokenID string
	// Scopes are the API token's scopes (KindAPIToken only; other kinds
	// have every scope their role allows).
	Scopes []string
}

// IsGuest reports whether p is a guest caller.
func (p *Principal) IsGuest() bool { return p.Kind == KindGuest }

// HasScope reports whether p may use scope: always for sessions and
// guests (their role limits them), and for API tokens only when the token
// carries it.
func (p *Principal) HasScope(scope Scope) bool {
	if p.Kind != KindAPIToken {
		return true
	}
	return slices.Contains(p.Scopes, string(scope))
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal the auth middleware stored in ctx (the
// request's context), if any.
func FromContext(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*Principal)
	return p, ok && p != nil
}
