package sfu

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/callevent"
	"github.com/frontdesk/frontdesk/janus/events"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func wsURLOf(httpURL string) string { return "ws" + strings.TrimPrefix(httpURL, "http") }

// TestMediaNACKAndPLI publishes audio+video through the SFU to a
// subscriber that loses one video packet: RTP arrives, the lost packet is
// retransmitted after the subscriber's NACK, and a PLI from the subscriber
// reaches the publisher.
func TestMediaNACKAndPLI(t *testing.T) {
	srv, hs := newTestSFU(t, Config{})
	j := newJanusT(t, dialWS(t, wsURLOf(hs.URL)), "")
	room, err := srv.CreateRoom(context.Background(), RoomConfig{Description: "media"})
	if err != nil {
		t.Fatal(err)
	}
	pubAPI := testAPI(t, true, []string{"lo"}, nil)
	alice := joinPublisher(t, j, room, "alice", nil)
	startPublishing(t, j, pubAPI, alice)

	drop := &dropOnce{from: 40}
	subAPI := testAPI(t, true, []string{"lo"}, dropFactory{drop})
	sub := subscribe(t, j, subAPI, room, []msg{{"feed": alice.id}})

	if !eventually(5*time.Second, func() bool { return sub.peer.audio.Load() > 10 && sub.peer.video.Load() > 10 }) {
		t.Fatalf("no RTP: audio %d video %d", sub.peer.audio.Load(), sub.peer.video.Load())
	}
	if !eventually(5*time.Second, func() bool { return drop.dropped.Load() == 1 }) {
		t.Fatal("the test interceptor never dropped a packet")
	}
	lost := uint16(drop.seq.Load())
	if !eventually(5*time.Second, func() bool { return sub.peer.sawVideoSeq(lost) }) {
		t.Fatalf("video packet %d was not retransmitted (NACKs seen by the SFU: %d)", lost, srv.Stats().NACKs)
	}
	if srv.Stats().NACKs == 0 {
		t.Fatal("the SFU saw no NACK")
	}

	// PLI: wait for the start-up keyframe requests to settle, then ask.
	var before int64
	eventually(2*time.Second, func() bool {
		b := alice.peer.plis.Load()
		time.Sleep(400 * time.Millisecond)
		before = alice.peer.plis.Load()
		return before == b
	})
	ssrc := sub.peer.videoSSRC.Load()
	if err := sub.peer.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}}); err != nil {
		t.Fatal(err)
	}
	if !eventually(3*time.Second, func() bool { return alice.peer.plis.Load() > before }) {
		t.Fatalf("PLI from the subscriber did not reach the publisher (%d before, %d after)", before, alice.peer.plis.Load())
	}
	if st := srv.Stats(); st.ForwardedPackets == 0 || st.KeyframeRequests == 0 {
		t.Fatalf("stats: %+v", st)
	}

	// A burst of NACKs from the subscriber raises "slowlink" (uplink false).
	var nacks []rtcp.NackPair
	for i := uint16(0); i < 3; i++ {
		nacks = append(nacks, rtcp.NackPair{PacketID: 1000 + 17*i, LostPackets: 0xffff})
	}
	if err := sub.peer.pc.WriteRTCP([]rtcp.Packet{&rtcp.TransportLayerNack{MediaSSRC: ssrc, Nacks: nacks}}); err != nil {
		t.Fatal(err)
	}
	sl := j.wait(sub.sid, func(m msg) bool { return m.str("janus") == "slowlink" })
	if sl.id("sender") != sub.hid || sl["uplink"] != false || sl.str("media") != "video" || sl.id("lost") < 20 {
		t.Fatalf("slowlink: %v", sl)
	}
}

