package sfu

import "encoding/json"

// PluginName is the only plugin the SFU implements.
const PluginName = "janus.plugin.videoroom"

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

type idData struct {
	ID uint64 `json:"id"`
}

// candidate is a trickled ICE candidate; {"completed":true} ends trickling.
type candidate struct {
	Candidate     string  `json:"candidate"`
	SDPMid        *string `json:"sdpMid"`
	SDPMLineIndex *uint16 `json:"sdpMLineIndex"`
	Completed     bool    `json:"completed"`
}

// idJSON is the "data" of a create or attach reply: {"id": id}.
func idJSON(id uint64) json.RawMessage { return rawJSON(idData{ID: id}) }

// rawJSON encodes v, one of the SFU's own reply bodies (which always
// encode), as a raw JSON value.
func rawJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("sfu: encoding a reply body: " + err.Error())
	}
	return b
}
