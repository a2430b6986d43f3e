package siptest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/janus"
	"github.com/frontdesk/frontdesk/janus/janustest"
)

// sipPlugin is the SIP plugin's package name.
const sipPlugin = "janus.plugin.sip"

// Users of the test.
const (
	hostUser   = "host-1"       // the browser's account, registered by Janus
	phoneUser  = "+15550001234" // answers at once
	ringerUser = "+15550009999" // rings and never answers
)

// sipEvent is one message on the SIP handle, as the test saw it.
type sipEvent struct {
	at     time.Time
	janus  string          // "event", "webrtcup", "media", "hangup", ...
	result json.RawMessage // plugindata.data.result of an "event"
	data   json.RawMessage // plugindata.data
	jsep   *janus.JSEP
	callID string // call_id (top level), on call events
	name   string // result.event, e.g. "registered"
	code   int    // result.code (SIP code), hangup events
	reason string // result.reason
}

// events reads h's events into a channel and logs every plugin event's
// data (the shapes the next engineer's state machine consumes).
func events(t *testing.T, h *janus.Handle) <-chan sipEvent {
	ch := make(chan sipEvent, 64)
	go func() {
		defer close(ch)
		for m := range h.Events() {
			ev := sipEvent{at: time.Now(), janus: m.Janus, jsep: m.JSEP}
			if m.PluginData != nil {
				ev.data = m.PluginData.Data
				var d struct {
					CallID string `json:"call_id"`
					Result struct {
						Event  string `json:"event"`
						Code   int    `json:"code"`
						Reason string `json:"reason"`
					} `json:"result"`
				}
				_ = json.Unmarshal(m.PluginData.Data, &d)
				ev.callID, ev.name, ev.code, ev.reason = d.CallID, d.Result.Event, d.Result.Code, d.Result.Reason
			}
			logEvent(t, "event", ev)
			ch <- ev
		}
	}()
	return ch
}

func logEvent(t *testing.T, kind string, ev sipEvent) {
	jsep := ""
	if ev.jsep != nil {
		jsep = " +jsep " + ev.jsep.Type
	}
	if ev.data != nil {
		t.Logf("%s %s: %s%s", kind, ev.janus, ev.data, jsep)
	} else {
		t.Logf("%s janus=%s%s", kind, ev.janus, jsep)
	}
}

// waitEvent returns the next plugin event named name, failing the test on
// a hangup it did not ask for or after d. Events of other calls than
// callID (when set) are skipped.
func waitEvent(t *testing.T, evs <-chan sipEvent, callID, name string, d time.Duration) sipEvent {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-evs:
			if !ok {
				t.Fatalf("handle ended while waiting for %q", name)
			}
			if callID != "" && ev.callID != callID {
				continue
			}
			if ev.name == name {
				return ev
			}
			if ev.name == "hangup" || ev.name == "registration_failed" {
				t.Fatalf("got %s (%d %s) while waiting for %q", ev.name, ev.code, ev.reason, name)
			}
		case <-timer.C:
			t.Fatalf("no %q event within %s", name, d)
		}
	}
}

// message sends a SIP plugin request and returns the reply event (an
// asynchronous request's first event, e.g. "registering" or "calling").
func message(ctx context.Context, t *testing.T, h *janus.Handle, body map[string]any, jsep *janus.JSEP) sipEvent {
	t.Helper()
	m, err := h.Message(ctx, body, jsep)
	if err != nil {
		t.Fatalf("%s: %v", body["request"], err)
	}
	ev := sipEvent{at: time.Now(), janus: m.Janus, jsep: m.JSEP}
	if m.PluginData != nil {
		ev.data = m.PluginData.Data
		var d struct {
			Result struct {
				Event string `json:"event"`
			} `json:"result"`
		}
		_ = json.Unmarshal(m.PluginData.Data, &d)
		ev.name = d.Result.Event
	}
	logEvent(t, "reply to "+fmt.Sprint(body["request"]), ev)
	return ev
}

