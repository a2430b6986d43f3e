package sfu

import "github.com/prometheus/client_golang/prometheus"

// collector exposes Stats to Prometheus.
type collector struct {
	s                                       *Server
	sessions, rooms                         *prometheus.Desc
	forwarded, dropped, nacks, keyframeReqs *prometheus.Desc
}

// Collector returns a Prometheus collector for the Server's Stats, with
// metrics named frontdesk_sfu_*: sessions and rooms (gauges),
// forwarded_packets_total, dropped_packets_total (slow-subscriber drops),
// nacks_total and keyframe_requests_total (counters). Register it once.
func (s *Server) Collector() prometheus.Collector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("frontdesk_sfu_"+name, help, nil, prometheus.Labels{"sfu": s.cfg.Name})
	}
	return &collector{
		s:            s,
		sessions:     d("sessions", "Janus API sessions open on the built-in SFU."),
		rooms:        d("rooms", "VideoRoom rooms on the built-in SFU."),
		forwarded:    d("forwarded_packets_total", "RTP packets written to subscribers."),
		dropped:      d("dropped_packets_total", "RTP packets dropped because a subscriber's queue was full."),
		nacks:        d("nacks_total", "NACK feedback packets received from subscribers."),
		keyframeReqs: d("keyframe_requests_total", "PLIs sent to publishers."),
	}
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.sessions, c.rooms, c.forwarded, c.dropped, c.nacks, c.keyframeReqs} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	st := c.s.Stats()
	ch <- prometheus.MustNewConstMetric(c.sessions, prometheus.GaugeValue, float64(st.Sessions))
	ch <- prometheus.MustNewConstMetric(c.rooms, prometheus.GaugeValue, float64(st.Rooms))
	ch <- prometheus.MustNewConstMetric(c.forwarded, prometheus.CounterValue, float64(st.ForwardedPackets))
	ch <- prometheus.MustNewConstMetric(c.dropped, prometheus.CounterValue, float64(st.DroppedPackets))
	ch <- prometheus.MustNewConstMetric(c.nacks, prometheus.CounterValue, float64(st.NACKs))
	ch <- prometheus.MustNewConstMetric(c.keyframeReqs, prometheus.CounterValue, float64(st.KeyframeRequests))
}
