package sfu

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/webrtc/v4"
)

// nackBufferPackets is the per-stream retransmission buffer of the NACK
// responder, in packets (a power of two, as pion requires). 256 packets is
// about 1 s of 2 Mbit/s video.
const nackBufferPackets = 256

// stunGatherTimeout bounds server-reflexive gathering per answer or offer.
const stunGatherTimeout = 3 * time.Second

// newAPI builds the pion API every PeerConnection of the SFU shares: default
// codecs (Opus, VP8, VP9, H.264, ...), NACK generator and responder, RTCP
// sender/receiver reports, simulcast header extensions and TWCC feedback for
// publishers, and the network settings from cfg.
func newAPI(cfg Config, lf slogFactory) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return nil, fmt.Errorf("sfu: register codecs: %w", err)
	}
	ir := &interceptor.Registry{}
	if err := webrtc.ConfigureNackWithOptions(m, ir, nil, nack.ResponderSize(nackBufferPackets)); err != nil {
		return nil, fmt.Errorf("sfu: nack: %w", err)
	}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, fmt.Errorf("sfu: rtcp reports: %w", err)
	}
	if err := webrtc.ConfigureSimulcastExtensionHeaders(m); err != nil {
		return nil, fmt.Errorf("sfu: simulcast extensions: %w", err)
	}
	if err := webrtc.ConfigureTWCCSender(m, ir); err != nil {
		return nil, fmt.Errorf("sfu: twcc: %w", err)
	}
	m.RegisterFeedback(webrtc.RTCPFeedback{Type: "ccm", Parameter: "fir"}, webrtc.RTPCodecTypeVideo)

	se := webrtc.SettingEngine{LoggerFactory: lf}
	if cfg.UDPPortMin != 0 {
		if err := se.SetEphemeralUDPPortRange(cfg.UDPPortMin, cfg.UDPPortMax); err != nil {
			return nil, fmt.Errorf("sfu: port range: %w", err)
		}
	}
	if len(cfg.NAT1To1IPs) > 0 {
		se.SetNAT1To1IPs(cfg.NAT1To1IPs, webrtc.ICECandidateTypeHost)
	}
	if len(cfg.Interfaces) > 0 {
		names := slices.Clone(cfg.Interfaces)
		se.SetInterfaceFilter(func(name string) bool { return slices.Contains(names, name) })
	}
	se.SetIncludeLoopbackCandidate(cfg.IncludeLoopback)
	// The SFU's SDPs carry all candidates (it does not trickle), so an
	// unreachable STUN server must not hold an answer for long.
	se.SetSTUNGatherTimeout(stunGatherTimeout)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})

	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)), nil
}

// pcConfig is the PeerConnection configuration: only STUN servers are
// used by the SFU itself (TURN is for clients).
func pcConfig(cfg Config) webrtc.Configuration {
	var servers []webrtc.ICEServer
	for _, s := range cfg.ICEServers {
		var stun []string
		for _, u := range s.URLs {
			if strings.HasPrefix(u, "stun:") {
				stun = append(stun, u)
			}
		}
		if len(stun) > 0 {
			servers = append(servers, webrtc.ICEServer{URLs: stun})
		}
	}
	return webrtc.Configuration{ICEServers: servers, BundlePolicy: webrtc.BundlePolicyMaxBundle}
}

// codecName is the Janus name of a codec ("opus", "vp8", "h264", ...).
func codecName(mime string) string {
	_, sub, ok := strings.Cut(mime, "/")
	if !ok {
		return strings.ToLower(mime)
	}
	return strings.ToLower(sub)
}
