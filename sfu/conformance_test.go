package sfu

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/janus/janustest"
	"github.com/pion/webrtc/v4"
)

// target is a Janus API endpoint the conformance table runs against: the
// built-in SFU or a real Janus.
type target struct {
	name string
	// dial opens a raw client (WebSocket or HTTP long-poll).
	dial func(t testing.TB) rawConn
	// http is true for the REST transport.
	http bool
	// token is the core token to send (real Janus runs with token_auth).
	token string
	// adminKey is the VideoRoom admin_key for "create".
	adminKey string
	// api makes Pion peers that can reach the target.
	api func(t testing.TB) *webrtc.API
}

func (tg target) client(t testing.TB) *janusT {
	return newJanusT(t, tg.dial(t), tg.token)
}

// newTestSFU starts an SFU on loopback behind an httptest server.
func newTestSFU(t testing.TB, cfg Config, opts ...Option) (*Server, *httptest.Server) {
	t.Helper()
	cfg.IncludeLoopback = true
	cfg.Interfaces = []string{"lo"}
	if cfg.LongPollTimeout == 0 {
		cfg.LongPollTimeout = 2 * time.Second
	}
	opts = append([]Option{WithLogger(testLogger(t))}, opts...)
	s, err := New(cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		hs.CloseClientConnections()
		_ = s.Close()
		hs.Close()
	})
	return s, hs
}

// sfuTargets are the SFU over both transports.
func sfuTargets(t testing.TB, cfg Config) []target {
	_, hs := newTestSFU(t, cfg)
	wsURL := "ws" + strings.TrimPrefix(hs.URL, "http")
	api := func(t testing.TB) *webrtc.API { return testAPI(t, true, []string{"lo"}, nil) }
	return []target{
		{name: "sfu-ws", dial: func(t testing.TB) rawConn { return dialWS(t, wsURL) }, adminKey: cfg.AdminKey, api: api},
		{name: "sfu-http", http: true, dial: func(t testing.TB) rawConn { return dialHTTP(hs.URL+"/janus", "") }, adminKey: cfg.AdminKey, api: api},
	}
}

