package events

import (
	"strconv"
	"time"
)

// CallKind is the kind of a source-neutral call event: what happened to one
// participant of a room, whether the media server is Janus or Frontdesk's
// Pion SFU.
type CallKind int

// Call event kinds.
const (
	CallUnknown        CallKind = iota // not a call step
	CallAttached                       // a handle/peer was created for the participant
	CallJoined                         // the participant joined the room
	CallPublished                      // the participant's media is published in the room
	CallMediaUp                        // the PeerConnection is up (ICE + DTLS done)
	CallMediaReceiving                 // the server started receiving Media from the participant
	CallMediaStopped                   // the server stopped receiving Media from the participant
	CallUnpublished                    // the participant stopped publishing
	CallHangup                         // the PeerConnection went down (Reason says why)
	CallLeft                           // the participant left the room (or was kicked, Reason "kicked")
	CallDetached                       // the handle/peer is gone
)

var callKindNames = [...]string{
	CallUnknown:        "unknown",
	CallAttached:       "attached",
	CallJoined:         "joined",
	CallPublished:      "published",
	CallMediaUp:        "media-up",
	CallMediaReceiving: "media-receiving",
	CallMediaStopped:   "media-stopped",
	CallUnpublished:    "unpublished",
	CallHangup:         "hangup",
	CallLeft:           "left",
	CallDetached:       "detached",
}

// String returns the kind's name, e.g. "media-up".
func (k CallKind) String() string {
	if k >= 0 && int(k) < len(callKindNames) {
		return callKindNames[k]
	}
	return "call-kind(" + strconv.Itoa(int(k)) + ")"
}

// CallEvent is the payload of a TypeCall event: Frontdesk's own
// source-neutral record of a call step. The Pion SFU emits these with
// [NewCallEvent]; [Event.Call] derives the same record from a Janus event.
type CallEvent struct {
	// Kind is the step.
	Kind CallKind
	// Room and Participant identify the participant (VideoRoom ids for
	// Janus; the SFU uses the same ids for its rooms).
	Room        ID
	Participant ID
	// Media is "audio" or "video" for CallMediaReceiving/CallMediaStopped.
	Media string
	// Reason is a short cause for CallHangup and CallLeft.
	Reason string
}

func (*CallEvent) isPayload() {}

// NewCallEvent returns a TypeCall event from emitter (the SFU instance name)
// at time at, for the given session and handle (0 when the SFU has none).
func NewCallEvent(emitter string, at time.Time, session, handle uint64, c CallEvent) *Event {
	return &Event{
		Emitter:     emitter,
		Type:        TypeCall,
		Subtype:     int(c.Kind),
		Timestamp:   at.UnixMicro(),
		SessionID:   session,
		HandleID:    handle,
		Room:        c.Room,
		Participant: c.Participant,
		Payload:     &c,
	}
}

// Call returns the source-neutral call step e stands for, and false when e
// is not a call step (statistics, candidates, transport events, ...). Room
// and Participant come from e, so run a [Correlator] first for events that
// do not carry them.
func (e *Event) Call() (CallEvent, bool) {
	c := CallEvent{Room: e.Room, Participant: e.Participant}
	switch p := e.Payload.(type) {
	case *CallEvent:
		return *p, true
	case *HandleEvent:
		switch p.Name {
		case "attached":
			c.Kind = CallAttached
		case "detached":
			c.Kind = CallDetached
		}
	case *ConnectionEvent:
		switch p.State {
		case ConnectionUp:
			c.Kind = CallMediaUp
		case ConnectionHangup:
			c.Kind, c.Reason = CallHangup, p.Reason
		}
	case *MediaStateEvent:
		c.Media = p.Media
		if p.Receiving {
			c.Kind = CallMediaReceiving
		} else {
			c.Kind = CallMediaStopped
		}
	case *PluginEvent:
		if p.VideoRoom == nil {
			break
		}
		switch p.VideoRoom.Kind {
		case VideoRoomJoined:
			c.Kind = CallJoined
		case VideoRoomPublished:
			c.Kind = CallPublished
		case VideoRoomUnpublished:
			c.Kind = CallUnpublished
		case VideoRoomLeaving:
			c.Kind = CallLeft
		case VideoRoomKicked:
			c.Kind, c.Reason = CallLeft, "kicked"
		}
	}
	return c, c.Kind != CallUnknown
}
