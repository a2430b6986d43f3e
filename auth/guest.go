package auth

import (
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/frontdesk/frontdesk/idgen"
)

// GuestPrefix starts the UserID of every guest principal ("guest:<id>").
const GuestPrefix = "guest:"

// Guest is a caller without an account. Its identity is a signed JWT kept in
// the guest cookie, so a reload (or a new tab) resumes the same identity
// until it expires. Nothing is stored server-side.
type Guest struct {
	// ID is random (22 characters of base64url); the principal's UserID is
	// GuestPrefix+ID.
	ID string
	// DisplayName is the name the guest gave.
	DisplayName string
	// ExpiresAt is when the identity expires.
	ExpiresAt time.Time
}

type guestClaims struct {
	jwt.RegisteredClaims
	Name string `json:"name"`
}

// NewGuest creates a guest identity with the given display name and returns
// it with its signed token (the guest cookie value). ErrInvalidInput for a
// bad name.
func (s *Service) NewGuest(displayName string) (Guest, string, error) {
	name, err := checkDisplay(displayName)
	if err != nil {
		return Guest{}, "", err
	}
	now := s.now().UTC().Truncate(time.Second)
	g := Guest{ID: idgen.Base64URL(16), DisplayName: name, ExpiresAt: now.Add(s.guestTTL)}
	tok, err := s.keys.sign(purposeGuest, guestClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: jwtIssuer, Audience: jwt.ClaimStrings{audGuest}, Subject: g.ID,
			IssuedAt: numericDate(now), ExpiresAt: numericDate(g.ExpiresAt),
		},
		Name: name,
	})
	if err != nil {
		return Guest{}, "", err
	}
	return g, tok, nil
}

// VerifyGuest checks a guest token (HS256, known kid, unexpired) and returns
// the identity. ErrInvalidToken on any failure.
func (s *Service) VerifyGuest(raw string) (Guest, error) {
	var c guestClaims
	if err := s.keys.parse(raw, purposeGuest, audGuest, s.now(), &c); err != nil {
		return Guest{}, err
	}
	if c.Subject == "" || strings.Contains(c.Subject, ":") {
		return Guest{}, fmt.Errorf("auth: guest token without subject: %w", ErrInvalidToken)
	}
	if _, err := checkDisplay(c.Name); err != nil {
		return Guest{}, fmt.Errorf("auth: guest token name: %w", ErrInvalidToken)
	}
	return Guest{ID: c.Subject, DisplayName: c.Name, ExpiresAt: c.ExpiresAt.Time.UTC()}, nil
}

// principal returns the principal of a guest.
func (g Guest) principal() *Principal {
	return &Principal{Kind: KindGuest, UserID: GuestPrefix + g.ID, DisplayName: g.DisplayName, Role: RoleCaller}
}
