package events

import (
	"strconv"
	"time"

	"github.com/frontdesk/frontdesk/callevent"
)

// CallPayload is the payload of a TypeCall event: Frontdesk's own
// source-neutral record of a call step (package callevent), as the
// built-in SFU emits it with [NewCallEvent].
type CallPayload struct {
	callevent.Event
}

func (*CallPayload) isPayload() {}

// NewCallEvent returns a TypeCall event from emitter (the SFU instance name)
// at time at, for the given session and handle (0 when the SFU has none).
func NewCallEvent(emitter string, at time.Time, session, handle uint64, c callevent.Event) *Event {
	return &Event{
		Emitter:     emitter,
		Type:        TypeCall,
		Subtype:     int(c.Kind),
		Timestamp:   at.UnixMicro(),
		SessionID:   session,
		HandleID:    handle,
		Room:        idOf(c.Room),
		Participant: idOf(c.Participant),
		Payload:     &CallPayload{c},
	}
}

// Call returns the source-neutral call step e stands for, and false when e
// is not a call step (statistics, candidates, transport events, ...). Room
// and Participant come from e (see ID.Uint64), so run a [Correlator]
// first for events that do not carry them.
func (e *Event) Call() (callevent.Event, bool) {
	c := callevent.Event{Room: e.Room.Uint64(), Participant: e.Participant.Uint64()}
	switch p := e.Payload.(type) {
	case *CallPayload:
		return p.Event, true
	case *HandleEvent:
		switch p.Name {
		case "attached":
			c.Kind = callevent.Attached
		case "detached":
			c.Kind = callevent.Detached
		}
	case *ConnectionEvent:
		switch p.State {
		case ConnectionUp:
			c.Kind = callevent.MediaUp
		case ConnectionHangup:
			c.Kind, c.Reason = callevent.Hangup, p.Reason
		}
	case *MediaStateEvent:
		c.Media = p.Media
		if p.Receiving {
			c.Kind = callevent.MediaReceiving
		} else {
			c.Kind = callevent.MediaStopped
		}
	case *PluginEvent:
		if p.VideoRoom == nil {
			break
		}
		switch p.VideoRoom.Kind {
		case VideoRoomJoined:
			c.Kind = callevent.Joined
		case VideoRoomPublished:
			c.Kind = callevent.Published
		case VideoRoomUnpublished:
			c.Kind = callevent.Unpublished
		case VideoRoomLeaving:
			c.Kind = callevent.Left
		case VideoRoomKicked:
			c.Kind, c.Reason = callevent.Left, "kicked"
		}
	}
	return c, c.Kind != callevent.Unknown
}

// idOf is id as an ID ("" for 0).
func idOf(id uint64) ID {
	if id == 0 {
		return ""
	}
	return ID(strconv.FormatUint(id, 10))
}
