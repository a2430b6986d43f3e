package auth

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/idgen"
)

// MaxDisplayLen is the maximum display name length in bytes.
const MaxDisplayLen = 128

// maxEmailLen is the maximum email length in bytes (RFC 5321 §4.5.3.1.3
// path limit).
const maxEmailLen = 254

// NormaliseEmail trims and lower-cases email and checks it is a bare
// address ("user@example.com", no display name). ErrInvalidInput otherwise.
func NormaliseEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	if len(e) == 0 || len(e) > maxEmailLen {
		return "", fmt.Errorf("auth: email length: %w", ErrInvalidInput)
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || a.Name != "" || !strings.Contains(e, "@") {
		return "", fmt.Errorf("auth: malformed email: %w", ErrInvalidInput)
	}
	return e, nil
}

func checkDisplay(d string) (string, error) {
	d = strings.TrimSpace(d)
	// Control characters (C0, DEL, C1: NUL, line breaks), format characters
	// (Unicode Cf: bidi overrides and isolates, zero-width characters) and
	// line/paragraph separators would let a name forge log lines or reorder
	// the text around it; queue.CleanName applies the same rule to callers.
	if d == "" || len(d) > MaxDisplayLen || !utf8.ValidString(d) || strings.ContainsFunc(d, func(r rune) bool {
		return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
	}) {
		return "", fmt.Errorf("auth: display name must be 1-%d bytes without control or bidi characters: %w", MaxDisplayLen, ErrInvalidInput)
	}
	return d, nil
}

// NewUser describes an account to create.
type NewUser struct {
	// Email is the login name (normalised with [NormaliseEmail]).
	Email string
	// DisplayName defaults to the part of Email before '@'.
	DisplayName string
	// Password must meet the policy ([CheckPasswordPolicy]).
	Password string
	// Role is the account role; Signup ignores it and uses RoleCaller.
	Role Role
}

// Actor says who performs an operation, for the audit log.
type Actor struct {
	// UserID is the acting user's ID ("" for the system, e.g. the CLI or
	// bootstrap).
	UserID string
	// Addr is the client address, if any.
	Addr string
}

func (s *Service) newUser(ctx context.Context, nu NewUser) (User, error) {
	email, err := NormaliseEmail(nu.Email)
	if err != nil {
		return User{}, err
	}
	if nu.DisplayName == "" {
		nu.DisplayName, _, _ = strings.Cut(email, "@")
	}
	display, err := checkDisplay(nu.DisplayName)
	if err != nil {
		return User{}, err
	}
	if !nu.Role.Valid() {
		return User{}, fmt.Errorf("auth: role %q: %w", nu.Role, ErrInvalidInput)
	}
	if err := CheckPasswordPolicy(nu.Password); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(nu.Password, s.argon)
	if err != nil {
		return User{}, err
	}
	now := s.nowMS()
	u := User{ID: idgen.Base64URL(16), Email: email, DisplayName: display, Role: nu.Role, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, ErrConflict) {
			return User{}, fmt.Errorf("auth: an account with this email exists: %w", ErrConflict)
		}
		return User{}, fmt.Errorf("auth: create user: %w", err)
	}
	return u, nil
}

// Signup creates a caller account for self-service signup. The role is
// always RoleCaller whatever nu.Role says. ErrSignupDisabled unless
// [WithSignup] is on; ErrInvalidInput/ErrWeakPassword for bad fields;
// ErrConflict if the email is taken.
func (s *Service) Signup(ctx context.Context, nu NewUser, addr string) (User, error) {
	if !s.signup {
		return User{}, ErrSignupDisabled
	}
	nu.Role = RoleCaller
	u, err := s.newUser(ctx, nu)
	if err != nil {
		return User{}, err
	}
	s.audit(ctx, event{kind: AuditSignup, actor: u.ID, subject: u.ID, addr: addr})
	return u, nil
}

// CreateUser creates an account with any role, on behalf of an admin (or
// of the system when by.UserID is empty: the CLI `frontdesk user add`).
// Errors as for [Service.Signup], without ErrSignupDisabled.
func (s *Service) CreateUser(ctx context.Context, by Actor, nu NewUser) (User, error) {
	u, err := s.newUser(ctx, nu)
	if err != nil {
		return User{}, err
	}
	s.audit(ctx, event{kind: AuditUserCreate, actor: by.UserID, subject: u.ID, addr: by.Addr, detail: "role " + u.Role.String()})
	return u, nil
}

