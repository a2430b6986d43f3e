package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/frontdesk/frontdesk/idgen"
)

type sessionClaims struct {
	jwt.RegisteredClaims
	// SID is the server-side session record's ID.
	SID string `json:"sid"`
}

// LoginResult is a successful login.
type LoginResult struct {
	// User is the account.
	User User
	// Session is the new server-side session record.
	Session Session
	// Cookie is the session JWT to put in the session cookie.
	Cookie string
	// CSRF is the CSRF token the browser must echo in X-CSRF-Token.
	CSRF string
	// Device is the known-device token to put in the device cookie, valid
	// until DeviceExpiresAt ("" if it could not be signed).
	Device          string
	DeviceExpiresAt time.Time
}

// ThrottledError is [ErrThrottled] with the time after which a retry may
// succeed.
type ThrottledError struct {
	// RetryAfter is how long to wait, rounded up to a second.
	RetryAfter time.Duration
}

// Error implements error.
func (e *ThrottledError) Error() string {
	return fmt.Sprintf("auth: too many attempts, retry in %s", e.RetryAfter)
}

// Is makes errors.Is(err, ErrThrottled) true.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// throttleAddr reduces a client address to the unit an attacker controls:
// an IPv4 address, or the /64 prefix of an IPv6 address (one host usually
// owns a whole /64, RFC 6177). Anything unparsable is used as is.
func throttleAddr(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, err := ip.Prefix(64)
	if err != nil {
		return addr
	}
	return p.String()
}

// throttleKeys returns the per-account and per-address counter keys of the
// current window and the window's end.
func (s *Service) throttleKeys(email, addr string) (acct, address string, end time.Time) {
	now := s.now()
	w := int64(s.throttleWindow / time.Second)
	bucket := now.Unix() / w
	end = time.Unix((bucket+1)*w, 0).UTC()
	// Hashed, so keys are short ASCII and the store holds no emails or
	// addresses in clear.
	return fmt.Sprintf("login:acct:%d:%s", bucket, accountHash(email)), fmt.Sprintf("login:addr:%d:%s", bucket, accountHash(throttleAddr(addr))), end
}

// accountHash is the short hash that names an account (or an address) in
// throttle keys and device tokens, so neither holds it in clear.
func accountHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:12])
}

// Login checks email and password and starts a browser session: LoginOnDevice
// from no known device.
func (s *Service) Login(ctx context.Context, email, password, addr, userAgent string) (LoginResult, error) {
	return s.LoginOnDevice(ctx, email, password, addr, userAgent, "")
}

