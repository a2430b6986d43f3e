package cluster_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestEventsMatchTheDocumentedSchema: an event of every kind, as the feed
// publishes it, validates against docs/schemas/event-v1.json, and the
// schema's kinds are exactly the queue's.
func TestEventsMatchTheDocumentedSchema(t *testing.T) {
	path := filepath.Join("..", "docs", "schemas", "event-v1.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytesReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("event-v1.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("event-v1.json")
	if err != nil {
		t.Fatal(err)
	}
	var kinds struct {
		Properties struct {
			Kind struct {
				Enum []queue.EventKind `json:"enum"`
			} `json:"kind"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &kinds); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(kinds.Properties.Kind.Enum, queue.EventKinds()) {
		t.Fatalf("schema kinds %v, queue kinds %v", kinds.Properties.Kind.Enum, queue.EventKinds())
	}
	for _, k := range queue.EventKinds() {
		ev := queue.Event{ID: "0123456789abcdef0123456789abcdef", Version: queue.EventSchemaVersion, Kind: k,
			At: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC), Queue: "q1", Entry: "e1", Host: "h1", Call: "c1", Reason: "r"}
		b, _ := json.Marshal(ev)
		v, err := jsonschema.UnmarshalJSON(bytesReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("%s: %s does not validate: %v", k, b, err)
		}
	}
	bad, _ := jsonschema.UnmarshalJSON(bytesReader([]byte(`{"id":"x","v":1,"kind":"entry.joined","at":"2026-06-01T08:00:00Z"}`)))
	if sch.Validate(bad) == nil {
		t.Error("the schema accepts an id that is not 32 hex digits: it checks nothing")
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