// janusTargets start a real Janus (skipped when unavailable, failing
// under CI=true) and return it over both transports.
func janusTargets(t *testing.T) []target {
	inst := janustest.Start(t, janustest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	token := "conformance-" + newTx()
	if err := inst.Admin().AddToken(ctx, token, PluginName); err != nil {
		t.Fatalf("add token: %v", err)
	}
	api := func(t testing.TB) *webrtc.API { return testAPI(t, false, []string{inst.HostInterface}, nil) }
	return []target{
		{name: "janus-ws", dial: func(t testing.TB) rawConn { return dialWS(t, inst.WSURL) }, token: token, adminKey: inst.AdminKey, api: api},
		{name: "janus-http", http: true, dial: func(t testing.TB) rawConn { return dialHTTP(inst.HTTPURL, token) }, token: token, adminKey: inst.AdminKey, api: api},
	}
}

// scenario is one row of the conformance table.
type scenario struct {
	name string
	run  func(t *testing.T, tg target)
}

func wantCoreError(t *testing.T, r msg, code int) {
	t.Helper()
	if r.str("janus") != "error" || r.errCode() != code {
		t.Fatalf("want core error %d, got %v", code, r)
	}
}

func wantRoomError(t *testing.T, data msg, code int) {
	t.Helper()
	if data.str("videoroom") != "event" || int(data.id("error_code")) != code || data.str("error") == "" {
		t.Fatalf("want videoroom error %d, got %v", code, data)
	}
}

// createRoom creates a room through the VideoRoom API.
func createRoom(t *testing.T, j *janusT, tg target, sid, hid uint64, extra msg) uint64 {
	t.Helper()
	body := msg{"request": "create"}
	if tg.adminKey != "" {
		body["admin_key"] = tg.adminKey
	}
	for k, v := range extra {
		body[k] = v
	}
	d := j.request(sid, hid, body)
	if d.str("videoroom") != "created" || d.id("room") == 0 {
		t.Fatalf("create room: %v", d)
	}
	room := d.id("room")
	t.Cleanup(func() {
		b := msg{"request": "destroy", "room": room}
		if s, ok := extra["secret"]; ok {
			b["secret"] = s
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		m := msg{"janus": "message", "session_id": sid, "handle_id": hid, "body": b}
		if tg.token != "" {
			m["token"] = tg.token
		}
		_, _ = j.c.send(ctx, m)
	})
	return room
}

// pubSession is a publisher joined (and maybe publishing) in a room.
type pubSession struct {
	sid, hid, id uint64
	peer         *testPublisher
	joined       msg
}

func joinPublisher(t *testing.T, j *janusT, room uint64, display string, extra msg) *pubSession {
	t.Helper()
	ps := &pubSession{sid: j.create()}
	ps.hid = j.attach(ps.sid)
	body := msg{"request": "join", "ptype": "publisher", "room": room, "display": display}
	for k, v := range extra {
		body[k] = v
	}
	e := j.message(ps.sid, ps.hid, body, nil)
	d := e.data()
	if d.str("videoroom") != "joined" {
		t.Fatalf("join: %v", e)
	}
	ps.id, ps.joined = d.id("id"), d
	return ps
}

// startPublishing publishes audio+video and waits for webrtcup.
func startPublishing(t *testing.T, j *janusT, api *webrtc.API, ps *pubSession) msg {
	t.Helper()
	if j.noPeerCleanup {
		ps.peer = newPublisherPeer(t, api)
	} else {
		ps.peer = newTestPublisher(t, api)
	}
	e := j.message(ps.sid, ps.hid, msg{"request": "publish"}, ps.peer.offer(t))
	d := e.data()
	if d.str("configured") != "ok" {
		t.Fatalf("publish: %v", e)
	}
	ps.peer.answer(t, jsepOf(t, e))
	j.wait(ps.sid, func(m msg) bool { return m.str("janus") == "webrtcup" && m.id("sender") == ps.hid })
	ps.peer.send(10 * time.Millisecond)
	return d
}

// subSession is a subscriber handle.
type subSession struct {
	sid, hid uint64
	peer     *testSubscriber
	attached msg
}

func subscribe(t *testing.T, j *janusT, api *webrtc.API, room uint64, streams []msg) *subSession {
	t.Helper()
	ss := &subSession{sid: j.create()}
	ss.hid = j.attach(ss.sid)
	e := j.message(ss.sid, ss.hid, msg{"request": "join", "ptype": "subscriber", "room": room, "streams": streams}, nil)
	if e.data().str("videoroom") != "attached" {
		t.Fatalf("subscribe: %v", e)
	}
	ss.attached = e.data()
	if j.noPeerCleanup {
		ss.peer = newSubscriberPeer(t, api)
	} else {
		ss.peer = newTestSubscriber(t, api)
	}
	answer := ss.peer.answer(t, jsepOf(t, e))
	st := j.message(ss.sid, ss.hid, msg{"request": "start"}, answer)
	if st.data().str("started") != "ok" {
		t.Fatalf("start: %v", st)
	}
	j.wait(ss.sid, func(m msg) bool { return m.str("janus") == "webrtcup" && m.id("sender") == ss.hid })
	return ss
}

func streamsOf(d msg) []msg {
	arr, _ := d["streams"].([]any)
	out := make([]msg, 0, len(arr))
	for _, a := range arr {
		if o, ok := a.(map[string]any); ok {
			out = append(out, o)
		}
	}
	return out
}

// conformance is the table run against every target.
var conformance = []scenario{
	{"session lifecycle", func(t *testing.T, tg target) {
		j := tg.client(t)
		sid := j.create()
		if r := j.call(msg{"janus": "keepalive", "session_id": sid}); r.str("janus") != "ack" {
			t.Fatalf("keepalive: %v", r)
		}
		if r := j.call(msg{"janus": "destroy", "session_id": sid}); r.str("janus") != "success" {
			t.Fatalf("destroy: %v", r)
		}
		wantCoreError(t, j.call(msg{"janus": "keepalive", "session_id": sid}), 458)
	}},
	{"handle lifecycle and core errors", func(t *testing.T, tg target) {
		j := tg.client(t)
		sid := j.create()
		defer j.call(msg{"janus": "destroy", "session_id": sid})
		wantCoreError(t, j.call(msg{"janus": "attach", "session_id": sid, "plugin": "janus.plugin.nosuch"}), 460)
		wantCoreError(t, j.call(msg{"janus": "attach", "session_id": sid}), 456)
		wantCoreError(t, j.call(msg{"janus": "nosuchrequest", "session_id": sid}), 453)
		wantCoreError(t, j.call(msg{"janus": "keepalive", "session_id": sid + 1}), 458)
		hid := j.attach(sid)
		wantCoreError(t, j.call(msg{"janus": "message", "session_id": sid, "handle_id": hid}), 456)
		wantCoreError(t, j.call(msg{"janus": "trickle", "session_id": sid, "handle_id": hid}), 456)
		if r := j.call(msg{"janus": "trickle", "session_id": sid, "handle_id": hid, "candidate": msg{"completed": true}}); r.str("janus") != "ack" {
			t.Fatalf("trickle completed: %v", r)
		}
		if r := j.call(msg{"janus": "detach", "session_id": sid, "handle_id": hid}); r.str("janus") != "success" {
			t.Fatalf("detach: %v", r)
		}
		wantCoreError(t, j.call(msg{"janus": "message", "session_id": sid, "handle_id": hid, "body": msg{"request": "list"}}), 459)
		if tg.http {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			r, err := j.c.sendRaw(ctx, 0, 0, []byte(`{"janus":"create",`))
			if err != nil {
				t.Fatal(err)
			}
			wantCoreError(t, r, 454)
			wantCoreError(t, j.call(msg{"janus": "keepalive"}), 457)
		}
	}},
	{"videoroom synchronous requests", func(t *testing.T, tg target) {
		j := tg.client(t)
		sid := j.create()
		defer j.call(msg{"janus": "destroy", "session_id": sid})
		hid := j.attach(sid)
		room := createRoom(t, j, tg, sid, hid, msg{"secret": "s3cret", "description": "conformance"})
		body := msg{"request": "create", "room": room}
		if tg.adminKey != "" {
			body["admin_key"] = tg.adminKey
		}
		wantRoomError(t, j.request(sid, hid, body), 427)
		if d := j.request(sid, hid, msg{"request": "exists", "room": room}); d.str("videoroom") != "success" || d["exists"] != true {
			t.Fatalf("exists: %v", d)
		}
		if d := j.request(sid, hid, msg{"request": "exists", "room": room + 1}); d["exists"] != false {
			t.Fatalf("exists (absent): %v", d)
		}
		wantRoomError(t, j.request(sid, hid, msg{"request": "destroy", "room": room, "secret": "wrong"}), 433)
		wantRoomError(t, j.request(sid, hid, msg{"request": "destroy", "room": room}), 429)
		wantRoomError(t, j.request(sid, hid, msg{"request": "listparticipants", "room": room + 1}), 426)
		wantRoomError(t, j.request(sid, hid, msg{"request": "nosuchrequest"}), 423)
		wantRoomError(t, j.request(sid, hid, msg{"room": room}), 429)
		if d := j.request(sid, hid, msg{"request": "listparticipants", "room": room}); d.str("videoroom") != "participants" || len(d["participants"].([]any)) != 0 {
			t.Fatalf("listparticipants: %v", d)
		}
	}},
	{"join errors", func(t *testing.T, tg target) {
		j := tg.client(t)
		sid := j.create()
		defer j.call(msg{"janus": "destroy", "session_id": sid})
		hid := j.attach(sid)
		room := createRoom(t, j, tg, sid, hid, msg{"pin": "1234"})
		open := createRoom(t, j, tg, sid, hid, msg{"allowed": []string{"tok-a"}})
		h2 := j.attach(sid)
		wantRoomError(t, j.message(sid, h2, msg{"request": "join", "ptype": "publisher", "room": room + 7777}, nil).data(), 426)
		wantRoomError(t, j.message(sid, h2, msg{"request": "join", "ptype": "publisher", "room": room, "pin": "0000"}, nil).data(), 433)
		wantRoomError(t, j.message(sid, h2, msg{"request": "join", "ptype": "publisher", "room": open}, nil).data(), 433)
		wantRoomError(t, j.message(sid, h2, msg{"request": "join", "ptype": "subscriber", "room": open, "streams": []msg{{"feed": 4242}}}, nil).data(), 428)
		wantRoomError(t, j.message(sid, h2, msg{"request": "configure"}, nil).data(), 424)
		d := j.message(sid, h2, msg{"request": "join", "ptype": "publisher", "room": open, "token": "tok-a", "id": 777, "display": "a"}, nil).data()
		if d.str("videoroom") != "joined" || d.id("id") != 777 || d.id("private_id") == 0 {
			t.Fatalf("joined: %v", d)
		}
		if _, ok := d["publishers"].([]any); !ok {
			t.Fatalf("joined without publishers array: %v", d)
		}
		h3 := j.attach(sid)
		wantRoomError(t, j.message(sid, h3, msg{"request": "join", "ptype": "publisher", "room": open, "token": "tok-a", "id": 777}, nil).data(), 436)
		wantRoomError(t, j.message(sid, h2, msg{"request": "join", "ptype": "publisher", "room": open, "token": "tok-a"}, nil).data(), 425)
		wantRoomError(t, j.message(sid, h2, msg{"request": "unpublish"}, nil).data(), 435)
		if d := j.message(sid, h2, msg{"request": "leave"}, nil).data(); d.str("leaving") != "ok" {
			t.Fatalf("leave: %v", d)
		}
	}},
	{"publish, subscribe, switch, unpublish, leave", func(t *testing.T, tg target) {
		j := tg.client(t)
		api := tg.api(t)
		admin := j.create()
		defer j.call(msg{"janus": "destroy", "session_id": admin})
		ah := j.attach(admin)
		room := createRoom(t, j, tg, admin, ah, nil)

		alice := joinPublisher(t, j, room, "alice", nil)
		bob := joinPublisher(t, j, room, "bob", nil)
		conf := startPublishing(t, j, api, alice)
		if conf.str("audio_codec") != "opus" || conf.str("video_codec") != "vp8" {
			t.Fatalf("configured codecs: %v", conf)
		}
		// bob hears about alice's feed, with Janus 1.x stream fields.
		ev := j.wait(bob.sid, func(m msg) bool {
			_, ok := m.data()["publishers"]
			return m.str("janus") == "event" && ok
		})
		pubs := ev.data()["publishers"].([]any)
		if len(pubs) != 1 || msg(pubs[0].(map[string]any)).id("id") != alice.id || msg(pubs[0].(map[string]any)).str("display") != "alice" {
			t.Fatalf("publishers event: %v", ev)
		}
		st := streamsOf(msg(pubs[0].(map[string]any)))
		if len(st) != 2 || st[0].str("type") != "audio" || st[0].str("codec") != "opus" || st[1].str("type") != "video" || st[1].str("codec") != "vp8" || st[1].str("mid") == "" {
			t.Fatalf("publisher streams: %v", st)
		}
		startPublishing(t, j, api, bob)
		parts := j.request(admin, ah, msg{"request": "listparticipants", "room": room})["participants"].([]any)
		if len(parts) != 2 {
			t.Fatalf("participants: %v", parts)
		}

		sub := subscribe(t, j, api, room, []msg{{"feed": alice.id}})
		as := streamsOf(sub.attached)
		if len(as) != 2 || as[0].id("feed_id") != alice.id || as[0].str("feed_mid") == "" || as[1].str("type") != "video" || as[1].str("mid") == "" {
			t.Fatalf("attached streams: %v", as)
		}
		if !eventually(5*time.Second, func() bool { return sub.peer.audio.Load() > 5 && sub.peer.video.Load() > 5 }) {
			t.Fatalf("no RTP at subscriber: audio %d video %d", sub.peer.audio.Load(), sub.peer.video.Load())
		}
		// switch the video m-line from alice to bob.
		var bobVideo string
		for _, s := range streamsOf(bob.peerStreams(t, j, alice)) {
			if s.str("type") == "video" {
				bobVideo = s.str("mid")
			}
		}
		sw := j.message(sub.sid, sub.hid, msg{"request": "switch", "streams": []msg{{"feed": bob.id, "mid": bobVideo, "sub_mid": as[1].str("mid")}}}, nil).data()
		if sw.str("switched") != "ok" || sw.id("changes") != 1 {
			t.Fatalf("switch: %v", sw)
		}
		if d := j.message(sub.sid, sub.hid, msg{"request": "pause"}, nil).data(); d.str("paused") != "ok" {
			t.Fatalf("pause: %v", d)
		}
		if d := j.message(sub.sid, sub.hid, msg{"request": "start"}, nil).data(); d.str("started") != "ok" {
			t.Fatalf("resume: %v", d)
		}
		// alice unpublishes: bob is told.
		if d := j.message(alice.sid, alice.hid, msg{"request": "unpublish"}, nil).data(); d.str("unpublished") != "ok" {
			t.Fatalf("unpublish: %v", d)
		}
		j.wait(bob.sid, func(m msg) bool { return m.data().id("unpublished") == alice.id })
		// the subscriber gets an "updated" offer: alice's audio m-line is inactive.
		up := j.wait(sub.sid, func(m msg) bool { return m.data().str("videoroom") == "updated" })
		ust := streamsOf(up.data())
		if len(ust) != 2 || ust[0]["active"] != false || ust[0]["feed_id"] != nil || ust[1]["active"] != true || ust[1].id("feed_id") != bob.id {
			t.Fatalf("updated streams: %v", ust)
		}
		if d := j.message(sub.sid, sub.hid, msg{"request": "start"}, sub.peer.answer(t, jsepOf(t, up))).data(); d.str("started") != "ok" {
			t.Fatalf("start after update: %v", d)
		}
		// alice leaves: bob is told.
		if d := j.message(alice.sid, alice.hid, msg{"request": "leave"}, nil).data(); d.str("leaving") != "ok" {
			t.Fatalf("leave: %v", d)
		}
		j.wait(bob.sid, func(m msg) bool { return m.data().id("leaving") == alice.id })
		if d := j.message(sub.sid, sub.hid, msg{"request": "leave"}, nil).data(); d.str("left") != "ok" {
			t.Fatalf("subscriber leave: %v", d)
		}
		// a Janus API hangup closes bob's PeerConnection.
		if r := j.call(msg{"janus": "hangup", "session_id": bob.sid, "handle_id": bob.hid}); r.str("janus") != "success" {
			t.Fatalf("hangup: %v", r)
		}
		if h := j.wait(bob.sid, func(m msg) bool { return m.str("janus") == "hangup" }); h.id("sender") != bob.hid || h.str("reason") == "" {
			t.Fatalf("hangup notification: %v", h)
		}
		if r := j.call(msg{"janus": "detach", "session_id": bob.sid, "handle_id": bob.hid}); r.str("janus") != "success" {
			t.Fatalf("detach: %v", r)
		}
		j.wait(bob.sid, func(m msg) bool { return m.str("janus") == "detached" && m.id("sender") == bob.hid })
		for _, s := range []uint64{alice.sid, bob.sid, sub.sid} {
			j.call(msg{"janus": "destroy", "session_id": s})
		}
	}},

	{"joinandconfigure and subscription updates", func(t *testing.T, tg target) {
		j := tg.client(t)
		api := tg.api(t)
		admin := j.create()
		defer j.call(msg{"janus": "destroy", "session_id": admin})
		ah := j.attach(admin)
		room := createRoom(t, j, tg, admin, ah, nil)

		// join and publish in one request: "joined" with the SDP answer.
		p := &pubSession{sid: j.create()}
		defer j.call(msg{"janus": "destroy", "session_id": p.sid})
		p.hid = j.attach(p.sid)
		p.peer = newTestPublisher(t, api)
		e := j.message(p.sid, p.hid, msg{"request": "joinandconfigure", "ptype": "publisher", "room": room, "display": "carol"}, p.peer.offer(t))
		if e.data().str("videoroom") != "joined" || e.data().id("id") == 0 {
			t.Fatalf("joinandconfigure: %v", e)
		}
		p.id, p.joined = e.data().id("id"), e.data()
		p.peer.answer(t, jsepOf(t, e))
		j.wait(p.sid, func(m msg) bool { return m.str("janus") == "webrtcup" })
		p.peer.send(10 * time.Millisecond)
		var audioMid, videoMid string
		for _, st := range streamsOf(p.peerStreams(t, j, nil)) {
			if st.str("type") == "audio" {
				audioMid = st.str("mid")
			} else {
				videoMid = st.str("mid")
			}
		}

		// subscribe to the audio only, then add the video with "update".
		sub := subscribe(t, j, api, room, []msg{{"feed": p.id, "mid": audioMid}})
		if st := streamsOf(sub.attached); len(st) != 1 || st[0].str("type") != "audio" || st[0].str("feed_mid") != audioMid {
			t.Fatalf("attached: %v", st)
		}
		up := j.message(sub.sid, sub.hid, msg{"request": "update", "subscribe": []msg{{"feed": p.id, "mid": videoMid}}}, nil)
		ust := streamsOf(up.data())
		if up.data().str("videoroom") != "updated" || len(ust) != 2 || ust[1].str("type") != "video" || ust[1].str("feed_mid") != videoMid {
			t.Fatalf("update: %v", up)
		}
		if d := j.message(sub.sid, sub.hid, msg{"request": "start"}, sub.peer.answer(t, jsepOf(t, up))).data(); d.str("started") != "ok" {
			t.Fatalf("start after update: %v", d)
		}
		if !eventually(5*time.Second, func() bool { return sub.peer.video.Load() > 5 }) {
			t.Fatal("no video after update")
		}
		// a subscriber configure with per-stream send.
		if d := j.message(sub.sid, sub.hid, msg{"request": "configure", "streams": []msg{{"mid": ust[1].str("mid"), "send": false}}}, nil).data(); d.str("configured") != "ok" {
			t.Fatalf("subscriber configure: %v", d)
		}
		wantRoomError(t, j.message(sub.sid, sub.hid, msg{"request": "update", "subscribe": []msg{{"feed": p.id + 1}}}, nil).data(), 428)
		j.call(msg{"janus": "destroy", "session_id": sub.sid})
	}},

	{"allowed and kick", func(t *testing.T, tg target) {
		j := tg.client(t)
		admin := j.create()
		defer j.call(msg{"janus": "destroy", "session_id": admin})
		ah := j.attach(admin)
		room := createRoom(t, j, tg, admin, ah, msg{"secret": "sec", "allowed": []string{"a"}})
		wantRoomError(t, j.request(admin, ah, msg{"request": "allowed", "room": room, "secret": "bad", "action": "add", "allowed": []string{"b"}}), 433)
		d := j.request(admin, ah, msg{"request": "allowed", "room": room, "secret": "sec", "action": "add", "allowed": []string{"b"}})
		if d.str("videoroom") != "success" || len(d["allowed"].([]any)) != 2 {
			t.Fatalf("allowed add: %v", d)
		}
		victim := joinPublisher(t, j, room, "victim", msg{"token": "b"})
		observer := joinPublisher(t, j, room, "observer", msg{"token": "a"})
		defer j.call(msg{"janus": "destroy", "session_id": victim.sid})
		defer j.call(msg{"janus": "destroy", "session_id": observer.sid})
		lurker := joinPublisher(t, j, room, "lurker", msg{"token": "a"})
		j.message(lurker.sid, lurker.hid, msg{"request": "leave"}, nil)
		// every participant leaving is announced, publisher or not.
		j.wait(observer.sid, func(m msg) bool { return m.data().id("leaving") == lurker.id })
		j.wait(victim.sid, func(m msg) bool { return m.data().id("leaving") == lurker.id })
		wantRoomError(t, j.request(admin, ah, msg{"request": "kick", "room": room, "secret": "sec", "id": 99999}), 428)
		if d := j.request(admin, ah, msg{"request": "kick", "room": room, "secret": "sec", "id": victim.id}); d.str("videoroom") != "success" {
			t.Fatalf("kick: %v", d)
		}
		ve := j.wait(victim.sid, func(m msg) bool { return m.data().str("reason") != "" || m.data().str("leaving") == "ok" })
		oe := j.wait(observer.sid, func(m msg) bool { _, ok := m.data()["kicked"]; return ok })
		if vd := ve.data(); vd.str("leaving") != "ok" || vd.str("reason") != "kicked" || vd.id("room") != room {
			t.Fatalf("kicked participant got %v", vd)
		}
		if od := oe.data(); od.id("kicked") != victim.id || od.id("room") != room {
			t.Fatalf("other participant got %v", od)
		}
		parts := j.request(admin, ah, msg{"request": "listparticipants", "room": room})["participants"].([]any)
		if len(parts) != 1 {
			t.Fatalf("participants after kick: %v", parts)
		}
		// destroying the room tells the participants.
		if d := j.request(admin, ah, msg{"request": "destroy", "room": room, "secret": "sec"}); d.str("videoroom") != "destroyed" || d.id("room") != room {
			t.Fatalf("destroy: %v", d)
		}
		if e := j.wait(observer.sid, func(m msg) bool { return m.data().str("videoroom") == "destroyed" }); e.data().id("room") != room {
			t.Fatalf("destroyed event: %v", e)
		}
		if d := j.request(admin, ah, msg{"request": "exists", "room": room}); d["exists"] != false {
			t.Fatalf("exists after destroy: %v", d)
		}
	}},

	{"notify_joining", func(t *testing.T, tg target) {
		j := tg.client(t)
		admin := j.create()
		defer j.call(msg{"janus": "destroy", "session_id": admin})
		ah := j.attach(admin)
		room := createRoom(t, j, tg, admin, ah, msg{"notify_joining": true})
		alice := joinPublisher(t, j, room, "alice", nil)
		defer j.call(msg{"janus": "destroy", "session_id": alice.sid})
		bob := joinPublisher(t, j, room, "bob", nil)
		defer j.call(msg{"janus": "destroy", "session_id": bob.sid})
		att, _ := bob.joined["attendees"].([]any)
		if len(att) != 1 || msg(att[0].(map[string]any)).id("id") != alice.id || msg(att[0].(map[string]any)).str("display") != "alice" {
			t.Fatalf("attendees: %v", bob.joined)
		}
		e := j.wait(alice.sid, func(m msg) bool { return m.data().obj("joining") != nil })
		if jn := e.data().obj("joining"); jn.id("id") != bob.id || jn.str("display") != "bob" || e.data().id("room") != room {
			t.Fatalf("joining: %v", e.data())
		}
	}},
}

// peerStreams returns the "publishers" entry describing p as seen by
// another participant, from the joined reply of a fresh participant.
func (p *pubSession) peerStreams(t *testing.T, j *janusT, _ *pubSession) msg {
	t.Helper()
	room := p.joined.id("room")
	o := joinPublisher(t, j, room, "probe", nil)
	defer j.call(msg{"janus": "destroy", "session_id": o.sid})
	for _, e := range o.joined["publishers"].([]any) {
		m := msg(e.(map[string]any))
		if m.id("id") == p.id {
			return m
		}
	}
	t.Fatalf("publisher %d not in %v", p.id, o.joined)
	return nil
}

func runConformance(t *testing.T, targets []target) {
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			for _, sc := range conformance {
				t.Run(sc.name, func(t *testing.T) { sc.run(t, tg) })
			}
		})
	}
}

