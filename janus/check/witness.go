package check

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// ReceivedMetric is the counter Frontdesk's webhook endpoint exports for
// every Janus event it decodes (package webhook), labelled by event type.
const ReceivedMetric = "frontdesk_janus_events_received_total"

// MetricsWitness is an [EventWitness] that reads Frontdesk's Prometheus
// endpoint: the sum of [ReceivedMetric] over all labels. The metric has no
// emitter label, so it counts events from every instance: on a busy
// deployment another instance's events can make the check pass; run the
// check when the deployment is quiet, or against one instance at a time.
type MetricsWitness struct {
	// URL is the metrics endpoint, e.g. "http://127.0.0.1:8080/metrics".
	URL string
	// Client is the HTTP client; nil means http.DefaultClient.
	Client *http.Client
}

// EventsFrom implements [EventWitness]; emitter is ignored (see
// [MetricsWitness]). Errors: the endpoint is unreachable, answers non-200,
// or its body is not the Prometheus text format.
func (w MetricsWitness) EventsFrom(ctx context.Context, _ string) (uint64, error) {
	hc := w.Client
	if hc == nil {
		hc = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.URL, nil)
	if err != nil {
		return 0, fmt.Errorf("check: metrics: %w", err)
	}
	// Ask for the text format explicitly (not protobuf or OpenMetrics).
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("check: metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("check: metrics: %s answered %s", w.URL, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return 0, fmt.Errorf("check: metrics: %w", err)
	}
	fam, ok := fams[ReceivedMetric]
	if !ok {
		return 0, fmt.Errorf("check: metrics: %s has no %s (is it Frontdesk with the events endpoint on?)", w.URL, ReceivedMetric)
	}
	var sum float64
	for _, m := range fam.GetMetric() {
		sum += m.GetCounter().GetValue()
	}
	return uint64(sum), nil
}

// MetricsURL returns the /metrics URL under Frontdesk's base URL base
// (e.g. "http://frontdesk:8080" or "http://frontdesk:8080/").
func MetricsURL(base string) string { return strings.TrimRight(base, "/") + "/metrics" }
