package janus

import (
	"errors"
	"testing"
)

// TestPluginErrorFromReply: a VideoRoom error inside a success reply
// (captured from Janus 1.1.2) becomes a *PluginError with its code.
func TestPluginErrorFromReply(t *testing.T) {
	const reply = `{"janus": "success", "session_id": 1, "transaction": "x", "sender": 2, "plugindata": {"plugin": "janus.plugin.videoroom", "data": {"videoroom": "event", "error_code": 426, "error": "No such room (1234)"}}}`
	msgs, err := decodeMessages([]byte(reply))
	if err != nil {
		t.Fatal(err)
	}
	var pe *PluginError
	if !errors.As(pluginError(msgs[0].PluginData), &pe) || pe.Code != 426 || pe.Plugin != "janus.plugin.videoroom" {
		t.Fatalf("plugin error not found: %v", pe)
	}
	if _, err := decodeMessages([]byte(`{"transaction":"x"}`)); !errors.Is(err, ErrUnexpectedReply) {
		t.Fatalf("a message without janus: %v, want ErrUnexpectedReply", err)
	}
}
