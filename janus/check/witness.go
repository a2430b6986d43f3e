package check

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// The counters Frontdesk's webhook endpoint exports (package webhook).
const (
	// ReceivedMetric counts every Janus event decoded, labelled by event type.
	ReceivedMetric = "frontdesk_janus_events_received_total"
	// AuthFailuresMetric counts posts refused for Basic auth.
	AuthFailuresMetric = "frontdesk_janus_event_auth_failures_total"
	// RejectedMetric counts posts answered 4xx, labelled by status.
	RejectedMetric = "frontdesk_janus_event_rejected_requests_total"
)

// MetricsWitness is an [EventWitness] that reads Frontdesk's Prometheus
// endpoint: Received is the sum of [ReceivedMetric] over the event types
// of the asked emitter (its "emitter" label; all emitters when the metric
// has no such label or the emitter is ""), AuthFailures
// [AuthFailuresMetric], Forbidden and OtherRejected [RejectedMetric] with
// status 403 and any other status. The refusal counters cannot name the
// emitter (a refused post is not decoded).
type MetricsWitness struct {
	// URL is the metrics endpoint, e.g. "http://127.0.0.1:8080/metrics".
	URL string
	// Client is the HTTP client; nil means http.DefaultClient.
	Client *http.Client
	// Token, when set, is sent as "Authorization: Bearer <Token>" (Frontdesk's
	// metrics.token). It is a secret: errors never include it.
	Token string
}

// EventsFrom implements [EventWitness]. Errors: the endpoint is
// unreachable, answers non-200, or its body is not the Prometheus text
// format.
func (w MetricsWitness) EventsFrom(ctx context.Context, emitter string) (EventCounts, error) {
	var c EventCounts
	hc := w.Client
	if hc == nil {
		hc = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.URL, nil)
	if err != nil {
		return c, fmt.Errorf("check: metrics: %w", err)
	}
	// Ask for the text format explicitly (not protobuf or OpenMetrics).
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	if w.Token != "" {
		req.Header.Set("Authorization", "Bearer "+w.Token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return c, fmt.Errorf("check: metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return c, fmt.Errorf("check: metrics: %s answered %s", w.URL, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return c, fmt.Errorf("check: metrics: %w", err)
	}
	fam, ok := fams[ReceivedMetric]
	if !ok {
		return c, fmt.Errorf("check: metrics: %s has no %s (is it Frontdesk with the events endpoint on?)", w.URL, ReceivedMetric)
	}
	c.Received = sum(fam, "emitter", func(e string, labelled bool) bool { return emitter == "" || !labelled || e == emitter })
	c.AuthFailures = sum(fams[AuthFailuresMetric], "", nil)
	c.Forbidden = sum(fams[RejectedMetric], "status", func(status string, _ bool) bool { return status == "403" })
	c.OtherRejected = sum(fams[RejectedMetric], "status", func(status string, _ bool) bool { return status != "403" })
	return c, nil
}

// sum adds the counters of fam (nil: 0) whose label named label keep
// accepts (all when keep is nil); keep also learns whether fam has that
// label at all.
func sum(fam *dto.MetricFamily, label string, keep func(value string, labelled bool) bool) uint64 {
	labelled := false
	for _, m := range fam.GetMetric() {
		for _, l := range m.GetLabel() {
			labelled = labelled || l.GetName() == label
		}
	}
	var total float64
	for _, m := range fam.GetMetric() {
		if keep != nil {
			v := ""
			for _, l := range m.GetLabel() {
				if l.GetName() == label {
					v = l.GetValue()
				}
			}
			if !keep(v, labelled) {
				continue
			}
		}
		total += m.GetCounter().GetValue()
	}
	return uint64(total)
}

// MetricsURL returns the /metrics URL under Frontdesk's base URL base
// (e.g. "http://frontdesk:8080" or "http://frontdesk:8080/").
func MetricsURL(base string) string { return strings.TrimRight(base, "/") + "/metrics" }
