package events

// ICE states as named by Janus (janus_get_ice_state_name in src/ice.c).
const (
	ICEDisconnected = "disconnected"
	ICEGathering    = "gathering"
	ICEConnecting   = "connecting"
	ICEConnected    = "connected"
	ICEReady        = "ready"
	ICEFailed       = "failed"
)

// Connection states of a SubtypeConnection event (src/ice.c).
const (
	ConnectionUp     = "webrtcup"
	ConnectionHangup = "hangup"
)

// ICEStateEvent is a SubtypeICEState body: the libnice component's State
// (one of the ICE* constants).
type ICEStateEvent struct {
	State       string `json:"ice"`
	StreamID    int    `json:"stream_id"`
	ComponentID int    `json:"component_id"`
}

// CandidateEvent is a SubtypeLocalCandidate or SubtypeRemoteCandidate body:
// an SDP candidate line without the "a=candidate:" prefix.
type CandidateEvent struct {
	Remote      bool   `json:"-"`
	Candidate   string `json:"-"`
	StreamID    int    `json:"stream_id"`
	ComponentID int    `json:"component_id"`
}

// SelectedPairEvent is a SubtypeSelectedPair body: Pair is Janus's summary
// ("ip:port [type,transport] <-> ip:port [type,transport]") and Candidates
// the two ends, when Janus includes them.
type SelectedPairEvent struct {
	Pair       string `json:"selected-pair"`
	Candidates *struct {
		Local  PairCandidate `json:"local"`
		Remote PairCandidate `json:"remote"`
	} `json:"candidates,omitempty"`
	StreamID    int `json:"stream_id"`
	ComponentID int `json:"component_id"`
}

// PairCandidate is one end of a selected pair: Type is host, srflx, prflx or
// relay; Transport udp or tcp; Family 4 or 6.
type PairCandidate struct {
	Address   string `json:"address"`
	Port      int    `json:"port"`
	Type      string `json:"type"`
	Transport string `json:"transport"`
	Family    int    `json:"family"`
}

// DTLSStateEvent is a SubtypeDTLSState body: State is "created", "trying",
// "connected", "failed" or "closed" (janus_get_dtls_srtp_state in
// src/dtls.c), with the handshake retransmission count.
type DTLSStateEvent struct {
	State           string `json:"dtls"`
	StreamID        int    `json:"stream_id"`
	ComponentID     int    `json:"component_id"`
	Retransmissions int    `json:"retransmissions"`
}

// ConnectionEvent is a SubtypeConnection body: State is ConnectionUp
// ("webrtcup") or ConnectionHangup ("hangup", with a Reason such as
// "Close PC", "DTLS alert" or "ICE failed").
type ConnectionEvent struct {
	State  string `json:"connection"`
	Reason string `json:"reason,omitempty"`
}

func (*ICEStateEvent) isPayload()     {}
func (*CandidateEvent) isPayload()    {}
func (*SelectedPairEvent) isPayload() {}
func (*DTLSStateEvent) isPayload()    {}
func (*ConnectionEvent) isPayload()   {}
