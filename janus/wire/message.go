package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrMalformed: bytes that are not a Janus API message (or an array of
// them): not JSON, nested too deeply, or without a "janus" member.
var ErrMalformed = errors.New("janus wire: malformed message")

// PluginData is the "plugindata" member of a plugin reply or event.
type PluginData struct {
	// Plugin is the plugin package name, e.g. "janus.plugin.videoroom".
	Plugin string `json:"plugin"`
	// Data is the plugin's own JSON object.
	Data json.RawMessage `json:"data"`
}

// Message is one decoded message from Janus: a reply (success, ack, error)
// or an event (event, webrtcup, media, slowlink, hangup, detached, timeout,
// trickle). The fields are the union of the Janus API's members; Raw keeps
// the whole message so nothing is lost.
type Message struct {
	// Janus is the message type, e.g. "success", "event", "webrtcup".
	Janus string `json:"janus"`
	// Transaction echoes the request's transaction, when the message answers one.
	Transaction string `json:"transaction,omitempty"`
	// SessionID is the session the message belongs to.
	SessionID uint64 `json:"session_id,omitempty"`
	// Sender is the handle id the message comes from.
	Sender uint64 `json:"sender,omitempty"`
	// Data is "data" of a success reply (e.g. {"id": 123} for create/attach).
	Data json.RawMessage `json:"data,omitempty"`
	// PluginData is set on plugin replies and events.
	PluginData *PluginData `json:"plugindata,omitempty"`
	// JSEP is an offer or answer from the plugin.
	JSEP *JSEP `json:"jsep,omitempty"`
	// Error is set on {"janus":"error"}.
	Error *Error `json:"error,omitempty"`
	// Type is "audio" or "video" on media and slowlink events.
	Type string `json:"type,omitempty"`
	// Mid is the m-line's mid on media and slowlink events.
	Mid string `json:"mid,omitempty"`
	// Receiving is set on media events: whether Janus receives that medium.
	Receiving *bool `json:"receiving,omitempty"`
	// Media is "audio" or "video" on slowlink events (older Janus sends
	// it instead of Type).
	Media string `json:"media,omitempty"`
	// Hint is the built-in SFU's extra detail on some events (ignored by
	// janus.js).
	Hint json.RawMessage `json:"hint,omitempty"`
	// Uplink is set on slowlink events.
	Uplink *bool `json:"uplink,omitempty"`
	// Lost is the number of lost packets on slowlink events.
	Lost int `json:"lost,omitempty"`
	// Reason is set on hangup events.
	Reason string `json:"reason,omitempty"`
	// Candidate is set on trickle events from Janus (full trickle).
	Candidate *Candidate `json:"candidate,omitempty"`
	// Raw is the message exactly as received.
	Raw json.RawMessage `json:"-"`
}

// maxDecodeDepth bounds how deeply nested an accepted message may be.
const maxDecodeDepth = 64

// DecodeMessages decodes what Janus sent in one WebSocket frame or HTTP
// body: a single JSON object, or a JSON array of objects (HTTP long-poll
// with maxev; Janus 1.1.2 may also batch over WebSocket). It returns an error
// wrapping [ErrMalformed] for anything else, including a message
// without a "janus" member.
func DecodeMessages(b []byte) ([]*Message, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty message", ErrMalformed)
	}
	if err := checkDepth(b); err != nil {
		return nil, err
	}
	var raws []json.RawMessage
	switch b[0] {
	case '[':
		if err := json.Unmarshal(b, &raws); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
	case '{':
		raws = []json.RawMessage{b}
	default:
		return nil, fmt.Errorf("%w: not a JSON object or array", ErrMalformed)
	}
	out := make([]*Message, 0, len(raws))
	for _, raw := range raws {
		m := new(Message)
		if err := json.Unmarshal(raw, m); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		if m.Janus == "" {
			return nil, fmt.Errorf("%w: message without a janus member", ErrMalformed)
		}
		m.Raw = raw
		out = append(out, m)
	}
	return out, nil
}

// checkDepth refuses JSON nested deeper than maxDecodeDepth, so a hostile
// peer cannot make decoding costly.
func checkDepth(b []byte) error {
	depth, inString, escaped := 0, false, false
	for _, c := range b {
		switch {
		case escaped:
			escaped = false
		case inString:
			switch c {
			case '\\':
				escaped = true
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > maxDecodeDepth {
				return fmt.Errorf("%w: nested deeper than %d", ErrMalformed, maxDecodeDepth)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}
