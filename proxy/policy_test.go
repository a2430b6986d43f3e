package proxy

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/janus/videoroom"
	"github.com/frontdesk/frontdesk/janus/wire"
)

// fakeOwner owns session 1 with handle 2.
type fakeOwner struct{}

func (fakeOwner) ownsSession(id uint64) bool  { return id == 1 }
func (fakeOwner) ownsHandle(s, h uint64) bool { return s == 1 && h == 2 }
func testGrant() grant {
	return grant{ticket: auth.Ticket{ID: "t", Room: 42, ParticipantID: 7, Display: "Ada"}, token: "janus-token", pin: "4321"}
}

// checkForwarded independently re-checks the allow-list on what the policy
// forwarded; it returns "" when the request is allowed.
func checkForwarded(out []byte, g grant, sessionID, handleID uint64) string {
	var req map[string]json.RawMessage
	if err := json.Unmarshal(out, &req); err != nil {
		return "forwarded invalid JSON"
	}
	allowedTop := map[string]bool{"janus": true, "transaction": true, "session_id": true, "handle_id": true, "plugin": true,
		"opaque_id": true, "body": true, "jsep": true, "candidate": true, "candidates": true, "token": true}
	for k := range req {
		if !allowedTop[k] {
			return "forwarded member " + k
		}
	}
	var verb, token string
	_ = json.Unmarshal(req["janus"], &verb)
	_ = json.Unmarshal(req["token"], &token)
	if token != g.token {
		return "token not the participant's"
	}
	switch verb {
	case "create", "attach", "message", "trickle", "keepalive", "detach", "hangup", "destroy", "claim":
	default:
		return "forwarded verb " + verb
	}
	s, h := sessionID, handleID
	if s == 0 {
		s = uintField(req["session_id"])
	}
	if h == 0 {
		h = uintField(req["handle_id"])
	}
	if verb != "create" && s != 1 {
		return "foreign session"
	}
	if h != 0 && h != 2 {
		return "foreign handle"
	}
	if verb == "attach" {
		var plugin string
		_ = json.Unmarshal(req["plugin"], &plugin)
		if plugin != videoroom.Plugin {
			return "attached " + plugin
		}
	}
	if verb != "message" {
		if _, ok := req["body"]; ok {
			return "body on " + verb
		}
		return ""
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(req["body"], &body); err != nil {
		return "body not an object"
	}
	var request string
	_ = json.Unmarshal(body["request"], &request)
	switch request {
	case "join", "joinandconfigure", "publish", "configure", "unpublish", "start", "pause", "switch", "subscribe", "unsubscribe", "update", "leave":
	default:
		return "forwarded request " + request
	}
	for _, f := range []string{"admin_key", "secret", "record", "filename", "rec_dir", "new_secret", "new_pin", "token"} {
		joins := request == "join" || request == "joinandconfigure"
		if _, ok := body[f]; ok && !(f == "token" && !joins) {
			return "forwarded field " + f
		}
	}
	if raw, ok := body["pin"]; ok {
		var pin string
		_ = json.Unmarshal(raw, &pin)
		if (request != "join" && request != "joinandconfigure") || pin != g.pin {
			return "pin not the proxy's"
		}
	}
	if raw, ok := body["room"]; ok && uintField(raw) != g.ticket.Room {
		return "room not the ticket's"
	}
	if request == "join" || request == "joinandconfigure" {
		if uintField(body["room"]) != g.ticket.Room {
			return "join without the ticket's room"
		}
		var ptype, display string
		_ = json.Unmarshal(body["ptype"], &ptype)
		_ = json.Unmarshal(body["display"], &display)
		if request == "joinandconfigure" && ptype != "publisher" {
			return "joinandconfigure as " + ptype
		}
		if ptype == "publisher" && (uintField(body["id"]) != g.ticket.ParticipantID || display != g.ticket.Display) {
			return "publisher id/display not the ticket's"
		}
	}
	return ""
}

var policySeeds = []string{
	`{"janus":"create","transaction":"a"}`,
	`{"janus":"attach","transaction":"a","session_id":1,"plugin":"janus.plugin.videoroom"}`,
	`{"janus":"attach","transaction":"a","session_id":1,"plugin":"janus.plugin.echotest"}`,
	`{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"join","ptype":"publisher","room":42,"id":1,"display":"x","pin":"0"}}`,
	`{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"join","ptype":"subscriber","room":42,"streams":[{"feed":5}]}}`,
	`{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"create","room":9,"admin_key":"k"}}`,
	`{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"configure","record":true,"filename":"/etc/x"},"jsep":{"type":"offer","sdp":"v=0"}}`,
	`{"janus":"message","transaction":"a","session_id":"1","handle_id":"2","body":{"request":"join","ptype":"publisher","room":"43"}}`,
	`{"janus":"trickle","transaction":"a","session_id":1,"handle_id":2,"candidate":{"completed":true}}`,
	`{"janus":"keepalive","transaction":"a","session_id":3,"apisecret":"x","token":"stolen"}`,
	`{"janus":"destroy","transaction":"a","session_id":1,"admin_secret":"x"}`,
	`{"janus":"info","transaction":"a"}`,
	`{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"joinandconfigure","ptype":"publisher","id":99,"display":"Mallory"},"jsep":{"type":"offer","sdp":"v=0"}}`,
	`{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"joinandconfigure","ptype":"subscriber","streams":[{"feed":5}]}}`,
}

func TestPolicyTable(t *testing.T) {
	g := testGrant()
	tests := []struct {
		name     string
		req      string
		session  uint64
		handle   uint64
		wantDeny wire.Code
	}{
		{"create", policySeeds[0], 0, 0, 0},
		{"attach videoroom", policySeeds[1], 0, 0, 0},
		{"attach echotest", policySeeds[2], 0, 0, wire.CodeUnauthorized},
		{"join forced", policySeeds[3], 0, 0, wire.CodeUnauthorized}, // the client sent a pin
		{"subscriber", policySeeds[4], 0, 0, 0},
		{"room create", policySeeds[5], 0, 0, wire.CodeUnauthorized},
		{"record", policySeeds[6], 0, 0, wire.CodeUnauthorized},
		{"other room", policySeeds[7], 0, 0, wire.CodeUnauthorized},
		{"trickle", policySeeds[8], 0, 0, 0},
		{"foreign session", policySeeds[9], 0, 0, wire.CodeSessionNotFound},
		{"destroy", policySeeds[10], 0, 0, 0},
		{"info", policySeeds[11], 0, 0, wire.CodeUnauthorized},
		{"joinandconfigure publisher", policySeeds[12], 0, 0, 0},
		{"joinandconfigure subscriber", policySeeds[13], 0, 0, wire.CodeUnauthorized},
		{"http path ids", `{"janus":"message","transaction":"a","body":{"request":"leave"}}`, 1, 2, 0},
		{"http foreign handle", `{"janus":"message","transaction":"a","body":{"request":"leave"}}`, 1, 3, wire.CodeHandleNotFound},
		{"message without handle", `{"janus":"message","transaction":"a","session_id":1,"body":{"request":"leave"}}`, 0, 0, wire.CodeHandleNotFound},
		{"no transaction", `{"janus":"create"}`, 0, 0, wire.CodeInvalidJSON},
		{"array", `[1,2]`, 0, 0, wire.CodeInvalidJSON},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, _, d := filter([]byte(tc.req), g, fakeOwner{}, tc.session, tc.handle)
			if tc.wantDeny != 0 {
				if d == nil || d.code != tc.wantDeny || out.raw != nil {
					t.Fatalf("denial = %+v, out = %s; want code %d", d, out.raw, tc.wantDeny)
				}
				return
			}
			if d != nil {
				t.Fatalf("denied: %+v", d)
			}
			if why := checkForwarded(out.raw, g, tc.session, tc.handle); why != "" {
				t.Fatalf("%s: %s", why, out.raw)
			}
		})
	}
	// A publisher's join (and joinandconfigure, with its JSEP) gets the
	// ticket's room, id and display, and the pin.
	for _, req := range []string{
		`{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"join","ptype":"publisher","id":99,"display":"Mallory"}}`,
		policySeeds[12],
	} {
		fw, _, d := filter([]byte(req), g, fakeOwner{}, 0, 0)
		out := fw.raw
		if d != nil || !bytes.Contains(out, []byte(`"id":7`)) || !bytes.Contains(out, []byte(`"display":"Ada"`)) || !bytes.Contains(out, []byte(`"room":42`)) ||
			!bytes.Contains(out, []byte(`"pin":"4321"`)) || !bytes.Contains(out, []byte(`"token":"janus-token"`)) {
			t.Fatalf("join not rewritten: %s %+v", out, d)
		}
		if bytes.Contains([]byte(req), []byte(`"jsep"`)) && !bytes.Contains(out, []byte(`"jsep":{"type":"offer"`)) {
			t.Fatalf("joinandconfigure lost its JSEP: %s", out)
		}
	}
}

