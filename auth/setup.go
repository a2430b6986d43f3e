package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/frontdesk/frontdesk/problem"
)

// AuditSetupAdmin is the audit kind of the first admin created on the setup
// page ([Setup.CreateAdmin]).
const AuditSetupAdmin = "setup.admin"

// Errors of the first-admin setup.
var (
	// ErrSetupDone means an admin account exists, so the setup page
	// creates nothing any more: sign in instead.
	ErrSetupDone = errors.New("auth: setup is done")
	// ErrSetupCode means the setup code does not match the one the server
	// logged at start-up.
	ErrSetupCode = errors.New("auth: wrong setup code")
)

// setupAlphabet has no look-alike characters (no 0/O, 1/I/L, U/V), so a
// code copied by eye from a log survives.
const setupAlphabet = "23456789ABCDEFGHJKMNPQRSTWXYZ"

// SetupCodeLen is the number of characters of a setup code (shown in groups
// of four joined by '-': 12 characters of a 29-letter alphabet are about
// 58 bits).
const SetupCodeLen = 12

// Setup attempt limit: at most setupBurst attempts at once, then one per
// setupEvery, for the whole server (the code is the only secret, so
// the limit is global, not per client address).
const (
	setupBurst = 5
	setupEvery = 2 * time.Second
)

// Setup lets the first admin be created in the browser while the server
// runs, guarded by a one-time code the server prints in its log at
// start-up (as Grafana and Jenkins do). It refuses once any admin exists,
// whoever created it (this page, `frontdesk user add` or
// FRONTDESK_AUTH_BOOTSTRAP_ADMIN_*). The code is compared in constant time
// and wrong codes are rate-limited; the password is never logged. Safe for
// concurrent use; it starts no goroutines.
type Setup struct {
	svc     *Service
	code    string // SetupCodeLen characters of setupAlphabet, no dashes
	limiter *rate.Limiter

	mu   sync.Mutex // serialises CreateAdmin, so only one first admin is made
	done bool       // an admin is known to exist (never goes back to false)
}

// NewSetup returns the first-admin setup of s with a fresh random code.
func (s *Service) NewSetup() *Setup {
	return &Setup{svc: s, code: newSetupCode(), limiter: rate.NewLimiter(rate.Every(setupEvery), setupBurst)}
}

// newSetupCode returns SetupCodeLen random characters of setupAlphabet
// (crypto/rand, no modulo bias).
func newSetupCode() string {
	return randomFrom(setupAlphabet, SetupCodeLen)
}

// randomFrom returns n characters drawn uniformly from alphabet.
func randomFrom(alphabet string, n int) string {
	var b strings.Builder
	buf := make([]byte, 1)
	limit := byte(256 - 256%len(alphabet))
	for b.Len() < n {
		if _, err := rand.Read(buf); err != nil {
			panic("auth: crypto/rand failed: " + err.Error())
		}
		if buf[0] >= limit {
			continue
		}
		b.WriteByte(alphabet[int(buf[0])%len(alphabet)])
	}
	return b.String()
}

// Code returns the setup code as shown to people: "ABCD-EFGH-JKMN". The
// server logs it once at start-up while [Setup.Needed] holds; it must not
// go anywhere else (no page, no API response).
func (st *Setup) Code() string {
	var parts []string
	for i := 0; i < len(st.code); i += 4 {
		parts = append(parts, st.code[i:min(i+4, len(st.code))])
	}
	return strings.Join(parts, "-")
}

// normaliseCode makes a typed code comparable: case, spaces and dashes do
// not matter.
func normaliseCode(c string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ' || r == '\t':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, c)
}

// Needed reports whether no admin account exists yet, i.e. whether the
// setup page may create one. Once it has seen an admin it answers false
// without asking the store again.
func (st *Setup) Needed(ctx context.Context) (bool, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.neededLocked(ctx)
}

func (st *Setup) neededLocked(ctx context.Context) (bool, error) {
	if st.done {
		return false, nil
	}
	users, err := st.svc.store.ListUsers(ctx)
	if err != nil {
		return false, fmt.Errorf("auth: setup: %w", err)
	}
	for _, u := range users {
		if u.Role == RoleAdmin {
			st.done = true
			return false, nil
		}
	}
	return true, nil
}

// SetupError is a refused [Setup.CreateAdmin]: Err is one of ErrSetupDone,
// ErrSetupCode, ErrThrottled, ErrInvalidInput, ErrWeakPassword or
// ErrConflict; Field names the request field at fault ("code", "email",
// "display_name", "password"), or is empty.
type SetupError struct {
	Err   error
	Field string
	// Detail is a sentence for the person at the setup page.
	Detail string
}

// Error returns the detail.
func (e *SetupError) Error() string { return "auth: setup: " + e.Detail }

// Unwrap returns Err.
func (e *SetupError) Unwrap() error { return e.Err }

