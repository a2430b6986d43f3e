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
	received := prometheus.NewCounterVec(prometheus.CounterOpts{Name: ReceivedMetric, Help: "events"}, []string{"type"})
	reg.MustRegister(received)
	received.WithLabelValues("plugin") // Frontdesk pre-creates its labels: the family is exported at 0
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
	if err != nil || n != 0 {
		t.Fatalf("empty counter: %d, %v", n, err)
	}
	received.WithLabelValues("plugin").Add(3)
	received.WithLabelValues("session").Add(2)
	if n, err = w.EventsFrom(ctx, "any"); err != nil || n != 5 {
		t.Fatalf("got %d, %v; want the sum over labels, 5", n, err)
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
