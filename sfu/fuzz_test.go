package sfu

import (
	"encoding/json"
	"io"
	"log/slog"
	"testing"
)

// FuzzHandleRaw feeds arbitrary bytes to the Janus API request decoder and
// dispatcher (what every transport hands it): no panic, and every reply is
// a JSON object with a "janus" member.
func FuzzHandleRaw(f *testing.F) {
	for _, seed := range []string{
		`{"janus":"create","transaction":"a"}`,
		`{"janus":"attach","plugin":"janus.plugin.videoroom","transaction":"b","session_id":1}`,
		`{"janus":"message","transaction":"c","session_id":1,"handle_id":2,"body":{"request":"join","ptype":"publisher","room":1234}}`,
		`{"janus":"message","transaction":"d","session_id":1,"handle_id":2,"body":{"request":"create","room":1},"jsep":{"type":"offer","sdp":"v=0"}}`,
		`{"janus":"trickle","transaction":"e","session_id":1,"handle_id":2,"candidates":[{"candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host","sdpMid":"0","sdpMLineIndex":0},{"completed":true}]}`,
		`{"janus":"info","transaction":"f"}`,
		`{"janus":"keepalive","transaction":"g","session_id":18446744073709551615}`,
		`[{"janus":"ping","transaction":"h"}]`,
		`{"janus":`,
		`null`,
	} {
		f.Add([]byte(seed))
	}
	s, err := New(Config{SessionTimeout: -1}, WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Close() })
	// One real session and handle so ids in the corpus can hit something.
	se, _ := s.createSession(1, newPollQueue())
	if se != nil {
		_, _ = s.attach(se, "")
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, raw := range splitRequests(data) {
			reply, after := s.handleRaw(raw, origin{newSink: func(old sink) sink { return newPollQueue() }})
			b, err := json.Marshal(reply)
			if err != nil {
				t.Fatalf("reply does not marshal: %v", err)
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil || m["janus"] == nil {
				t.Fatalf("reply %s is not a Janus message", b)
			}
			if after != nil {
				after()
			}
		}
	})
}
