package cluster_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/cluster"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
	"github.com/frontdesk/frontdesk/queue/queuetest"
	"github.com/frontdesk/frontdesk/store"
	"github.com/frontdesk/frontdesk/store/mongotest"
	"github.com/gorilla/websocket"
)

// TestThreeReplicasUnderLoad: three replicas, each with its own store
// connection to one MongoDB-wire database and its own NATS server, serve
// one auto queue. Callers join on all three and watch their entry on
// another replica's socket; three hosts, each watching its console on one
// replica and acting through the next, accept and complete until every
// caller was served. No entry is accepted twice or lost, and every
// caller's live updates show the end of their call, whichever replica
// their socket is on.
func TestThreeReplicasUnderLoad(t *testing.T) {
	const nCallers, nHosts = 24, 3
	srvs := startCluster(t, 3)
	uri, db := mongotest.Start(t)
	clock := queuetest.NewClock(time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC))
	var reps []*replica
	for i := range 3 {
		b, err := store.Open(t.Context(), store.Config{Driver: store.DriverMongoDB, MongoURI: uri, MongoDatabase: db})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = b.Close(context.Background()) })
		reps = append(reps, startReplica(t, b.Queue(), clock, cluster.NewFeed(connect(t, srvs[i]), nil)))
	}
	ctx := t.Context()
	q, err := reps[0].eng.CreateQueue(ctx, queue.Queue{Slug: "load", Name: "Load", Mode: queue.ModeAuto, Hours: hours.AlwaysOpen(),
		Limits: queue.Limits{MaxWaiting: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	dial := func(r *replica, query string) *websocket.Conn {
		c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(r.srv.URL, "http")+"/api/v1/ws?"+query, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	for h := range nHosts {
		if _, err := reps[(h+1)%3].eng.PutHost(ctx, queue.HostID(fmt.Sprint("h", h)), "Host", []queue.QueueID{q.ID}); err != nil {
			t.Fatal(err)
		}
	}

	// Callers join on replica i%3 and watch on replica (i+1)%3.
	type watched struct {
		id   queue.EntryID
		conn *websocket.Conn
	}
	var callers []watched
	for i := range nCallers {
		var joined struct {
			Entry struct {
				ID queue.EntryID `json:"id"`
			} `json:"entry"`
		}
		reps[i%3].do(t, "POST", "/queues/"+string(q.ID)+"/entries", fmt.Sprintf("?user=c%d", i), `{}`, &joined)
		callers = append(callers, watched{joined.Entry.ID, dial(reps[(i+1)%3], fmt.Sprintf("user=c%d&entry=%s", i, joined.Entry.ID))})
	}

	// Hosts watch their console on replica h and act through h+1.
	var mu sync.Mutex
	accepted := map[queue.EntryID]string{}
	var wg sync.WaitGroup
	errs := make(chan error, nHosts)
	for h := range nHosts {
		host := fmt.Sprint("h", h)
		console := dial(reps[h], "user="+host+"&role=host")
		api := reps[(h+1)%3]
		who := "?user=" + host + "&role=host"
		wg.Go(func() {
			api.do(t, "PUT", "/hosts/me/availability", who, `{"state":"available"}`, nil)
			for {
				mu.Lock()
				done := len(accepted) == nCallers
				mu.Unlock()
				if done {
					return
				}
				_ = console.SetReadDeadline(time.Now().Add(2 * time.Second))
				var m map[string]any
				if err := console.ReadJSON(&m); err != nil {
					if strings.Contains(err.Error(), "timeout") {
						errs <- fmt.Errorf("%s: no console message for 2 s (%d served)", host, len(accepted))
						return
					}
					errs <- fmt.Errorf("%s: %w", host, err)
					return
				}
				offer, _ := m["offer"].(map[string]any)
				if offer == nil {
					continue
				}
				id := queue.EntryID(offer["id"].(string))
				mu.Lock()
				if prev, dup := accepted[id]; dup {
					mu.Unlock()
					if prev != host {
						errs <- fmt.Errorf("entry %s offered to %s after %s took it", id, host, prev)
						return
					}
					continue // a later frame about the offer this host took
				}
				accepted[id] = host
				mu.Unlock()
				api.do(t, "POST", "/entries/"+string(id)+"/accept", who, ``, nil)
				api.do(t, "POST", "/entries/"+string(id)+"/complete", who, ``, nil)
				// With no wrap-up the host may be offered the next caller
				// at once; going available is then refused (409), rightly.
				if code := api.status(t, "PUT", "/hosts/me/availability", who, `{"state":"available"}`); code != 200 && code != 409 {
					errs <- fmt.Errorf("%s: available: HTTP %d", host, code)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(accepted) != nCallers {
		t.Fatalf("%d of %d callers served", len(accepted), nCallers)
	}
	for i, c := range callers {
		_ = c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		for {
			var m map[string]any
			if err := c.conn.ReadJSON(&m); err != nil {
				t.Fatalf("caller %d (entry %s) never saw the end of its call: %v", i, c.id, err)
			}
			if m["entry"].(map[string]any)["state"] == "completed" {
				break
			}
		}
		en, err := reps[0].eng.GetEntry(ctx, c.id)
		if err != nil || en.State != queue.EntryCompleted || string(en.HostID) != accepted[c.id] {
			t.Fatalf("entry %s: %s by %q (%v), want completed by %s", c.id, en.State, en.HostID, err, accepted[c.id])
		}
		accepts := 0
		for _, tr := range en.History {
			if tr.Reason == "accepted" {
				accepts++
			}
		}
		if accepts != 1 {
			t.Fatalf("entry %s accepted %d times", c.id, accepts)
		}
	}
}
