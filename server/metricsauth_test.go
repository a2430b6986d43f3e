package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/frontdesk/frontdesk/config"
)

const testMetricsToken = "scrape-TOKEN-0123456789"

// TestMetricsBearerToken: with metrics.token, /metrics answers only a
// request with that bearer token, and neither the token nor a wrong one
// reaches the log.
func TestMetricsBearerToken(t *testing.T) {
	s, logs := newTestServer(t, WithMetrics(config.Metrics{Token: testMetricsToken}))
	tests := []struct {
		name string
		hdr  []string
		want int
	}{
		{"no header", nil, http.StatusUnauthorized},
		{"wrong token", []string{"Authorization", "Bearer wrong-TOKEN-0123456789"}, http.StatusUnauthorized},
		{"basic scheme", []string{"Authorization", "Basic " + testMetricsToken}, http.StatusUnauthorized},
		{"token as prefix", []string{"Authorization", "Bearer " + testMetricsToken + "x"}, http.StatusUnauthorized},
		{"right token", []string{"Authorization", "Bearer " + testMetricsToken}, http.StatusOK},
		{"scheme in lower case", []string{"Authorization", "bearer " + testMetricsToken}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(s, http.MethodGet, "/metrics", tt.hdr...)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d", rec.Code, tt.want)
			}
			if tt.want == http.StatusOK && !strings.Contains(rec.Body.String(), "go_goroutines ") {
				t.Errorf("no metrics in the body")
			}
			if tt.want == http.StatusUnauthorized && !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate %q", rec.Header().Get("WWW-Authenticate"))
			}
		})
	}
	if strings.Contains(logs.String(), "TOKEN") {
		t.Errorf("a token reached the log: %s", logs)
	}
}

// TestMetricsOwnListener: with metrics.listen, /metrics is served there
// (behind the token when one is set) and no longer on the main listener.
func TestMetricsOwnListener(t *testing.T) {
	cfg := config.Default().HTTP
	cfg.Listen = "127.0.0.1:0"
	logs := &syncBuffer{}
	s, err := New(cfg, slog.New(slog.NewTextHandler(logs, nil)), prometheus.NewRegistry(),
		WithMetrics(config.Metrics{Listen: "127.0.0.1:0", Token: testMetricsToken}))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	if s.MetricsAddr() == "" || s.MetricsAddr() == ln.Addr().String() || !strings.Contains(logs.String(), "metrics listening") {
		t.Fatalf("metrics address %q, main %q, logs %s", s.MetricsAddr(), ln.Addr(), logs)
	}
	get := func(addr, path string, token string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	tests := []struct {
		name, addr, path, token string
		want                    int
	}{
		{"metrics listener with token", s.MetricsAddr(), "/metrics", testMetricsToken, http.StatusOK},
		{"metrics listener without token", s.MetricsAddr(), "/metrics", "", http.StatusUnauthorized},
		{"metrics listener, other path", s.MetricsAddr(), "/healthz", testMetricsToken, http.StatusNotFound},
		{"main listener, with token", ln.Addr().String(), "/metrics", testMetricsToken, http.StatusNotFound},
		{"main listener still serves the rest", ln.Addr().String(), "/healthz", "", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := get(tt.addr, tt.path, tt.token)
			if code != tt.want {
				t.Fatalf("status %d, want %d: %.200s", code, tt.want, body)
			}
			if code == http.StatusOK && tt.path == "/metrics" && !strings.Contains(body, "go_goroutines ") {
				t.Errorf("metrics body lacks go_goroutines: %.200s", body)
			}
		})
	}
}