// TestCoreErrorsSFU covers requests the conformance clients cannot send:
// no transaction, no janus, bad JSON over WebSocket, several requests in
// one WebSocket message (Janus 1.1.2), info, ping and claim.
func TestCoreErrorsSFU(t *testing.T) {
	_, hs := newTestSFU(t, Config{})
	h := dialHTTP(hs.URL+"/janus", "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tests := []struct {
		name string
		raw  string
		code int
	}{
		{"missing transaction", `{"janus":"create"}`, 456},
		{"missing janus", `{"transaction":"x"}`, 456},
		{"invalid json", `{"janus":`, 454},
		{"not an object", `[1,2]`, 454},
		{"unhandled at root", `{"janus":"attach","transaction":"x","plugin":"janus.plugin.videoroom"}`, 457},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := h.sendRaw(ctx, 0, 0, []byte(tc.raw))
			if err != nil {
				t.Fatal(err)
			}
			wantCoreError(t, r, tc.code)
		})
	}
	t.Run("info and ping", func(t *testing.T) {
		r, err := h.send(ctx, msg{"janus": "info"})
		if err != nil || r.str("janus") != "server_info" || r.obj("plugins")[PluginName] == nil {
			t.Fatalf("info: %v %v", r, err)
		}
		r, err = h.send(ctx, msg{"janus": "ping"})
		if err != nil || r.str("janus") != "pong" {
			t.Fatalf("ping: %v %v", r, err)
		}
	})
	t.Run("websocket batch and claim", func(t *testing.T) {
		w := dialWS(t, wsURLOf(hs.URL))
		j := newJanusT(t, w, "")
		sid := j.create()
		// two keepalives in one message get two acks
		b, _ := json.Marshal([]msg{{"janus": "keepalive", "session_id": sid, "transaction": "k1"}, {"janus": "keepalive", "session_id": sid, "transaction": "k2"}})
		w.mu.Lock()
		ch1, ch2 := make(chan msg, 1), make(chan msg, 1)
		w.waiters["k1"], w.waiters["k2"] = ch1, ch2
		_ = w.c.WriteMessage(1, b)
		w.mu.Unlock()
		for _, ch := range []chan msg{ch1, ch2} {
			select {
			case r := <-ch:
				if r.str("janus") != "ack" {
					t.Fatalf("batched keepalive: %v", r)
				}
			case <-ctx.Done():
				t.Fatal("no reply to a batched request")
			}
		}
		// claim the session from a second WebSocket; events move there.
		w2 := dialWS(t, wsURLOf(hs.URL))
		j2 := newJanusT(t, w2, "")
		if r := j2.call(msg{"janus": "claim", "session_id": sid}); r.str("janus") != "success" {
			t.Fatalf("claim: %v", r)
		}
		hid := j2.attach(sid)
		j2.call(msg{"janus": "detach", "session_id": sid, "handle_id": hid})
		j2.wait(sid, func(m msg) bool { return m.str("janus") == "detached" && m.id("sender") == hid })
		// closing the first socket must not destroy the claimed session.
		w.close()
		time.Sleep(100 * time.Millisecond)
		if r := j2.call(msg{"janus": "keepalive", "session_id": sid}); r.str("janus") != "ack" {
			t.Fatalf("session lost with its old transport: %v", r)
		}
	})
}

// TestSessionTimeout: an idle session gets "timeout" and is destroyed; a
// closed WebSocket destroys its sessions at once.
func TestSessionTimeout(t *testing.T) {
	srv, hs := newTestSFU(t, Config{SessionTimeout: 300 * time.Millisecond})
	j := newJanusT(t, dialWS(t, wsURLOf(hs.URL)), "")
	sid := j.create()
	e := j.wait(sid, func(m msg) bool { return m.str("janus") == "timeout" })
	if e.id("session_id") != sid {
		t.Fatalf("timeout: %v", e)
	}
	wantCoreError(t, j.call(msg{"janus": "keepalive", "session_id": sid}), 458)

	w := dialWS(t, wsURLOf(hs.URL))
	j2 := newJanusT(t, w, "")
	j2.create()
	if srv.Stats().Sessions != 1 {
		t.Fatalf("sessions: %d", srv.Stats().Sessions)
	}
	w.close()
	if !eventually(2*time.Second, func() bool { return srv.Stats().Sessions == 0 }) {
		t.Fatal("closing the WebSocket did not destroy its session")
	}
}

// recorder is an Emitter fake.
type recorder struct {
	mu    sync.Mutex
	kinds []callevent.Kind
	evs   []*events.Event
}

func (r *recorder) Emit(e *events.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, _ := e.Call()
	r.kinds = append(r.kinds, c.Kind)
	r.evs = append(r.evs, e)
}

