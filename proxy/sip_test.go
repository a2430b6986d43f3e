package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/janus/wire"
)

var testAccount = &SIPAccount{Username: "sip:fd-queue-7@pbx.test", AuthUser: "fd-auth-7", Secret: "pa55-w0rd-sip",
	DisplayName: "Help desk", Proxy: "sip:10.78.1.2:5060", Domain: "pbx.test"}

func phoneGrant() grant {
	return grant{ticket: auth.Ticket{ID: "t", CallID: "c1", Instance: "janus-a", Role: auth.CallHost, Phone: "+15550102030", Display: "Ada"},
		token: "sip-token", sip: testAccount, phone: &phoneState{}}
}

// checkSIPForwarded independently re-checks what the phone policy
// forwarded; it returns "" when the request is allowed.
func checkSIPForwarded(out []byte, g grant) string {
	var req map[string]json.RawMessage
	if err := json.Unmarshal(out, &req); err != nil {
		return "forwarded invalid JSON"
	}
	var verb, token, plugin string
	_ = json.Unmarshal(req["janus"], &verb)
	_ = json.Unmarshal(req["token"], &token)
	_ = json.Unmarshal(req["plugin"], &plugin)
	if token != g.token {
		return "token not the participant's"
	}
	if verb == "attach" && plugin != SIPPlugin {
		return "attached " + plugin
	}
	if verb != "message" {
		return ""
	}
	var body map[string]any
	if err := json.Unmarshal(req["body"], &body); err != nil {
		return "body not an object"
	}
	request, _ := body["request"].(string)
	want := map[string][]string{
		"register":  {"username", "secret", "authuser", "display_name", "proxy", "outbound_proxy"},
		"call":      {"uri"},
		"accept":    {},
		"decline":   {"code"},
		"hangup":    {},
		"hold":      {"direction"},
		"unhold":    {},
		"dtmf_info": {"digit", "duration"},
	}
	members, ok := want[request]
	if !ok {
		return "forwarded SIP request " + request
	}
	for k := range body {
		if k != "request" && !slices.Contains(members, k) {
			return "forwarded member " + k + " in " + request
		}
	}
	switch request {
	case "register":
		if body["username"] != g.sip.Username || body["secret"] != g.sip.Secret || body["authuser"] != g.sip.AuthUser || body["proxy"] != g.sip.Proxy {
			return "register not with the configured account"
		}
	case "call":
		if body["uri"] != "sip:"+g.ticket.Phone+"@"+g.sip.Domain {
			return "called another number"
		}
	case "accept":
		if g.phone.incomingFrom() != g.ticket.Phone {
			return "accepted a call from another number"
		}
	}
	return ""
}

var sipSeeds = []string{
	`{"janus":"attach","transaction":"a","session_id":1,"plugin":"janus.plugin.sip"}`,
	`{"janus":"attach","transaction":"a","session_id":1,"plugin":"janus.plugin.videoroom"}`,
	`{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"register"}}`,
	`{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"register","username":"sip:mallory@evil.test","secret":"x"}}`,
	`{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"register","type":"guest"}}`,
	`{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"call","uri":"sip:+15550102030@anything"},"jsep":{"type":"offer","sdp":"v=0"}}`,
	`{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"call"},"jsep":{"type":"offer","sdp":"v=0"}}`,
	`{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"call","uri":"sip:+19005550000@pbx.test"}}`,
	`{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"call","uri":"sip:+15550102030@pbx.test","headers":{"P-Asserted-Identity":"sip:boss@x"}}}`,
	`{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"transfer","uri":"sip:+19005550000@pbx.test"}}`,
	`{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"recording","action":"start","audio":true,"filename":"/tmp/x"}}`,
	`{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"hangup"}}`,
	`{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"dtmf_info","digit":"5","duration":100}}`,
	`{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"accept"},"jsep":{"type":"answer","sdp":"v=0"}}`,
	`{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"message","content":"hi"}}`,
	`{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"join","room":42,"ptype":"publisher"}}`,
}