// AddUser is the function behind the CLI command `frontdesk user add
// --email E --role R` (password read by the CLI from a prompt or stdin, never
// from argv): it creates the account with the given role, e.g. the first
// admin. It is CreateUser with the system as actor.
func (s *Service) AddUser(ctx context.Context, email, displayName, password string, role Role) (User, error) {
	return s.CreateUser(ctx, Actor{}, NewUser{Email: email, DisplayName: displayName, Password: password, Role: role})
}

// BootstrapAdmin creates an admin account with email and password if no
// admin exists yet ("first start"), and does nothing otherwise. The binary
// calls it at startup with FRONTDESK_BOOTSTRAP_ADMIN_EMAIL and
// FRONTDESK_BOOTSTRAP_ADMIN_PASSWORD when both are set. It reports whether
// it created the account. If the email belongs to an existing non-admin
// account it fails with ErrConflict rather than promote it silently.
func (s *Service) BootstrapAdmin(ctx context.Context, email, password string) (bool, error) {
	users, err := s.store.ListUsers(ctx)
	if err != nil {
		return false, fmt.Errorf("auth: bootstrap admin: %w", err)
	}
	for _, u := range users {
		if u.Role == RoleAdmin {
			return false, nil
		}
	}
	u, err := s.newUser(ctx, NewUser{Email: email, Password: password, Role: RoleAdmin})
	if err != nil {
		return false, fmt.Errorf("auth: bootstrap admin: %w", err)
	}
	s.audit(ctx, event{kind: AuditBootstrapAdmin, subject: u.ID})
	return true, nil
}

// GetUser returns the user with the given ID (ErrNotFound).
func (s *Service) GetUser(ctx context.Context, id string) (User, error) {
	u, err := s.store.GetUser(ctx, id)
	if err != nil {
		return User{}, fmt.Errorf("auth: get user: %w", err)
	}
	return u, nil
}

// ListUsers returns every user ordered by email.
func (s *Service) ListUsers(ctx context.Context) ([]User, error) {
	us, err := s.store.ListUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("auth: list users: %w", err)
	}
	return us, nil
}

// SetRole changes a user's role (admins only; the HTTP layer checks). It
// takes effect on the user's next request: sessions and API tokens read the
// role from the user record every time. An admin cannot demote themselves,
// so the last admin cannot lock everyone out by accident.
func (s *Service) SetRole(ctx context.Context, by Actor, userID string, role Role) (User, error) {
	if !role.Valid() {
		return User{}, fmt.Errorf("auth: role %q: %w", role, ErrInvalidInput)
	}
	old, err := s.store.GetUser(ctx, userID)
	if err != nil {
		return User{}, fmt.Errorf("auth: set role: %w", err)
	}
	if by.UserID == userID && role != RoleAdmin {
		return User{}, fmt.Errorf("auth: admins cannot demote themselves: %w", ErrForbidden)
	}
	u, err := s.store.UpdateUser(ctx, userID, UserUpdate{Role: &role, UpdatedAt: s.nowMS()})
	if err != nil {
		return User{}, fmt.Errorf("auth: set role: %w", err)
	}
	s.audit(ctx, event{kind: AuditRoleChange, actor: by.UserID, subject: userID, addr: by.Addr, detail: old.Role.String() + " -> " + role.String()})
	return u, nil
}

// SetDisabled disables or enables an account. Disabling ends its sessions
// at once; its API tokens stop working while it is disabled.
func (s *Service) SetDisabled(ctx context.Context, by Actor, userID string, disabled bool) (User, error) {
	if by.UserID == userID && disabled {
		return User{}, fmt.Errorf("auth: admins cannot disable themselves: %w", ErrForbidden)
	}
	u, err := s.store.UpdateUser(ctx, userID, UserUpdate{Disabled: &disabled, UpdatedAt: s.nowMS()})
	if err != nil {
		return User{}, fmt.Errorf("auth: set disabled: %w", err)
	}
	kind := AuditUserEnable
	if disabled {
		kind = AuditUserDisable
		if _, err := s.store.DeleteUserSessions(ctx, userID); err != nil {
			return User{}, fmt.Errorf("auth: end sessions: %w", err)
		}
	}
	s.audit(ctx, event{kind: kind, actor: by.UserID, subject: userID, addr: by.Addr})
	return u, nil
}

