package events

import "sync"

// DefaultCorrelatorSize is the number of handles a [Correlator] remembers
// when NewCorrelator is given 0.
const DefaultCorrelatorSize = 65536

// Correlator fills Event.Room and Event.Participant for events that do not
// carry them, from what it has seen earlier on the same Janus instance:
//
//   - a VideoRoom joined (publisher) or subscribing (subscriber) event binds
//     its handle to the room and participant;
//   - later WebRTC, media, JSEP and handle events of that handle get the
//     room and participant; the binding is dropped at the handle's detached;
//   - VideoRoom unpublished, leaving and kicked carry room and participant
//     themselves (and no handle).
//
// It remembers at most its size in handles, forgetting the oldest first.
// It is safe for concurrent use.
type Correlator struct {
	mu    sync.Mutex
	size  int
	binds map[handleKey]binding
	order []handleKey // insertion order, a ring of len size
	next  int
}

type handleKey struct {
	emitter string
	handle  uint64
}

type binding struct {
	room, participant ID
}

// NewCorrelator returns a Correlator remembering up to size handles
// (DefaultCorrelatorSize when size <= 0).
func NewCorrelator(size int) *Correlator {
	if size <= 0 {
		size = DefaultCorrelatorSize
	}
	return &Correlator{size: size, binds: make(map[handleKey]binding), order: make([]handleKey, 0, min(size, 1024))}
}

// Annotate fills ev.Room and ev.Participant when they are empty and ev's
// handle is bound, and updates the bindings from ev.
func (c *Correlator) Annotate(ev *Event) {
	if ev == nil || ev.HandleID == 0 {
		return
	}
	k := handleKey{ev.Emitter, ev.HandleID}
	c.mu.Lock()
	defer c.mu.Unlock()
	if pe, ok := ev.Payload.(*PluginEvent); ok && pe.VideoRoom != nil {
		switch pe.VideoRoom.Kind {
		case VideoRoomJoined, VideoRoomSubscribing, VideoRoomPublished, VideoRoomConfigured:
			if ev.Room != "" {
				c.bindLocked(k, binding{room: ev.Room, participant: ev.Participant})
			}
		}
	}
	b, ok := c.binds[k]
	if !ok {
		return
	}
	if ev.Room == "" {
		ev.Room = b.room
	}
	if ev.Participant == "" {
		ev.Participant = b.participant
	}
	if he, ok := ev.Payload.(*HandleEvent); ok && he.Name == "detached" {
		delete(c.binds, k)
	}
}

// Len returns the number of handles currently bound.
func (c *Correlator) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.binds)
}

func (c *Correlator) bindLocked(k handleKey, b binding) {
	if old, ok := c.binds[k]; ok {
		if b.participant == "" {
			b.participant = old.participant
		}
		c.binds[k] = b
		return
	}
	if len(c.order) < c.size {
		c.order = append(c.order, k)
	} else {
		delete(c.binds, c.order[c.next])
		c.order[c.next] = k
		c.next = (c.next + 1) % c.size
	}
	c.binds[k] = b
}