func TestSIPPolicy(t *testing.T) {
	for _, tc := range []struct {
		name     string
		req      string
		wantDeny wire.Code
	}{
		{"attach sip", sipSeeds[0], 0},
		{"attach videoroom with a phone ticket", sipSeeds[1], wire.CodeUnauthorized},
		{"register gets the account", sipSeeds[2], 0},
		{"register with other credentials", sipSeeds[3], wire.CodeUnauthorized},
		{"register as guest", sipSeeds[4], wire.CodeUnauthorized},
		{"call the ticket's number", sipSeeds[5], 0},
		{"call without uri", sipSeeds[6], 0},
		{"call another number", sipSeeds[7], wire.CodeUnauthorized},
		{"call with custom headers", sipSeeds[8], wire.CodeUnauthorized},
		{"transfer", sipSeeds[9], wire.CodeUnauthorized},
		{"recording", sipSeeds[10], wire.CodeUnauthorized},
		{"hangup", sipSeeds[11], 0},
		{"dtmf", sipSeeds[12], 0},
		{"accept with no incoming call", sipSeeds[13], wire.CodeUnauthorized},
		{"SIP MESSAGE", sipSeeds[14], wire.CodeUnauthorized},
		{"videoroom join with a phone ticket", sipSeeds[15], wire.CodeUnauthorized},
		{"call a tel uri of the number", `{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"call","uri":"tel:+15550102030"}}`, 0},
		{"call the number with a suffix", `{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"call","uri":"sip:+155501020301@pbx.test"}}`, wire.CodeUnauthorized},
		{"bad dtmf digit", `{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"dtmf_info","digit":"55"}}`, wire.CodeInvalidJSON},
		{"hold with a bad direction", `{"janus":"message","transaction":"a","session_id":1,"handle_id":2,"body":{"request":"hold","direction":"sendrecv"}}`, wire.CodeInvalidJSON},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := phoneGrant()
			out, _, d := filter([]byte(tc.req), g, fakeOwner{}, 0, 0)
			if tc.wantDeny != 0 {
				if d == nil || d.code != tc.wantDeny || out.raw != nil {
					t.Fatalf("denial = %+v, out = %s; want code %d", d, out.raw, tc.wantDeny)
				}
				if strings.Contains(d.reason, testAccount.Secret) || strings.Contains(d.reason, testAccount.Username) {
					t.Fatalf("denial names the account: %s", d.reason)
				}
				return
			}
			if d != nil {
				t.Fatalf("denied: %+v", d)
			}
			if why := checkSIPForwarded(out.raw, g); why != "" {
				t.Fatalf("%s: %s", why, out.raw)
			}
		})
	}
	t.Run("a VideoRoom ticket cannot attach the SIP plugin", func(t *testing.T) {
		_, _, d := filter([]byte(sipSeeds[0]), testGrant(), fakeOwner{}, 0, 0)
		if d == nil || d.code != wire.CodeUnauthorized {
			t.Fatalf("denial = %+v", d)
		}
	})
	t.Run("accept an incoming call from the ticket's number only", func(t *testing.T) {
		g := phoneGrant()
		p := &Proxy{}
		incoming := func(from string) []byte {
			return []byte(`{"janus":"event","session_id":1,"sender":2,"plugindata":{"plugin":"janus.plugin.sip","data":{"sip":"event","result":{"event":"incomingcall","username":"` + from + `"}}}}`)
		}
		p.observeSIP(context.Background(), g, incoming("sip:+19005550000@pbx.test"))
		if _, _, d := filter([]byte(sipSeeds[13]), g, fakeOwner{}, 0, 0); d == nil {
			t.Fatal("accepted a call from another number")
		}
		p.observeSIP(context.Background(), g, incoming("sip:+15550102030@pbx.test"))
		out, _, d := filter([]byte(sipSeeds[13]), g, fakeOwner{}, 0, 0)
		if d != nil || checkSIPForwarded(out.raw, g) != "" {
			t.Fatalf("accept of the ticket's caller: %+v", d)
		}
	})
	t.Run("denial labels stay in a fixed set", func(t *testing.T) {
		for verb, want := range map[string]string{
			"message:sip_transfer": "message:sip_transfer", "message:sip_register": "message:sip_register",
			"message:sip_x-evil": "message:sip_other", "message:sip_" + strings.Repeat("a", 100): "message:sip_other",
		} {
			if got := denialLabel(verb); got != want {
				t.Errorf("denialLabel(%q) = %q, want %q", verb, got, want)
			}
		}
	})
}

