package check

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func TestMetricsWitness(t *testing.T) {
	reg := prometheus.NewRegistry()
	received := prometheus.NewCounterVec(prometheus.CounterOpts{Name: ReceivedMetric, Help: "events"}, []string{"type", "emitter"})
	authFailures := prometheus.NewCounter(prometheus.CounterOpts{Name: AuthFailuresMetric, Help: "auth"})
	rejected := prometheus.NewCounterVec(prometheus.CounterOpts{Name: RejectedMetric, Help: "4xx"}, []string{"status"})
	reg.MustRegister(received, authFailures, rejected)
	received.WithLabelValues("plugin", "") // Frontdesk pre-creates its labels: the family is exported at 0
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/other/metrics", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("# TYPE something_else counter\nsomething_else 3\n"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx := context.Background()

	w := MetricsWitness{URL: MetricsURL(srv.URL + "/")}
	n, err := w.EventsFrom(ctx, "any")
	if err != nil || n != (EventCounts{}) {
		t.Fatalf("empty counters: %+v, %v", n, err)
	}
	received.WithLabelValues("plugin", "janus-a").Add(3)
	received.WithLabelValues("session", "janus-a").Add(2)
	received.WithLabelValues("plugin", "janus-b").Add(7) // another instance's: not counted for janus-a
	authFailures.Add(4)
	rejected.WithLabelValues("403").Add(6)
	rejected.WithLabelValues("413").Add(1)
	rejected.WithLabelValues("400").Add(2)
	want := EventCounts{Received: 5, AuthFailures: 4, Forbidden: 6, OtherRejected: 3}
	if n, err = w.EventsFrom(ctx, "janus-a"); err != nil || n != want {
		t.Fatalf("janus-a: got %+v, %v; want %+v", n, err, want)
	}
	want.Received = 12
	if n, err = w.EventsFrom(ctx, ""); err != nil || n != want {
		t.Fatalf("any emitter: got %+v, %v; want %+v", n, err, want)
	}

	tests := []struct {
		name, url, wantErr string
	}{
		{"no such metric", srv.URL + "/other/metrics", "has no " + ReceivedMetric},
		{"not found", srv.URL + "/nope", "404"},
		{"unreachable", "http://127.0.0.1:1/metrics", "connect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := MetricsWitness{URL: tt.url}.EventsFrom(ctx, "x")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

// TestMetricsWitnessToken: with metrics.token set, Frontdesk answers 401
// without the bearer token; the witness sends it and never puts it in an
// error.
func TestMetricsWitnessToken(t *testing.T) {
	const token = "metrics-token-0123456789"
	reg := prometheus.NewRegistry()
	received := prometheus.NewCounterVec(prometheus.CounterOpts{Name: ReceivedMetric, Help: "events"}, []string{"type", "emitter"})
	reg.MustRegister(received)
	received.WithLabelValues("plugin", "janus-a").Add(2)
	prom := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		prom.ServeHTTP(w, r)
	}))
	defer srv.Close()
	ctx := context.Background()
	tests := []struct {
		name, token, wantErr string
		want                 uint64
	}{
		{"with the token", token, "", 2},
		{"without a token", "", "401", 0},
		{"with a wrong token", "wrong-token-0123456789", "401", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := MetricsWitness{URL: MetricsURL(srv.URL), Token: tt.token}.EventsFrom(ctx, "janus-a")
			if tt.wantErr == "" {
				if err != nil || n.Received != tt.want {
					t.Fatalf("got %+v, %v; want %d received", n, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err %v, want it to contain %q", err, tt.wantErr)
			}
			if tt.token != "" && strings.Contains(err.Error(), tt.token) {
				t.Fatalf("error reveals the token: %v", err)
			}
		})
	}
}