func (r *recorder) has(k callevent.Kind, participant uint64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.evs {
		c, _ := e.Call()
		if c.Kind == k && (participant == 0 || c.Participant == participant) {
			return true
		}
	}
	return false
}

// TestRoomsFromGoAndEvents covers the Go room API and the call events.
func TestRoomsFromGoAndEvents(t *testing.T) {
	rec := &recorder{}
	srv, hs := newTestSFU(t, Config{Name: "sfu-test"}, WithEmitter(rec))
	ctx := context.Background()
	room, err := srv.CreateRoom(ctx, RoomConfig{ID: 42, Secret: "x", PIN: "p"})
	if err != nil || room != 42 {
		t.Fatalf("create: %d %v", room, err)
	}
	if _, err := srv.CreateRoom(ctx, RoomConfig{ID: 42}); !errors.Is(err, ErrRoomExists) {
		t.Fatalf("create twice: %v", err)
	}
	if !srv.RoomExists(42) || srv.RoomExists(43) {
		t.Fatal("RoomExists")
	}
	if _, err := srv.Participants(ctx, 43); !errors.Is(err, ErrNoSuchRoom) {
		t.Fatalf("participants of unknown room: %v", err)
	}
	j := newJanusT(t, dialHTTP(hs.URL+"/janus", ""), "")
	api := testAPI(t, true, []string{"lo"}, nil)
	alice := joinPublisher(t, j, room, "alice", msg{"pin": "p"})
	startPublishing(t, j, api, alice)
	parts, err := srv.Participants(ctx, room)
	if err != nil || len(parts) != 1 || parts[0].ID != alice.id || !parts[0].Publisher || parts[0].Display != "alice" {
		t.Fatalf("participants: %v %v", parts, err)
	}
	if !eventually(3*time.Second, func() bool { return rec.has(callevent.MediaReceiving, alice.id) }) {
		t.Fatalf("no media-receiving event: %v", rec.kinds)
	}
	// the caller's media stops: "media" receiving false, then true again.
	for _, kind := range []string{"audio", "video"} {
		j.wait(alice.sid, func(m msg) bool { return m.str("janus") == "media" && m.str("type") == kind && m["receiving"] == true })
	}
	alice.peer.paused.Store(true)
	for _, kind := range []string{"audio", "video"} {
		e := j.wait(alice.sid, func(m msg) bool { return m.str("janus") == "media" && m.str("type") == kind && m["receiving"] == false })
		if e.id("sender") != alice.hid || e.str("mid") == "" {
			t.Fatalf("media stopped: %v", e)
		}
	}
	if !rec.has(callevent.MediaStopped, alice.id) {
		t.Fatalf("no media-stopped event: %v", rec.kinds)
	}
	alice.peer.paused.Store(false)
	j.wait(alice.sid, func(m msg) bool {
		return m.str("janus") == "media" && m.str("type") == "video" && m["receiving"] == true
	})
	// tokens and kick from Go
	if err := srv.SetAllowed(ctx, room, []string{"tok"}); err != nil {
		t.Fatal(err)
	}
	bh := j.attach(alice.sid)
	wantRoomError(t, j.message(alice.sid, bh, msg{"request": "join", "ptype": "publisher", "room": room, "pin": "p"}, nil).data(), 433)
	bob := j.message(alice.sid, bh, msg{"request": "join", "ptype": "publisher", "room": room, "pin": "p", "token": "tok"}, nil).data()
	if bob.str("videoroom") != "joined" {
		t.Fatalf("join with an allowed token: %v", bob)
	}
	if err := srv.Kick(ctx, room, 12345); !errors.Is(err, ErrNoSuchFeed) {
		t.Fatalf("kick unknown: %v", err)
	}
	if err := srv.Kick(ctx, room, bob.id("id")); err != nil {
		t.Fatal(err)
	}
	j.wait(alice.sid, func(m msg) bool { return m.id("sender") == bh && m.data().str("reason") == "kicked" })
	if !rec.has(callevent.Left, bob.id("id")) {
		t.Fatalf("no left event for the kicked participant: %v", rec.kinds)
	}
	if err := srv.SetAllowed(ctx, room+1, nil); !errors.Is(err, ErrNoSuchRoom) {
		t.Fatalf("set allowed on unknown room: %v", err)
	}

	if err := srv.DestroyRoom(ctx, room); err != nil {
		t.Fatal(err)
	}
	j.wait(alice.sid, func(m msg) bool { return m.data().str("videoroom") == "destroyed" })
	j.wait(alice.sid, func(m msg) bool { return m.str("janus") == "hangup" })
	if err := srv.DestroyRoom(ctx, room); !errors.Is(err, ErrNoSuchRoom) {
		t.Fatalf("destroy twice: %v", err)
	}
	j.call(msg{"janus": "destroy", "session_id": alice.sid})
	for _, k := range []callevent.Kind{callevent.Attached, callevent.Joined, callevent.MediaUp, callevent.Published, callevent.Hangup, callevent.Detached} {
		if !rec.has(k, 0) {
			t.Errorf("no %s event (got %v)", k, rec.kinds)
		}
	}
	rec.mu.Lock()
	for _, e := range rec.evs {
		if e.Emitter != "sfu-test" || e.Type != events.TypeCall {
			t.Errorf("event %+v: want emitter sfu-test, type call", e)
		}
	}
	rec.mu.Unlock()
}

