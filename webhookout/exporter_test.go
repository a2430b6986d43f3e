package webhookout_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/frontdesk/frontdesk/problem"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/store/bolt"
	"github.com/frontdesk/frontdesk/store/mongo"
	"github.com/frontdesk/frontdesk/store/mongotest"
	"github.com/frontdesk/frontdesk/webhookout"
)

const secret = "whsec-0123456789abcdef"

// receiver is a real HTTP receiver that answers each delivery with the
// next status of script (then 200) and records what it got. While hold is
// set, a request waits until released or abandoned by its sender.
type receiver struct {
	mu     sync.Mutex
	script []int
	got    []delivery
	hold   chan struct{} // closed to let held requests go on; nil: hold none
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
		hold := r.hold
		r.mu.Unlock()
		if hold != nil {
			select {
			case <-hold:
			case <-req.Context().Done():
				return
			}
		}
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

// count returns how many deliveries carried each event id.
func (r *receiver) count() map[string]int {
	n := map[string]int{}
	for _, d := range r.deliveries() {
		n[d.id]++
	}
	return n
}

// run runs x until the test ends, or until the returned stop is called.
func run(t *testing.T, x *webhookout.Exporter) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- x.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("Run returned %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
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

var quiet = slog.New(slog.DiscardHandler)

// opts are short test intervals.
func opts(owner string) webhookout.Options {
	return webhookout.Options{InitialInterval: 5 * time.Millisecond, Poll: 10 * time.Millisecond, Owner: owner, Log: quiet}
}

func boltOutbox(t *testing.T) webhookout.Outbox {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "fd.db"), bolt.WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db.Outbox()
}

// mongoOutbox opens database on srv: each call is a connection of its own,
// as each replica has.
func mongoOutbox(t *testing.T, srv *mongotest.Server, database string) webhookout.Outbox {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := mongo.Open(ctx, srv.URI, database)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	return db.Outbox()
}

// outboxes returns a fresh outbox of each backend.
func outboxes(t *testing.T) map[string]func(t *testing.T) webhookout.Outbox {
	return map[string]func(t *testing.T) webhookout.Outbox{
		"bolt": boltOutbox,
		"mongo": func(t *testing.T) webhookout.Outbox {
			srv := mongotest.NewServer(t)
			return mongoOutbox(t, srv, srv.NewDatabase(t))
		},
	}
}

// checkSigned fails unless every delivery carries id and a signature that
// verifies over the exact body, which is ev's JSON.
func checkSigned(t *testing.T, ds []delivery, ev queue.Event) {
	t.Helper()
	for i, d := range ds {
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
}

// TestDeliveryIsSignedAndRetried: a receiver that fails twice (503) gets
// the event three times, each with the same id and a signature that
// verifies over the exact body, which is the event's JSON; then the
// delivery is gone from the outbox.
func TestDeliveryIsSignedAndRetried(t *testing.T) {
	for name, open := range outboxes(t) {
		t.Run(name, func(t *testing.T) {
			r := newReceiver(t, 503, 503)
			out := open(t)
			x := webhookout.New([]webhookout.Target{{Name: "crm", URL: r.srv.URL, Secret: secret}}, out, opts("r1"))
			run(t, x)
			ev := event(queue.EventEntryJoined)
			x.Offer(ev)
			waitFor(t, "a delivery that succeeds", func() bool { return len(r.deliveries()) == 3 })
			checkSigned(t, r.deliveries(), ev)
			waitFor(t, "the delivery to leave the outbox", func() bool {
				_, ok, err := out.Claim(t.Context(), "crm", "probe", time.Now().Add(time.Hour), time.Millisecond)
				return err == nil && !ok
			})
			if dead, err := x.DeadLetters(t.Context(), "", 10); err != nil || len(dead) != 0 {
				t.Fatalf("dead letters %v, %v after a success", dead, err)
			}
		})
	}
}

// admin serves x's admin endpoints as Frontdesk does (problem documents
// for errors) and returns a function making a request to them.
func admin(t *testing.T, x *webhookout.Exporter) func(method, path string) (int, []byte) {
	e := echo.New()
	e.HTTPErrorHandler = problem.HTTPErrorHandler(quiet)
	x.Register(e.Group("/api/v1/admin"))
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return func(method, path string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), method, srv.URL+"/api/v1/admin/export"+path, nil)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, body
	}
}

