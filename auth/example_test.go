package auth_test

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/problem"
	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"
)

// Example_wiring shows how the binary wires package auth into the server.
// The store is auth.NewMemoryStore here; the binary passes the bbolt or
// MongoDB implementation from package store.
func Example_wiring() {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))

	// Keys: FRONTDESK_AUTH_KEYS="2026-11:<base64 32+ bytes>,2026-10:<old key>"
	// in production (all replicas share it); a generated ring for development.
	keys, err := auth.ParseKeyRing(os.Getenv("FRONTDESK_AUTH_KEYS"))
	if err != nil {
		keys, _ = auth.GenerateKeyRing()
	}
	svc, err := auth.New(auth.NewMemoryStore(), keys,
		auth.WithLogger(logger),
		auth.WithSecureCookies(false), // http.cookie_secure
		auth.WithSignup(false),        // auth.signup_enabled
		auth.WithSessionMaxAge(12*time.Hour),
		auth.WithAllowedOrigins("https://desk.example.com"), // http.public_url + http.allowed_origins
	)
	if err != nil {
		logger.Error("auth", "err", err)
		return
	}
	// First start: create the admin from the environment.
	if email, pw := os.Getenv("FRONTDESK_BOOTSTRAP_ADMIN_EMAIL"), os.Getenv("FRONTDESK_BOOTSTRAP_ADMIN_PASSWORD"); email != "" && pw != "" {
		if _, err := svc.BootstrapAdmin(ctx, email, pw); err != nil {
			logger.Error("bootstrap admin", "err", err)
		}
	}

	e := echo.New()
	e.HTTPErrorHandler = problem.HTTPErrorHandler(logger)
	e.IPExtractor = echo.ExtractIPDirect() // or a trusted-proxy XFF extractor: throttling uses c.RealIP()
	api := e.Group("/api/v1", svc.Middleware())
	svc.Register(api)
	// Other packages guard their routes with the same middleware values.
	api.GET("/queues/:id/hosts", func(c echo.Context) error { return c.NoContent(http.StatusOK) },
		auth.RequireRole(auth.RoleHost, auth.RoleAdmin))
	// WebSocket endpoints: the middleware authenticates the handshake; the
	// upgrader checks Origin.
	up := websocket.Upgrader{CheckOrigin: svc.Origins().Check}
	api.GET("/ws", func(c echo.Context) error {
		conn, err := up.Upgrade(c.Response(), c.Request(), nil)
		if err != nil {
			return nil
		}
		return conn.Close()
	}, auth.RequireAuth())

	// Expired sessions are swept by a goroutine the server owns.
	var wg sync.WaitGroup
	wg.Go(func() { _ = svc.RunSweeper(ctx, 5*time.Minute) })

	stop() // shutdown: cancel, then wait for the loops
	wg.Wait()
}
