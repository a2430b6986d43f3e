package webhook

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/frontdesk/frontdesk/janus/events"
)

// metrics are the endpoint's Prometheus collectors.
type metrics struct {
	received     *prometheus.CounterVec // by type
	batches      prometheus.Counter
	decodeErrors prometheus.Counter
	authFailures prometheus.Counter
	dedupeHits   prometheus.Counter
	rejected     *prometheus.CounterVec // by status
	ack          prometheus.Histogram

	byType map[events.Type]prometheus.Counter // pre-resolved labels of known types
}

func newMetrics() *metrics {
	m := &metrics{
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_janus_events_received_total",
			Help: "Janus event-handler events decoded, by event type (duplicates included).",
		}, []string{"type"}),
		batches: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "frontdesk_janus_event_batches_total",
			Help: "Authenticated event posts whose body was read (single events and grouped arrays).",
		}),
		decodeErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "frontdesk_janus_event_decode_errors_total",
			Help: "Posted bodies or array elements that could not be decoded.",
		}),
		authFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "frontdesk_janus_event_auth_failures_total",
			Help: "Event posts refused for missing or wrong Basic auth credentials.",
		}),
		dedupeHits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "frontdesk_janus_event_dedupe_hits_total",
			Help: "Events dropped as duplicates of one received within the dedupe window.",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_janus_event_rejected_requests_total",
			Help: "Event posts answered with a 4xx status, by status code.",
		}, []string{"status"}),
		ack: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "frontdesk_janus_event_ack_seconds",
			Help:    "Time from receiving an event post to acknowledging it, in seconds.",
			Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1},
		}),
		byType: make(map[events.Type]prometheus.Counter),
	}
	for _, t := range []events.Type{events.TypeSession, events.TypeHandle, events.TypeExternal, events.TypeJSEP,
		events.TypeWebRTC, events.TypeMedia, events.TypePlugin, events.TypeTransport, events.TypeCore} {
		m.byType[t] = m.received.WithLabelValues(t.String())
	}
	return m
}

func (m *metrics) register(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{m.received, m.batches, m.decodeErrors, m.authFailures, m.dedupeHits, m.rejected, m.ack} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("webhook: register metrics: %w", err)
		}
	}
	return nil
}

func (m *metrics) countType(t events.Type) {
	if c, ok := m.byType[t]; ok {
		c.Inc()
		return
	}
	m.received.WithLabelValues("other").Inc()
}
