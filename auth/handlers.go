package auth

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/frontdesk/frontdesk/ratelimit"
)

// maxBody bounds JSON request bodies of the auth routes (bytes).
const maxBody = 16 << 10

// Register mounts the auth routes on g (the server mounts g at /api/v1 with
// [Service.Middleware] already applied to the group):
//
//	POST   /auth/signup          {email, password, display_name} -> 201 user (always a caller; 403 when disabled)
//	POST   /auth/login           {email, password} -> 200 {user, csrf_token}; sets session + CSRF cookies; 401, 429
//	POST   /auth/logout          -> 204; ends the session at once
//	GET    /auth/me              -> 200 {kind, user_id, email, display_name, role, csrf_token}
//	POST   /auth/guest           {display_name} -> 201 {guest, csrf_token}; sets guest cookie (resumes an existing one)
//	POST   /auth/password        {current, new} -> 204; ends the user's other sessions
//	GET    /auth/tokens          -> 200 [token] (own)
//	POST   /auth/tokens          {name, scopes, ttl_s} -> 201 {token, secret} (secret shown once)
//	DELETE /auth/tokens/:id      -> 204 (own, or any for admins)
//	GET    /users                (admin) -> 200 [user]
//	POST   /users                (admin) {email, password, display_name, role} -> 201 user
//	GET    /users/:id            (admin) -> 200 user
//	PUT    /users/:id/role       (admin) {role} -> 200 user
//	PUT    /users/:id/disabled   (admin) {disabled} -> 200 user
//	DELETE /users/:id            (admin) -> 204
//	POST   /users/:id/logout     (admin) -> 200 {ended}; ends all the user's sessions
//	GET    /users/:id/tokens     (admin) -> 200 [token]
//	GET    /audit                (admin) ?since=RFC3339&until=&kind=&user=&limit= -> 200 [record]
//
// Errors are problem documents (package problem).
func (s *Service) Register(g *echo.Group) {
	g.POST("/auth/signup", s.handleSignup)
	g.POST("/auth/login", s.handleLogin)
	g.POST("/auth/logout", s.handleLogout, RequireAuth())
	g.GET("/auth/me", s.handleMe, RequireAuth())
	g.POST("/auth/guest", s.handleGuest)
	g.POST("/auth/password", s.handlePassword, RequireAccount())
	g.GET("/auth/tokens", s.handleListOwnTokens, RequireAccount())
	g.POST("/auth/tokens", s.handleCreateToken, RequireAccount())
	g.DELETE("/auth/tokens/:id", s.handleRevokeToken, RequireAccount())

	admin := RequireRole(RoleAdmin)
	g.GET("/users", s.handleListUsers, admin)
	g.POST("/users", s.handleCreateUser, admin)
	g.GET("/users/:id", s.handleGetUser, admin)
	g.PUT("/users/:id/role", s.handleSetRole, admin)
	g.PUT("/users/:id/disabled", s.handleSetDisabled, admin)
	g.DELETE("/users/:id", s.handleDeleteUser, admin)
	g.POST("/users/:id/logout", s.handleLogoutUser, admin)
	g.GET("/users/:id/tokens", s.handleListUserTokens, admin)
	g.GET("/audit", s.handleAudit, admin)
}

// UserView is the API shape of a user (no password hash).
type UserView struct {
	ID          string    `json:"id"`           // User.ID
	Email       string    `json:"email"`        // User.Email
	DisplayName string    `json:"display_name"` // User.DisplayName
	Role        Role      `json:"role"`         // "admin", "host" or "caller"
	Disabled    bool      `json:"disabled"`     // User.Disabled
	CreatedAt   time.Time `json:"created_at"`   // RFC 3339
	UpdatedAt   time.Time `json:"updated_at"`   // RFC 3339
}