// TestSlowSubscriberDrops: a full subscriber queue drops (and counts)
// instead of blocking the publisher's fan-out.
func TestSlowSubscriberDrops(t *testing.T) {
	srv := &Server{}
	sub := &subscriber{vr: &vrHandle{srv: srv}, queue: make(chan outPacket, 4)}
	ss := &subStream{sub: sub}
	ss.forwarding.Store(true)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 100 {
			sub.enqueue(ss, nil, 0)
		}
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("enqueue blocked on a full queue")
	}
	if got := srv.stats.dropped.Load(); got != 96 {
		t.Fatalf("dropped %d, want 96", got)
	}
	ss.forwarding.Store(false)
	sub.enqueue(ss, nil, 0)
	if srv.stats.dropped.Load() != 96 {
		t.Fatal("a stream that does not forward must not queue")
	}
}

// TestSoakJoinLeave runs many publish/subscribe/leave cycles and checks
// goroutines return to the baseline and the heap stays bounded.
func TestSoakJoinLeave(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, hs := newTestSFU(t, Config{}, WithLogger(quiet))
	room, _ := srv.CreateRoom(context.Background(), RoomConfig{})
	api := testAPI(t, true, []string{"lo"}, nil)
	j := newJanusT(t, dialWS(t, wsURLOf(hs.URL)), "")
	j.noPeerCleanup = true
	cycle := func() {
		p := joinPublisher(t, j, room, "soak", nil)
		startPublishing(t, j, api, p)
		s := subscribe(t, j, api, room, []msg{{"feed": p.id}})
		if !eventually(3*time.Second, func() bool { return s.peer.video.Load() > 0 }) {
			t.Fatal("no video in a soak cycle")
		}
		j.message(s.sid, s.hid, msg{"request": "leave"}, nil)
		j.message(p.sid, p.hid, msg{"request": "leave"}, nil)
		j.call(msg{"janus": "destroy", "session_id": s.sid})
		j.call(msg{"janus": "destroy", "session_id": p.sid})
		p.peer.close()
		s.peer.close()
		j.forget(s.sid)
		j.forget(p.sid)
	}
	cycle() // warm up pools and lazily started goroutines
	settle := func() (int, uint64) {
		var n int
		eventually(3*time.Second, func() bool {
			a := runtime.NumGoroutine()
			time.Sleep(100 * time.Millisecond)
			n = runtime.NumGoroutine()
			return a == n
		})
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return n, ms.HeapInuse
	}
	g0, h0 := settle()
	const cycles = 40
	for range cycles {
		cycle()
	}
	g1, h1 := settle()
	if g1 > g0+5 {
		t.Errorf("goroutines grew from %d to %d over %d cycles", g0, g1, cycles)
	}
	if h1 > h0+4<<20 {
		t.Errorf("heap in use grew from %d to %d bytes over %d cycles", h0, h1, cycles)
	}
	if st := srv.Stats(); st.Sessions != 0 {
		t.Errorf("sessions left: %d", st.Sessions)
	}
	t.Logf("goroutines %d -> %d, heap in use %d -> %d KiB", g0, g1, h0>>10, h1>>10)
}

