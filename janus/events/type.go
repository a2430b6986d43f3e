package events

import (
	"strconv"

	"github.com/frontdesk/frontdesk/callevent"
)

// Type is the Janus event type, a bit in the event handlers' mask
// (JANUS_EVENT_TYPE_* in src/events/eventhandler.h). A Type value can also be
// used as a mask of several types (e.g. TypeWebRTC|TypeMedia) in filters.
type Type int

// Event types emitted by Janus 1.1 (src/events/eventhandler.h), plus
// TypeCall, which is Frontdesk's own.
const (
	TypeSession   Type = 1 << 0 // session created, destroyed, timeout
	TypeHandle    Type = 1 << 1 // handle attached, detached
	TypeExternal  Type = 1 << 2 // posted through the Admin API (message_eventhandler)
	TypeJSEP      Type = 1 << 3 // local or remote SDP offer/answer
	TypeWebRTC    Type = 1 << 4 // ICE, candidates, selected pair, DTLS, PeerConnection state
	TypeMedia     Type = 1 << 5 // receiving on/off, slow link, statistics
	TypePlugin    Type = 1 << 6 // plugin specific (VideoRoom joined, published, ...)
	TypeTransport Type = 1 << 7 // transport specific (HTTP request, WebSocket connected, ...)
	TypeCore      Type = 1 << 8 // server started, shutting down

	// TypeCall marks Frontdesk's source-neutral call events ([CallPayload], package callevent),
	// emitted by the Pion SFU. Janus never sends it.
	TypeCall Type = 1 << 16

	// TypeAll matches every type in a filter mask.
	TypeAll Type = -1
)

// String returns the label Janus uses in its events mask configuration
// ("sessions", "handles", ..., janus_events_type_to_label in src/events.c),
// "call" for TypeCall, or "type(N)" for anything else.
func (t Type) String() string {
	switch t {
	case TypeSession:
		return "sessions"
	case TypeHandle:
		return "handles"
	case TypeExternal:
		return "external"
	case TypeJSEP:
		return "jsep"
	case TypeWebRTC:
		return "webrtc"
	case TypeMedia:
		return "media"
	case TypePlugin:
		return "plugins"
	case TypeTransport:
		return "transports"
	case TypeCore:
		return "core"
	case TypeCall:
		return "call"
	case TypeAll:
		return "all"
	}
	return "type(" + strconv.Itoa(int(t)) + ")"
}

// Has reports whether the mask t includes every bit of u.
func (t Type) Has(u Type) bool { return t&u == u && u != 0 }

// WebRTCSubtype is the subtype of a TypeWebRTC event
// (JANUS_EVENT_SUBTYPE_WEBRTC_* in src/events/eventhandler.h).
type WebRTCSubtype int

// WebRTC event subtypes.
const (
	SubtypeICEState        WebRTCSubtype = 1 // {"ice": state, "stream_id", "component_id"}
	SubtypeLocalCandidate  WebRTCSubtype = 2 // {"local-candidate": "...", ...}
	SubtypeRemoteCandidate WebRTCSubtype = 3 // {"remote-candidate": "...", ...}
	SubtypeSelectedPair    WebRTCSubtype = 4 // {"selected-pair": "...", "candidates": {...}}
	SubtypeDTLSState       WebRTCSubtype = 5 // {"dtls": state, "retransmissions", ...}
	SubtypeConnection      WebRTCSubtype = 6 // {"connection": "webrtcup"|"hangup", "reason"}
)

// String returns a short name such as "ice-state" or "connection".
func (s WebRTCSubtype) String() string {
	switch s {
	case SubtypeICEState:
		return "ice-state"
	case SubtypeLocalCandidate:
		return "local-candidate"
	case SubtypeRemoteCandidate:
		return "remote-candidate"
	case SubtypeSelectedPair:
		return "selected-pair"
	case SubtypeDTLSState:
		return "dtls-state"
	case SubtypeConnection:
		return "connection"
	}
	return "webrtc-subtype(" + strconv.Itoa(int(s)) + ")"
}

// MediaSubtype is the subtype of a TypeMedia event
// (JANUS_EVENT_SUBTYPE_MEDIA_* in src/events/eventhandler.h).
type MediaSubtype int

// Media event subtypes.
const (
	SubtypeMediaState MediaSubtype = 1 // {"media", "mid", "receiving": bool}
	SubtypeSlowLink   MediaSubtype = 2 // {"media", "mid", "slow_link", "lost_lastsec"}
	SubtypeMediaStats MediaSubtype = 3 // per-stream RTCP statistics (every stats_period s)
)

// String returns "media-state", "slow-link" or "stats".
func (s MediaSubtype) String() string {
	switch s {
	case SubtypeMediaState:
		return "media-state"
	case SubtypeSlowLink:
		return "slow-link"
	case SubtypeMediaStats:
		return "stats"
	}
	return "media-subtype(" + strconv.Itoa(int(s)) + ")"
}

// CoreSubtype is the subtype of a TypeCore event
// (JANUS_EVENT_SUBTYPE_CORE_* in src/events/eventhandler.h).
type CoreSubtype int

// Core event subtypes.
const (
	SubtypeStarted  CoreSubtype = 1 // {"status": "started", "info": {server_info}}
	SubtypeShutdown CoreSubtype = 2 // {"status": "shutdown", "signum": N}
)

// String returns "started" or "shutdown".
func (s CoreSubtype) String() string {
	switch s {
	case SubtypeStarted:
		return "started"
	case SubtypeShutdown:
		return "shutdown"
	}
	return "core-subtype(" + strconv.Itoa(int(s)) + ")"
}

// SubtypeString names subtype s of type t ("" when t has no subtypes and s
// is 0).
func SubtypeString(t Type, s int) string {
	switch t {
	case TypeWebRTC:
		return WebRTCSubtype(s).String()
	case TypeMedia:
		return MediaSubtype(s).String()
	case TypeCore:
		return CoreSubtype(s).String()
	case TypeCall:
		return callevent.Kind(s).String()
	}
	if s == 0 {
		return ""
	}
	return "subtype(" + strconv.Itoa(s) + ")"
}
