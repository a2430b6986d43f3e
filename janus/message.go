package janus

import (
	"encoding/json"
	"fmt"

	"github.com/frontdesk/frontdesk/janus/wire"
)

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

// The Janus API's message types are defined once, in package wire; these
// names keep the client's API whole.
type (
	// JSEP is wire.JSEP.
	JSEP = wire.JSEP
	// Candidate is wire.Candidate.
	Candidate = wire.Candidate
	// PluginData is wire.PluginData.
	PluginData = wire.PluginData
	// Message is wire.Message.
	Message = wire.Message
	// Error is wire.Error, a Janus core error reply.
	Error = wire.Error
)

// decodeMessages is wire.DecodeMessages with its error wrapped in
// ErrUnexpectedReply.
func decodeMessages(b []byte) ([]*Message, error) {
	msgs, err := wire.DecodeMessages(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnexpectedReply, err)
	}
	return msgs, nil
}