// ChangePassword sets a new password after checking the current one, and
// ends every session of the user except keepSession (the caller's own, ""
// for none).
func (s *Service) ChangePassword(ctx context.Context, by Actor, userID, current, next, keepSession string) error {
	u, err := s.store.GetUser(ctx, userID)
	if err != nil {
		return fmt.Errorf("auth: change password: %w", err)
	}
	// The current-password check is throttled like a login, on the same
	// per-account counter, so a stolen session cannot guess the password.
	acctKey, _, end := s.throttleKeys(u.Email, by.Addr)
	if n, err := s.store.ThrottleCount(ctx, acctKey); err != nil {
		return fmt.Errorf("auth: change password throttle: %w", err)
	} else if n >= s.acctLimit {
		return &ThrottledError{RetryAfter: end.Sub(s.now()).Truncate(time.Second) + time.Second}
	}
	ok, err := VerifyPassword(current, u.PasswordHash)
	if err != nil || !ok {
		if _, err := s.store.ThrottleHit(ctx, acctKey, end); err != nil {
			return fmt.Errorf("auth: change password throttle: %w", err)
		}
		s.audit(ctx, event{kind: AuditLoginFailure, actor: by.UserID, subject: userID, addr: by.Addr, detail: "wrong current password"})
		return ErrInvalidCredentials
	}
	if err := CheckPasswordPolicy(next); err != nil {
		return err
	}
	hash, err := HashPassword(next, s.argon)
	if err != nil {
		return err
	}
	if _, err := s.store.UpdateUser(ctx, userID, UserUpdate{PasswordHash: &hash, UpdatedAt: s.nowMS()}); err != nil {
		return fmt.Errorf("auth: change password: %w", err)
	}
	if err := s.endSessionsExcept(ctx, userID, keepSession); err != nil {
		return err
	}
	s.audit(ctx, event{kind: AuditPasswordChange, actor: by.UserID, subject: userID, addr: by.Addr})
	return nil
}

// endSessionsExcept deletes the user's sessions other than keep.
func (s *Service) endSessionsExcept(ctx context.Context, userID, keep string) error {
	var kept Session
	if keep != "" {
		if k, err := s.store.GetSession(ctx, keep); err == nil && k.UserID == userID {
			kept = k
		}
	}
	if _, err := s.store.DeleteUserSessions(ctx, userID); err != nil {
		return fmt.Errorf("auth: end sessions: %w", err)
	}
	if kept.ID != "" {
		if err := s.store.CreateSession(ctx, kept); err != nil {
			return fmt.Errorf("auth: keep session: %w", err)
		}
	}
	return nil
}

// DeleteUser deletes an account, ends its sessions and revokes its API
// tokens. Admins cannot delete themselves.
func (s *Service) DeleteUser(ctx context.Context, by Actor, userID string) error {
	if by.UserID == userID {
		return fmt.Errorf("auth: admins cannot delete themselves: %w", ErrForbidden)
	}
	if err := s.store.DeleteUser(ctx, userID); err != nil {
		return fmt.Errorf("auth: delete user: %w", err)
	}
	if _, err := s.store.DeleteUserSessions(ctx, userID); err != nil {
		return fmt.Errorf("auth: delete user sessions: %w", err)
	}
	toks, err := s.store.ListAPITokens(ctx, userID)
	if err != nil {
		return fmt.Errorf("auth: delete user tokens: %w", err)
	}
	for _, t := range toks {
		if err := s.store.RevokeAPIToken(ctx, t.ID, s.nowMS()); err != nil {
			return fmt.Errorf("auth: delete user tokens: %w", err)
		}
	}
	s.audit(ctx, event{kind: AuditUserDelete, actor: by.UserID, subject: userID, addr: by.Addr})
	return nil
}
