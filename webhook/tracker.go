package webhook

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/janus/events"
)

// InstanceState is what the events say about a Janus instance.
type InstanceState int

// Instance states.
const (
	// StateUnknown: never seen (the zero value).
	StateUnknown InstanceState = iota
	// StateUp: a core "started" event, or any event since, was seen.
	StateUp
	// StateDown: a core "shutdown" event was the last lifecycle event.
	StateDown
)

// String returns "unknown", "up" or "down".
func (s InstanceState) String() string {
	switch s {
	case StateUnknown:
		return "unknown"
	case StateUp:
		return "up"
	case StateDown:
		return "down"
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}

// Instance is the known state of one Janus instance, identified by the
// "emitter" of its events (its server_name in janus.jcfg; "" when unset).
type Instance struct {
	// Name is the emitter.
	Name string
	// State is up after a core started event (or any other event from an
	// instance never seen shut down), down after a core shutdown event.
	State InstanceState
	// FirstSeen and LastSeen are when events from it were first and last
	// received, by this server's clock.
	FirstSeen, LastSeen time.Time
	// LastEventAt is the newest event timestamp it sent (Janus's clock).
	LastEventAt time.Time
	// StartedAt and ShutdownAt are the timestamps of the last core started
	// and shutdown events (zero when none seen).
	StartedAt, ShutdownAt time.Time
	// ShutdownSignal is the signal number of the last shutdown (0 if none).
	ShutdownSignal int
	// Version is the Janus version string from the last started event.
	Version string
	// Starts, Shutdowns and Events count core started events, core
	// shutdown events and all events received from it (after dedupe).
	Starts, Shutdowns, Events uint64
}

// Tracker keeps the known state of every Janus instance that posted events.
// The webhook feeds it; the instance pool reads it. It is safe for
// concurrent use.
type Tracker struct {
	mu        sync.RWMutex
	instances map[string]*Instance
}

// NewTracker returns an empty Tracker.
func NewTracker() *Tracker { return &Tracker{instances: make(map[string]*Instance)} }

// Observe updates the tracker with evs, received at receivedAt.
func (t *Tracker) Observe(receivedAt time.Time, evs ...*events.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, ev := range evs {
		in := t.instances[ev.Emitter]
		if in == nil {
			in = &Instance{Name: ev.Emitter, FirstSeen: receivedAt}
			t.instances[ev.Emitter] = in
		}
		in.Events++
		if receivedAt.After(in.LastSeen) {
			in.LastSeen = receivedAt
		}
		at := ev.Time()
		if at.After(in.LastEventAt) {
			in.LastEventAt = at
		}
		core, _ := ev.Payload.(*events.CoreEvent)
		switch {
		case core != nil && core.Status == "started":
			in.Starts++
			if !at.Before(in.StartedAt) {
				in.StartedAt = at
				if core.Server != nil {
					in.Version = core.Server.VersionString
				}
			}
			if !at.Before(in.ShutdownAt) {
				in.State = StateUp
			}
		case core != nil && core.Status == "shutdown":
			in.Shutdowns++
			if !at.Before(in.ShutdownAt) {
				in.ShutdownAt, in.ShutdownSignal = at, core.Signum
			}
			if !at.Before(in.StartedAt) {
				in.State = StateDown
			}
		case in.State == StateUnknown:
			in.State = StateUp
		}
	}
}

// Instance returns the state of the named instance, and false if it never
// posted an event.
func (t *Tracker) Instance(name string) (Instance, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	in, ok := t.instances[name]
	if !ok {
		return Instance{}, false
	}
	return *in, true
}

// Instances returns every known instance, sorted by name.
func (t *Tracker) Instances() []Instance {
	t.mu.RLock()
	out := make([]Instance, 0, len(t.instances))
	for _, in := range t.instances {
		out = append(out, *in)
	}
	t.mu.RUnlock()
	slices.SortFunc(out, func(a, b Instance) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Forget removes the named instance (e.g. when it is decommissioned).
func (t *Tracker) Forget(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.instances, name)
}
