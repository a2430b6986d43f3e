package wire

import "encoding/json"

// Request is an outgoing Janus API or Admin API message. Over WebSocket the
// session and handle ids travel in the body; over HTTP they are also put in
// the path.
type Request struct {
	// Janus is the verb ("create", "attach", "message", "add_token", …);
	// Transaction pairs the reply; the others are the API's members of
	// the same names, omitted when empty. Extra holds Admin API arguments
	// ("plugins", "accept", …) merged into the object.
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
func (r *Request) MarshalJSON() ([]byte, error) {
	type plain Request
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
