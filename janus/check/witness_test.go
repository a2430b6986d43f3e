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
