package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/idgen"
)

// API token format: "fdt_" + ID (24 lowercase hex) + "_" + secret (43
// characters, 256 random bits as unpadded base64url). Only SHA-256 of the
// secret is stored; a fast hash is enough because the secret has full
// entropy (no dictionary to guess from).
const apiTokenPrefix = "fdt_"

// NewAPIToken is what a user asks for when creating an API token.
type NewAPIToken struct {
	// Name is a label (1–128 bytes).
	Name string
	// Scopes are the token's scopes (see [ParseScopes]); ScopeAdmin only for
	// admins.
	Scopes []string
	// TTL is the lifetime; 0 means no expiry.
	TTL time.Duration
}

// CreateAPIToken issues an API token for p's account and returns the record
// and the token string. The string is shown once and never stored.
// ErrForbidden for guests, for API-token principals (tokens cannot mint
// tokens), and for ScopeAdmin requested by a non-admin.
func (s *Service) CreateAPIToken(ctx context.Context, p *Principal, req NewAPIToken, addr string) (APIToken, string, error) {
	if p == nil || p.Kind != KindSession {
		return APIToken{}, "", fmt.Errorf("auth: API tokens are created from a browser session: %w", ErrForbidden)
	}
	name, err := checkDisplay(req.Name)
	if err != nil {
		return APIToken{}, "", err
	}
	scopes, err := ParseScopes(req.Scopes)
	if err != nil {
		return APIToken{}, "", err
	}
	if slices.Contains(scopes, string(ScopeAdmin)) && p.Role != RoleAdmin {
		return APIToken{}, "", fmt.Errorf("auth: scope admin needs the admin role: %w", ErrForbidden)
	}
	if req.TTL < 0 {
		return APIToken{}, "", fmt.Errorf("auth: negative token lifetime: %w", ErrInvalidInput)
	}
	secret := idgen.Base64URL(32)
	sum := sha256.Sum256([]byte(secret))
	now := s.nowMS()
	t := APIToken{ID: idgen.Hex(12), UserID: p.UserID, Name: name, Hash: sum[:], Scopes: scopes, CreatedAt: now}
	if req.TTL > 0 {
		t.ExpiresAt = now.Add(req.TTL)
	}
	if err := s.store.CreateAPIToken(ctx, t); err != nil {
		return APIToken{}, "", fmt.Errorf("auth: create API token: %w", err)
	}
	s.audit(ctx, event{kind: AuditTokenCreate, actor: p.UserID, subject: t.ID, addr: addr, detail: "scopes " + strings.Join(scopes, ",")})
	return t, apiTokenPrefix + t.ID + "_" + secret, nil
}

// parseAPIToken splits a token string into ID and secret.
func parseAPIToken(raw string) (id, secret string, ok bool) {
	rest, ok := strings.CutPrefix(raw, apiTokenPrefix)
	if !ok || len(rest) != 24+1+43 || rest[24] != '_' {
		return "", "", false
	}
	id, secret = rest[:24], rest[25:]
	for _, c := range id {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", "", false
		}
	}
	return id, secret, true
}

// AuthenticateAPIToken verifies a bearer token: known ID, matching secret
// (constant-time), not revoked, not expired, user enabled. The principal
// carries the user's current role and the token's scopes. Any failure is
// ErrInvalidToken.
func (s *Service) AuthenticateAPIToken(ctx context.Context, raw string) (*Principal, error) {
	id, secret, ok := parseAPIToken(raw)
	if !ok {
		return nil, fmt.Errorf("auth: malformed API token: %w", ErrInvalidToken)
	}
	t, err := s.store.GetAPIToken(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("auth: API token not accepted: %w", ErrInvalidToken)
	}
	if err != nil {
		return nil, fmt.Errorf("auth: API token: %w", err)
	}
	sum := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(sum[:], t.Hash) != 1 {
		return nil, fmt.Errorf("auth: API token not accepted: %w", ErrInvalidToken)
	}
	now := s.now()
	if !t.RevokedAt.IsZero() {
		return nil, fmt.Errorf("auth: API token revoked: %w", ErrInvalidToken)
	}
	if !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt) {
		return nil, fmt.Errorf("auth: API token expired: %w", ErrInvalidToken)
	}
	u, err := s.store.GetUser(ctx, t.UserID)
	if err != nil || u.Disabled {
		return nil, fmt.Errorf("auth: API token user unavailable: %w", ErrInvalidToken)
	}
	return &Principal{
		Kind: KindAPIToken, UserID: u.ID, Email: u.Email, DisplayName: u.DisplayName, Role: u.Role,
		TokenID: t.ID, Scopes: slices.Clone(t.Scopes),
	}, nil
}

// ListAPITokens returns the tokens of userID (all users' when userID is
// ""), revoked ones included. Records carry no secret, only its hash.
func (s *Service) ListAPITokens(ctx context.Context, userID string) ([]APIToken, error) {
	ts, err := s.store.ListAPITokens(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("auth: list API tokens: %w", err)
	}
	return ts, nil
}

// RevokeAPIToken revokes the token with the given ID; it stops working at
// once. Users may revoke their own tokens, admins anyone's (through an API
// token only with the admin scope): ErrNotFound
// otherwise (not ErrForbidden, to not reveal other users' token IDs).
func (s *Service) RevokeAPIToken(ctx context.Context, p *Principal, id, addr string) error {
	t, err := s.store.GetAPIToken(ctx, id)
	if err != nil {
		return fmt.Errorf("auth: revoke API token: %w", err)
	}
	if p == nil || (t.UserID != p.UserID && (p.Role != RoleAdmin || !p.HasScope(ScopeAdmin))) {
		return fmt.Errorf("auth: revoke API token: %w", ErrNotFound)
	}
	if err := s.store.RevokeAPIToken(ctx, id, s.nowMS()); err != nil {
		return fmt.Errorf("auth: revoke API token: %w", err)
	}
	s.audit(ctx, event{kind: AuditTokenRevoke, actor: p.UserID, subject: id, addr: addr})
	return nil
}
