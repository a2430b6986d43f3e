package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"
)

// HeaderRequestID carries the request id: accepted from the client when it
// is well-formed (1-64 of [A-Za-z0-9._-]), generated otherwise, and always
// echoed in the response.
const HeaderRequestID = "X-Request-Id"

type ctxKey struct{}

type requestInfo struct {
	id  string
	log *slog.Logger
}

// Logger returns the request's logger (with a request_id attribute) when
// ctx is a request context of this server, else slog.Default().
func Logger(ctx context.Context) *slog.Logger {
	if ri, ok := ctx.Value(ctxKey{}).(*requestInfo); ok {
		return ri.log
	}
	return slog.Default()
}

// RequestID returns the request id of a request context, or "".
func RequestID(ctx context.Context) string {
	if ri, ok := ctx.Value(ctxKey{}).(*requestInfo); ok {
		return ri.id
	}
	return ""
}

// quiet routes are logged at debug level: probes and scrapes would drown
// the log at info.
var quiet = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// observe is the outermost middleware: it assigns the request id, puts the
// per-request logger in the context, turns a returned error into the
// problem response (so the status is known), then logs the request and
// records its metrics. It logs the path only, never the query string, which
// may carry tokens.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		req := c.Request()
		id := req.Header.Get(HeaderRequestID)
		if !validRequestID(id) {
			id = newRequestID()
		}
		c.Response().Header().Set(HeaderRequestID, id)
		ri := &requestInfo{id: id, log: s.base.With("request_id", id)}
		c.SetRequest(req.WithContext(context.WithValue(req.Context(), ctxKey{}, ri)))

		if err := next(c); err != nil {
			c.Error(err)
		}

		res := c.Response()
		elapsed := time.Since(start)
		route := c.Path()
		if route == "" || res.Status == 404 && route == "/*" {
			route = "unmatched"
		}
		s.metrics.observe(req.Method, route, res.Status, elapsed)

		level := slog.LevelInfo
		switch {
		case res.Status >= 500:
			level = slog.LevelWarn
		case quiet[route]:
			level = slog.LevelDebug
		}
		ri.log.LogAttrs(c.Request().Context(), level, "http request",
			slog.String("method", req.Method),
			slog.String("path", req.URL.Path),
			slog.String("route", route),
			slog.Int("status", res.Status),
			slog.Int64("bytes", res.Size),
			slog.Duration("duration", elapsed),
			slog.String("remote", c.RealIP()),
		)
		return nil
	}
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// contextHandler adds the request_id of the context to records logged with
// a request context, so logs written by code that only holds the base
// logger (e.g. problem.HTTPErrorHandler) still carry it.
type contextHandler struct{ slog.Handler }

// Handle adds request_id when ctx is a request context.
func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the wrapper.
func (h contextHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return contextHandler{h.Handler.WithAttrs(as)}
}

// WithGroup keeps the wrapper.
func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{h.Handler.WithGroup(name)}
}
