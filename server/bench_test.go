package server

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/frontdesk/frontdesk/config"
)

// BenchmarkRequest measures the cost of the server's middleware chain
// (request id, per-request logger, access log at info level into a
// discarding handler, metrics, recover) around a trivial API handler.
func BenchmarkRequest(b *testing.B) {
	s, err := New(config.Default().HTTP, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	s.API().GET("/queues/:id", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	req := httptest.NewRequest(http.MethodGet, "/api/v1/queues/42", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusNoContent {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
