package sfu

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/janus/wire"
	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// testAPI is a Pion API for test peers, gathering on the given interfaces
// (loopback for the SFU). drop, when set, is added first in the chain so
// the NACK generator never sees the packets it swallows.
func testAPI(t testing.TB, loopback bool, ifaces []string, drop interceptor.Factory) *webrtc.API {
	t.Helper()
	var se webrtc.SettingEngine
	allowed := map[string]bool{}
	for _, i := range ifaces {
		allowed[i] = true
	}
	se.SetInterfaceFilter(func(name string) bool { return allowed[name] })
	se.SetIncludeLoopbackCandidate(loopback)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	reg := &interceptor.Registry{}
	if drop != nil {
		reg.Add(drop)
	}
	if err := webrtc.RegisterDefaultInterceptors(m, reg); err != nil {
		t.Fatal(err)
	}
	return webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg))
}

// gather sets a local description and waits for all candidates.
func gather(t testing.TB, pc *webrtc.PeerConnection, d webrtc.SessionDescription) *wire.JSEP {
	t.Helper()
	done := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(d); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("ICE gathering timed out")
	}
	return &wire.JSEP{Type: d.Type.String(), SDP: pc.LocalDescription().SDP}
}

// testPublisher publishes synthetic Opus and VP8 RTP.
type testPublisher struct {
	pc           *webrtc.PeerConnection
	audio, video *webrtc.TrackLocalStaticRTP
	plis         atomic.Int64
	paused       atomic.Bool // send skips packets while set
	stop         chan struct{}
	wg           sync.WaitGroup
	id           uint64
}

// vp8Key is a VP8 payload descriptor (S=1, PID 0) and a keyframe header.
var vp8Key = append([]byte{0x10, 0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}, make([]byte, 900)...)

func newTestPublisher(t testing.TB, api *webrtc.API) *testPublisher {
	t.Helper()
	p := newPublisherPeer(t, api)
	t.Cleanup(p.close)
	return p
}

func newPublisherPeer(t testing.TB, api *webrtc.API) *testPublisher {
	t.Helper()
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	p := &testPublisher{pc: pc, stop: make(chan struct{})}
	p.audio, _ = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "pub")
	p.video, _ = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", "pub")
	for _, tr := range []*webrtc.TrackLocalStaticRTP{p.audio, p.video} {
		s, err := pc.AddTrack(tr)
		if err != nil {
			t.Fatal(err)
		}
		video := tr == p.video
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for {
				pkts, _, err := s.ReadRTCP()
				if err != nil {
					return
				}
				for _, pk := range pkts {
					if _, ok := pk.(*rtcp.PictureLossIndication); ok && video {
						p.plis.Add(1)
					}
				}
			}
		}()
	}
	return p
}

func (p *testPublisher) offer(t testing.TB) *wire.JSEP {
	t.Helper()
	o, err := p.pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	return gather(t, p.pc, o)
}

func (p *testPublisher) answer(t testing.TB, j *wire.JSEP) {
	t.Helper()
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: j.SDP}); err != nil {
		t.Fatal(err)
	}
}

// send writes audio every 20 ms and video every videoEvery until close.
func (p *testPublisher) send(videoEvery time.Duration) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		var aseq, vseq uint16
		var ats, vts uint32
		at := time.NewTicker(20 * time.Millisecond)
		vt := time.NewTicker(videoEvery)
		defer at.Stop()
		defer vt.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-at.C:
				if p.paused.Load() {
					continue
				}
				aseq++
				ats += 960
				_ = p.audio.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: aseq, Timestamp: ats, Marker: true}, Payload: []byte{0xf8, 0xff, 0xfe}})
			case <-vt.C:
				if p.paused.Load() {
					continue
				}
				vseq++
				vts += 3000
				_ = p.video.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: vseq, Timestamp: vts, Marker: true}, Payload: vp8Key})
			}
		}
	}()
}

func (p *testPublisher) close() {
	select {
	case <-p.stop:
		return
	default:
	}
	close(p.stop)
	_ = p.pc.Close()
	p.wg.Wait()
}

// testSubscriber receives a subscription and counts packets per kind.
type testSubscriber struct {
	pc        *webrtc.PeerConnection
	audio     atomic.Int64
	video     atomic.Int64
	mu        sync.Mutex
	videoSeqs map[uint16]int
	videoSSRC atomic.Uint32
	lastTag   atomic.Int32 // last byte of the last video payload
	wg        sync.WaitGroup
}

func newTestSubscriber(t testing.TB, api *webrtc.API) *testSubscriber {
	t.Helper()
	s := newSubscriberPeer(t, api)
	t.Cleanup(s.close)
	return s
}

func newSubscriberPeer(t testing.TB, api *webrtc.API) *testSubscriber {
	t.Helper()
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	s := &testSubscriber{pc: pc, videoSeqs: map[uint16]int{}}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		video := tr.Kind() == webrtc.RTPCodecTypeVideo
		if video {
			s.videoSSRC.Store(uint32(tr.SSRC()))
		}
		s.wg.Add(1)
		defer s.wg.Done()
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if video {
				s.video.Add(1)
				if len(pkt.Payload) > 0 {
					s.lastTag.Store(int32(pkt.Payload[len(pkt.Payload)-1]))
				}
				s.mu.Lock()
				s.videoSeqs[pkt.SequenceNumber]++
				s.mu.Unlock()
			} else {
				s.audio.Add(1)
			}
		}
	})
	return s
}

// answer takes the SFU's offer and returns the answer to send with start.
func (s *testSubscriber) answer(t testing.TB, offer *wire.JSEP) *wire.JSEP {
	t.Helper()
	if err := s.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer.SDP}); err != nil {
		t.Fatal(err)
	}
	a, err := s.pc.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	return gather(t, s.pc, a)
}

func (s *testSubscriber) sawVideoSeq(seq uint16) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.videoSeqs[seq] > 0
}

func (s *testSubscriber) close() {
	_ = s.pc.Close()
	s.wg.Wait()
}

// eventually polls cond every 20 ms until timeout.
func eventually(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return cond()
}

// dropOnce is an interceptor that swallows one incoming video RTP packet:
// the first whose sequence number is at least from. Registered before the
// NACK generator, it simulates a loss the receiver must NACK.
type dropOnce struct {
	interceptor.NoOp
	from    uint16
	dropped atomic.Int64
	seq     atomic.Uint32
}

type dropFactory struct{ d *dropOnce }

func (f dropFactory) NewInterceptor(string) (interceptor.Interceptor, error) { return f.d, nil }

func (d *dropOnce) BindRemoteStream(info *interceptor.StreamInfo, reader interceptor.RTPReader) interceptor.RTPReader {
	if info.MimeType != webrtc.MimeTypeVP8 {
		return reader
	}
	return interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		for {
			n, attr, err := reader.Read(b, a)
			if err != nil || n < 4 || d.dropped.Load() > 0 {
				return n, attr, err
			}
			seq := binary.BigEndian.Uint16(b[2:4])
			if seq >= d.from && d.dropped.CompareAndSwap(0, 1) {
				d.seq.Store(uint32(seq))
				continue
			}
			return n, attr, err
		}
	})
}
