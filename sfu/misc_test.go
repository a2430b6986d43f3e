package sfu

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestNAT1To1Candidates: the configured public address replaces host
// candidates in the SFU's SDP.
func TestNAT1To1Candidates(t *testing.T) {
	s, err := New(Config{NAT1To1IPs: []string{"203.0.113.7"}, Interfaces: []string{"lo"}, IncludeLoopback: true}, WithLogger(testLogger(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pc, err := s.api.NewPeerConnection(pcConfig(s.cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	vr := &vrHandle{srv: s}
	d, err := vr.localDescription(pc, true)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.SDP, "203.0.113.7") || strings.Contains(d.SDP, " 127.0.0.1 ") {
		t.Fatalf("SDP candidates do not use the 1:1 NAT address:\n%s", d.SDP)
	}
}

// TestLongPollMaxev: with maxev the long-poll replies an array; idle it
// replies a keepalive.
func TestLongPollMaxev(t *testing.T) {
	_, hs := newTestSFU(t, Config{LongPollTimeout: 200 * time.Millisecond})
	h := dialHTTP(hs.URL+"/janus", "")
	j := newJanusT(t, h, "")
	sid := j.create()
	get := func(q string) string {
		resp, err := http.Get(hs.URL + "/janus/" + itoa(sid) + q)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return b.String()
	}
	if got := get(""); !strings.Contains(got, `"janus":"keepalive"`) || strings.HasPrefix(got, "[") {
		t.Fatalf("idle long-poll: %s", got)
	}
	for range 3 {
		hid := j.attach(sid)
		j.call(msg{"janus": "detach", "session_id": sid, "handle_id": hid})
	}
	got := get("?maxev=2")
	if !strings.HasPrefix(got, "[") || strings.Count(got, `"janus":"detached"`) != 2 {
		t.Fatalf("maxev=2: %s", got)
	}
	if got := get("?maxev=5"); strings.Count(got, `"janus":"detached"`) != 1 {
		t.Fatalf("rest: %s", got)
	}
	resp, err := http.Get(hs.URL + "/nosuch")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("unknown path: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

// lockedBuffer collects log output from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestSecretsStayOutOfLogs: room secrets, pins, admin keys and tokens never
// reach a log line, even at debug level.
func TestSecretsStayOutOfLogs(t *testing.T) {
	var buf lockedBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug - 4}))
	srv, hs := newTestSFU(t, Config{AdminKey: "ADMINKEY-x1"}, WithLogger(logger))
	j := newJanusT(t, dialWS(t, wsURLOf(hs.URL)), "")
	sid := j.create()
	hid := j.attach(sid)
	d := j.request(sid, hid, msg{"request": "create", "admin_key": "ADMINKEY-x1", "secret": "SECRET-x2", "pin": "PIN-x3", "allowed": []string{"TOKEN-x4"}})
	room := d.id("room")
	api := testAPI(t, true, []string{"lo"}, nil)
	p := joinPublisher(t, j, room, "alice", msg{"pin": "PIN-x3", "token": "TOKEN-x4"})
	startPublishing(t, j, api, p)
	wantRoomError(t, j.request(sid, hid, msg{"request": "destroy", "room": room, "secret": "WRONG-x5"}), 433)
	j.request(sid, hid, msg{"request": "destroy", "room": room, "secret": "SECRET-x2"})
	j.call(msg{"janus": "destroy", "session_id": sid})
	j.call(msg{"janus": "destroy", "session_id": p.sid})
	_ = srv.Close()
	out := buf.String()
	if len(out) == 0 {
		t.Fatal("no log output captured")
	}
	for _, secret := range []string{"ADMINKEY-x1", "SECRET-x2", "PIN-x3", "TOKEN-x4", "WRONG-x5"} {
		if strings.Contains(out, secret) {
			t.Errorf("%s reached the log", secret)
		}
	}
	// the publisher's ICE password (from its offer) is redacted in pion's logs
	pwd := ""
	for _, line := range strings.Split(p.peer.pc.LocalDescription().SDP, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "a=ice-pwd:"); ok {
			pwd = v
		}
	}
	if pwd == "" || strings.Contains(out, pwd) {
		t.Errorf("ICE password %q missing from the offer or present in the log", pwd)
	}
	if !strings.Contains(out, "[redacted]") {
		t.Error("expected pion's agent line with a redacted password at trace level")
	}
}

func TestCollector(t *testing.T) {
	srv, _ := newTestSFU(t, Config{})
	if _, err := srv.CreateRoom(context.Background(), RoomConfig{}); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(srv.Collector()); err != nil {
		t.Fatal(err)
	}
	if n, err := testutil.GatherAndCount(reg); err != nil || n != 6 {
		t.Fatalf("metrics: %d %v", n, err)
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP frontdesk_sfu_rooms VideoRoom rooms on the built-in SFU.
# TYPE frontdesk_sfu_rooms gauge
frontdesk_sfu_rooms{sfu="frontdesk-sfu"} 1
`), "frontdesk_sfu_rooms"); err != nil {
		t.Fatal(err)
	}
}

// TestTokenAuth: with token auth on, requests need a valid token (403
// otherwise, Janus's code), long-polls too.
func TestTokenAuth(t *testing.T) {
	_, hs := newTestSFU(t, Config{}, WithTokenAuth(func(tok string) bool { return tok == "good" }))
	h := dialHTTP(hs.URL+"/janus", "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := h.send(ctx, msg{"janus": "create"})
	if err != nil {
		t.Fatal(err)
	}
	wantCoreError(t, r, 403)
	r, _ = h.send(ctx, msg{"janus": "create", "token": "bad"})
	wantCoreError(t, r, 403)
	if r, _ := h.send(ctx, msg{"janus": "ping"}); r.str("janus") != "pong" {
		t.Fatalf("ping needs no token: %v", r)
	}
	j := newJanusT(t, h, "good")
	sid := j.create()
	hid := j.attach(sid)
	r, _ = h.send(ctx, msg{"janus": "keepalive", "session_id": sid})
	wantCoreError(t, r, 403)
	r, _ = h.send(ctx, msg{"janus": "detach", "session_id": sid, "handle_id": hid, "token": "bad"})
	wantCoreError(t, r, 403)
	resp, err := http.Get(hs.URL + "/janus/" + itoa(sid))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	resp.Body.Close()
	if !strings.Contains(b.String(), `"code":403`) {
		t.Fatalf("long-poll without token: %s", b.String())
	}
	j.call(msg{"janus": "detach", "session_id": sid, "handle_id": hid})
	hp := dialHTTP(hs.URL+"/janus", "good")
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	if e, err := hp.next(ctx2, sid); err != nil || e.str("janus") != "detached" {
		t.Fatalf("long-poll with token: %v %v", e, err)
	}
}