// TestDeadLettersOverTheAdminAPI: a 4xx refusal is not retried and a
// receiver that keeps failing is retried until MaxElapsed; both become
// dead letters, listed newest first over the admin API without the URL
// or the secret; replay delivers again with the same event id and a
// valid signature; delete removes one; bad input and unknown ids are
// problem documents.
func TestDeadLettersOverTheAdminAPI(t *testing.T) {
	for name, open := range outboxes(t) {
		t.Run(name, func(t *testing.T) {
			refuses := newReceiver(t, 400)
			failing := newReceiver(t, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500)
			o := opts("r1")
			o.MaxElapsed = 100 * time.Millisecond
			x := webhookout.New([]webhookout.Target{
				{Name: "refuses", URL: refuses.srv.URL + "/hook?token=url-credential", Secret: secret},
				{Name: "failing", URL: failing.srv.URL, Secret: secret},
			}, open(t), o)
			run(t, x)
			do := admin(t, x)
			list := func(query string) []webhookout.DeadLetter {
				t.Helper()
				status, body := do(http.MethodGet, "/dead-letters"+query)
				if status != http.StatusOK {
					t.Fatalf("GET dead-letters%s = %d %s", query, status, body)
				}
				for _, leak := range []string{secret, "url-credential", refuses.srv.URL, failing.srv.URL} {
					if strings.Contains(string(body), leak) {
						t.Fatalf("the dead letters show %q: %s", leak, body)
					}
				}
				var out []webhookout.DeadLetter
				if err := json.Unmarshal(body, &out); err != nil {
					t.Fatal(err)
				}
				return out
			}
			ev := event(queue.EventCallEnded)
			x.Offer(ev)
			waitFor(t, "two dead letters", func() bool { return len(list("")) == 2 })
			if n := len(refuses.deliveries()); n != 1 {
				t.Errorf("a 400 was tried %d times, want once", n)
			}
			if n := len(failing.deliveries()); n < 2 {
				t.Errorf("a failing receiver was tried %d times, want retries", n)
			}
			all := list("")
			if all[0].DeadAt.Before(all[1].DeadAt) {
				t.Errorf("dead letters not newest first: %+v", all)
			}
			for _, d := range all {
				var got queue.Event
				if d.EventID != ev.ID || d.Kind != string(queue.EventCallEnded) || d.Attempts < 1 || d.LastError == "" ||
					d.DeadAt.IsZero() || json.Unmarshal(d.Event, &got) != nil || got != ev {
					t.Errorf("dead letter %+v", d)
				}
			}
			refused := list("?target=refuses")
			if len(refused) != 1 || refused[0].Target != "refuses" || refused[0].Attempts != 1 || !strings.Contains(refused[0].LastError, "HTTP 400") {
				t.Fatalf("dead letters of refuses: %+v", refused)
			}
			if got := list("?limit=1"); len(got) != 1 || got[0].ID != all[0].ID {
				t.Fatalf("limit=1 gave %+v, want the newest", got)
			}
			for _, tc := range []struct {
				method, path string
				status       int
			}{
				{http.MethodGet, "/dead-letters?limit=0", http.StatusBadRequest},
				{http.MethodGet, "/dead-letters?limit=1001", http.StatusBadRequest},
				{http.MethodGet, "/dead-letters?limit=x", http.StatusBadRequest},
				{http.MethodPost, "/dead-letters/nope/replay", http.StatusNotFound},
				{http.MethodDelete, "/dead-letters/nope", http.StatusNotFound},
			} {
				status, body := do(tc.method, tc.path)
				var p struct {
					Status int    `json:"status"`
					Reason string `json:"reason"`
				}
				if status != tc.status || json.Unmarshal(body, &p) != nil || p.Status != tc.status || p.Reason == "" {
					t.Errorf("%s %s = %d %s, want a %d problem document", tc.method, tc.path, status, body, tc.status)
				}
			}

			// Replay: the receiver now accepts (its script is spent).
			if status, body := do(http.MethodPost, "/dead-letters/"+refused[0].ID+"/replay"); status != http.StatusNoContent {
				t.Fatalf("replay = %d %s", status, body)
			}
			waitFor(t, "the replayed delivery", func() bool { return len(refuses.deliveries()) == 2 })
			checkSigned(t, refuses.deliveries(), ev)
			if d := refuses.deliveries()[1]; d.status != http.StatusOK {
				t.Fatalf("the replay got %d", d.status)
			}
			if got := list(""); len(got) != 1 || got[0].Target != "failing" {
				t.Fatalf("dead letters after the replay: %+v", got)
			}
			left := list("")
			if status, body := do(http.MethodDelete, "/dead-letters/"+left[0].ID); status != http.StatusNoContent {
				t.Fatalf("delete = %d %s", status, body)
			}
			if status, _ := do(http.MethodDelete, "/dead-letters/"+left[0].ID); status != http.StatusNotFound {
				t.Fatalf("second delete = %d, want 404", status)
			}
			if got := list(""); len(got) != 0 {
				t.Fatalf("dead letters after delete: %+v", got)
			}
		})
	}
}

