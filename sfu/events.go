package sfu

import (
	"time"

	"github.com/frontdesk/frontdesk/callevent"
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

// stepType is an internal step of a call; those with a callevent.Kind are emitted.
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

func (t stepType) callKind() callevent.Kind {
	switch t {
	case stepAttached:
		return callevent.Attached
	case stepDetached:
		return callevent.Detached
	case stepJoined:
		return callevent.Joined
	case stepPublished:
		return callevent.Published
	case stepUnpublished:
		return callevent.Unpublished
	case stepLeaving:
		return callevent.Left
	case stepWebRTCUp:
		return callevent.MediaUp
	case stepMediaReceiving:
		return callevent.MediaReceiving
	case stepMediaStopped:
		return callevent.MediaStopped
	case stepHangup:
		return callevent.Hangup
	default:
		return callevent.Unknown
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

func (s *Server) emitEvent(st step) {
	kind := st.Type.callKind()
	if kind == callevent.Unknown {
		return
	}
	ev := events.NewCallEvent(s.cfg.Name, time.Now(), st.SessionID, st.HandleID, callevent.Event{
		Kind:        kind,
		Room:        st.Room,
		Participant: st.Participant,
		Media:       st.Media,
		Reason:      st.Reason,
	})
	ev.OpaqueID = st.OpaqueID
	s.emit.Emit(ev)
}
