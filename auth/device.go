package auth

import (
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	// DeviceCookieName holds the known-device token (HttpOnly): set on every
	// successful sign-in, it lets its owner sign in to that account while
	// the account's failure limit holds strangers back.
	DeviceCookieName = "frontdesk_device"
	// DeviceTTL is how long a device stays known after its last sign-in.
	DeviceTTL = 90 * 24 * time.Hour

	purposeDevice = "frontdesk device v1"
	audDevice     = "frontdesk-device"
)

// deviceToken signs a known-device token for the account whose normalised
// email hashes to acct (the account throttle's key, so no email is in the
// cookie in clear); "" if signing fails, which only costs the owner the
// bypass.
func (s *Service) deviceToken(acct string, now time.Time) (string, time.Time) {
	exp := now.Add(DeviceTTL)
	tok, err := s.keys.sign(purposeDevice, jwt.RegisteredClaims{
		Issuer: jwtIssuer, Audience: jwt.ClaimStrings{audDevice}, Subject: acct,
		IssuedAt: numericDate(now), ExpiresAt: numericDate(exp),
	})
	if err != nil {
		return "", time.Time{}
	}
	return tok, exp
}

// knownDevice reports whether raw is a valid known-device token for the
// account whose email hashes to acct.
func (s *Service) knownDevice(raw, acct string) bool {
	if raw == "" {
		return false
	}
	var c jwt.RegisteredClaims
	if err := s.keys.parse(raw, purposeDevice, audDevice, s.now(), &c); err != nil {
		return false
	}
	return c.Subject == acct
}
