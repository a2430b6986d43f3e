package queue_test

import (
	"encoding/json"
	"slices"
	"sync"
	"testing"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
	"github.com/frontdesk/frontdesk/queue/queuetest"
)

// eventLog records the events an engine publishes.
type eventLog struct {
	mu  sync.Mutex
	evs []queue.Event
}

func (l *eventLog) add(ev queue.Event) {
	l.mu.Lock()
	l.evs = append(l.evs, ev)
	l.mu.Unlock()
}

// of returns the recorded events about entry id, in order.
func (l *eventLog) of(id queue.EntryID) []queue.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []queue.Event
	for _, ev := range l.evs {
		if ev.Entry == id {
			out = append(out, ev)
		}
	}
	return out
}

// TestEventsOfACall follows one caller from join to the end of the call
// and checks the typed events published on the engine's feed: their
// kinds in order, the IDs they carry, and which are urgent.
func TestEventsOfACall(t *testing.T) {
	h := newHarness(t, queue.ModeAuto, wrapUp)
	var log eventLog
	unsubscribe := h.eng.Feed().Subscribe(log.add)
	defer unsubscribe()
	c := h.startCall()
	c.ev(queue.ProgressLeaving, queue.PartyCaller)
	c.ev(queue.ProgressJoined, queue.PartyCaller)
	h.finish("h1", c.entry)

	evs := log.of(c.entry)
	var kinds []queue.EventKind
	for _, ev := range evs {
		kinds = append(kinds, ev.Kind)
	}
	want := []queue.EventKind{queue.EventEntryJoined, queue.EventEntryOffered, queue.EventEntryAccepted,
		queue.EventCallReady, queue.EventEntryChanged, queue.EventEntryChanged, queue.EventCallEnded}
	if !slices.Equal(kinds, want) {
		t.Fatalf("events %v, want %v", kinds, want)
	}
	ids := map[string]bool{}
	for i, ev := range evs {
		if ev.Queue != queue.QueueID(h.q.ID) || ev.Version != queue.EventSchemaVersion || ev.At.IsZero() || len(ev.ID) != 32 || ids[ev.ID] {
			t.Errorf("event %d %+v: want queue %s, version %d, a time and a fresh 32-digit id", i, ev, h.q.ID, queue.EventSchemaVersion)
		}
		ids[ev.ID] = true
		if i >= 1 && ev.Host != "h1" {
			t.Errorf("event %d (%s) names host %q, want h1", i, ev.Kind, ev.Host)
		}
		if want := ev.Kind == queue.EventEntryOffered || ev.Kind == queue.EventEntryAccepted; ev.Urgent() != want {
			t.Errorf("%s: urgent %v, want %v", ev.Kind, ev.Urgent(), want)
		}
	}
	if evs[2].Call == "" || evs[2].Call != evs[6].Call {
		t.Errorf("accepted names call %q, ended %q: want the same call", evs[2].Call, evs[6].Call)
	}
	if evs[4].Reason != "away" || evs[5].Reason != "back" {
		t.Errorf("reasons %q, %q: want away, back", evs[4].Reason, evs[5].Reason)
	}
	// Host state changes reach the queue's live views too.
	log.mu.Lock()
	hostEvents := slices.ContainsFunc(log.evs, func(ev queue.Event) bool {
		return ev.Kind == queue.EventHostChanged && ev.Host == "h1" && ev.Queue == queue.QueueID(h.q.ID)
	})
	log.mu.Unlock()
	if !hostEvents {
		t.Error("no host.changed event for h1 in the queue")
	}
}

// TestQueueLifecycleEvents: creating, changing and deleting a queue each
// publish queue.changed with a reason.
func TestQueueLifecycleEvents(t *testing.T) {
	env := queuetest.NewEnv(t, queue.NewMemoryStore(), monday10)
	var log eventLog
	defer env.Engine.Feed().Subscribe(log.add)()
	ctx := t.Context()
	q, err := env.Engine.CreateQueue(ctx, queue.Queue{Slug: "life", Name: "Life", Mode: queue.ModeAuto, Hours: hours.AlwaysOpen()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Engine.SetManual(ctx, q.ID, hours.ManualClosed); err != nil {
		t.Fatal(err)
	}
	if err := env.Engine.DeleteQueue(ctx, q.ID); err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, ev := range log.evs {
		if ev.Kind == queue.EventQueueChanged && ev.Queue == q.ID {
			reasons = append(reasons, ev.Reason)
		}
	}
	if want := []string{"created", "manual", "deleted"}; !slices.Equal(reasons, want) {
		t.Fatalf("queue.changed reasons %v, want %v", reasons, want)
	}
}

// TestEventJSONIsStable pins the JSON form of an event: the names other
// services read (schema version 1).
func TestEventJSONIsStable(t *testing.T) {
	ev := queue.Event{ID: "0123456789abcdef0123456789abcdef", Version: 1, Kind: queue.EventEntryAccepted,
		At: monday10.UTC(), Queue: "q1", Entry: "e1", Host: "h1", Call: "c1", Reason: "r"}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"id":"0123456789abcdef0123456789abcdef","v":1,"kind":"entry.accepted","at":"2026-06-01T08:00:00Z","queue_id":"q1","entry_id":"e1","host_id":"h1","call_id":"c1","reason":"r"}`
	if string(b) != want {
		t.Fatalf("JSON\n got %s\nwant %s", b, want)
	}
	var back queue.Event
	if err := json.Unmarshal(b, &back); err != nil || back != ev {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
}

// TestLocalFeedUnsubscribe: an unsubscribed function gets no more events;
// the others still do.
func TestLocalFeedUnsubscribe(t *testing.T) {
	var f queue.LocalFeed
	var a, b int
	stopA := f.Subscribe(func(queue.Event) { a++ })
	f.Subscribe(func(queue.Event) { b++ })
	f.Publish(queue.Event{Kind: queue.EventQueueChanged})
	stopA()
	f.Publish(queue.Event{Kind: queue.EventQueueChanged})
	if a != 1 || b != 2 {
		t.Fatalf("a got %d, b got %d; want 1 and 2", a, b)
	}
}
