package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

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
			slog.String("path", logPath(req.URL.Path)),
			slog.String("route", route),
			slog.Int("status", res.Status),
			slog.Int64("bytes", res.Size),
			slog.Duration("duration", elapsed),
			slog.String("remote", c.RealIP()),
		)
		return nil
	}
}

// maxLoggedPath bounds the request path in a log line, in bytes.
const maxLoggedPath = 256

// logPath is a request path fit for the request log: the call ticket of a
// /janus/t/<ticket>/... path replaced by REDACTED (a ticket is a bearer
// credential), and the rest clipped to maxLoggedPath bytes (the slog
// handler escapes what remains).
func logPath(p string) string {
	const marker = "/janus/t/"
	if i := strings.Index(p, marker); i >= 0 {
		rest := p[i+len(marker):]
		tail := ""
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			tail = rest[j:]
		}
		p = p[:i] + marker + "REDACTED" + tail
	}
	if len(p) > maxLoggedPath {
		cut := maxLoggedPath
		for cut > 0 && !utf8.RuneStart(p[cut]) {
			cut--
		}
		p = p[:cut] + "…"
	}
	return p
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
