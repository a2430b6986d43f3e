package auth

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// Cookie names.
const (
	// SessionCookieName holds the session JWT (HttpOnly).
	SessionCookieName = "frontdesk_session"
	// GuestCookieName holds the guest identity JWT (HttpOnly).
	GuestCookieName = "frontdesk_guest"
)

const echoPrincipalKey = "auth.principal"

// PrincipalFrom returns the principal the middleware authenticated, if any.
func PrincipalFrom(c echo.Context) (*Principal, bool) {
	p, ok := c.Get(echoPrincipalKey).(*Principal)
	return p, ok && p != nil
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// Middleware authenticates every request and stores the [Principal] (see
// [PrincipalFrom] and [FromContext]); it does not require one (use
// [RequireAuth]/[RequireRole]). Mount it on the /api/v1 group before any
// route, and on WebSocket routes. In order:
//
//   - "Authorization: Bearer <API token>": an invalid token is a 401 at
//     once. Safe methods need scope read or write, others scope write.
//   - the session cookie: a valid session authenticates; a sliding renewal
//     re-sets the cookie; an invalid or ended session clears the cookie and
//     the request continues anonymous.
//   - the guest cookie, likewise.
//   - State-changing requests (not GET/HEAD/OPTIONS) authenticated by a
//     cookie must carry the CSRF token in X-CSRF-Token (403 otherwise).
//     Unauthenticated state-changing requests (login, signup, guest) must
//     pass the Origin check (403 otherwise), against login CSRF.
func (s *Service) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			p, binding, err := s.authenticate(c)
			if err != nil {
				return err
			}
			r := c.Request()
			safe := safeMethod(r.Method)
			switch {
			case p == nil:
				if !safe && !s.origins.Check(r) {
					return problemFor(ErrForbidden)
				}
			case p.Kind == KindAPIToken:
				if (safe && !p.HasScope(ScopeRead) && !p.HasScope(ScopeWrite)) || (!safe && !p.HasScope(ScopeWrite)) {
					return problemFor(ErrForbidden)
				}
			default:
				if !safe && !s.checkCSRF(binding, r.Header.Get(CSRFHeader)) {
					s.logFor(r.Context()).WarnContext(r.Context(), "CSRF check failed", "user_id", p.UserID, "method", r.Method, "path", r.URL.Path)
					return problemFor(ErrCSRF)
				}
			}
			if p != nil {
				c.Set(echoPrincipalKey, p)
				c.SetRequest(r.WithContext(WithPrincipal(r.Context(), p)))
			}
			return next(c)
		}
	}
}

// authenticate returns the principal and its CSRF binding ("" for tokens).
func (s *Service) authenticate(c echo.Context) (*Principal, string, error) {
	r := c.Request()
	ctx := r.Context()
	if h := r.Header.Get(echo.HeaderAuthorization); h != "" {
		scheme, tok, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return nil, "", problemFor(ErrInvalidToken)
		}
		p, err := s.AuthenticateAPIToken(ctx, strings.TrimSpace(tok))
		if err != nil {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer error="invalid_token"`)
			return nil, "", problemFor(err)
		}
		return p, "", nil
	}
	if ck, err := r.Cookie(SessionCookieName); err == nil && ck.Value != "" {
		res, err := s.AuthenticateSession(ctx, ck.Value)
		switch {
		case err == nil:
			if res.Renewed != "" {
				s.setCookie(c, SessionCookieName, res.Renewed, res.ExpiresAt, true)
				s.setCookie(c, CSRFCookieName, s.csrfToken(bindSession(res.Principal.SessionID)), res.ExpiresAt, false)
			}
			return res.Principal, bindSession(res.Principal.SessionID), nil
		case errors.Is(err, ErrInvalidToken), errors.Is(err, ErrUnauthenticated):
			s.clearCookie(c, SessionCookieName, true)
		default:
			return nil, "", problemFor(err)
		}
	}
	if ck, err := r.Cookie(GuestCookieName); err == nil && ck.Value != "" {
		g, err := s.VerifyGuest(ck.Value)
		if err == nil {
			return g.principal(), bindGuest(g.ID), nil
		}
		s.clearCookie(c, GuestCookieName, true)
	}
	return nil, "", nil
}

// setCookie sets a cookie with Frontdesk's attributes: Path=/, SameSite=Lax,
// Secure per configuration, HttpOnly as asked.
func (s *Service) setCookie(c echo.Context, name, value string, expires time.Time, httpOnly bool) {
	c.SetCookie(&http.Cookie{
		Name: name, Value: value, Path: "/", Expires: expires, MaxAge: max(1, int(expires.Sub(s.now()).Seconds())),
		HttpOnly: httpOnly, Secure: s.secureCookies, SameSite: http.SameSiteLaxMode,
	})
}

func (s *Service) clearCookie(c echo.Context, name string, httpOnly bool) {
	c.SetCookie(&http.Cookie{
		Name: name, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0),
		HttpOnly: httpOnly, Secure: s.secureCookies, SameSite: http.SameSiteLaxMode,
	})
}

// RequireAuth refuses (401) requests without a principal.
func RequireAuth() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if _, ok := PrincipalFrom(c); !ok {
				return problemFor(ErrUnauthenticated)
			}
			return next(c)
		}
	}
}

// RequireRole refuses requests whose principal's role is not one of roles:
// 401 without a principal, 403 otherwise. Roles do not imply each other:
// list every role allowed (e.g. RequireRole(RoleHost, RoleAdmin)). For API
// tokens, a route that allows only RoleAdmin also needs ScopeAdmin. Guests
// have RoleCaller.
func RequireRole(roles ...Role) echo.MiddlewareFunc {
	adminOnly := len(roles) == 1 && roles[0] == RoleAdmin
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			p, ok := PrincipalFrom(c)
			if !ok {
				return problemFor(ErrUnauthenticated)
			}
			if !slices.Contains(roles, p.Role) || (adminOnly && !p.HasScope(ScopeAdmin)) {
				return problemFor(ErrForbidden)
			}
			return next(c)
		}
	}
}

// RequireAccount refuses guests (403) and anonymous requests (401).
func RequireAccount() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			p, ok := PrincipalFrom(c)
			if !ok {
				return problemFor(ErrUnauthenticated)
			}
			if p.IsGuest() {
				return problemFor(ErrForbidden)
			}
			return next(c)
		}
	}
}

// RequireScope refuses API-token requests whose token lacks scope (403);
// other principals pass (see [Principal.HasScope]); anonymous gets 401.
func RequireScope(scope Scope) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			p, ok := PrincipalFrom(c)
			if !ok {
				return problemFor(ErrUnauthenticated)
			}
			if !p.HasScope(scope) {
				return problemFor(ErrForbidden)
			}
			return next(c)
		}
	}
}
