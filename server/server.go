// Package server is Frontdesk's HTTP server: an echo v4 instance with
// problem-JSON errors (package problem), per-request slog logging with a
// request id, panic recovery, Prometheus metrics, /healthz, /readyz with
// named readiness checks, and graceful shutdown.
//
// Other packages mount their routes on [Server.Echo] or, for the JSON API,
// on [Server.API] (/api/v1), and get the per-request logger with [Logger].
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/frontdesk/frontdesk/config"
	"github.com/frontdesk/frontdesk/problem"
)

// APIPrefix is the path prefix of the JSON API group returned by
// [Server.API].
const APIPrefix = "/api/v1"

// Server is the HTTP server. Create it with [New], mount routes, register
// readiness checks, then call [Server.Serve]. Routes and checks may be added
// until Serve is called; checks may also be added later.
type Server struct {
	cfg          config.HTTP
	base         *slog.Logger // as given to New
	log          *slog.Logger // base, plus request_id taken from the context
	e            *echo.Echo
	api          *echo.Group
	metrics      *httpMetrics
	readyTimeout time.Duration
	metricsCfg   config.Metrics // WithMetrics
	// metricsMux serves /metrics alone on metricsLn when metricsCfg.Listen
	// is set (nil otherwise); metricsLn is opened by Listen.
	metricsMux http.Handler
	metricsLn  net.Listener

	mu         sync.Mutex
	checks     []namedCheck // in registration order
	onShutdown []func()

	draining atomic.Bool
}

// Option sets an optional setting of [New].
type Option func(*Server)

// WithReadyTimeout bounds each readiness check run by /readyz (default 2s).
func WithReadyTimeout(d time.Duration) Option {
	return func(s *Server) { s.readyTimeout = d }
}

// New builds the server from the http section of the configuration. logger
// receives request logs and 5xx causes; reg receives the HTTP metrics and
// the Go and process collectors (already-registered collectors are reused)
// and is served on /metrics (on http.listen, or on its own listener and
// behind a bearer token with [WithMetrics]). It fails only when a metric
// cannot be registered.
func New(cfg config.HTTP, logger *slog.Logger, reg *prometheus.Registry, opts ...Option) (*Server, error) {
	s := &Server{
		cfg:          cfg,
		base:         logger,
		log:          slog.New(contextHandler{logger.Handler()}),
		e:            echo.New(),
		readyTimeout: 2 * time.Second,
	}
	for _, o := range opts {
		o(s)
	}
	m, err := newHTTPMetrics(reg)
	if err != nil {
		return nil, err
	}
	s.metrics = m

	e := s.e
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = problem.HTTPErrorHandler(s.log)
	e.IPExtractor = ipExtractor(cfg.TrustedProxies)
	e.Use(s.observe)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			Logger(c.Request().Context()).Error("panic in handler", "err", err, "stack", string(stack))
			return err
		},
	}))

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	scrape := bearerOnly(s.metricsCfg.Token.Reveal(), metricsHandler(reg))
	if s.metricsCfg.Listen == "" {
		e.GET("/metrics", echo.WrapHandler(scrape))
	} else {
		s.metricsMux = metricsOnly(scrape)
	}
	s.api = e.Group(APIPrefix)
	return s, nil
}

// Echo returns the echo instance, to mount routes outside /api/v1 (web UI,
// Janus event webhook, WebSocket endpoints).
func (s *Server) Echo() *echo.Echo { return s.e }

// API returns the /api/v1 route group for JSON API routes.
func (s *Server) API() *echo.Group { return s.api }

// Handler returns the server's http.Handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.e }

// OnShutdown registers f to run when graceful shutdown starts, in its own
// goroutine (http.Server.RegisterOnShutdown). Use it to close hijacked
// connections such as WebSockets, which Shutdown does not wait for.
// Must be called before Serve.
func (s *Server) OnShutdown(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onShutdown = append(s.onShutdown, f)
}

// Listen opens the TCP listener on http.listen and, with metrics.listen
// set ([WithMetrics]), the metrics listener, which Serve then serves and
// closes (its address is logged as "metrics listening").
func (s *Server) Listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("server: listen: %w", err)
	}
	if s.metricsMux != nil && s.metricsLn == nil {
		mln, err := net.Listen("tcp", s.metricsCfg.Listen)
		if err != nil {
			_ = ln.Close()
			return nil, fmt.Errorf("server: metrics listen: %w", err)
		}
		s.metricsLn = mln
		s.base.Info("metrics listening", "addr", mln.Addr().String())
	}
	return ln, nil
}

// MetricsAddr returns the metrics listener's address once Listen opened
// it ("" when /metrics is served on http.listen).
func (s *Server) MetricsAddr() string {
	if s.metricsLn == nil {
		return ""
	}
	return s.metricsLn.Addr().String()
}

// Serve serves HTTP on ln until ctx is done, then shuts down gracefully:
// /readyz starts answering 503, the listener closes, and in-flight requests
// get http.shutdown_timeout to finish. It returns nil after a clean
// shutdown, an error wrapping [ErrShutdownTimeout] when requests were still
// running at the deadline (their connections are then closed), or the
// serve error if the listener fails. Serve closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.e,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.mu.Lock()
	for _, f := range s.onShutdown {
		hs.RegisterOnShutdown(f)
	}
	s.mu.Unlock()

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	// merrc stays nil (blocking forever) without a metrics listener.
	var merrc chan error
	if s.metricsLn != nil {
		ms := &http.Server{Handler: s.metricsMux, ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
			ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
		mc := make(chan error, 1)
		merrc = mc
		go func() { mc <- ms.Serve(s.metricsLn) }()
		defer func() {
			// Scrapes are short: no grace beyond closing.
			_ = ms.Close()
			if merrc != nil {
				<-merrc
			}
		}()
	}
	select {
	case err := <-errc:
		return fmt.Errorf("server: serve: %w", err)
	case err := <-merrc:
		merrc = nil
		_ = hs.Close()
		<-errc
		return fmt.Errorf("server: serve metrics: %w", err)
	case <-ctx.Done():
	}
	s.draining.Store(true)
	s.log.Info("shutting down HTTP server", "timeout", s.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		_ = hs.Close()
		<-errc
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("%w after %s", ErrShutdownTimeout, s.cfg.ShutdownTimeout)
		}
		return fmt.Errorf("server: shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("server: serve: %w", err)
	}
	return nil
}
