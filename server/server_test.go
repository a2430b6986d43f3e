package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/frontdesk/frontdesk/config"
	"github.com/frontdesk/frontdesk/problem"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
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

// newTestServer returns a server with default HTTP settings whose debug-level
// JSON logs go to the returned buffer.
func newTestServer(t *testing.T, opts ...Option) (*Server, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := New(config.Default().HTTP, logger, prometheus.NewRegistry(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s, logs
}

// do sends a request through the handler and returns the recorder.
func do(s *Server, method, target string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec
}

// problemOf decodes a problem document, failing on the wrong media type.
func problemOf(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != problem.ContentType {
		t.Fatalf("Content-Type = %q, want %q (body %s)", ct, problem.ContentType, rec.Body)
	}
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	return m
}

func TestHealthz(t *testing.T) {
	s, _ := newTestServer(t)
	rec := do(s, http.MethodGet, "/healthz")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"ok"`) {
		t.Fatalf("GET /healthz = %d %s, want 200 ok", rec.Code, rec.Body)
	}
}

func TestReadyz(t *testing.T) {
	errDown := errors.New("dial janus-a: connection refused")
	tests := []struct {
		name    string
		checks  map[string]Check
		status  int
		failing []string // names in the problem detail
	}{
		{name: "no checks", status: http.StatusOK},
		{name: "all passing", checks: map[string]Check{
			"store": func(context.Context) error { return nil },
			"janus": func(context.Context) error { return nil },
		}, status: http.StatusOK},
		{name: "one failing", checks: map[string]Check{
			"store": func(context.Context) error { return nil },
			"janus": func(context.Context) error { return errDown },
		}, status: http.StatusServiceUnavailable, failing: []string{"janus"}},
		{name: "slow check times out", checks: map[string]Check{
			"slow": func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() },
		}, status: http.StatusServiceUnavailable, failing: []string{"slow"}},
		{name: "panicking check", checks: map[string]Check{
			"broken": func(context.Context) error { panic("boom") },
			"store":  func(context.Context) error { return errDown },
		}, status: http.StatusServiceUnavailable, failing: []string{"broken", "store"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestServer(t, WithReadyTimeout(50*time.Millisecond))
			for name, c := range tt.checks {
				s.AddReadyCheck(name, c)
			}
			rec := do(s, http.MethodGet, "/readyz")
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			if tt.status == http.StatusOK {
				var body struct {
					Status string            `json:"status"`
					Checks map[string]string `json:"checks"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Status != "ready" || len(body.Checks) != len(tt.checks) {
					t.Fatalf("body %s (%v), want ready with %d checks", rec.Body, err, len(tt.checks))
				}
				return
			}
			p := problemOf(t, rec)
			if p["status"] != float64(503) {
				t.Errorf("problem status = %v", p["status"])
			}
			detail, _ := p["detail"].(string)
			if want := "failing checks: " + strings.Join(tt.failing, ", "); !strings.Contains(detail, want) {
				t.Errorf("detail %q lacks %q", detail, want)
			}
			checks, _ := p["checks"].(map[string]any)
			for _, name := range tt.failing {
				if res, _ := checks[name].(string); res == "" || res == "ok" {
					t.Errorf("checks[%s] = %q, want the error", name, res)
				}
			}
			if len(checks) != len(tt.checks) {
				t.Errorf("checks = %v, want all %d", checks, len(tt.checks))
			}
		})
	}
}

func TestReadyCheckReplacedByName(t *testing.T) {
	s, _ := newTestServer(t)
	s.AddReadyCheck("store", func(context.Context) error { return errors.New("down") })
	s.AddReadyCheck("store", func(context.Context) error { return nil })
	if rec := do(s, http.MethodGet, "/readyz"); rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200 after replacing the failing check", rec.Code)
	}
}

