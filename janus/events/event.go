package events

import (
	"encoding/json"
	"log/slog"
	"time"
)

// Event is one decoded event: the Janus envelope, correlation fields, the
// typed payload and the original bytes.
type Event struct {
	// Emitter is the Janus server_name (janus.jcfg general.server_name) or,
	// for TypeCall events, the name of the SFU instance. Empty when Janus has
	// no server name configured.
	Emitter string
	// Type is the event type.
	Type Type
	// Subtype refines TypeWebRTC, TypeMedia and TypeCore (see
	// [WebRTCSubtype], [MediaSubtype], [CoreSubtype]) and holds the
	// callevent.Kind of TypeCall events; 0 when absent.
	Subtype int
	// Timestamp is when the event happened, in microseconds since the Unix
	// epoch (janus_get_real_time in src/utils.c).
	Timestamp int64
	// SessionID is the Janus session; 0 for core and external events and
	// for plugin events without a session (VideoRoom unpublished, leaving,
	// kicked).
	SessionID uint64
	// HandleID is the Janus handle; 0 when absent.
	HandleID uint64
	// OpaqueID is the opaque_id the client gave when attaching; "" when none.
	OpaqueID string

	// Room is the VideoRoom room this event belongs to, from the payload or
	// filled in by a [Correlator]; "" when unknown.
	Room ID
	// Participant is the VideoRoom participant (publisher) id this event
	// belongs to, from the payload or filled in by a [Correlator]; "" when
	// unknown or for subscriber handles.
	Participant ID

	// Payload is the typed body; never nil after [Decode].
	Payload Payload
	// Body is the raw "event" member.
	Body json.RawMessage
	// Raw is the whole event object as received, unknown members included.
	// It aliases the decoded buffer: do not modify it.
	Raw json.RawMessage
}

// Time returns Timestamp as a time.Time.
func (e *Event) Time() time.Time { return time.UnixMicro(e.Timestamp) }

// Name returns a short label for logs and metrics: the type, then the
// subtype or the VideoRoom/handle/session event name, e.g.
// "webrtc/connection", "plugins/joined", "handles/attached".
func (e *Event) Name() string {
	s := e.Type.String()
	if n := payloadName(e.Payload); n != "" {
		return s + "/" + n
	}
	if st := SubtypeString(e.Type, e.Subtype); st != "" {
		return s + "/" + st
	}
	return s
}

// LogValue makes logging an event safe and short: emitter, name, ids,
// room and participant, never the raw JSON (which may hold a core token, a
// display name or an SDP).
func (e *Event) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, 8)
	attrs = append(attrs, slog.String("emitter", e.Emitter), slog.String("name", e.Name()))
	if e.SessionID != 0 {
		attrs = append(attrs, slog.Uint64("session", e.SessionID))
	}
	if e.HandleID != 0 {
		attrs = append(attrs, slog.Uint64("handle", e.HandleID))
	}
	if e.Room != "" {
		attrs = append(attrs, slog.String("room", string(e.Room)))
	}
	if e.Participant != "" {
		attrs = append(attrs, slog.String("participant", string(e.Participant)))
	}
	attrs = append(attrs, slog.Time("at", e.Time()))
	return slog.GroupValue(attrs...)
}

// Payload is the typed body of an event. The concrete types are the *XEvent
// structs of this package and *Unknown.
type Payload interface{ isPayload() }

// Unknown is the payload of an event whose type is not known to this
// package, or whose body did not fit the typed struct for its type. The body
// stays in Body; Err says why it was not typed (nil for unknown types).
type Unknown struct {
	// Body is the raw "event" member.
	Body json.RawMessage
	// Err is why a known type's body was not typed; nil for unknown types.
	Err error
}

func (*Unknown) isPayload() {}

func payloadName(p Payload) string {
	switch v := p.(type) {
	case *SessionEvent:
		return v.Name
	case *HandleEvent:
		return v.Name
	case *PluginEvent:
		if v.VideoRoom != nil {
			return v.VideoRoom.Event
		}
	case *ConnectionEvent:
		return v.State
	case *CoreEvent:
		return v.Status
	case *CallPayload:
		return v.Kind.String()
	}
	return ""
}
