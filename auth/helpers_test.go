package auth_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/problem"
	"github.com/labstack/echo/v4"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fastArgon keeps tests quick; production uses auth.DefaultArgon2Params.
var fastArgon = auth.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is a Service mounted on echo at /api/v1, as app mounts it.
type env struct {
	t     *testing.T
	svc   *auth.Service
	st    *auth.MemoryStore
	keys  *auth.KeyRing
	clock *clock
	logs  *syncBuffer
	log   *slog.Logger
	e     *echo.Echo
}

// slogFrom returns the env's capturing logger.
func slogFrom(ev *env) *slog.Logger { return ev.log }

const adminPassword = "correct horse battery"

func newEnv(t *testing.T, opts ...auth.Option) *env {
	t.Helper()
	keys, err := auth.GenerateKeyRing()
	if err != nil {
		t.Fatal(err)
	}
	return newEnvKeys(t, keys, opts...)
}

func newEnvKeys(t *testing.T, keys *auth.KeyRing, opts ...auth.Option) *env {
	t.Helper()
	ev := &env{t: t, st: auth.NewMemoryStore(), keys: keys, clock: newClock(), logs: &syncBuffer{}}
	logger := slog.New(slog.NewJSONHandler(ev.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ev.log = logger
	all := append([]auth.Option{
		auth.WithArgon2Params(fastArgon), auth.WithClock(ev.clock.Now), auth.WithLogger(logger),
		auth.WithSignup(true), auth.WithAllowedOrigins("https://desk.example.com"),
	}, opts...)
	svc, err := auth.New(ev.st, keys, all...)
	if err != nil {
		t.Fatal(err)
	}
	ev.svc = svc
	e := echo.New()
	e.HTTPErrorHandler = problem.HTTPErrorHandler(logger)
	e.IPExtractor = echo.ExtractIPDirect()
	g := e.Group("/api/v1", svc.Middleware())
	svc.Register(g)
	g.GET("/hosts-only", func(c echo.Context) error { return c.String(200, "ok") }, auth.RequireRole(auth.RoleHost, auth.RoleAdmin))
	g.POST("/echo", func(c echo.Context) error {
		p, _ := auth.PrincipalFrom(c)
		return c.String(200, p.UserID)
	}, auth.RequireAuth())
	ev.e = e
	return ev
}

// user creates an account directly through the service.
func (ev *env) user(email string, role auth.Role) auth.User {
	ev.t.Helper()
	u, err := ev.svc.AddUser(ev.t.Context(), email, "", adminPassword, role)
	if err != nil {
		ev.t.Fatalf("AddUser(%s): %v", email, err)
	}
	return u
}

// client is a tiny browser: a cookie jar, a client address and a CSRF token.
type client struct {
	ev      *env
	addr    string
	cookies map[string]string
	csrf    string
	bearer  string
	origin  string
}

// withCookie sets cookie name to value on c and returns c.
func (c *client) withCookie(name, value string) *client {
	c.cookies[name] = value
	return c
}

func (ev *env) client() *client {
	return &client{ev: ev, addr: "192.0.2.10", cookies: map[string]string{}}
}

type resp struct {
	code   int
	body   string
	header http.Header
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
}

// do sends a request; body may be nil, a string or a value to marshal. The
// CSRF token is sent when set.
func (c *client) do(method, path string, body any) resp {
	c.ev.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		js, err := json.Marshal(b)
		if err != nil {
			c.ev.t.Fatal(err)
		}
		rd = bytes.NewReader(js)
	}
	req := httptest.NewRequest(method, path, rd)
	req.RemoteAddr = c.addr + ":40000"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "authtest/1")
	if c.origin != "" {
		req.Header.Set("Origin", c.origin)
	}
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	if c.csrf != "" {
		req.Header.Set(auth.CSRFHeader, c.csrf)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	rec := httptest.NewRecorder()
	c.ev.e.ServeHTTP(rec, req)
	for _, ck := range rec.Result().Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	return resp{code: rec.Code, body: rec.Body.String(), header: rec.Header()}
}

// login logs c in and keeps the CSRF token; it fails the test unless 200.
func (c *client) login(email, password string) {
	c.ev.t.Helper()
	r := c.do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": password})
	if r.code != 200 {
		c.ev.t.Fatalf("login %s: %d %s", email, r.code, r.body)
	}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	r.json(c.ev.t, &out)
	if out.CSRF == "" || out.CSRF != c.cookies[auth.CSRFCookieName] {
		c.ev.t.Fatalf("login: CSRF token %q, cookie %q", out.CSRF, c.cookies[auth.CSRFCookieName])
	}
	c.csrf = out.CSRF
}

func wantCode(t *testing.T, what string, r resp, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("%s: status %d, want %d; body %s", what, r.code, code, r.body)
	}
	if code >= 400 && !strings.Contains(r.header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("%s: error is not problem JSON: %q %s", what, r.header.Get("Content-Type"), r.body)
	}
}

func httptestRequest(origin, host string) *http.Request {
	r := httptest.NewRequest("GET", "/api/v1/ws", nil)
	r.Host = host
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	return r
}
