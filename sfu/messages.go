package sfu

import "encoding/json"

// PluginName is the only plugin the SFU implements.
const PluginName = "janus.plugin.videoroom"

// JSEP is a session description as carried by the Janus API ("jsep"), the
// shape of RTCSessionDescriptionInit plus Janus's "trickle" flag.
type JSEP struct {
	// Type is "offer" or "answer".
	Type string `json:"type"`
	// SDP is the session description (RFC 8866). The SFU's own SDPs carry
	// all its candidates (it does not trickle).
	SDP string `json:"sdp"`
	// Trickle is false when the sender will not trickle candidates.
	Trickle *bool `json:"trickle,omitempty"`
}

// request is one Janus API request as clients send it (mainpage.dox, "The
// Janus API"). Over HTTP, the path supplies session and handle ids.
type request struct {
	Janus       *string          `json:"janus"`
	Transaction *string          `json:"transaction"`
	SessionID   uint64           `json:"session_id"`
	HandleID    uint64           `json:"handle_id"`
	ID          *uint64          `json:"id"`
	Plugin      *string          `json:"plugin"`
	OpaqueID    string           `json:"opaque_id"`
	Body        *json.RawMessage `json:"body"`
	JSEP        *json.RawMessage `json:"jsep"`
	Candidate   *json.RawMessage `json:"candidate"`
	Candidates  *json.RawMessage `json:"candidates"`
	Token       string           `json:"token"`
	APISecret   string           `json:"apisecret"`
}

// message is every reply and notification the SFU sends, with Janus's
// field names; unused fields are omitted.
type message struct {
	Janus       string          `json:"janus"`
	SessionID   uint64          `json:"session_id,omitempty"`
	Sender      uint64          `json:"sender,omitempty"`
	Transaction string          `json:"transaction,omitempty"`
	Data        *idData         `json:"data,omitempty"`
	Error       *errorBody      `json:"error,omitempty"`
	PluginData  *pluginData     `json:"plugindata,omitempty"`
	JSEP        *JSEP           `json:"jsep,omitempty"`
	Reason      string          `json:"reason,omitempty"`
	MID         string          `json:"mid,omitempty"`
	Type        string          `json:"type,omitempty"`
	Receiving   *bool           `json:"receiving,omitempty"`
	Media       string          `json:"media,omitempty"`
	Uplink      *bool           `json:"uplink,omitempty"`
	Lost        *uint32         `json:"lost,omitempty"`
	Hint        json.RawMessage `json:"hint,omitempty"`
}

type idData struct {
	ID uint64 `json:"id"`
}

type errorBody struct {
	Code   int    `json:"code"`
	Reason string `json:"reason"`
}

type pluginData struct {
	Plugin string `json:"plugin"`
	Data   any    `json:"data"`
}

// candidate is a trickled ICE candidate; {"completed":true} ends trickling.
type candidate struct {
	Candidate     string  `json:"candidate"`
	SDPMid        *string `json:"sdpMid"`
	SDPMLineIndex *uint16 `json:"sdpMLineIndex"`
	Completed     bool    `json:"completed"`
}
