package webhookout_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/webhookout"
)

const secret = "whsec-0123456789abcdef"

// receiver is a real HTTP receiver that answers each delivery with the
// next status of script (then 200) and records what it got.
type receiver struct {
	mu     sync.Mutex
	script []int
	got    []delivery
	srv    *httptest.Server
}

type delivery struct {
	id, sig string
	body    []byte
	status  int
}

func newReceiver(t *testing.T, script ...int) *receiver {
	r := &receiver{script: script}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		status := http.StatusOK
		if len(r.script) > 0 {
			status, r.script = r.script[0], r.script[1:]
		}
		r.got = append(r.got, delivery{req.Header.Get(webhookout.EventIDHeader), req.Header.Get(webhookout.SignatureHeader), body, status})
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

func run(t *testing.T, x *webhookout.Exporter) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- x.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v", err)
		}
	})
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func event(kind queue.EventKind) queue.Event {
	return queue.Event{ID: "0123456789abcdef0123456789abcdef", Version: 1, Kind: kind, At: time.Now().UTC().Truncate(time.Second), Queue: "q1", Entry: "e1"}
}

// TestDeliveryIsSignedAndRetried: a receiver that fails twice (503) gets
// the event three times, each with the same id and a signature that
// verifies over the exact body, which is the event's JSON.
func TestDeliveryIsSignedAndRetried(t *testing.T) {
	r := newReceiver(t, 503, 503)
	x := webhookout.New([]webhookout.Target{{Name: "crm", URL: r.srv.URL, Secret: secret}},
		webhookout.Options{InitialInterval: 5 * time.Millisecond})
	run(t, x)
	ev := event(queue.EventEntryJoined)
	x.Offer(ev)
	waitFor(t, "a delivery that succeeds", func() bool { d := r.deliveries(); return len(d) == 3 })
	for i, d := range r.deliveries() {
		if d.id != ev.ID {
			t.Errorf("delivery %d carries id %q, want %q", i, d.id, ev.ID)
		}
		if err := webhookout.Verify(secret, d.sig, d.body, time.Now(), 5*time.Minute); err != nil {
			t.Errorf("delivery %d: signature %q does not verify: %v", i, d.sig, err)
		}
		var got queue.Event
		if err := json.Unmarshal(d.body, &got); err != nil || got != ev {
			t.Errorf("delivery %d body %s, want the event", i, d.body)
		}
	}
	if len(x.DeadLetters()) != 0 {
		t.Fatalf("dead letters %v after a success", x.DeadLetters())
	}
}

// TestRefusalIsADeadLetter: a 4xx refusal is not retried; the event is
// kept as a dead letter, and so is one the receiver keeps failing.
func TestRefusalIsADeadLetter(t *testing.T) {
	refuses := newReceiver(t, 400)
	failing := newReceiver(t, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500)
	x := webhookout.New([]webhookout.Target{
		{Name: "refuses", URL: refuses.srv.URL, Secret: secret},
		{Name: "failing", URL: failing.srv.URL, Secret: secret},
	}, webhookout.Options{InitialInterval: 2 * time.Millisecond, MaxElapsed: 100 * time.Millisecond})
	run(t, x)
	x.Offer(event(queue.EventCallEnded))
	waitFor(t, "two dead letters", func() bool { return len(x.DeadLetters()) == 2 })
	if n := len(refuses.deliveries()); n != 1 {
		t.Errorf("a 400 was tried %d times, want once", n)
	}
	if n := len(failing.deliveries()); n < 2 {
		t.Errorf("a failing receiver was tried %d times, want retries", n)
	}
	for _, d := range x.DeadLetters() {
		if d.Event.ID != "0123456789abcdef0123456789abcdef" || d.Attempts < 1 || d.Err == "" {
			t.Errorf("dead letter %+v", d)
		}
	}
}

// TestKindsFilterAndOwnEvents: a target gets only the kinds it asked
// for; the exporting feed offers what is published and still delivers it
// to the feed's subscribers; a resync is never exported.
func TestKindsFilterAndOwnEvents(t *testing.T) {
	r := newReceiver(t)
	x := webhookout.New([]webhookout.Target{{Name: "calls", URL: r.srv.URL, Secret: secret, Kinds: []queue.EventKind{queue.EventCallEnded}}},
		webhookout.Options{})
	run(t, x)
	feed := x.Feed(&queue.LocalFeed{})
	var seen []queue.EventKind
	defer feed.Subscribe(func(ev queue.Event) { seen = append(seen, ev.Kind) })()
	for _, k := range []queue.EventKind{queue.EventEntryJoined, queue.EventResync, queue.EventCallEnded} {
		feed.Publish(event(k))
	}
	waitFor(t, "the call.ended delivery", func() bool { return len(r.deliveries()) == 1 })
	time.Sleep(50 * time.Millisecond)
	if d := r.deliveries(); len(d) != 1 || !json.Valid(d[0].body) {
		t.Fatalf("deliveries %v, want only call.ended", d)
	}
	var got queue.Event
	_ = json.Unmarshal(r.deliveries()[0].body, &got)
	if got.Kind != queue.EventCallEnded {
		t.Fatalf("delivered %s", got.Kind)
	}
	if len(seen) != 3 {
		t.Fatalf("the feed's subscriber saw %v, want all three", seen)
	}
}

// TestVerify: a signature fails on another body, another secret, an old
// timestamp or a malformed header.
func TestVerify(t *testing.T) {
	now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	body := []byte(`{"id":"x"}`)
	good := webhookout.Sign(secret, now, body)
	tests := []struct {
		name           string
		secret, header string
		body           []byte
		at             time.Time
		ok             bool
	}{
		{"good", secret, good, body, now.Add(time.Minute), true},
		{"other body", secret, good, []byte(`{"id":"y"}`), now, false},
		{"other secret", "whsec-other-secret-0000", good, body, now, false},
		{"old", secret, good, body, now.Add(time.Hour), false},
		{"malformed", secret, "v1=abc", body, now, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := webhookout.Verify(tc.secret, tc.header, tc.body, tc.at, 5*time.Minute)
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, webhookout.ErrBadSignature)) {
				t.Fatalf("Verify = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