// CreateAdmin creates the first admin account if code is the setup code
// and no admin exists. Errors are *SetupError (see there); the code is
// checked before the other fields, and every attempt spends one of a small
// server-wide budget (burst 5, then one per 2 s; ErrThrottled when spent).
func (st *Setup) CreateAdmin(ctx context.Context, code string, nu NewUser, addr string) (User, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	needed, err := st.neededLocked(ctx)
	if err != nil {
		return User{}, err
	}
	if !needed {
		return User{}, &SetupError{Err: ErrSetupDone, Detail: "Setup is done: an admin account exists. Sign in instead."}
	}
	// Every attempt spends from the budget before the comparison, so a
	// refusal for the budget says nothing about the code.
	if !st.limiter.Allow() {
		return User{}, &SetupError{Err: ErrThrottled, Field: "code", Detail: "Too many attempts. Wait a few seconds and try again."}
	}
	if subtle.ConstantTimeCompare([]byte(normaliseCode(code)), []byte(st.code)) != 1 {
		st.svc.logFor(ctx).WarnContext(ctx, "setup: wrong setup code", "addr", addr)
		return User{}, &SetupError{Err: ErrSetupCode, Field: "code", Detail: "That setup code is not right. Copy it from the server's log (the line that names /setup)."}
	}
	if _, err := checkDisplay(nu.DisplayName); nu.DisplayName != "" && err != nil {
		return User{}, &SetupError{Err: ErrInvalidInput, Field: "display_name", Detail: fmt.Sprintf("Enter a name of at most %d characters.", MaxDisplayLen)}
	}
	if _, err := NormaliseEmail(nu.Email); err != nil {
		return User{}, &SetupError{Err: ErrInvalidInput, Field: "email", Detail: "Enter an email address like name@example.com."}
	}
	if err := CheckPasswordPolicy(nu.Password); err != nil {
		return User{}, &SetupError{Err: ErrWeakPassword, Field: "password",
			Detail: fmt.Sprintf("Choose a password of at least %d characters (at most %d bytes).", MinPasswordLen, MaxPasswordLen)}
	}
	nu.Role = RoleAdmin
	u, err := st.svc.newUser(ctx, nu)
	if errors.Is(err, ErrConflict) {
		// A non-admin account has the address: promoting it silently
		// would hand admin rights to whoever owns it.
		return User{}, &SetupError{Err: ErrConflict, Field: "email", Detail: "An account with this email exists. Use another address."}
	}
	if err != nil {
		return User{}, fmt.Errorf("auth: setup: %w", err)
	}
	st.done = true
	st.svc.audit(ctx, event{kind: AuditSetupAdmin, subject: u.ID, addr: addr})
	return u, nil
}

// Register mounts the setup routes on g (the /api/v1 group, with
// [Service.Middleware] applied):
//
//	GET  /setup  -> 200 {"needed": bool}: whether the first admin is still to be made
//	POST /setup  {code, email, display_name, password} -> 201 {user, csrf_token};
//	             the new admin is signed in (session and CSRF cookies as for login).
//	             400 (field "email", "display_name" or "password"), 403 wrong code
//	             (field "code"), 409 an admin exists (reason "setup_done"), 429 too many
//	             wrong codes (Retry-After).
//
// Errors are problem documents whose detail is a sentence for people and
// whose "field" names the request field at fault.
func (st *Setup) Register(g *echo.Group) {
	g.GET("/setup", st.handleGet)
	g.POST("/setup", st.handlePost)
}

func (st *Setup) handleGet(c echo.Context) error {
	needed, err := st.Needed(c.Request().Context())
	if err != nil {
		return problemFor(err)
	}
	return c.JSON(http.StatusOK, map[string]bool{"needed": needed})
}

// setupRequest is the body of POST /setup.
type setupRequest struct {
	Code        string `json:"code"`
	Email       string `json:"email"`
	DisplayName string `json:"display_name"`
	Password    string `json:"password"`
}

func (st *Setup) handlePost(c echo.Context) error {
	var req setupRequest
	if err := bind(c, &req); err != nil {
		return problem.New(http.StatusBadRequest, "The request could not be read; reload the page and try again.").With("reason", "bad_body")
	}
	ctx := c.Request().Context()
	u, err := st.CreateAdmin(ctx, req.Code, NewUser{Email: req.Email, DisplayName: req.DisplayName, Password: req.Password}, c.RealIP())
	if err != nil {
		return setupProblem(c, err)
	}
	res, err := st.svc.Login(ctx, u.Email, req.Password, c.RealIP(), c.Request().UserAgent())
	if err != nil {
		return problemFor(err)
	}
	st.svc.setCookie(c, SessionCookieName, res.Cookie, res.Session.ExpiresAt, true)
	st.svc.setCookie(c, CSRFCookieName, res.CSRF, res.Session.ExpiresAt, false)
	st.svc.clearCookie(c, GuestCookieName, true)
	return c.JSON(http.StatusCreated, map[string]any{"user": viewUser(res.User), "csrf_token": res.CSRF})
}

// setupProblem maps a refused setup to its problem document.
func setupProblem(c echo.Context, err error) error {
	var se *SetupError
	if !errors.As(err, &se) {
		return problemFor(err)
	}
	status, reason := http.StatusBadRequest, "invalid"
	switch {
	case errors.Is(se.Err, ErrSetupDone):
		status, reason = http.StatusConflict, "setup_done"
	case errors.Is(se.Err, ErrSetupCode):
		status, reason = http.StatusForbidden, "wrong_code"
	case errors.Is(se.Err, ErrThrottled):
		status, reason = http.StatusTooManyRequests, "throttled"
		c.Response().Header().Set("Retry-After", fmt.Sprint(int(setupEvery.Seconds())))
	case errors.Is(se.Err, ErrConflict):
		status, reason = http.StatusConflict, "email_taken"
	}
	p := problem.New(status, se.Detail).With("reason", reason)
	p.Err = err
	if se.Field != "" {
		p.With("field", se.Field)
	}
	return p
}