// TestConformanceSFU runs the conformance table against the built-in SFU
// over WebSocket and HTTP long-poll.
func TestConformanceSFU(t *testing.T) {
	runConformance(t, sfuTargets(t, Config{AdminKey: "adm1n"}))
}

// TestConformanceJanus runs the same table against a real Janus 1.1.2
// (janustest: its own network namespace; skipped without janus or root,
// failing under CI=true).
func TestConformanceJanus(t *testing.T) {
	runConformance(t, janusTargets(t))
}

// testLogger collects warnings and errors (all levels with -v) and prints
// them through t.Log when the test ends, if it failed or with -v. Lines
// are never written with t.Log from other goroutines: pion logs while
// closing, which races with the end of a test.
func testLogger(t testing.TB) *slog.Logger {
	level := slog.LevelWarn
	if testing.Verbose() {
		level = slog.LevelDebug
	}
	w := &tWriter{}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		lines := w.lines
		w.mu.Unlock()
		if t.Failed() || testing.Verbose() {
			for _, l := range lines {
				t.Log(l)
			}
		}
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// tWriter buffers log lines for testLogger (at most maxTestLogLines).
type tWriter struct {
	mu    sync.Mutex
	lines []string
	done  bool
}

const maxTestLogLines = 2000

func (w *tWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done && len(w.lines) < maxTestLogLines {
		w.lines = append(w.lines, strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}
