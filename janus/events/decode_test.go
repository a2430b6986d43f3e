package events

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/callevent"
)

// capturedFile holds events posted by a real Janus 1.1.2 (Debian package)
// through janus.eventhandler.sampleevh while a Pion publisher and subscriber
// used a VideoRoom: one JSON object per line.
const capturedFile = "testdata/captured-janus-1.1.2.jsonl"

func loadCaptured(t testing.TB) [][]byte {
	t.Helper()
	f, err := os.Open(capturedFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if l := bytes.TrimSpace(sc.Bytes()); len(l) > 0 {
			lines = append(lines, bytes.Clone(l))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(lines) < 100 {
		t.Fatalf("captured corpus has %d events, want >= 100", len(lines))
	}
	return lines
}

func TestDecodeCapturedEvents(t *testing.T) {
	names := map[string]int{}
	for i, line := range loadCaptured(t) {
		ev, err := Decode(line)
		if err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if u, ok := ev.Payload.(*Unknown); ok {
			t.Fatalf("line %d (%s): untyped payload: %v", i+1, ev.Name(), u.Err)
		}
		if ev.Emitter != "evcap-janus" || ev.Timestamp < 1_700_000_000_000_000 {
			t.Fatalf("line %d: envelope emitter=%q timestamp=%d", i+1, ev.Emitter, ev.Timestamp)
		}
		if pe, ok := ev.Payload.(*PluginEvent); ok && (pe.VideoRoom == nil || pe.VideoRoom.Kind == VideoRoomOther) {
			t.Fatalf("line %d: VideoRoom data not typed: %s (%v)", i+1, pe.Data, pe.DataErr)
		}
		names[ev.Name()]++
	}
	want := []string{
		"core/started", "core/shutdown", "sessions/created", "sessions/destroyed",
		"handles/attached", "handles/detached", "jsep", "webrtc/ice-state",
		"webrtc/local-candidate", "webrtc/remote-candidate", "webrtc/selected-pair",
		"webrtc/dtls-state", "webrtc/webrtcup", "webrtc/hangup", "media/media-state",
		"media/stats", "transports", "plugins/created", "plugins/joined",
		"plugins/published", "plugins/configured", "plugins/subscribing",
		"plugins/subscribed", "plugins/unsubscribed", "plugins/kicked",
		"plugins/unpublished", "plugins/leaving", "plugins/destroyed",
	}
	for _, n := range want {
		if names[n] == 0 {
			t.Errorf("no %q event decoded from the capture (got %v)", n, names)
		}
	}
}

func mustDecode(t *testing.T, s string) *Event {
	t.Helper()
	ev, err := Decode([]byte(s))
	if err != nil {
		t.Fatalf("Decode(%s): %v", s, err)
	}
	return ev
}

func TestDecodeTypedPayloads(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		check func(t *testing.T, ev *Event)
	}{
		{"session created with transport",
			`{"emitter":"j1","type":1,"timestamp":1,"session_id":7,"event":{"name":"created","transport":{"transport":"janus.transport.http","id":"42"}}}`,
			func(t *testing.T, ev *Event) {
				p := ev.Payload.(*SessionEvent)
				if p.Name != "created" || p.Transport == nil || p.Transport.Transport != "janus.transport.http" || ev.SessionID != 7 {
					t.Errorf("got %+v", p)
				}
			}},
		{"handle attached with opaque id and token",
			`{"type":2,"timestamp":1,"session_id":7,"handle_id":8,"opaque_id":"q-1","event":{"name":"attached","plugin":"janus.plugin.videoroom","opaque_id":"q-1","token":"t0k"}}`,
			func(t *testing.T, ev *Event) {
				p := ev.Payload.(*HandleEvent)
				if p.Name != "attached" || p.Plugin != PluginVideoRoom || p.Token != "t0k" || ev.OpaqueID != "q-1" || ev.HandleID != 8 {
					t.Errorf("got %+v / %+v", p, ev)
				}
			}},
		{"external",
			`{"type":4,"timestamp":1,"event":{"schema":"my.source","data":{"a":1}}}`,
			func(t *testing.T, ev *Event) {
				p := ev.Payload.(*ExternalEvent)
				if p.Schema != "my.source" || string(p.Data) != `{"a":1}` {
					t.Errorf("got %+v", p)
				}
			}},
		{"jsep local answer",
			`{"type":8,"timestamp":1,"session_id":1,"handle_id":2,"event":{"owner":"local","jsep":{"type":"answer","sdp":"v=0\r\n"}}}`,
			func(t *testing.T, ev *Event) {
				p := ev.Payload.(*JSEPEvent)
				if p.Owner != "local" || p.JSEP.Type != "answer" || p.JSEP.SDP != "v=0\r\n" {
					t.Errorf("got %+v", p)
				}
			}},
		{"ice state",
			`{"type":16,"subtype":1,"timestamp":1,"session_id":1,"handle_id":2,"event":{"ice":"failed","stream_id":1,"component_id":1}}`,
			func(t *testing.T, ev *Event) {
				if p := ev.Payload.(*ICEStateEvent); p.State != ICEFailed || p.StreamID != 1 {
					t.Errorf("got %+v", p)
				}
			}},
		{"local candidate",
			`{"type":16,"subtype":2,"timestamp":1,"session_id":1,"handle_id":2,"event":{"local-candidate":"1 1 udp 1 10.0.0.1 5000 typ host","stream_id":1,"component_id":1}}`,
			func(t *testing.T, ev *Event) {
				if p := ev.Payload.(*CandidateEvent); p.Remote || p.Candidate != "1 1 udp 1 10.0.0.1 5000 typ host" {
					t.Errorf("got %+v", p)
				}
			}},
		{"remote candidate",
			`{"type":16,"subtype":3,"timestamp":1,"session_id":1,"handle_id":2,"event":{"remote-candidate":"2 1 udp 2 10.0.0.2 6000 typ srflx","stream_id":1,"component_id":1}}`,
			func(t *testing.T, ev *Event) {
				if p := ev.Payload.(*CandidateEvent); !p.Remote || p.Candidate == "" {
					t.Errorf("got %+v", p)
				}
			}},
		{"selected pair with candidates",
			`{"type":16,"subtype":4,"timestamp":1,"session_id":1,"handle_id":2,"event":{"selected-pair":"a <-> b","candidates":{"local":{"address":"10.0.0.1","port":5000,"type":"host","transport":"udp","family":4},"remote":{"address":"10.0.0.2","port":6000,"type":"relay","transport":"udp","family":4}},"stream_id":1,"component_id":1}}`,
			func(t *testing.T, ev *Event) {
				p := ev.Payload.(*SelectedPairEvent)
				if p.Pair != "a <-> b" || p.Candidates == nil || p.Candidates.Remote.Type != "relay" || p.Candidates.Local.Port != 5000 {
					t.Errorf("got %+v", p)
				}
			}},
		{"dtls state",
			`{"type":16,"subtype":5,"timestamp":1,"session_id":1,"handle_id":2,"event":{"dtls":"connected","stream_id":1,"component_id":1,"retransmissions":2}}`,
			func(t *testing.T, ev *Event) {
				if p := ev.Payload.(*DTLSStateEvent); p.State != "connected" || p.Retransmissions != 2 {
					t.Errorf("got %+v", p)
				}
			}},
		{"hangup with reason",
			`{"type":16,"subtype":6,"timestamp":1,"session_id":1,"handle_id":2,"event":{"connection":"hangup","reason":"DTLS alert"}}`,
			func(t *testing.T, ev *Event) {
				if p := ev.Payload.(*ConnectionEvent); p.State != ConnectionHangup || p.Reason != "DTLS alert" {
					t.Errorf("got %+v", p)
				}
				if ev.Name() != "webrtc/hangup" {
					t.Errorf("Name() = %q", ev.Name())
				}
			}},
		{"webrtc without subtype (older Janus) is inferred",
			`{"type":16,"timestamp":1,"session_id":1,"handle_id":2,"event":{"connection":"webrtcup"}}`,
			func(t *testing.T, ev *Event) {
				if p, ok := ev.Payload.(*ConnectionEvent); !ok || p.State != ConnectionUp {
					t.Errorf("got %#v", ev.Payload)
				}
			}},
		{"media receiving false after seconds, simulcast substream",
			`{"type":32,"subtype":1,"timestamp":1,"session_id":1,"handle_id":2,"event":{"media":"video","mid":"1","substream":2,"receiving":false,"seconds":3}}`,
			func(t *testing.T, ev *Event) {
				p := ev.Payload.(*MediaStateEvent)
				if p.Receiving || p.Seconds != 3 || p.Substream == nil || *p.Substream != 2 || p.MID != "1" {
					t.Errorf("got %+v", p)
				}
			}},
		{"slow link",
			`{"type":32,"subtype":2,"timestamp":1,"session_id":1,"handle_id":2,"event":{"mid":"0","media":"audio","slow_link":"uplink","lost_lastsec":12}}`,
			func(t *testing.T, ev *Event) {
				if p := ev.Payload.(*SlowLinkEvent); p.Direction != "uplink" || p.LostLastSec != 12 {
					t.Errorf("got %+v", p)
				}
			}},
		{"combined media stats array",
			`{"type":32,"subtype":3,"timestamp":1,"session_id":1,"handle_id":2,"event":[{"mid":"0","mindex":0,"media":"audio","packets-received":10},{"mid":"1","mindex":1,"media":"video","bytes-received":99}]}`,
			func(t *testing.T, ev *Event) {
				p := ev.Payload.(*MediaStatsEvent)
				if len(p.Streams) != 2 || p.Streams[0].PacketsReceived != 10 || p.Streams[1].BytesReceived != 99 {
					t.Errorf("got %+v", p)
				}
			}},
		{"videoroom with string ids",
			`{"type":64,"timestamp":1,"session_id":1,"handle_id":2,"event":{"plugin":"janus.plugin.videoroom","data":{"event":"joined","room":"desk-1","id":"agent-7","private_id":5,"display":"Agent"}}}`,
			func(t *testing.T, ev *Event) {
				vr := ev.Payload.(*PluginEvent).VideoRoom
				if vr.Kind != VideoRoomJoined || vr.Room != "desk-1" || vr.Participant != "agent-7" || ev.Room != "desk-1" || ev.Participant != "agent-7" {
					t.Errorf("got %+v / room=%q participant=%q", vr, ev.Room, ev.Participant)
				}
			}},
		{"videoroom leaving has no session but exposes room and participant",
			`{"emitter":"j1","type":64,"timestamp":1,"event":{"plugin":"janus.plugin.videoroom","data":{"event":"leaving","room":1234,"id":98765432101234}}}`,
			func(t *testing.T, ev *Event) {
				if ev.SessionID != 0 || ev.HandleID != 0 || ev.Room != "1234" || ev.Participant != "98765432101234" {
					t.Errorf("got %+v", ev)
				}
			}},
		{"videoroom talking",
			`{"type":64,"timestamp":1,"session_id":1,"handle_id":2,"event":{"plugin":"janus.plugin.videoroom","data":{"event":"talking","room":1,"id":2,"mid":"0","audio-level-dBov-avg":37.5}}}`,
			func(t *testing.T, ev *Event) {
				vr := ev.Payload.(*PluginEvent).VideoRoom
				if vr.Kind != VideoRoomTalking || vr.AudioLevel == nil || *vr.AudioLevel != 37.5 {
					t.Errorf("got %+v", vr)
				}
			}},
		{"videoroom unknown event name is kept",
			`{"type":64,"timestamp":1,"event":{"plugin":"janus.plugin.videoroom","data":{"event":"rtp_forward","room":1,"publisher_id":2,"host":"10.0.0.9"}}}`,
			func(t *testing.T, ev *Event) {
				pe := ev.Payload.(*PluginEvent)
				if pe.VideoRoom.Kind != VideoRoomOther || pe.VideoRoom.Event != "rtp_forward" || !bytes.Contains(pe.Data, []byte("10.0.0.9")) {
					t.Errorf("got %+v", pe)
				}
			}},
		{"other plugin keeps data",
			`{"type":64,"timestamp":1,"session_id":1,"handle_id":2,"event":{"plugin":"janus.plugin.echotest","data":{"audio_active":"true"}}}`,
			func(t *testing.T, ev *Event) {
				pe := ev.Payload.(*PluginEvent)
				if pe.VideoRoom != nil || string(pe.Data) != `{"audio_active":"true"}` {
					t.Errorf("got %+v", pe)
				}
			}},
		{"transport",
			`{"type":128,"timestamp":1,"event":{"transport":"janus.transport.websockets","id":"9","data":{"event":"connected","admin_api":false,"ip":"10.0.0.3","port":40000}}}`,
			func(t *testing.T, ev *Event) {
				p := ev.Payload.(*TransportEvent)
				if p.Event != "connected" || p.IP != "10.0.0.3" || p.Port != 40000 {
					t.Errorf("got %+v", p)
				}
			}},
		{"core started",
			`{"emitter":"j1","type":256,"subtype":1,"timestamp":1,"event":{"status":"started","info":{"name":"Janus WebRTC Server","version":1102,"version_string":"1.1.2","server-name":"j1"}}}`,
			func(t *testing.T, ev *Event) {
				p := ev.Payload.(*CoreEvent)
				if p.Status != "started" || p.Server == nil || p.Server.VersionString != "1.1.2" || p.Server.Version != 1102 {
					t.Errorf("got %+v", p)
				}
			}},
		{"core shutdown",
			`{"type":256,"subtype":2,"timestamp":1,"event":{"status":"shutdown","signum":15}}`,
			func(t *testing.T, ev *Event) {
				if p := ev.Payload.(*CoreEvent); p.Status != "shutdown" || p.Signum != 15 {
					t.Errorf("got %+v", p)
				}
			}},
		{"unknown type is kept with its body and extra members",
			`{"type":512,"timestamp":1,"future":"x","event":{"whatever":[1,2]}}`,
			func(t *testing.T, ev *Event) {
				u := ev.Payload.(*Unknown)
				if u.Err != nil || string(u.Body) != `{"whatever":[1,2]}` || !bytes.Contains(ev.Raw, []byte(`"future":"x"`)) {
					t.Errorf("got %+v raw=%s", u, ev.Raw)
				}
				if ev.Type.String() != "type(512)" {
					t.Errorf("String() = %q", ev.Type.String())
				}
			}},
		{"mistyped body is kept as Unknown with the reason",
			`{"type":32,"subtype":1,"timestamp":1,"session_id":1,"handle_id":2,"event":{"media":"audio","receiving":"true"}}`,
			func(t *testing.T, ev *Event) {
				u, ok := ev.Payload.(*Unknown)
				if !ok || u.Err == nil || !bytes.Contains(u.Body, []byte("receiving")) {
					t.Errorf("got %#v", ev.Payload)
				}
			}},
		{"known type without body",
			`{"type":1,"timestamp":1,"session_id":1}`,
			func(t *testing.T, ev *Event) {
				if u, ok := ev.Payload.(*Unknown); !ok || !errors.Is(u.Err, errNoBody) {
					t.Errorf("got %#v", ev.Payload)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, mustDecode(t, tt.in)) })
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "  ", ErrEmpty},
		{"truncated object", `{"type":1,`, ErrMalformed},
		{"array is not an event", `[1]`, ErrNotObject},
		{"number", `42`, ErrNotObject},
		{"garbage", `nope`, ErrMalformed},
		{"missing type", `{"event":{}}`, ErrMissingType},
		{"string type", `{"type":"1"}`, ErrMissingType},
		{"null type", `{"type":null,"event":{}}`, ErrMissingType},
		{"fractional type", `{"type":1.5}`, ErrMissingType},
		{"trailing data", `{"type":1} {}`, ErrMalformed},
		{"duplicate member", `{"type":1,"type":2}`, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.in))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Decode(%q) error = %v, want %v", tt.in, err, tt.want)
			}
		})
	}
}