func TestMetrics(t *testing.T) {
	s, _ := newTestServer(t)
	s.API().GET("/queues/:id", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	do(s, http.MethodGet, "/healthz")
	do(s, http.MethodGet, "/api/v1/queues/42")
	do(s, http.MethodGet, "/api/v1/queues/43")
	do(s, http.MethodGet, "/no/such/thing")
	rec := do(s, http.MethodGet, "/metrics")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`frontdesk_http_requests_total{code="200",method="GET",route="/healthz"} 1`,
		`frontdesk_http_requests_total{code="204",method="GET",route="/api/v1/queues/:id"} 2`,
		`frontdesk_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`frontdesk_http_request_duration_seconds_count{method="GET",route="/healthz"} 1`,
		"go_goroutines ",
		"process_cpu_seconds_total ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestNewReusesRegisteredCollectors(t *testing.T) {
	reg := prometheus.NewRegistry()
	for i := range 2 {
		if _, err := New(config.Default().HTTP, slog.New(slog.DiscardHandler), reg); err != nil {
			t.Fatalf("New #%d on the same registry: %v", i+1, err)
		}
	}
}

func TestErrorsAreProblems(t *testing.T) {
	tests := []struct {
		name, method, target string
		status               int
	}{
		{"unknown route", http.MethodGet, "/nope", http.StatusNotFound},
		{"unknown api route", http.MethodGet, "/api/v1/nope", http.StatusNotFound},
		{"wrong method", http.MethodDelete, "/healthz", http.StatusMethodNotAllowed},
		{"handler error", http.MethodGet, "/api/v1/fail", http.StatusInternalServerError},
		{"handler problem", http.MethodGet, "/api/v1/conflict", http.StatusConflict},
		{"panic", http.MethodGet, "/api/v1/panic", http.StatusInternalServerError},
	}
	s, logs := newTestServer(t)
	s.API().GET("/fail", func(echo.Context) error { return errors.New("db password=hunter2 rejected") })
	s.API().GET("/conflict", func(echo.Context) error { return problem.New(http.StatusConflict, "queue closed") })
	s.API().GET("/panic", func(echo.Context) error { panic("kaboom") })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(s, tt.method, tt.target)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d", rec.Code, tt.status)
			}
			p := problemOf(t, rec)
			if p["status"] != float64(tt.status) || p["instance"] != tt.target {
				t.Errorf("problem = %v", p)
			}
			if strings.Contains(rec.Body.String(), "hunter2") || strings.Contains(rec.Body.String(), "kaboom") {
				t.Errorf("500 body leaks the cause: %s", rec.Body)
			}
		})
	}
	if !strings.Contains(logs.String(), "panic in handler") || !strings.Contains(logs.String(), "kaboom") {
		t.Errorf("panic not logged:\n%s", logs)
	}
}

func TestRequestIDAndLogger(t *testing.T) {
	tests := []struct {
		name, header string
		keep         bool
	}{
		{"client id kept", "abc-123_x.y", true},
		{"missing id generated", "", false},
		{"bad id replaced", "evil\"id with spaces", false},
		{"long id replaced", strings.Repeat("a", 65), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, logs := newTestServer(t)
			var seen string
			s.API().GET("/who", func(c echo.Context) error {
				seen = RequestID(c.Request().Context())
				Logger(c.Request().Context()).Info("inside handler")
				return c.NoContent(http.StatusNoContent)
			})
			rec := do(s, http.MethodGet, "/api/v1/who", HeaderRequestID, tt.header)
			got := rec.Header().Get(HeaderRequestID)
			if tt.keep && got != tt.header {
				t.Errorf("response id %q, want client's %q", got, tt.header)
			}
			if !tt.keep && (got == tt.header || !validRequestID(got)) {
				t.Errorf("response id %q, want a fresh valid id", got)
			}
			if seen != got {
				t.Errorf("handler saw id %q, response says %q", seen, got)
			}
			var inside, access int
			for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
				var rec map[string]any
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("log line %q: %v", line, err)
				}
				if rec["request_id"] != got {
					t.Errorf("log line without request_id %q: %s", got, line)
				}
				switch rec["msg"] {
				case "inside handler":
					inside++
				case "http request":
					access++
					if rec["route"] != "/api/v1/who" || rec["status"] != float64(204) {
						t.Errorf("access log %s", line)
					}
				}
			}
			if inside != 1 || access != 1 {
				t.Errorf("got %d handler and %d access lines, want 1 and 1:\n%s", inside, access, logs)
			}
		})
	}
	if got := Logger(context.Background()); got != slog.Default() {
		t.Error("Logger outside a request is not slog.Default()")
	}
}

func TestLogsOmitSecrets(t *testing.T) {
	s, logs := newTestServer(t)
	s.API().GET("/fail", func(echo.Context) error { return errors.New("boom") })
	do(s, http.MethodGet, "/api/v1/fail?token=tok-SECRET&pin=1234", "Authorization", "Bearer hdr-SECRET", "Cookie", "session=cookie-SECRET")
	out := logs.String()
	if !strings.Contains(out, `"path":"/api/v1/fail"`) {
		t.Fatalf("no access log:\n%s", out)
	}
	if strings.Contains(out, "SECRET") || strings.Contains(out, "1234") {
		t.Errorf("log contains query or header secrets:\n%s", out)
	}
	// 5xx causes are logged (by problem.HTTPErrorHandler) with the request id.
	if !strings.Contains(out, `"msg":"request failed"`) || strings.Count(out, `"request_id"`) < 2 {
		t.Errorf("5xx cause not logged with request_id:\n%s", out)
	}
}

// serveTest starts Serve on a loopback listener and returns the base URL,
// the cancel func that starts shutdown, and a channel that is closed when
// Serve returns, after which *result holds its error.
func serveTest(t *testing.T, s *Server) (base string, cancel context.CancelFunc, wait func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var serveErr error
	go func() {
		defer close(done)
		serveErr = s.Serve(ctx, ln)
	}()
	wait = func() error {
		<-done
		return serveErr
	}
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return "http://" + ln.Addr().String(), cancel, wait
}

func TestServeGracefulShutdown(t *testing.T) {
	logs := &syncBuffer{}
	cfg := config.Default().HTTP
	cfg.ShutdownTimeout = 5 * time.Second
	s, err := New(cfg, slog.New(slog.NewTextHandler(logs, nil)), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	s.API().GET("/slow", func(c echo.Context) error {
		close(entered)
		<-release
		return c.String(http.StatusOK, "finished")
	})
	shutdownHook := make(chan struct{})
	s.OnShutdown(func() { close(shutdownHook) })
	base, cancel, wait := serveTest(t, s)

	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()

	type result struct {
		body string
		err  error
	}
	slow := make(chan result, 1)
	go func() {
		resp, err := http.Get(base + "/api/v1/slow")
		if err != nil {
			slow <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		slow <- result{string(b), err}
	}()
	<-entered
	cancel()
	<-shutdownHook
	if rec := do(s, http.MethodGet, "/readyz"); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("readyz while draining = %d, want 503", rec.Code)
	}
	waited := make(chan error, 1)
	go func() { waited <- wait() }()
	select {
	case err := <-waited:
		t.Fatalf("Serve returned %v while a request was in flight", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if r := <-slow; r.err != nil || r.body != "finished" {
		t.Fatalf("in-flight request got %q, %v; want it to finish", r.body, r.err)
	}
	if err := <-waited; err != nil {
		t.Fatalf("Serve = %v, want nil after clean shutdown", err)
	}
	http.DefaultClient.CloseIdleConnections()
}

func TestServeShutdownTimeout(t *testing.T) {
	cfg := config.Default().HTTP
	cfg.ShutdownTimeout = 100 * time.Millisecond
	s, err := New(cfg, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	s.API().GET("/stuck", func(c echo.Context) error {
		close(entered)
		<-release
		return nil
	})
	base, cancel, wait := serveTest(t, s)
	clientDone := make(chan struct{})
	go func() {
		defer close(clientDone)
		if resp, err := http.Get(base + "/api/v1/stuck"); err == nil {
			resp.Body.Close()
		}
	}()
	<-entered
	cancel()
	err = wait()
	close(release)
	<-clientDone
	http.DefaultClient.CloseIdleConnections()
	if !errors.Is(err, ErrShutdownTimeout) {
		t.Fatalf("Serve = %v, want ErrShutdownTimeout", err)
	}
}

func TestServeListenerError(t *testing.T) {
	s, _ := newTestServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	if err := s.Serve(context.Background(), ln); err == nil || !strings.Contains(err.Error(), "server: serve") {
		t.Fatalf("Serve on a closed listener = %v, want a serve error", err)
	}
}