func viewUser(u User) UserView {
	return UserView{ID: u.ID, Email: u.Email, DisplayName: u.DisplayName, Role: u.Role, Disabled: u.Disabled, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

// AuditView is the API shape of an audit record.
type AuditView struct {
	ID        string    `json:"id"`                   // AuditRecord.ID
	Time      time.Time `json:"time"`                 // RFC 3339
	Kind      string    `json:"kind"`                 // one of the AuditX kinds
	ActorID   string    `json:"actor_id,omitempty"`   // who acted
	SubjectID string    `json:"subject_id,omitempty"` // whom or what it was done to
	Addr      string    `json:"addr,omitempty"`       // client address
	Detail    string    `json:"detail,omitempty"`     // short note
}

// TokenView is the API shape of an API token (no hash).
type TokenView struct {
	ID        string     `json:"id"`                   // public token ID
	UserID    string     `json:"user_id"`              // owner
	Name      string     `json:"name"`                 // label
	Scopes    []string   `json:"scopes"`               // "read", "write", "admin"
	CreatedAt time.Time  `json:"created_at"`           // RFC 3339
	ExpiresAt *time.Time `json:"expires_at,omitempty"` // absent: never expires
	RevokedAt *time.Time `json:"revoked_at,omitempty"` // absent: active
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func viewToken(t APIToken) TokenView {
	sc := t.Scopes
	if sc == nil {
		sc = []string{}
	}
	return TokenView{ID: t.ID, UserID: t.UserID, Name: t.Name, Scopes: sc, CreatedAt: t.CreatedAt, ExpiresAt: optTime(t.ExpiresAt), RevokedAt: optTime(t.RevokedAt)}
}

// bind decodes a JSON body into v; unknown fields are ignored (a signup
// that sends "role" simply has it ignored).
func bind(c echo.Context, v any) error {
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxBody+1))
	if err != nil {
		return fmt.Errorf("auth: read body: %w", ErrInvalidInput)
	}
	if len(body) > maxBody {
		return fmt.Errorf("auth: body larger than %d bytes: %w", maxBody, ErrInvalidInput)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("auth: malformed JSON body: %w", ErrInvalidInput)
	}
	return nil
}

func actor(c echo.Context) Actor {
	a := Actor{Addr: c.RealIP()}
	if p, ok := PrincipalFrom(c); ok {
		a.UserID = p.UserID
	}
	return a
}

type credentials struct {
	Email       string `json:"email"`
	Password    string `json:"password"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
}

func (s *Service) handleSignup(c echo.Context) error {
	var req credentials
	if err := bind(c, &req); err != nil {
		return problemFor(err)
	}
	if err := s.admit(c, s.signups); err != nil {
		return err
	}
	// req.Role is deliberately ignored: signup creates callers only.
	u, err := s.Signup(c.Request().Context(), NewUser{Email: req.Email, Password: req.Password, DisplayName: req.DisplayName}, c.RealIP())
	if err != nil {
		return problemFor(err)
	}
	return c.JSON(http.StatusCreated, viewUser(u))
}

func (s *Service) handleLogin(c echo.Context) error {
	var req credentials
	if err := bind(c, &req); err != nil {
		return problemFor(err)
	}
	var device string
	if ck, err := c.Cookie(DeviceCookieName); err == nil {
		device = ck.Value
	}
	res, err := s.LoginOnDevice(c.Request().Context(), req.Email, req.Password, c.RealIP(), c.Request().UserAgent(), device)
	if err != nil {
		retryAfter(c.Response().Header(), err)
		return problemFor(err)
	}
	if res.Device != "" {
		s.setCookie(c, DeviceCookieName, res.Device, res.DeviceExpiresAt, true)
	}
	s.setCookie(c, SessionCookieName, res.Cookie, res.Session.ExpiresAt, true)
	s.setCookie(c, CSRFCookieName, res.CSRF, res.Session.ExpiresAt, false)
	s.clearCookie(c, GuestCookieName, true)
	return c.JSON(http.StatusOK, map[string]any{"user": viewUser(res.User), "csrf_token": res.CSRF})
}

func (s *Service) handleLogout(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	if p.Kind == KindGuest {
		s.clearCookie(c, GuestCookieName, true)
		s.clearCookie(c, CSRFCookieName, false)
		return c.NoContent(http.StatusNoContent)
	}
	if err := s.Logout(c.Request().Context(), p, c.RealIP()); err != nil {
		return problemFor(err)
	}
	s.clearCookie(c, SessionCookieName, true)
	s.clearCookie(c, CSRFCookieName, false)
	return c.NoContent(http.StatusNoContent)
}

// MeView is the API shape of the current principal.
type MeView struct {
	Kind        string `json:"kind"`            // "session", "api_token" or "guest"
	UserID      string `json:"user_id"`         // account ID or "guest:<id>"
	Email       string `json:"email,omitempty"` // absent for guests
	DisplayName string `json:"display_name"`    // name shown to others
	Role        Role   `json:"role"`            // current role
	// CSRFToken is the token to echo in X-CSRF-Token (cookie principals).
	CSRFToken string `json:"csrf_token,omitempty"`
	// Scopes are the API token's scopes (api_token only).
	Scopes []string `json:"scopes,omitempty"`
}

func (s *Service) handleMe(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	v := MeView{Kind: p.Kind.String(), UserID: p.UserID, Email: p.Email, DisplayName: p.DisplayName, Role: p.Role, Scopes: p.Scopes}
	switch p.Kind {
	case KindSession:
		v.CSRFToken = s.csrfToken(bindSession(p.SessionID))
	case KindGuest:
		v.CSRFToken = s.csrfToken(bindGuest(p.UserID[len(GuestPrefix):]))
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Service) handleGuest(c echo.Context) error {
	if p, ok := PrincipalFrom(c); ok {
		if p.Kind != KindGuest {
			return problemFor(fmt.Errorf("auth: already signed in with an account: %w", ErrConflict))
		}
		// Resume: the guest cookie already names this guest.
		id := p.UserID[len(GuestPrefix):]
		return c.JSON(http.StatusOK, map[string]any{
			"guest": map[string]string{"id": p.UserID, "display_name": p.DisplayName}, "csrf_token": s.csrfToken(bindGuest(id)),
		})
	}
	var req struct {
		DisplayName string `json:"display_name"`
	}
	if err := bind(c, &req); err != nil {
		return problemFor(err)
	}
	if err := s.admit(c, s.guests); err != nil {
		return err
	}
	g, tok, err := s.NewGuest(req.DisplayName)
	if err != nil {
		return problemFor(err)
	}
	csrf := s.csrfToken(bindGuest(g.ID))
	s.setCookie(c, GuestCookieName, tok, g.ExpiresAt, true)
	s.setCookie(c, CSRFCookieName, csrf, g.ExpiresAt, false)
	return c.JSON(http.StatusCreated, map[string]any{
		"guest": map[string]any{"id": GuestPrefix + g.ID, "display_name": g.DisplayName, "expires_at": g.ExpiresAt}, "csrf_token": csrf,
	})
}

func (s *Service) handlePassword(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	if p.Kind != KindSession {
		return problemFor(fmt.Errorf("auth: password changes need a browser session: %w", ErrForbidden))
	}
	var req struct {
		Current string `json:"current"`
		New     string `json:"new"`
	}
	if err := bind(c, &req); err != nil {
		return problemFor(err)
	}
	if err := s.ChangePassword(c.Request().Context(), actor(c), p.UserID, req.Current, req.New, p.SessionID); err != nil {
		retryAfter(c.Response().Header(), err)
		return problemFor(err)
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Service) handleListOwnTokens(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	return s.listTokens(c, p.UserID)
}

func (s *Service) handleListUserTokens(c echo.Context) error { return s.listTokens(c, c.Param("id")) }

func (s *Service) listTokens(c echo.Context, userID string) error {
	ts, err := s.ListAPITokens(c.Request().Context(), userID)
	if err != nil {
		return problemFor(err)
	}
	out := make([]TokenView, 0, len(ts))
	for _, t := range ts {
		out = append(out, viewToken(t))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Service) handleCreateToken(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	var req struct {
		Name   string   `json:"name"`
		Scopes []string `json:"scopes"`
		TTLS   int64    `json:"ttl_s"`
	}
	if err := bind(c, &req); err != nil {
		return problemFor(err)
	}
	if req.TTLS < 0 || req.TTLS > 10*365*24*3600 {
		return problemFor(fmt.Errorf("auth: ttl_s out of range: %w", ErrInvalidInput))
	}
	t, secret, err := s.CreateAPIToken(c.Request().Context(), p, NewAPIToken{Name: req.Name, Scopes: req.Scopes, TTL: time.Duration(req.TTLS) * time.Second}, c.RealIP())
	if err != nil {
		return problemFor(err)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusCreated, map[string]any{"token": viewToken(t), "secret": secret})
}

func (s *Service) handleRevokeToken(c echo.Context) error {
	p, _ := PrincipalFrom(c)
	if err := s.RevokeAPIToken(c.Request().Context(), p, c.Param("id"), c.RealIP()); err != nil {
		return problemFor(err)
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Service) handleListUsers(c echo.Context) error {
	us, err := s.ListUsers(c.Request().Context())
	if err != nil {
		return problemFor(err)
	}
	out := make([]UserView, 0, len(us))
	for _, u := range us {
		out = append(out, viewUser(u))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Service) handleCreateUser(c echo.Context) error {
	var req credentials
	if err := bind(c, &req); err != nil {
		return problemFor(err)
	}
	role, err := ParseRole(req.Role)
	if err != nil {
		return problemFor(err)
	}
	u, err := s.CreateUser(c.Request().Context(), actor(c), NewUser{Email: req.Email, Password: req.Password, DisplayName: req.DisplayName, Role: role})
	if err != nil {
		return problemFor(err)
	}
	return c.JSON(http.StatusCreated, viewUser(u))
}

func (s *Service) handleGetUser(c echo.Context) error {
	u, err := s.GetUser(c.Request().Context(), c.Param("id"))
	if err != nil {
		return problemFor(err)
	}
	return c.JSON(http.StatusOK, viewUser(u))
}

func (s *Service) handleSetRole(c echo.Context) error {
	var req struct {
		Role string `json:"role"`
	}
	if err := bind(c, &req); err != nil {
		return problemFor(err)
	}
	role, err := ParseRole(req.Role)
	if err != nil {
		return problemFor(err)
	}
	u, err := s.SetRole(c.Request().Context(), actor(c), c.Param("id"), role)
	if err != nil {
		return problemFor(err)
	}
	return c.JSON(http.StatusOK, viewUser(u))
}

func (s *Service) handleSetDisabled(c echo.Context) error {
	var req struct {
		Disabled *bool `json:"disabled"`
	}
	if err := bind(c, &req); err != nil {
		return problemFor(err)
	}
	if req.Disabled == nil {
		return problemFor(fmt.Errorf("auth: field disabled is required: %w", ErrInvalidInput))
	}
	u, err := s.SetDisabled(c.Request().Context(), actor(c), c.Param("id"), *req.Disabled)
	if err != nil {
		return problemFor(err)
	}
	return c.JSON(http.StatusOK, viewUser(u))
}

func (s *Service) handleDeleteUser(c echo.Context) error {
	if err := s.DeleteUser(c.Request().Context(), actor(c), c.Param("id")); err != nil {
		return problemFor(err)
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Service) handleLogoutUser(c echo.Context) error {
	n, err := s.LogoutEverywhere(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return problemFor(err)
	}
	return c.JSON(http.StatusOK, map[string]int{"ended": n})
}

func (s *Service) handleAudit(c echo.Context) error {
	var f AuditFilter
	q := c.QueryParams()
	for _, x := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := q.Get(x.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return problemFor(fmt.Errorf("auth: %s must be RFC 3339: %w", x.name, ErrInvalidInput))
			}
			*x.dst = t
		}
	}
	f.Kind, f.UserID = q.Get("kind"), q.Get("user")
	f.Limit = 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return problemFor(fmt.Errorf("auth: limit must be 1-1000: %w", ErrInvalidInput))
		}
		f.Limit = n
	}
	recs, err := s.Audit(c.Request().Context(), f)
	if err != nil {
		return problemFor(err)
	}
	out := make([]AuditView, 0, len(recs))
	for _, r := range recs {
		out = append(out, AuditView(r))
	}
	return c.JSON(http.StatusOK, out)
}

// admit takes one token of the client address's bucket in l: nil, or a 429
// problem with Retry-After when the address is over its rate.
func (s *Service) admit(c echo.Context, l *ratelimit.Keyed) error {
	ok, wait := l.Allow(throttleAddr(c.RealIP()), s.now())
	if ok {
		return nil
	}
	err := &ThrottledError{RetryAfter: max(wait.Round(time.Second), time.Second)}
	retryAfter(c.Response().Header(), err)
	return problemFor(err)
}