func TestDecodeBatch(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantN     int
		wantErr   error
		wantIndex int
	}{
		{"single object", `{"type":1,"timestamp":1,"session_id":1,"event":{"name":"created"}}`, 1, nil, -1},
		{"array", `[{"type":1,"timestamp":1,"event":{"name":"created"}},{"type":256,"subtype":2,"timestamp":2,"event":{"status":"shutdown"}}]`, 2, nil, -1},
		{"array keeps the good events and names the bad one", `[{"type":1,"timestamp":1,"event":{"name":"created"}},{"no":"type"},3]`, 1, ErrMissingType, 1},
		{"empty array", `[]`, 0, ErrEmpty, -1},
		{"malformed array", `[{"type":1},`, 0, ErrMalformed, -1},
		{"string", `"x"`, 0, ErrNotObject, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := DecodeBatch([]byte(tt.in))
			if len(evs) != tt.wantN {
				t.Errorf("got %d events, want %d", len(evs), tt.wantN)
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantIndex >= 0 {
				var ee *ElementError
				if !errors.As(err, &ee) || ee.Index != tt.wantIndex {
					t.Fatalf("err = %v, want element %d", err, tt.wantIndex)
				}
			}
		})
	}
}

func TestDecodeBatchCopiesTheBody(t *testing.T) {
	body := []byte(`[{"type":1,"event":{"name":"created"}}]`)
	evs, err := DecodeBatch(body)
	if err != nil {
		t.Fatal(err)
	}
	body[2] = 'X'
	if string(evs[0].Raw) != `{"type":1,"event":{"name":"created"}}` {
		t.Fatalf("event aliases the caller's body: %s", evs[0].Raw)
	}
}

