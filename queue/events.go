package queue

import (
	"sync"
	"time"
)

// EventKind names what happened to a queue, entry, host or call. The
// strings are part of the event's JSON form and never change meaning; a
// new kind may be added, so a consumer ignores kinds it does not know.
type EventKind string

// Event kinds. Each says which of Event's fields it sets.
const (
	// EventEntryJoined: a caller joined Queue (Entry).
	EventEntryJoined EventKind = "entry.joined"
	// EventEntryOffered: Entry was offered to Host (auto routing), or
	// taken by Host (pick mode, next) on its way to a call.
	EventEntryOffered EventKind = "entry.offered"
	// EventEntryAccepted: Host accepted Entry; Call is being set up and
	// both sides may fetch a ticket and join its room.
	EventEntryAccepted EventKind = "entry.accepted"
	// EventCallReady: both sides of Call are in its room; Entry is in_call.
	EventCallReady EventKind = "call.ready"
	// EventCallEnded: Call ended and Entry with it (Reason: the entry's
	// final transition reason, e.g. "hangup", "no_show", "rejoin_timeout").
	EventCallEnded EventKind = "call.ended"
	// EventCallMoved: the call's media server was lost or evacuated and
	// the call now has a new room (Reason "instance_down", "restarted" or
	// "evacuated"); both sides fetch a new ticket and join it. The entry
	// keeps its state.
	EventCallMoved EventKind = "call.moved"
	// EventEntryLeft: Entry ended without a call (Reason: "abandoned",
	// "removed", "max_wait", "grace_expired", "queue_closed", …).
	EventEntryLeft EventKind = "entry.left"
	// EventEntryChanged: a live Entry changed without changing hands: it
	// was paused or resumed, went back to waiting (Reason: "declined",
	// "offer_timeout", "host_left", …), or a side of its call left the
	// room or came back (Reason "away", "back").
	EventEntryChanged EventKind = "entry.changed"
	// EventHostChanged: Host's state, availability, assigned or served
	// queues changed. Queue is set once per queue whose staffing this
	// changes; an event without Queue is about the host's own settings.
	EventHostChanged EventKind = "host.changed"
	// EventQueueChanged: Queue's settings or manual override changed, or
	// it was created or deleted (Reason "created", "deleted").
	EventQueueChanged EventKind = "queue.changed"
	// EventResync is never published by the engine: a Feed delivers it
	// to its subscribers when it may have lost events (its connection to
	// the other replicas broke, or a subscriber fell behind). No field is
	// set; every subscriber refreshes everything it shows.
	EventResync EventKind = "feed.resync"
)

// EventKinds returns every kind, in the order above.
func EventKinds() []EventKind {
	return []EventKind{EventEntryJoined, EventEntryOffered, EventEntryAccepted, EventCallReady, EventCallEnded,
		EventCallMoved, EventEntryLeft, EventEntryChanged, EventHostChanged, EventQueueChanged, EventResync}
}

// EventSchemaVersion is the version of Event's JSON form ("v"). It changes
// only when a field changes meaning or is removed.
const EventSchemaVersion = 1

// Event is one domain event: something changed in a queue. Events are
// invalidations, not the state: a consumer that needs the state reads it
// through the engine's queries, so a lost or repeated event costs a
// refresh, never a wrong view. The JSON form is stable (see
// EventSchemaVersion); IDs are the same strings the REST API uses.
type Event struct {
	// ID is unique per event (32 hex digits), for de-duplication.
	ID string `json:"id"`
	// Version is EventSchemaVersion.
	Version int `json:"v"`
	// Kind says what happened and which fields below are set.
	Kind EventKind `json:"kind"`
	// At is when it happened (the engine's clock, UTC).
	At time.Time `json:"at"`
	// Queue is the queue concerned ("" only for a host's own settings).
	Queue QueueID `json:"queue_id,omitempty"`
	// Entry is the entry concerned, if any.
	Entry EntryID `json:"entry_id,omitempty"`
	// Host is the host concerned, if any.
	Host HostID `json:"host_id,omitempty"`
	// Call is the call concerned, if any.
	Call CallID `json:"call_id,omitempty"`
	// Reason is a stable machine-readable code qualifying Kind, if any.
	Reason string `json:"reason,omitempty"`
}

// Urgent reports whether someone is waiting on the event to act: the host
// on an offer, the caller on an accepted call (it joins the room on it).
// Live updates send urgent events after a short gap instead of a full
// coalescing interval.
func (ev Event) Urgent() bool {
	return ev.Kind == EventEntryOffered || ev.Kind == EventEntryAccepted
}

// Feed carries the engine's events to its subscribers. In one process it
// is a [LocalFeed]; several replicas use a transport with the same
// interface, so that every replica's subscribers see every replica's
// events.
type Feed interface {
	// Publish delivers ev to the subscribers; it must not block on them.
	Publish(ev Event)
	// Subscribe calls fn for every event published from now on until
	// the returned function is called. fn must not block.
	Subscribe(fn func(Event)) (unsubscribe func())
}

// LocalFeed is the in-process Feed: Publish calls each subscriber in turn
// on the publishing goroutine. The zero value is ready to use.
type LocalFeed struct {
	mu   sync.Mutex
	next int
	subs map[int]func(Event)
}

// Publish calls every subscriber with ev.
func (f *LocalFeed) Publish(ev Event) {
	f.mu.Lock()
	fns := make([]func(Event), 0, len(f.subs))
	for _, fn := range f.subs {
		fns = append(fns, fn)
	}
	f.mu.Unlock()
	for _, fn := range fns {
		fn(ev)
	}
}

// Subscribe registers fn; calling the result removes it.
func (f *LocalFeed) Subscribe(fn func(Event)) func() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.subs == nil {
		f.subs = map[int]func(Event){}
	}
	id := f.next
	f.next++
	f.subs[id] = fn
	return func() {
		f.mu.Lock()
		delete(f.subs, id)
		f.mu.Unlock()
	}
}

// publish stamps ev (ID, version, time) and publishes it on the feed.
func (e *Engine) publish(ev Event) {
	ev.ID = newID()
	ev.Version = EventSchemaVersion
	if ev.At.IsZero() {
		ev.At = e.clock.Now().UTC()
	}
	e.feed.Publish(ev)
}