// TestSIPChain proves the whole chain with real parts: Janus with the SIP
// plugin registers at kamailio with digest auth and calls baresip phones
// from a Pion peer, audio flows both ways, and every way a call ends gives
// the documented SIP code.
//
// Event shapes janus.plugin.sip 1.1.2 produced here (plugindata.data of
// Janus "event" messages; N is a number, CID the call's SIP Call-ID, which
// the test sets with the call request's "call_id"). Requests are
// asynchronous: the first line of each is the reply to the request's
// transaction, the rest arrive unsolicited on the handle.
//
//	register, right secret:
//	  {"sip":"event","result":{"event":"registering"}}
//	  {"sip":"event","result":{"event":"registered","username":"host-1","register_sent":true,"master_id":N}}
//	register, wrong secret (Sofia-SIP's own code, not the registrar's 401):
//	  {"sip":"event","result":{"event":"registering"}}
//	  {"sip":"event","result":{"event":"registration_failed","code":904,"reason":"Operation has no matching challenge "}}
//	call (with a JSEP offer; the registrar's 407 is answered silently):
//	  {"sip":"event","result":{"event":"calling","call_id":"CID"},"call_id":"CID"}
//	  {"sip":"event","result":{"event":"ringing"},"call_id":"CID"}
//	  {"sip":"event","result":{"event":"proceeding","code":180},"call_id":"CID"}
//	  {"sip":"event","result":{"event":"accepted","username":"sip:+15550001234@10.78.N.2"},"call_id":"CID"}  + JSEP answer
//	  then core messages {"janus":"webrtcup"} and {"janus":"media","type":"audio","receiving":true}
//	hangup request (browser ends an answered call, BYE):
//	  {"sip":"event","result":{"event":"hangingup"},"call_id":"CID"}
//	  {"sip":"event","result":{"event":"hangup","code":200,"reason":"to BYE"},"call_id":"CID"}
//	phone hangs up (BYE from the phone):
//	  {"sip":"event","result":{"event":"hangup","code":200,"reason":"Session Terminated"},"call_id":"CID"}
//	busy:        calling, then {"sip":"event","result":{"event":"hangup","code":486,"reason":"Busy Here"},"call_id":"CID"}
//	unknown:     calling, then {"sip":"event","result":{"event":"hangup","code":404,"reason":"Not Found"},"call_id":"CID"}
//	no answer:   calling, ringing, proceeding 180, then {"sip":"event","result":{"event":"hangup","code":408,"reason":"Request Timeout"},"call_id":"CID"}
//	caller cancels while ringing (hangup request, CANCEL):
//	  hangingup, then {"sip":"event","result":{"event":"hangup","code":487,"reason":"Request Terminated"},"call_id":"CID"}
//
// Every call end, answered or not, is followed by the core message
// {"janus":"hangup"} for the PeerConnection; a new call's offer sent before
// it arrives is refused with core error 490 "Error setting ICE locally".
func TestSIPChain(t *testing.T) {
	inst := janustest.Start(t, janustest.Options{SIP: true})
	reg := StartRegistrar(t, RegistrarOptions{Users: []string{hostUser, phoneUser, ringerUser}, NoAnswerTimeout: 2 * time.Second})
	phone := StartPhone(t, reg, PhoneOptions{User: phoneUser})
	ringer := StartPhone(t, reg, PhoneOptions{User: ringerUser, Answer: AnswerNever})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	tok := "sip-" + randomHex(8)
	if err := inst.Admin().AddToken(ctx, tok, sipPlugin); err != nil {
		t.Fatalf("add_token: %v", err)
	}
	c, err := janus.Dial(ctx, inst.WSURL, janus.WithToken(tok))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	s, err := c.CreateSession(ctx)
	if err != nil {
		t.Fatalf("create session: %v", err)
	}
	h, err := s.Attach(ctx, sipPlugin)
	if err != nil {
		t.Fatalf("attach %s: %v", sipPlugin, err)
	}
	evs := events(t, h)
	host := reg.Account(hostUser)

	// A wrong secret is refused by the registrar.
	message(ctx, t, h, map[string]any{"request": "register", "username": host.URI(), "secret": "wrong-" + randomHex(4), "proxy": reg.ProxyURI()}, nil)
	failed := waitEvent(t, evs, "", "registration_failed", 10*time.Second)
	// Sofia-SIP gives up after a second 401 with its own status 904 "Operation
	// has no matching challenge" rather than the registrar's 401.
	if failed.code != 904 {
		t.Errorf("registration_failed code %d %q, want 904", failed.code, failed.reason)
	}

	start := time.Now()
	if ev := message(ctx, t, h, map[string]any{"request": "register", "username": host.URI(), "secret": host.Password, "proxy": reg.ProxyURI()}, nil); ev.name != "registering" {
		t.Fatalf("register reply %q, want registering", ev.name)
	}
	waitEvent(t, evs, "", "registered", 10*time.Second)
	t.Logf("timing: register -> registered %s", time.Since(start).Round(time.Millisecond))

	// call places a call to uri from a new AudioPeer with a Call-ID of its
	// own, and returns the peer, the Call-ID and when it was sent.
	call := func(t *testing.T, uri string) (*AudioPeer, string, time.Time) {
		t.Helper()
		peer, err := NewAudioPeer(inst.HostInterface)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(peer.Close)
		offer, err := peer.Offer(ctx)
		if err != nil {
			t.Fatal(err)
		}
		callID := "fd-" + randomHex(8)
		at := time.Now()
		if ev := message(ctx, t, h, map[string]any{"request": "call", "uri": uri, "call_id": callID}, offer); ev.name != "calling" {
			t.Fatalf("call reply %q, want calling", ev.name)
		}
		return peer, callID, at
	}
	// ended waits for the call's SIP "hangup" event, then for the core
	// "hangup" of its PeerConnection (Janus refuses a new offer with 490
	// while the old one is being torn down), and returns the SIP one.
	ended := func(t *testing.T, callID string) sipEvent {
		t.Helper()
		hu := waitEvent(t, evs, callID, "hangup", 10*time.Second)
		timer := time.NewTimer(3 * time.Second)
		defer timer.Stop()
		for {
			select {
			case ev := <-evs:
				if ev.janus == "hangup" {
					return hu
				}
			case <-timer.C:
				t.Logf("no core hangup within 3 s of the SIP hangup")
				return hu
			}
		}
	}
	// answered waits for ringing and accepted, and for audio both ways.
	answered := func(t *testing.T, peer *AudioPeer, callID string, at time.Time) Call {
		t.Helper()
		ring := waitEvent(t, evs, callID, "ringing", 10*time.Second)
		acc := waitEvent(t, evs, callID, "accepted", 10*time.Second)
		if err := peer.SetAnswer(acc.jsep); err != nil {
			t.Fatal(err)
		}
		wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
		defer wcancel()
		pc, err := phone.WaitCall(wctx, at, func(c Call) bool { return !c.EstablishedAt.IsZero() })
		if err != nil {
			t.Fatal(err)
		}
		if pc.ID != callID {
			t.Errorf("phone's call id %q, want %q", pc.ID, callID)
		}
		t.Logf("timing: call -> phone INVITE %s, -> ringing event %s, -> accepted event %s, -> phone established %s",
			pc.IncomingAt.Sub(at).Round(time.Millisecond), ring.at.Sub(at).Round(time.Millisecond),
			acc.at.Sub(at).Round(time.Millisecond), pc.EstablishedAt.Sub(at).Round(time.Millisecond))
		if !strings.Contains(pc.Peer, hostUser) {
			t.Errorf("phone saw caller %q, want %s", pc.Peer, hostUser)
		}
		var got Audio
		var last Call
		if !janustest.WaitFor(10*time.Second, func() bool {
			cs := phone.Calls()
			last = cs[len(cs)-1]
			got, _ = phone.Received(last)
			return peer.LoudPackets.Load() >= 25 && got.Packets >= 25 && last.RTCPReceived >= 25
		}) {
			t.Fatalf("audio did not flow both ways: browser received %d RTP packets (%d with tone); phone received %+v, RTCP %d",
				peer.Packets.Load(), peer.LoudPackets.Load(), got, last.RTCPReceived)
		}
		if got.RMS < 2000 {
			t.Errorf("phone received %+v: RMS %.0f, want the browser's tone (~11000)", got, got.RMS)
		}
		t.Logf("audio: browser received %d RTP packets (%d with tone); phone received %+v, RTCP: %d received, %d lost",
			peer.Packets.Load(), peer.LoudPackets.Load(), got, last.RTCPReceived, last.RTCPLost)
		return pc
	}
	phoneEnd := func(t *testing.T, at time.Time) Call {
		t.Helper()
		wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
		defer wcancel()
		closed, err := phone.WaitCall(wctx, at, func(c Call) bool { return c.ClosedBy != SideNone })
		if err != nil {
			t.Fatal(err)
		}
		return closed
	}

	t.Run("browser hangs up", func(t *testing.T) {
		peer, callID, at := call(t, phone.URI)
		answered(t, peer, callID, at)
		message(ctx, t, h, map[string]any{"request": "hangup"}, nil)
		hu := ended(t, callID)
		if closed := phoneEnd(t, at); closed.ClosedBy != SideRemote {
			t.Errorf("phone call %+v, want closed by the remote side", closed)
		}
		if hu.code != 200 {
			t.Errorf("hangup code %d %q, want 200", hu.code, hu.reason)
		}
	})
	t.Run("phone hangs up", func(t *testing.T) {
		peer, callID, at := call(t, phone.URI)
		answered(t, peer, callID, at)
		if err := phone.Hangup(ctx); err != nil {
			t.Fatal(err)
		}
		hu := ended(t, callID)
		if closed := phoneEnd(t, at); closed.ClosedBy != SidePhone {
			t.Errorf("phone call %+v, want closed by the phone", closed)
		}
		if hu.code != 200 {
			t.Errorf("hangup code %d %q, want 200 (BYE)", hu.code, hu.reason)
		}
	})
	// Calls that end before an answer: the hangup event's SIP code.
	for _, tc := range []struct {
		name     string
		uri      string
		cancelAt time.Duration // hang up from the browser this long after ringing; 0 = never
		want     int
	}{
		{name: "busy", uri: reg.URI(BusyNumber), want: 486},
		{name: "unknown number", uri: reg.URI(UnknownNumber), want: 404},
		{name: "no answer", uri: ringer.URI, want: 408},
		{name: "caller cancels while ringing", uri: ringer.URI, cancelAt: 300 * time.Millisecond, want: 487},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, callID, at := call(t, tc.uri)
			if tc.cancelAt > 0 {
				waitEvent(t, evs, callID, "ringing", 5*time.Second)
				time.Sleep(tc.cancelAt)
				message(ctx, t, h, map[string]any{"request": "hangup"}, nil)
			}
			hu := ended(t, callID)
			t.Logf("timing: call -> hangup %d %q %s", hu.code, hu.reason, hu.at.Sub(at).Round(time.Millisecond))
			if hu.code != tc.want {
				t.Errorf("hangup code %d %q, want %d", hu.code, hu.reason, tc.want)
			}
			if tc.uri == ringer.URI {
				// The ringer rang, never answered, and the call was ended
				// from the other side (CANCEL).
				wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
				defer wcancel()
				rc, err := ringer.WaitCall(wctx, at, func(c Call) bool { return c.ClosedBy != SideNone })
				if err != nil {
					t.Fatal(err)
				}
				if rc.ID != callID || !rc.EstablishedAt.IsZero() || rc.ClosedBy != SideRemote {
					t.Errorf("ringer's call %+v, want %s unanswered and closed by the remote side", rc, callID)
				}
				t.Logf("ringer: INVITE %s after the call, closed %q", rc.IncomingAt.Sub(at).Round(time.Millisecond), rc.CloseReason)
			}
		})
	}

	// No password in any log.
	for _, path := range []string{inst.LogPath, reg.LogPath, phone.LogPath, ringer.LogPath} {
		b, _ := os.ReadFile(path)
		for _, u := range []string{hostUser, phoneUser, ringerUser} {
			if strings.Contains(string(b), reg.Account(u).Password) {
				t.Errorf("%s contains the password of %s", path, u)
			}
		}
	}
}

// TestULaw checks the G.711 μ-law codec of AudioPeer against known values.
func TestULaw(t *testing.T) {
	tests := []struct {
		name string
		in   int16
		want byte
	}{
		{"zero", 0, 0xff},
		{"max", 32767, 0x80},
		{"min", -32768, 0x00},
		{"small positive", 100, 0xf2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := linearToULaw(tc.in); got != tc.want {
				t.Errorf("linearToULaw(%d) = %#x, want %#x", tc.in, got, tc.want)
			}
			back := uLawToLinear(linearToULaw(tc.in))
			if d := int(back) - int(tc.in); d > 1100 || d < -1100 {
				t.Errorf("round trip %d -> %d", tc.in, back)
			}
		})
	}
}