// LoginOnDevice checks email and password and starts a browser session. addr
// is the client address (for throttling and audit), userAgent is recorded,
// device is the known-device token from the device cookie ("" for none).
//
// Throttling: when the address has reached its failure limit in the current
// window, or the account has and device is not a known device of that
// account, it returns a *ThrottledError (errors.Is ErrThrottled) without
// checking the password. So strangers guessing an account's password cannot
// lock its owner out of the browsers the owner signed in from before. A
// success clears the account's counter (not the address's) and returns a
// fresh known-device token. Unknown emails cost the same argon2id work as
// known ones. Wrong email, wrong password and disabled accounts all give
// ErrInvalidCredentials.
func (s *Service) LoginOnDevice(ctx context.Context, email, password, addr, userAgent, device string) (LoginResult, error) {
	norm, err := NormaliseEmail(email)
	if err != nil {
		norm = "invalid"
	}
	acctKey, addrKey, end := s.throttleKeys(norm, addr)
	limits := []struct {
		key   string
		limit int64
	}{{addrKey, s.addrLimit}}
	if !s.knownDevice(device, accountHash(norm)) {
		limits = append(limits, struct {
			key   string
			limit int64
		}{acctKey, s.acctLimit})
	}
	for _, k := range limits {
		n, err := s.store.ThrottleCount(ctx, k.key)
		if err != nil {
			return LoginResult{}, fmt.Errorf("auth: login throttle: %w", err)
		}
		if n >= k.limit {
			s.audit(ctx, event{kind: AuditLoginThrottled, addr: addr, detail: "limit reached"})
			wait := end.Sub(s.now()).Truncate(time.Second) + time.Second
			return LoginResult{}, &ThrottledError{RetryAfter: wait}
		}
	}

	fail := func(userID, why string) (LoginResult, error) {
		for _, k := range []string{acctKey, addrKey} {
			if _, err := s.store.ThrottleHit(ctx, k, end); err != nil {
				return LoginResult{}, fmt.Errorf("auth: login throttle: %w", err)
			}
		}
		s.audit(ctx, event{kind: AuditLoginFailure, subject: userID, addr: addr, detail: why})
		return LoginResult{}, ErrInvalidCredentials
	}

	u, err := s.store.GetUserByEmail(ctx, norm)
	if errors.Is(err, ErrNotFound) {
		_, _ = VerifyPassword(password, s.dummyHash)
		return fail("", "unknown account")
	}
	if err != nil {
		return LoginResult{}, fmt.Errorf("auth: login: %w", err)
	}
	ok, err := VerifyPassword(password, u.PasswordHash)
	if err != nil {
		s.logFor(ctx).ErrorContext(ctx, "stored password hash is malformed", "user_id", u.ID)
	}
	if !ok {
		return fail(u.ID, "wrong password")
	}
	if u.Disabled {
		return fail(u.ID, "account disabled")
	}
	if err := s.store.ThrottleReset(ctx, acctKey); err != nil {
		return LoginResult{}, fmt.Errorf("auth: login throttle: %w", err)
	}
	if needsRehash(u.PasswordHash, s.argon) {
		if h, err := HashPassword(password, s.argon); err == nil {
			if nu, err := s.store.UpdateUser(ctx, u.ID, UserUpdate{PasswordHash: &h, UpdatedAt: s.nowMS()}); err == nil {
				u = nu
			}
		}
	}
	res, err := s.startSession(ctx, u, addr, userAgent)
	if err != nil {
		return LoginResult{}, err
	}
	res.Device, res.DeviceExpiresAt = s.deviceToken(accountHash(norm), s.now())
	s.audit(ctx, event{kind: AuditLoginSuccess, actor: u.ID, subject: u.ID, addr: addr})
	return res, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (s *Service) startSession(ctx context.Context, u User, addr, userAgent string) (LoginResult, error) {
	now := s.nowMS()
	sess := Session{
		ID: idgen.Base64URL(16), UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.sessionTTL),
		UserAgent: truncate(userAgent, 256), Addr: truncate(addr, 256),
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return LoginResult{}, fmt.Errorf("auth: create session: %w", err)
	}
	cookie, err := s.signSession(sess, now)
	if err != nil {
		return LoginResult{}, err
	}
	return LoginResult{User: u, Session: sess, Cookie: cookie, CSRF: s.csrfToken(bindSession(sess.ID))}, nil
}

// signSession signs the session JWT valid until sess.ExpiresAt.
func (s *Service) signSession(sess Session, now time.Time) (string, error) {
	return s.keys.sign(purposeSession, sessionClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: jwtIssuer, Audience: jwt.ClaimStrings{audSession}, Subject: sess.UserID,
			IssuedAt: numericDate(now), ExpiresAt: numericDate(sess.ExpiresAt),
		},
		SID: sess.ID,
	})
}

// SessionAuth is the outcome of [Service.AuthenticateSession].
type SessionAuth struct {
	// Principal is the authenticated user.
	Principal *Principal
	// Renewed is a fresh session JWT when the session was renewed (sliding
	// expiry); the caller sets it as the new cookie. Empty otherwise.
	Renewed string
	// ExpiresAt is the session's (possibly renewed) expiry.
	ExpiresAt time.Time
}

