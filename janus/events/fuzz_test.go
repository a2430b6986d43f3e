package events

import (
	"bytes"
	"testing"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// refEnvelope decodes the envelope with the library's reflection decoder,
// as a reference for the hand-written single-pass one.
type refEnvelope struct {
	Emitter   string         `json:"emitter"`
	Type      *int           `json:"type"`
	Subtype   int            `json:"subtype"`
	Timestamp int64          `json:"timestamp"`
	SessionID uint64         `json:"session_id"`
	HandleID  uint64         `json:"handle_id"`
	OpaqueID  string         `json:"opaque_id"`
	Event     jsontext.Value `json:"event"`
}

func mustTime() time.Time { return time.Unix(1_795_433_000, 0) }

// FuzzDecodeBatch feeds posted bodies to DecodeBatch. Seeds: every event
// captured from a real Janus 1.1.2, a grouped array of them, and the
// hand-built shapes of the unit tests; generated inputs live in
// testdata/fuzz/FuzzDecodeBatch.
func FuzzDecodeBatch(f *testing.F) {
	lines := loadCaptured(f)
	for _, l := range lines {
		f.Add(l)
	}
	f.Add(append(append([]byte("["), bytes.Join(lines[:20], []byte(","))...), ']'))
	f.Add([]byte(`{"type":32,"subtype":3,"timestamp":1,"event":[{"mid":"0"},{"mid":"1"}]}`))
	f.Add([]byte(`{"type":64,"timestamp":1,"event":{"plugin":"janus.plugin.videoroom","data":{"event":"joined","room":"s","id":"p"}}}`))
	f.Add([]byte(`[{"type":512,"event":null},{"type":1},42]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := DecodeBatch(body)
		if err == nil && len(evs) == 0 {
			t.Fatal("no events and no error")
		}
		c := NewCorrelator(4)
		for _, ev := range evs {
			if ev.Payload == nil {
				t.Fatal("nil payload")
			}
			if len(ev.Raw) == 0 || ev.Raw[0] != '{' {
				t.Fatalf("raw not kept: %q", ev.Raw)
			}
			var ref refEnvelope
			if err := jsonv2.Unmarshal(ev.Raw, &ref); err == nil {
				if ref.Type == nil || Type(*ref.Type) != ev.Type || ref.Emitter != ev.Emitter || ref.Subtype != ev.Subtype ||
					ref.Timestamp != ev.Timestamp || ref.SessionID != ev.SessionID || ref.HandleID != ev.HandleID ||
					ref.OpaqueID != ev.OpaqueID || (ref.Event.Kind() != 'n' && !bytes.Equal(ref.Event, ev.Body)) {
					t.Fatalf("envelope %+v differs from the reference %+v (raw %s)", ev, ref, ev.Raw)
				}
			}
			c.Annotate(ev)
			_ = ev.Name()
			ev.Call()
		}
	})
}
