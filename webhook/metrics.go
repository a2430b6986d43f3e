package webhook

import (
	"fmt"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/frontdesk/frontdesk/janus/events"
)

// maxEmitterLabels bounds the emitter label's values: the emitter is
// whatever the posting Janus says (its server_name), so past this many
// distinct ones the rest count under "other".
const maxEmitterLabels = 64

// metrics are the endpoint's Prometheus collectors.
type metrics struct {
	received     *prometheus.CounterVec // by type and emitter
	batches      prometheus.Counter
	decodeErrors prometheus.Counter
	authFailures prometheus.Counter
	dedupeHits   prometheus.Counter
	rejected     *prometheus.CounterVec // by status
	refused      *prometheus.CounterVec // by reason (refusedReserved, refusedOtherEmitter)
	ack          prometheus.Histogram

	// byEmitter maps an emitter label to its *emitterCounters (read-only
	// once stored); emitters counts its entries.
	byEmitter sync.Map
	emitMu    sync.Mutex
	emitters  int
}

// Reasons of frontdesk_janus_events_refused_total.
const (
	refusedReserved     = "reserved_emitter"
	refusedOtherEmitter = "other_emitter"
)

// knownTypes are the event types that get their own label value.
var knownTypes = []events.Type{events.TypeSession, events.TypeHandle, events.TypeExternal, events.TypeJSEP,
	events.TypeWebRTC, events.TypeMedia, events.TypePlugin, events.TypeTransport, events.TypeCore}

func newMetrics() *metrics {
	m := &metrics{
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_janus_events_received_total",
			Help: "Janus event-handler events decoded, by event type and emitter (the Janus server_name; empty " +
				"until one posts, \"other\" past 64 distinct ones), duplicates included.",
		}, []string{"type", "emitter"}),
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
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_janus_events_refused_total",
			Help: "Posted events dropped unapplied, by reason: reserved_emitter (the built-in SFU's name), " +
				"other_emitter (an emitter the post's credentials are not bound to).",
		}, []string{"reason"}),
		ack: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "frontdesk_janus_event_ack_seconds",
			Help:    "Time from receiving an event post to acknowledging it, in seconds.",
			Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1},
		}),
	}
	// The family is exported (at 0) before any event arrives, so a reader
	// can tell "no events yet" from "not Frontdesk's events endpoint".
	m.forEmitter("")
	for _, r := range []string{refusedReserved, refusedOtherEmitter} {
		m.refused.WithLabelValues(r)
	}
	return m
}

// emitterCounters are one emitter label's counters.
type emitterCounters struct {
	label  string // the emitter, or "other"
	byType map[events.Type]prometheus.Counter
	other  prometheus.Counter // types without a label of their own
}

// forEmitter returns emitter's counters, creating them the first time
// (past maxEmitterLabels emitters, new ones share "other").
func (m *metrics) forEmitter(emitter string) *emitterCounters {
	if c, ok := m.byEmitter.Load(emitter); ok {
		return c.(*emitterCounters)
	}
	m.emitMu.Lock()
	defer m.emitMu.Unlock()
	if c, ok := m.byEmitter.Load(emitter); ok {
		return c.(*emitterCounters)
	}
	label := emitter
	if m.emitters >= maxEmitterLabels {
		label = "other"
		if c, ok := m.byEmitter.Load(label); ok {
			return c.(*emitterCounters)
		}
	}
	c := &emitterCounters{label: label, byType: make(map[events.Type]prometheus.Counter, len(knownTypes)),
		other: m.received.WithLabelValues("other", label)}
	for _, t := range knownTypes {
		c.byType[t] = m.received.WithLabelValues(t.String(), label)
	}
	m.byEmitter.Store(label, c)
	m.emitters++
	return c
}

func (m *metrics) register(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{m.received, m.batches, m.decodeErrors, m.authFailures, m.dedupeHits, m.rejected, m.refused, m.ack} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("webhook: register metrics: %w", err)
		}
	}
	return nil
}

// count counts one event of type t from emitter.
func (m *metrics) count(t events.Type, emitter string) {
	c := m.forEmitter(emitter)
	if n, ok := c.byType[t]; ok {
		n.Inc()
		return
	}
	c.other.Inc()
}