// AuthenticateSession verifies a session cookie value: the JWT (HS256, known
// kid, unexpired), then the server-side session record (exists, same user,
// unexpired, within the maximum age), then the user (exists, enabled). The
// role comes from the user record, so role changes apply at once. When less
// than half the idle timeout is left the session is renewed (sliding) up to
// its maximum age. ErrInvalidToken for a bad JWT, ErrUnauthenticated for a
// session that ended.
func (s *Service) AuthenticateSession(ctx context.Context, cookie string) (SessionAuth, error) {
	var c sessionClaims
	now := s.now()
	if err := s.keys.parse(cookie, purposeSession, audSession, now, &c); err != nil {
		return SessionAuth{}, err
	}
	if c.SID == "" || c.Subject == "" {
		return SessionAuth{}, fmt.Errorf("auth: session token without sid: %w", ErrInvalidToken)
	}
	sess, err := s.store.GetSession(ctx, c.SID)
	if errors.Is(err, ErrNotFound) {
		return SessionAuth{}, fmt.Errorf("auth: session ended: %w", ErrUnauthenticated)
	}
	if err != nil {
		return SessionAuth{}, fmt.Errorf("auth: session: %w", err)
	}
	maxEnd := sess.CreatedAt.Add(s.sessionMaxAge)
	if sess.UserID != c.Subject || !now.Before(sess.ExpiresAt) || !now.Before(maxEnd) {
		return SessionAuth{}, fmt.Errorf("auth: session expired: %w", ErrUnauthenticated)
	}
	u, err := s.store.GetUser(ctx, sess.UserID)
	if errors.Is(err, ErrNotFound) {
		return SessionAuth{}, fmt.Errorf("auth: session user gone: %w", ErrUnauthenticated)
	}
	if err != nil {
		return SessionAuth{}, fmt.Errorf("auth: session user: %w", err)
	}
	if u.Disabled {
		return SessionAuth{}, fmt.Errorf("auth: account disabled: %w", ErrUnauthenticated)
	}
	res := SessionAuth{
		Principal: &Principal{Kind: KindSession, UserID: u.ID, Email: u.Email, DisplayName: u.DisplayName, Role: u.Role, SessionID: sess.ID},
		ExpiresAt: sess.ExpiresAt,
	}
	jwtExp := c.ExpiresAt.Time
	if jwtExp.Sub(now) < s.sessionTTL/2 {
		nowMS := s.nowMS()
		newExp := nowMS.Add(s.sessionTTL)
		if newExp.After(maxEnd) {
			newExp = maxEnd
		}
		if newExp.After(jwtExp) {
			if err := s.store.TouchSession(ctx, sess.ID, nowMS, newExp); err != nil {
				return SessionAuth{}, fmt.Errorf("auth: renew session: %w", err)
			}
			sess.ExpiresAt = newExp
			tok, err := s.signSession(sess, nowMS)
			if err != nil {
				return SessionAuth{}, err
			}
			res.Renewed, res.ExpiresAt = tok, newExp
		}
	}
	return res, nil
}

// Logout ends the session at once: the record is deleted, so the cookie
// (even if kept by the browser or stolen) stops working.
func (s *Service) Logout(ctx context.Context, p *Principal, addr string) error {
	if p == nil || p.Kind != KindSession {
		return ErrUnauthenticated
	}
	if err := s.store.DeleteSession(ctx, p.SessionID); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("auth: logout: %w", err)
	}
	s.audit(ctx, event{kind: AuditLogout, actor: p.UserID, subject: p.UserID, addr: addr})
	return nil
}

// LogoutEverywhere ends every session of the user.
func (s *Service) LogoutEverywhere(ctx context.Context, by Actor, userID string) (int, error) {
	n, err := s.store.DeleteUserSessions(ctx, userID)
	if err != nil {
		return 0, fmt.Errorf("auth: logout everywhere: %w", err)
	}
	s.audit(ctx, event{kind: AuditLogout, actor: by.UserID, subject: userID, addr: by.Addr, detail: fmt.Sprintf("all sessions (%d)", n)})
	return n, nil
}