// FuzzPolicy feeds sequences of client messages (newline-separated, and
// split as a WebSocket message would be) through the policy: whatever it
// forwards must pass the independent allow-list check.
func FuzzPolicy(f *testing.F) {
	for _, s := range policySeeds {
		f.Add([]byte(s), uint64(0), uint64(0))
	}
	f.Add([]byte(policySeeds[1]+"\n"+policySeeds[5]+policySeeds[3]), uint64(1), uint64(2))
	g := testGrant()
	f.Fuzz(func(t *testing.T, data []byte, session, handle uint64) {
		for _, line := range bytes.Split(data, []byte("\n")) {
			for _, req := range splitRequests(line) {
				fw, _, d := filter(req, g, fakeOwner{}, session, handle)
				out := fw.raw
				if d != nil {
					if out != nil {
						t.Fatal("denied and forwarded")
					}
					continue
				}
				if why := checkForwarded(out, g, session, handle); why != "" {
					t.Fatalf("%s: in %q out %s", why, req, out)
				}
			}
		}
	})
}

// BenchmarkPolicy measures the proxy's own per-message work for a
// keepalive and for a join: splitting the WebSocket message, the policy
// and the re-encoding.
func BenchmarkPolicy(b *testing.B) {
	g := testGrant()
	for _, tc := range []struct{ name, msg string }{
		{"keepalive", `{"janus":"keepalive","transaction":"k1","session_id":1,"token":"x"}`},
		{"join", `{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"join","ptype":"publisher","room":42}}`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			msg := []byte(tc.msg)
			b.ReportAllocs()
			for b.Loop() {
				for _, req := range splitRequests(msg) {
					if _, _, d := filter(req, g, fakeOwner{}, 0, 0); d != nil {
						b.Fatal(d.reason)
					}
				}
			}
		})
	}
}

