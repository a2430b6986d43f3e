package janustest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/frontdesk/frontdesk/janus"
	"github.com/frontdesk/frontdesk/janus/videoroom"
)

// PionAPI returns a Pion API whose ICE agent gathers UDP4 host candidates
// only on the given host interfaces (e.g. Instance.HostInterface), with
// Pion's default codecs and interceptors (NACK, RTCP reports, TWCC).
func PionAPI(interfaces ...string) *webrtc.API {
	allowed := map[string]bool{}
	for _, i := range interfaces {
		allowed[i] = true
	}
	var se webrtc.SettingEngine
	se.SetInterfaceFilter(func(name string) bool { return allowed[name] })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		panic(err)
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, reg); err != nil {
		panic(err)
	}
	return webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg))
}

// vp8Keyframe is a syntactically valid VP8 key frame header (RFC 6386
// §9.1: frame tag with the key-frame bit clear, start code 9d 01 2a, 320x240)
// followed by padding; relays only look at the header.
var vp8Keyframe = append([]byte{0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}, make([]byte, 400)...)

// opusSilence is an Opus packet (RFC 6716 TOC 0xf8: CELT FB 20 ms) of silence.
var opusSilence = []byte{0xf8, 0xff, 0xfe}

// Publisher is a Pion peer publishing synthetic Opus audio and VP8 video to
// a VideoRoom, through a handle of the caller's choosing.
type Publisher struct {
	// PC is the peer connection.
	PC *webrtc.PeerConnection
	// Joined is the reply to the join.
	Joined *videoroom.Joined
	// Configured is the reply to the publish.
	Configured *videoroom.Configured
	// PLIs counts RTCP picture loss indications received for the video track.
	PLIs atomic.Int64

	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// Publish joins room as a publisher over h (display and pin as given), sends
// an offer with one audio and one video track, applies Janus's answer and
// starts sending media (20 ms Opus, ~30 fps VP8). It stops in t.Cleanup.
func Publish(ctx context.Context, t testing.TB, api *webrtc.API, h videoroom.Messenger, req videoroom.JoinPublisherRequest) *Publisher {
	t.Helper()
	p, err := StartPublisher(ctx, api, h, req)
	if err != nil {
		t.Fatalf("janustest: publish: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// StartPublisher is Publish without a testing.TB; the caller must Close it.
func StartPublisher(ctx context.Context, api *webrtc.API, h videoroom.Messenger, req videoroom.JoinPublisherRequest) (*Publisher, error) {
	joined, err := videoroom.JoinPublisher(ctx, h, req)
	if err != nil {
		return nil, err
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	p := &Publisher{PC: pc, Joined: joined, stop: make(chan struct{})}
	audio, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "frontdesk")
	if err != nil {
		p.Close()
		return nil, err
	}
	video, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", "frontdesk")
	if err != nil {
		p.Close()
		return nil, err
	}
	if _, err := pc.AddTrack(audio); err != nil {
		p.Close()
		return nil, err
	}
	vs, err := pc.AddTrack(video)
	if err != nil {
		p.Close()
		return nil, err
	}
	p.wg.Add(1)
	go p.readRTCP(vs)
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		p.Close()
		return nil, err
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		p.Close()
		return nil, err
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		p.Close()
		return nil, ctx.Err()
	}
	conf, answer, err := videoroom.Publish(ctx, h, videoroom.PublishRequest{}, janus.JSEP{Type: "offer", SDP: pc.LocalDescription().SDP})
	if err != nil {
		p.Close()
		return nil, err
	}
	p.Configured = conf
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer.SDP}); err != nil {
		p.Close()
		return nil, fmt.Errorf("set answer: %w", err)
	}
	p.wg.Add(2)
	go p.send(audio, opusSilence, 20*time.Millisecond)
	go p.send(video, vp8Keyframe, 33*time.Millisecond)
	return p, nil
}

func (p *Publisher) send(track *webrtc.TrackLocalStaticSample, payload []byte, every time.Duration) {
	defer p.wg.Done()
	tk := time.NewTicker(every)
	defer tk.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-tk.C:
			_ = track.WriteSample(media.Sample{Data: payload, Duration: every})
		}
	}
}

func (p *Publisher) readRTCP(s *webrtc.RTPSender) {
	defer p.wg.Done()
	for {
		pkts, _, err := s.ReadRTCP()
		if err != nil {
			return
		}
		for _, pkt := range pkts {
			if _, ok := pkt.(*rtcp.PictureLossIndication); ok {
				p.PLIs.Add(1)
			}
		}
	}
}

// Close stops the media and closes the peer connection.
func (p *Publisher) Close() {
	p.once.Do(func() {
		close(p.stop)
		_ = p.PC.Close()
		p.wg.Wait()
	})
}

// Subscriber is a Pion peer receiving a VideoRoom subscription and counting
// RTP packets per kind.
type Subscriber struct {
	// PC is the peer connection.
	PC *webrtc.PeerConnection
	// Attached is the reply to the subscriber join.
	Attached *videoroom.Attached
	// AudioPackets and VideoPackets count received RTP packets.
	AudioPackets, VideoPackets atomic.Int64

	wg   sync.WaitGroup
	once sync.Once
}

// Subscribe subscribes over h to the streams named in req, answers Janus's
// offer and starts reading RTP. It closes in t.Cleanup.
func Subscribe(ctx context.Context, t testing.TB, api *webrtc.API, h videoroom.Messenger, req videoroom.JoinSubscriberRequest) *Subscriber {
	t.Helper()
	s, err := StartSubscriber(ctx, api, h, req)
	if err != nil {
		t.Fatalf("janustest: subscribe: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// StartSubscriber is Subscribe without a testing.TB; the caller must Close it.
func StartSubscriber(ctx context.Context, api *webrtc.API, h videoroom.Messenger, req videoroom.JoinSubscriberRequest) (*Subscriber, error) {
	att, offer, err := videoroom.JoinSubscriber(ctx, h, req)
	if err != nil {
		return nil, err
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	s := &Subscriber{PC: pc, Attached: att}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		counter := &s.VideoPackets
		if tr.Kind() == webrtc.RTPCodecTypeAudio {
			counter = &s.AudioPackets
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for {
				if _, _, err := tr.ReadRTP(); err != nil {
					return
				}
				counter.Add(1)
			}
		}()
	})
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer.SDP}); err != nil {
		s.Close()
		return nil, fmt.Errorf("set offer: %w", err)
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		s.Close()
		return nil, err
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		s.Close()
		return nil, err
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		s.Close()
		return nil, ctx.Err()
	}
	if err := videoroom.Start(ctx, h, janus.JSEP{Type: "answer", SDP: pc.LocalDescription().SDP}); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the peer connection and waits for the readers.
func (s *Subscriber) Close() {
	s.once.Do(func() {
		_ = s.PC.Close()
		s.wg.Wait()
	})
}

// WaitFor polls cond every 20 ms until it holds or timeout passes; it
// reports whether cond held.
func WaitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// VideoRoomHandle creates a session on c and attaches it to the VideoRoom
// plugin; a failure fails the test.
func VideoRoomHandle(ctx context.Context, t testing.TB, c *janus.Client) *janus.Handle {
	t.Helper()
	s, err := c.CreateSession(ctx)
	if err != nil {
		t.Fatalf("create session: %v", err)
	}
	h, err := s.Attach(ctx, videoroom.Plugin)
	if err != nil {
		t.Fatalf("attach VideoRoom: %v", err)
	}
	return h
}
