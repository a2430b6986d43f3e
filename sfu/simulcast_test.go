package sfu

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// TestSimulcastSubstream publishes three VP8 simulcast layers (rids h, m,
// l, Janus's default "hml" order) whose payloads carry their layer index:
// a subscriber gets the highest layer by default and the lowest after
// "configure" with "substream": 0.
func TestSimulcastSubstream(t *testing.T) {
	srv, hs := newTestSFU(t, Config{})
	j := newJanusT(t, dialWS(t, wsURLOf(hs.URL)), "")
	room, _ := srv.CreateRoom(context.Background(), RoomConfig{})
	api := testAPI(t, true, []string{"lo"}, nil)

	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	vp8 := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
	var layers []*webrtc.TrackLocalStaticRTP
	for _, rid := range []string{"h", "m", "l"} {
		tr, err := webrtc.NewTrackLocalStaticRTP(vp8, "video", "sim", webrtc.WithRTPStreamID(rid))
		if err != nil {
			t.Fatal(err)
		}
		layers = append(layers, tr)
	}
	sender, err := pc.AddTrack(layers[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers[1:] {
		if err := sender.AddEncoding(l); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop); _ = pc.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			if _, _, err := sender.ReadRTCP(); err != nil {
				return
			}
		}
	}()

	pub := &pubSession{sid: j.create()}
	pub.hid = j.attach(pub.sid)
	pub.id = j.message(pub.sid, pub.hid, msg{"request": "join", "ptype": "publisher", "room": room}, nil).data().id("id")
	o, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	e := j.message(pub.sid, pub.hid, msg{"request": "publish"}, gather(t, pc, o))
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: jsepOf(t, e).SDP}); err != nil {
		t.Fatal(err)
	}
	if st := streamsOf(e.data()); len(st) != 1 || st[0]["simulcast"] != true {
		t.Fatalf("configured streams: %v", st)
	}
	j.wait(pub.sid, func(m msg) bool { return m.str("janus") == "webrtcup" })
	// Pion does not add mid and rid header extensions by itself: the SFU
	// needs them to map each SSRC to its layer (RFC 8852).
	var midID, ridID uint8
	for _, h := range sender.GetParameters().HeaderExtensions {
		switch h.URI {
		case sdp.SDESMidURI:
			midID = uint8(h.ID)
		case sdp.SDESRTPStreamIDURI:
			ridID = uint8(h.ID)
		}
	}
	if midID == 0 || ridID == 0 {
		t.Fatalf("mid/rid extensions not negotiated: %+v", sender.GetParameters().HeaderExtensions)
	}
	mid := pc.GetTransceivers()[0].Mid()
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var seq uint16
		var ts uint32
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			seq++
			ts += 450
			for i, l := range layers {
				payload := append([]byte(nil), vp8Key...)
				payload[len(payload)-1] = byte(2 - i) // h=2, m=1, l=0
				h := rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts, Marker: true}
				_ = h.SetExtension(midID, []byte(mid))
				_ = h.SetExtension(ridID, []byte(l.RID()))
				_ = l.WriteRTP(&rtp.Packet{Header: h, Payload: payload})
			}
		}
	}()

	sub := subscribe(t, j, api, room, []msg{{"feed": pub.id}})
	if !eventually(5*time.Second, func() bool { return sub.peer.video.Load() > 20 && sub.peer.lastTag.Load() == 2 }) {
		t.Fatalf("default substream: %d packets, last layer %d (want 2)", sub.peer.video.Load(), sub.peer.lastTag.Load())
	}
	if d := j.message(sub.sid, sub.hid, msg{"request": "configure", "substream": 0}, nil).data(); d.str("configured") != "ok" {
		t.Fatalf("configure: %v", d)
	}
	if !eventually(5*time.Second, func() bool { return sub.peer.lastTag.Load() == 0 }) {
		t.Fatalf("substream 0: last layer %d", sub.peer.lastTag.Load())
	}
	n := sub.peer.video.Load()
	if !eventually(2*time.Second, func() bool { return sub.peer.video.Load() > n+20 && sub.peer.lastTag.Load() == 0 }) {
		t.Fatal("layer 0 does not keep flowing")
	}
}