func TestIsKeyframe(t *testing.T) {
	tests := []struct {
		name  string
		codec string
		p     []byte
		want  bool
	}{
		{"vp8 key", "vp8", []byte{0x10, 0x50}, true},
		{"vp8 delta", "vp8", []byte{0x10, 0x51}, false},
		{"vp8 not start", "vp8", []byte{0x00, 0x50}, false},
		{"vp8 extended picture id", "vp8", []byte{0x90, 0x80, 0x81, 0x02, 0x50}, true},
		{"vp8 empty", "vp8", nil, false},
		{"h264 idr", "h264", []byte{0x65}, true},
		{"h264 non-idr", "h264", []byte{0x41}, false},
		{"h264 stap-a with sps", "h264", []byte{0x18, 0x00, 0x02, 0x67, 0x42}, true},
		{"h264 fu-a idr start", "h264", []byte{0x7c, 0x85}, true},
		{"vp9 key start", "vp9", []byte{0x08}, true},
		{"vp9 inter", "vp9", []byte{0x48}, false},
		{"opus", "opus", []byte{0xf8}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := isKeyframe(tc.codec, tc.p); got != tc.want {
				t.Fatalf("isKeyframe(%s, %x) = %v, want %v", tc.codec, tc.p, got, tc.want)
			}
		})
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"zero", Config{}, true},
		{"port range", Config{UDPPortMin: 20000, UDPPortMax: 20100}, true},
		{"half range", Config{UDPPortMin: 20000}, false},
		{"inverted range", Config{UDPPortMin: 20100, UDPPortMax: 20000}, false},
		{"nat ip", Config{NAT1To1IPs: []string{"203.0.113.7"}}, true},
		{"bad nat ip", Config{NAT1To1IPs: []string{"example.org"}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(tc.cfg)
			if tc.ok != (err == nil) {
				t.Fatalf("New: %v", err)
			}
			if err != nil && !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("error %v does not wrap ErrInvalidConfig", err)
			}
			if s != nil {
				_ = s.Close()
			}
		})
	}
}

// TestPublisherRenegotiation: a publisher adds a track with "configure"
// and a new offer; the room hears about the new stream and a subscriber
// can take it.
func TestPublisherRenegotiation(t *testing.T) {
	srv, hs := newTestSFU(t, Config{})
	j := newJanusT(t, dialWS(t, wsURLOf(hs.URL)), "")
	room, _ := srv.CreateRoom(context.Background(), RoomConfig{})
	api := testAPI(t, true, []string{"lo"}, nil)
	alice := joinPublisher(t, j, room, "alice", nil)
	bob := joinPublisher(t, j, room, "bob", nil)
	startPublishing(t, j, api, alice)
	j.wait(bob.sid, func(m msg) bool { return m.data()["publishers"] != nil })

	screen, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "screen", "pub")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.peer.pc.AddTrack(screen); err != nil {
		t.Fatal(err)
	}
	e := j.message(alice.sid, alice.hid, msg{"request": "configure"}, alice.peer.offer(t))
	if e.data().str("configured") != "ok" || len(streamsOf(e.data())) != 3 {
		t.Fatalf("configure with a new offer: %v", e.data())
	}
	alice.peer.answer(t, jsepOf(t, e))
	ev := j.wait(bob.sid, func(m msg) bool {
		pubs, _ := m.data()["publishers"].([]any)
		return len(pubs) == 1 && len(streamsOf(msg(pubs[0].(map[string]any)))) == 3
	})
	st := streamsOf(msg(ev.data()["publishers"].([]any)[0].(map[string]any)))
	newMid := st[2].str("mid")
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var seq uint16
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
			seq++
			_ = screen.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 900, Marker: true}, Payload: vp8Key})
		}
	}()
	defer func() { close(stop); <-done }()
	sub := subscribe(t, j, api, room, []msg{{"feed": alice.id, "mid": newMid}})
	if !eventually(5*time.Second, func() bool { return sub.peer.video.Load() > 5 }) {
		t.Fatalf("no video from the renegotiated stream (%d packets)", sub.peer.video.Load())
	}
}