// TestKindsFilterAndOwnEvents: a target gets only the kinds it asked
// for; the exporting feed offers what is published and still delivers it
// to the feed's subscribers; a resync is never exported.
func TestKindsFilterAndOwnEvents(t *testing.T) {
	r := newReceiver(t)
	all := newReceiver(t)
	out := boltOutbox(t)
	x := webhookout.New([]webhookout.Target{
		{Name: "calls", URL: r.srv.URL, Secret: secret, Kinds: []queue.EventKind{queue.EventCallEnded}},
		{Name: "all", URL: all.srv.URL, Secret: secret},
	}, out, opts("r1"))
	run(t, x)
	feed := x.Feed(&queue.LocalFeed{})
	var seen []queue.EventKind
	defer feed.Subscribe(func(ev queue.Event) { seen = append(seen, ev.Kind) })()
	for _, k := range []queue.EventKind{queue.EventEntryJoined, queue.EventResync, queue.EventCallEnded} {
		feed.Publish(event(k))
	}
	waitFor(t, "both deliveries to all", func() bool { return len(all.deliveries()) == 2 })
	waitFor(t, "the call.ended delivery", func() bool { return len(r.deliveries()) == 1 })
	// Every delivery of an event is written at once: none is left for calls.
	if d, ok, err := out.Claim(t.Context(), "calls", "probe", time.Now().Add(time.Hour), time.Millisecond); err != nil || ok {
		t.Fatalf("calls has another delivery: %s, %v", d.Event, err)
	}
	var got queue.Event
	if d := r.deliveries(); len(d) != 1 || json.Unmarshal(d[0].body, &got) != nil || got.Kind != queue.EventCallEnded {
		t.Fatalf("deliveries %v, want only call.ended", d)
	}
	for _, d := range all.deliveries() {
		if json.Unmarshal(d.body, &got) != nil || got.Kind == queue.EventResync {
			t.Fatalf("delivered %s", d.body)
		}
	}
	if len(seen) != 3 {
		t.Fatalf("the feed's subscriber saw %v, want all three", seen)
	}
}

// TestTwoReplicas: two exporters (two replicas, each with its own
// connection and owner name) on one MongoDB outbox deliver each event
// once while both are up, whichever replica published it; and when the
// first is stopped mid-delivery (its request in flight, not
// acknowledged), the second delivers the event after the lease expires,
// with the same event id.
func TestTwoReplicas(t *testing.T) {
	srv := mongotest.NewServer(t)
	database := srv.NewDatabase(t)
	r := newReceiver(t)
	targets := []webhookout.Target{{Name: "crm", URL: r.srv.URL, Secret: secret}}
	a := webhookout.New(targets, mongoOutbox(t, srv, database), opts("replica-a"))
	b := webhookout.New(targets, mongoOutbox(t, srv, database), opts("replica-b"))
	stopA, stopB := run(t, a), run(t, b)
	const n = 20
	for i := range n {
		ev := event(queue.EventEntryJoined)
		ev.ID = fmt.Sprintf("%032x", i)
		[]*webhookout.Exporter{a, b}[i%2].Offer(ev)
	}
	waitFor(t, "every event delivered", func() bool { return len(r.count()) == n })
	time.Sleep(100 * time.Millisecond) // ten polls: a second delivery would show
	for id, c := range r.count() {
		if c != 1 {
			t.Errorf("event %s delivered %d times with both replicas up", id, c)
		}
	}
	stopA()
	stopB()

	// The first replica dies mid-delivery.
	r.mu.Lock()
	r.got, r.hold = nil, make(chan struct{})
	r.mu.Unlock()
	short := opts("replica-c")
	short.Lease = 300 * time.Millisecond
	c := webhookout.New(targets, mongoOutbox(t, srv, database), short)
	stopC := run(t, c)
	ev := event(queue.EventCallEnded)
	c.Offer(ev)
	waitFor(t, "the first replica's request", func() bool { return len(r.deliveries()) == 1 })
	stopC() // before the receiver answers
	r.mu.Lock()
	close(r.hold)
	r.hold = nil
	r.mu.Unlock()
	short.Owner = "replica-d"
	d := webhookout.New(targets, mongoOutbox(t, srv, database), short)
	run(t, d)
	waitFor(t, "the second replica's delivery", func() bool { return len(r.deliveries()) == 2 })
	checkSigned(t, r.deliveries(), ev)
	if got := r.deliveries()[1]; got.status != http.StatusOK {
		t.Fatalf("second delivery answered %d", got.status)
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
