package janus

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// JSEP is a session description carried next to a plugin message
// (Janus docs, "The Janus API": the "jsep" member; RFC 8829 JSEP).
type JSEP struct {
	// Type is "offer" or "answer".
	Type string `json:"type"`
	// SDP is the session description (RFC 8866).
	SDP string `json:"sdp"`
	// Trickle, when set to false, tells Janus that the SDP already carries
	// all candidates.
	Trickle *bool `json:"trickle,omitempty"`
}

// Candidate is a trickled ICE candidate (Janus docs, "Trickle ICE";
// RFC 8838). A candidate with Completed set means end-of-candidates.
type Candidate struct {
	// Candidate is the candidate line, e.g. "candidate:1 1 udp 2122260223 ...".
	Candidate string `json:"candidate,omitempty"`
	// SDPMid is the media stream identification tag.
	SDPMid string `json:"sdpMid,omitempty"`
	// SDPMLineIndex is the m-line index.
	SDPMLineIndex *uint16 `json:"sdpMLineIndex,omitempty"`
	// Completed marks end-of-candidates ({"completed": true}).
	Completed bool `json:"completed,omitempty"`
}

// request is an outgoing Janus API or Admin API message. Over WebSocket the
// session and handle ids travel in the body; over HTTP they are also put in
// the path.
type request struct {
	Janus       string         `json:"janus"`
	Transaction string         `json:"transaction"`
	SessionID   uint64         `json:"session_id,omitempty"`
	HandleID    uint64         `json:"handle_id,omitempty"`
	Plugin      string         `json:"plugin,omitempty"`
	OpaqueID    string         `json:"opaque_id,omitempty"`
	Body        any            `json:"body,omitempty"`
	JSEP        *JSEP          `json:"jsep,omitempty"`
	Candidate   *Candidate     `json:"candidate,omitempty"`
	Candidates  []Candidate    `json:"candidates,omitempty"`
	Token       string         `json:"token,omitempty"`
	APISecret   string         `json:"apisecret,omitempty"`
	AdminSecret string         `json:"admin_secret,omitempty"`
	Extra       map[string]any `json:"-"`
}

// MarshalJSON merges Extra (Admin API arguments such as "plugins" or
// "accept") into the object.
func (r *request) MarshalJSON() ([]byte, error) {
	type plain request
	b, err := json.Marshal((*plain)(r))
	if err != nil || len(r.Extra) == 0 {
		return b, err
	}
	extra, err := json.Marshal(r.Extra)
	if err != nil {
		return nil, err
	}
	// Both are JSON objects: splice "{a}" and "{b}" into "{a,b}".
	out := make([]byte, 0, len(b)+len(extra))
	out = append(out, b[:len(b)-1]...)
	out = append(out, ',')
	out = append(out, extra[1:]...)
	return out, nil
}

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
// wrapping [ErrUnexpectedReply] for anything else, including a message
// without a "janus" member.
func DecodeMessages(b []byte) ([]*Message, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty message", ErrUnexpectedReply)
	}
	if err := checkDepth(b); err != nil {
		return nil, err
	}
	var raws []json.RawMessage
	switch b[0] {
	case '[':
		if err := json.Unmarshal(b, &raws); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnexpectedReply, err)
		}
	case '{':
		raws = []json.RawMessage{b}
	default:
		return nil, fmt.Errorf("%w: not a JSON object or array", ErrUnexpectedReply)
	}
	out := make([]*Message, 0, len(raws))
	for _, raw := range raws {
		m := new(Message)
		if err := json.Unmarshal(raw, m); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnexpectedReply, err)
		}
		if m.Janus == "" {
			return nil, fmt.Errorf("%w: message without a janus member", ErrUnexpectedReply)
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
				return fmt.Errorf("%w: nested deeper than %d", ErrUnexpectedReply, maxDecodeDepth)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}

// pluginError returns the plugin error carried in pd (error_code/error), or nil.
func pluginError(pd *PluginData) error {
	if pd == nil || len(pd.Data) == 0 {
		return nil
	}
	var e struct {
		Code   int    `json:"error_code"`
		Reason string `json:"error"`
	}
	if json.Unmarshal(pd.Data, &e) != nil || (e.Code == 0 && e.Reason == "") {
		return nil
	}
	return &PluginError{Plugin: pd.Plugin, Code: e.Code, Reason: e.Reason}
}
