package wire

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