// TestObserveSIP: the SIP plugin's events become phone steps, and the
// account's names never reach the client.
func TestObserveSIP(t *testing.T) {
	g := phoneGrant()
	var steps []PhoneStep
	p := &Proxy{phoneSteps: func(_ context.Context, tk auth.Ticket, s PhoneStep) {
		if tk.Phone != g.ticket.Phone {
			t.Errorf("step for ticket %+v", tk)
		}
		steps = append(steps, s)
	}}
	ev := func(result string) []byte {
		return []byte(`{"janus":"event","session_id":1,"sender":2,"plugindata":{"plugin":"janus.plugin.sip","data":{"sip":"event","result":` + result + `}}}`)
	}
	msgs := [][]byte{
		ev(`{"event":"registered","username":"sip:fd-queue-7@pbx.test","register_sent":true}`),
		[]byte(`{"janus": "event", "plugindata": {"plugin": "janus.plugin.sip", "data": {"sip": "event", "result": {"event": "registered", "username": "fd-queue-7", "register_sent": true}}}}`),
		ev(`{"event":"calling","call_id":"abc"}`),
		ev(`{"event":"progress","username":"sip:+15550102030@pbx.test"}`),
		ev(`{"event":"ringing"}`),
		ev(`{"event":"accepted","username":"sip:+15550102030@pbx.test"}`),
		ev(`{"event":"hangup","code":200,"reason":"Session Terminated"}`),
		[]byte(`{"janus":"event","session_id":1,"sender":2,"plugindata":{"plugin":"janus.plugin.videoroom","data":{"videoroom":"event","result":{"event":"hangup"}}}}`),
	}
	for _, m := range msgs {
		out := p.observeSIP(context.Background(), g, bytes.Clone(m))
		if !json.Valid(out) {
			t.Fatalf("observeSIP made invalid JSON of %s: %s", m, out)
		}
		for _, secret := range []string{testAccount.Username, "fd-queue-7", testAccount.AuthUser, testAccount.Secret} {
			if bytes.Contains(out, []byte(secret)) {
				t.Fatalf("%q reached the client: %s", secret, out)
			}
		}
	}
	want := []PhoneStep{{Event: "calling"}, {Event: "ringing"}, {Event: "ringing"}, {Event: "accepted"}, {Event: "hangup", Code: 200, Reason: "Session Terminated"}}
	if len(steps) != len(want) {
		t.Fatalf("steps %+v", steps)
	}
	for i := range want {
		if steps[i] != want[i] {
			t.Fatalf("step %d = %+v, want %+v", i, steps[i], want[i])
		}
	}
	// The connection's end after an ended call reports nothing more; after
	// a call still going it reports a hangup.
	p.phoneClosed(context.Background(), g)
	if len(steps) != len(want) {
		t.Fatalf("a closed connection after the hangup reported %+v", steps[len(steps)-1])
	}
	g2 := phoneGrant()
	p.observeSIP(context.Background(), g2, ev(`{"event":"calling"}`))
	p.phoneClosed(context.Background(), g2)
	if last := steps[len(steps)-1]; last != (PhoneStep{Event: "hangup"}) {
		t.Fatalf("closing a connection with a live call reported %+v", last)
	}
}

// FuzzSIPPolicy: whatever the phone policy forwards passes the
// independent check, whatever the client sends.
func FuzzSIPPolicy(f *testing.F) {
	for _, s := range sipSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g := phoneGrant()
		for _, line := range bytes.Split(data, []byte("\n")) {
			for _, req := range splitRequests(line) {
				fw, _, d := filter(req, g, fakeOwner{}, 0, 0)
				if d != nil {
					if fw.raw != nil {
						t.Fatal("denied and forwarded")
					}
					continue
				}
				if why := checkSIPForwarded(fw.raw, g); why != "" {
					t.Fatalf("%s: in %q out %s", why, req, fw.raw)
				}
			}
		}
	})
}