func TestEnumStrings(t *testing.T) {
	tests := []struct{ got, want string }{
		{TypeSession.String(), "sessions"},
		{TypeCore.String(), "core"},
		{TypeCall.String(), "call"},
		{SubtypeConnection.String(), "connection"},
		{SubtypeMediaStats.String(), "stats"},
		{SubtypeShutdown.String(), "shutdown"},
		{SubtypeString(TypeWebRTC, 4), "selected-pair"},
		{SubtypeString(TypePlugin, 0), ""},
		{VideoRoomStoppedTalking.String(), "stopped-talking"},
		{VideoRoomKind(99).String(), "videoroom-kind(99)"},
		{callevent.MediaUp.String(), "media-up"},
		{WebRTCSubtype(9).String(), "webrtc-subtype(9)"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	if !(TypeWebRTC | TypeMedia).Has(TypeMedia) || TypeWebRTC.Has(TypeMedia) || !TypeAll.Has(TypeCore) {
		t.Error("Type.Has is wrong")
	}
}

func TestIDAcceptsNumbersAndStrings(t *testing.T) {
	var v struct{ A, B, C ID }
	if err := json.Unmarshal([]byte(`{"A":18446744073709551615,"B":"x-1","C":null}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != "18446744073709551615" || v.B != "x-1" || v.C != "" {
		t.Fatalf("got %+v", v)
	}
	if err := json.Unmarshal([]byte(`{"A":true}`), &v); err == nil {
		t.Fatal("a boolean id decoded")
	}
}

func TestLogValueHidesTokenAndRaw(t *testing.T) {
	ev := mustDecode(t, `{"emitter":"j1","type":2,"timestamp":1795433114925275,"session_id":7,"handle_id":8,"event":{"name":"attached","plugin":"janus.plugin.videoroom","token":"s3cr3t-core-token"}}`)
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("event", "ev", ev)
	out := buf.String()
	if strings.Contains(out, "s3cr3t-core-token") || strings.Contains(out, "janus.plugin.videoroom") {
		t.Fatalf("log line leaks the event body: %s", out)
	}
	if !strings.Contains(out, `"name":"handles/attached"`) || !strings.Contains(out, `"handle":8`) {
		t.Fatalf("log line lacks the event summary: %s", out)
	}
}