func TestOriginAllowed(t *testing.T) {
	tests := []struct {
		name    string
		opts    []Option
		origin  string
		allowed bool
	}{
		{"no origin header", nil, "", true},
		{"same host by default", nil, "http://desk.example:8080", true},
		{"other host by default", nil, "http://evil.example", false},
		{"empty list means same host", []Option{WithAllowedOrigins()}, "http://desk.example:8080", true},
		{"listed", []Option{WithAllowedOrigins("https://app.example")}, "https://app.example", true},
		{"not listed", []Option{WithAllowedOrigins("https://app.example")}, "http://evil.example", false},
		{"same origin beside a list", []Option{WithAllowedOrigins("https://app.example")}, "http://desk.example:8080", true},
		{"same host, other scheme", nil, "https://desk.example:8080", false},
		{"listed host, other scheme", []Option{WithAllowedOrigins("https://app.example")}, "http://app.example", false},
		{"listed with default port and slash", []Option{WithAllowedOrigins("https://App.example:443/")}, "https://app.example", true},
		{"null", nil, "null", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(nil, nil, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest(http.MethodGet, "http://desk.example:8080/janus", nil)
			if tc.origin != "" {
				r.Header.Set("Origin", tc.origin)
			}
			if got := p.originAllowed(r); got != tc.allowed {
				t.Fatalf("allowed = %v, want %v", got, tc.allowed)
			}
		})
	}
}
