package sfu

import (
	"strconv"
	"time"

	"github.com/frontdesk/frontdesk/janus/events"
)

// Emitter receives the SFU's call events: janus/events TypeCall events
// built with events.NewCallEvent, the same source-neutral records the
// Janus event-handler path derives (events.Event.Call), so the queue
// tracks calls the same way on both engines. Emit is called synchronously
// from SFU goroutines and must not block; an implementation that does I/O
// queues the event.
type Emitter interface {
	Emit(*events.Event)
}

// EmitterFunc adapts a function to Emitter.
type EmitterFunc func(*events.Event)

// Emit calls f(e).
func (f EmitterFunc) Emit(e *events.Event) { f(e) }

type noEmitter struct{}

func (noEmitter) Emit(*events.Event) {}

// stepType is an internal step of a call; those with a CallKind are emitted.
type stepType int

const (
	stepSessionCreated stepType = iota + 1
	stepSessionDestroyed
	stepSessionTimeout
	stepAttached
	stepDetached
	stepJoined
	stepPublished
	stepUnpublished
	stepSubscribed
	stepLeaving
	stepWebRTCUp
	stepMediaReceiving
	stepMediaStopped
	stepHangup
	stepRoomCreated
	stepRoomDestroyed
)

// String names the step by its call kind ("unknown" for steps that are
// not emitted).
func (t stepType) String() string { return t.callKind().String() }

func (t stepType) callKind() events.CallKind {
	switch t {
	case stepAttached:
		return events.CallAttached
	case stepDetached:
		return events.CallDetached
	case stepJoined:
		return events.CallJoined
	case stepPublished:
		return events.CallPublished
	case stepUnpublished:
		return events.CallUnpublished
	case stepLeaving:
		return events.CallLeft
	case stepWebRTCUp:
		return events.CallMediaUp
	case stepMediaReceiving:
		return events.CallMediaReceiving
	case stepMediaStopped:
		return events.CallMediaStopped
	case stepHangup:
		return events.CallHangup
	default:
		return events.CallUnknown
	}
}

// step is one internal call step.
type step struct {
	Type        stepType
	SessionID   uint64
	HandleID    uint64
	OpaqueID    string
	Room        uint64
	Participant uint64
	Display     string
	Media       string
	Reason      string
}

func idString(id uint64) events.ID {
	if id == 0 {
		return ""
	}
	return events.ID(strconv.FormatUint(id, 10))
}

func (s *Server) emitEvent(st step) {
	kind := st.Type.callKind()
	if kind == events.CallUnknown {
		return
	}
	ev := events.NewCallEvent(s.cfg.Name, time.Now(), st.SessionID, st.HandleID, events.CallEvent{
		Kind:        kind,
		Room:        idString(st.Room),
		Participant: idString(st.Participant),
		Media:       st.Media,
		Reason:      st.Reason,
	})
	ev.OpaqueID = st.OpaqueID
	s.emit.Emit(ev)
}
