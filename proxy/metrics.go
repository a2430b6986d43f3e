package proxy

import "github.com/prometheus/client_golang/prometheus"

// metrics of the proxy; registered only with WithRegisterer.
type metrics struct {
	connections *prometheus.GaugeVec     // by transport
	relayed     *prometheus.CounterVec   // by direction
	denials     *prometheus.CounterVec   // by request
	dialErrors  *prometheus.CounterVec   // by instance
	latency     *prometheus.HistogramVec // client message to backend write, by transport

	// The hot path's children, looked up once (a label lookup hashes the
	// label values on every call).
	toJanus, toClient prometheus.Counter
	wsLatency         prometheus.Observer
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		connections: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "frontdesk_proxy_connections",
			Help: "Open proxied WebSocket connections (and in-flight HTTP long-polls)."}, []string{"transport"}),
		relayed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "frontdesk_proxy_messages_total",
			Help: "Janus API messages relayed, by direction (to_janus, to_client)."}, []string{"direction"}),
		denials: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "frontdesk_proxy_denials_total",
			Help: "Client requests refused by the proxy policy, by request."}, []string{"request"}),
		dialErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "frontdesk_proxy_backend_dial_errors_total",
			Help: "Failed dials to a Janus instance, by instance."}, []string{"instance"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "frontdesk_proxy_relay_seconds",
			Help:    "Time from reading a client message to writing it to Janus.",
			Buckets: []float64{5e-6, 10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 5e-3}}, []string{"transport"}),
	}
	m.toJanus = m.relayed.WithLabelValues("to_janus")
	m.toClient = m.relayed.WithLabelValues("to_client")
	m.wsLatency = m.latency.WithLabelValues("websocket")
	if reg != nil {
		for _, c := range []prometheus.Collector{m.connections, m.relayed, m.denials, m.dialErrors, m.latency} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
