package bus

import "github.com/frontdesk/frontdesk/janus/events"

// Filter selects the events a subscription receives. Every non-empty field
// must match (AND); within one field any listed value matches (OR). The zero
// Filter matches everything.
type Filter struct {
	// Types is a mask of event types (e.g. events.TypeWebRTC|events.TypeMedia);
	// 0 means every type.
	Types events.Type
	// Emitters are Janus server names (or SFU instance names).
	Emitters []string
	// Rooms are VideoRoom room ids; an event matches on its Room field, which
	// is set by the decoder or a correlator.
	Rooms []events.ID
	// Participants are VideoRoom participant ids (Event.Participant).
	Participants []events.ID
	// Sessions are Janus session ids.
	Sessions []uint64
	// Handles are Janus handle ids.
	Handles []uint64
	// Match, when set, is one more condition. It runs on the publisher's
	// goroutine: it must be quick, must not block and must not modify the
	// event.
	Match func(*events.Event) bool
}

// compiled is a Filter with its lists turned into sets.
type compiled struct {
	types        events.Type
	emitters     map[string]struct{}
	rooms        map[events.ID]struct{}
	participants map[events.ID]struct{}
	sessions     map[uint64]struct{}
	handles      map[uint64]struct{}
	match        func(*events.Event) bool
}

func set[T comparable](vs []T) map[T]struct{} {
	if len(vs) == 0 {
		return nil
	}
	m := make(map[T]struct{}, len(vs))
	for _, v := range vs {
		m[v] = struct{}{}
	}
	return m
}

func (f Filter) compile() compiled {
	return compiled{
		types:        f.Types,
		emitters:     set(f.Emitters),
		rooms:        set(f.Rooms),
		participants: set(f.Participants),
		sessions:     set(f.Sessions),
		handles:      set(f.Handles),
		match:        f.Match,
	}
}

func in[T comparable](m map[T]struct{}, v T) bool {
	if m == nil {
		return true
	}
	_, ok := m[v]
	return ok
}

// Matches reports whether ev passes f.
func (f Filter) Matches(ev *events.Event) bool {
	c := f.compile()
	return c.matches(ev)
}

func (c *compiled) matches(ev *events.Event) bool {
	if ev == nil {
		return false
	}
	if c.types != 0 && c.types&ev.Type == 0 {
		return false
	}
	if !in(c.emitters, ev.Emitter) || !in(c.rooms, ev.Room) || !in(c.participants, ev.Participant) ||
		!in(c.sessions, ev.SessionID) || !in(c.handles, ev.HandleID) {
		return false
	}
	return c.match == nil || c.match(ev)
}
