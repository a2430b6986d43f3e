package wire

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// realMessages are messages captured from Janus 1.1.2 (janustest), one per
// kind the client handles.
var realMessages = []string{
	`{"janus": "success", "transaction": "a1-1", "data": {"id": 5427409316155187}}`,
	`{"janus": "success", "session_id": 5427409316155187, "transaction": "a1-2", "data": {"id": 8119356024530457}}`,
	`{"janus": "ack", "session_id": 5427409316155187, "transaction": "a1-3"}`,
	`{"janus": "error", "transaction": "a1-4", "error": {"code": 403, "reason": "Unauthorized request (wrong or missing secret/token)"}}`,
	`{"janus": "success", "session_id": 1, "transaction": "x", "sender": 2, "plugindata": {"plugin": "janus.plugin.videoroom", "data": {"videoroom": "event", "error_code": 426, "error": "No such room (1234)"}}}`,
	`{"janus": "event", "session_id": 1, "transaction": "x", "sender": 2, "plugindata": {"plugin": "janus.plugin.videoroom", "data": {"videoroom": "joined", "room": 77, "description": "d", "id": 4242, "private_id": 99, "publishers": []}}}`,
	`{"janus": "event", "session_id": 1, "sender": 2, "transaction": "y", "plugindata": {"plugin": "janus.plugin.videoroom", "data": {"videoroom": "event", "room": 77, "configured": "ok", "audio_codec": "opus", "video_codec": "vp8", "streams": [{"type": "audio", "mindex": 0, "mid": "0", "codec": "opus"}]}}, "jsep": {"type": "answer", "sdp": "v=0\r\n"}}`,
	`{"janus": "webrtcup", "session_id": 1, "sender": 2}`,
	`{"janus": "media", "session_id": 1, "sender": 2, "mid": "0", "type": "audio", "receiving": true}`,
	`{"janus": "slowlink", "session_id": 1, "sender": 2, "mid": "1", "media": "video", "uplink": true, "lost": 12}`,
	`{"janus": "hangup", "session_id": 1, "sender": 2, "reason": "DTLS alert"}`,
	`{"janus": "detached", "session_id": 1, "sender": 2}`,
	`{"janus": "timeout", "session_id": 1}`,
	`[{"janus": "keepalive"}]`,
	`[{"janus": "webrtcup", "session_id": 1, "sender": 2}, {"janus": "media", "session_id": 1, "sender": 2, "type": "video", "receiving": true}]`,
}

func TestDecodeMessages(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int
		wantErr bool
	}{
		{"object", realMessages[0], 1, false},
		{"array", realMessages[len(realMessages)-1], 2, false},
		{"empty", "  ", 0, true},
		{"string", `"hello"`, 0, true},
		{"no janus member", `{"transaction":"x"}`, 0, true},
		{"array with non-object", `[1]`, 0, true},
		{"too deep", strings.Repeat("[", 100) + strings.Repeat("]", 100), 0, true},
		{"truncated", `{"janus":"ack"`, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msgs, err := DecodeMessages([]byte(tc.in))
			if tc.wantErr {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("err = %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil || len(msgs) != tc.want {
				t.Fatalf("got %d messages, err %v", len(msgs), err)
			}
		})
	}
	for _, in := range realMessages {
		if _, err := DecodeMessages([]byte(in)); err != nil {
			t.Errorf("real message refused: %v\n%s", err, in)
		}
	}
}

// FuzzDecodeMessages checks that no input panics the decoder, that every
// decoded message has a janus member and its raw bytes, and that a decoded
// message decodes again to the same type.
func FuzzDecodeMessages(f *testing.F) {
	for _, m := range realMessages {
		f.Add([]byte(m))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		msgs, err := DecodeMessages(b)
		if err != nil {
			return
		}
		for _, m := range msgs {
			if m.Janus == "" || len(m.Raw) == 0 {
				t.Fatalf("decoded message without janus or raw: %+v", m)
			}
			again, err := DecodeMessages(m.Raw)
			if err != nil || len(again) != 1 || again[0].Janus != m.Janus {
				t.Fatalf("raw does not round-trip: %q: %v", m.Raw, err)
			}
		}
	})
}

// TestFuzzCorpusKept makes sure the seed corpus directory is in the tree, so
// corpus entries found by fuzzing are kept (testdata/fuzz/FuzzDecodeMessages).
func TestFuzzCorpusKept(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("testdata", "fuzz", "FuzzDecodeMessages"))
	if err != nil || len(entries) == 0 {
		t.Fatalf("fuzz corpus missing: %v", err)
	}
}
