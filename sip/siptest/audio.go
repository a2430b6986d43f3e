package siptest

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/frontdesk/frontdesk/janus"
)

// AudioPeer is the browser side of a phone call in tests: a Pion peer
// connection with one send-receive PCMU audio track (RFC 3551, payload type
// 0, 8 kHz) that sends a 1 kHz tone in 20 ms packets and counts the RTP it
// receives. Its goroutines are stopped by Close.
type AudioPeer struct {
	// PC is the peer connection.
	PC *webrtc.PeerConnection
	// Packets counts RTP packets received.
	Packets atomic.Int64
	// LoudPackets counts received packets whose μ-law payload is not
	// silence (some sample at least 1/16 of full scale): the phone's tone.
	LoudPackets atomic.Int64

	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// NewAudioPeer creates an AudioPeer whose ICE agent gathers UDP4 host
// candidates only on the given interfaces (e.g. janustest
// Instance.HostInterface), and starts its sender. The caller must Close it.
func NewAudioPeer(interfaces ...string) (*AudioPeer, error) {
	allowed := map[string]bool{}
	for _, i := range interfaces {
		allowed[i] = true
	}
	var se webrtc.SettingEngine
	se.SetInterfaceFilter(func(name string) bool { return allowed[name] })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1},
		PayloadType:        0,
	}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("siptest: pcmu: %w", err)
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, reg); err != nil {
		return nil, fmt.Errorf("siptest: interceptors: %w", err)
	}
	api := webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("siptest: peer connection: %w", err)
	}
	a := &AudioPeer{PC: pc, stop: make(chan struct{})}
	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1}, "audio", "frontdesk")
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("siptest: track: %w", err)
	}
	if _, err := pc.AddTrack(track); err != nil {
		a.Close()
		return nil, fmt.Errorf("siptest: add track: %w", err)
	}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			for {
				pkt, _, err := tr.ReadRTP()
				if err != nil {
					return // the peer connection closed
				}
				a.Packets.Add(1)
				if loud(pkt.Payload) {
					a.LoudPackets.Add(1)
				}
			}
		}()
	})
	a.wg.Add(1)
	go a.send(track)
	return a, nil
}

// Offer creates the SDP offer, waits for ICE gathering (the offer carries
// every candidate) and returns it as a JSEP for a SIP plugin "call".
func (a *AudioPeer) Offer(ctx context.Context) (*janus.JSEP, error) {
	offer, err := a.PC.CreateOffer(nil)
	if err != nil {
		return nil, fmt.Errorf("siptest: offer: %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(a.PC)
	if err := a.PC.SetLocalDescription(offer); err != nil {
		return nil, fmt.Errorf("siptest: offer: %w", err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return nil, fmt.Errorf("siptest: gathering: %w", ctx.Err())
	}
	return &janus.JSEP{Type: "offer", SDP: a.PC.LocalDescription().SDP}, nil
}

// SetAnswer applies Janus's answer (the "accepted" or "progress" event's
// JSEP).
func (a *AudioPeer) SetAnswer(jsep *janus.JSEP) error {
	if jsep == nil || jsep.Type != "answer" {
		return fmt.Errorf("siptest: want a JSEP answer, got %+v", jsep)
	}
	if err := a.PC.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: jsep.SDP}); err != nil {
		return fmt.Errorf("siptest: answer: %w", err)
	}
	return nil
}

// Close stops the sender, closes the peer connection and waits for the
// goroutines.
func (a *AudioPeer) Close() {
	a.once.Do(func() {
		close(a.stop)
		_ = a.PC.Close()
		a.wg.Wait()
	})
}

// send writes a 1 kHz tone (half scale, μ-law) every 20 ms until Close.
func (a *AudioPeer) send(track *webrtc.TrackLocalStaticSample) {
	defer a.wg.Done()
	const samples = 160 // 20 ms at 8 kHz
	payload := make([]byte, samples)
	for i := range payload {
		// 1 kHz at 8 kHz sampling repeats every 8 samples, so each
		// packet is the same.
		payload[i] = linearToULaw(int16(16000 * math.Sin(2*math.Pi*float64(i)/8)))
	}
	tk := time.NewTicker(20 * time.Millisecond)
	defer tk.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-tk.C:
			_ = track.WriteSample(media.Sample{Data: payload, Duration: 20 * time.Millisecond})
		}
	}
}

// loud reports whether a μ-law payload has a sample of at least 2048
// (1/16 of full scale) in magnitude.
func loud(payload []byte) bool {
	for _, b := range payload {
		if v := uLawToLinear(b); v >= 2048 || v <= -2048 {
			return true
		}
	}
	return false
}

// linearToULaw encodes a 16-bit sample as G.711 μ-law (ITU-T G.711).
func linearToULaw(s int16) byte {
	const bias, clip = 0x84, 32635
	v := int(s)
	sign := 0
	if v < 0 {
		v, sign = -v, 0x80
	}
	if v > clip {
		v = clip
	}
	v += bias
	exp := 7
	for mask := 0x4000; v&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := (v >> (exp + 3)) & 0x0f
	return ^byte(sign | exp<<4 | mant)
}

// uLawToLinear decodes a G.711 μ-law byte.
func uLawToLinear(u byte) int16 {
	u = ^u
	t := (int(u&0x0f)<<3 + 0x84) << ((u & 0x70) >> 4)
	if u&0x80 != 0 {
		return int16(0x84 - t)
	}
	return int16(t - 0x84)
}
