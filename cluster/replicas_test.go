package cluster_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/cluster"
	"github.com/frontdesk/frontdesk/problem"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
	"github.com/frontdesk/frontdesk/queue/queueapi"
	"github.com/frontdesk/frontdesk/queue/queueapi/queueapitest"
	"github.com/frontdesk/frontdesk/queue/queuetest"
	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"
)

// replica is one Frontdesk replica: an engine on the shared store, its
// feed on its own NATS server, and the queue API with live updates.
type replica struct {
	eng *queue.Engine
	srv *httptest.Server
}

func startReplica(t testing.TB, st queue.Store, clock *queuetest.Clock, feed queue.Feed) *replica {
	t.Helper()
	env := queuetest.NewEnvWith(t, st, clock, queuetest.NewRooms(), &queuetest.Tickets{}, queuetest.NewTokens(), queue.WithFeed(feed))
	api := queueapi.New(env.Engine, queueapitest.Identifier{}, nil, queueapi.WithHubInterval(20*time.Millisecond), queueapi.WithJoinRate(0, 0),
		queueapi.WithLogger(slog.New(slog.DiscardHandler)))
	e := echo.New()
	e.HTTPErrorHandler = problem.HTTPErrorHandler(nil)
	api.Register(e.Group("/api/v1"))
	srv := httptest.NewServer(e)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = api.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; srv.Close() })
	return &replica{eng: env.Engine, srv: srv}
}

// send sends a request as who ("?user=…&role=…") and returns the status
// and the body.
func (r *replica) send(t testing.TB, method, path, who, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, r.srv.URL+"/api/v1"+path+who, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// status sends a request and returns its HTTP status.
func (r *replica) status(t testing.TB, method, path, who, body string) int {
	t.Helper()
	code, _ := r.send(t, method, path, who, body)
	return code
}

// do sends a request that must succeed and decodes its answer into out
// (when not nil).
func (r *replica) do(t testing.TB, method, path, who, body string, out any) {
	t.Helper()
	code, raw := r.send(t, method, path, who, body)
	if code >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, code, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLiveUpdatesAcrossReplicas: two replicas share one store and reach
// each other only through the NATS feed. A caller whose live-update
// socket is on replica A sees the offer that replica B makes when the host
// goes available there, and the host's console on B shows the caller who
// joined on A.
func TestLiveUpdatesAcrossReplicas(t *testing.T) {
	srvs := startCluster(t, 2)
	st := queue.NewMemoryStore()
	clock := queuetest.NewClock(time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC))
	a := startReplica(t, st, clock, cluster.NewFeed(connect(t, srvs[0]), nil))
	b := startReplica(t, st, clock, cluster.NewFeed(connect(t, srvs[1]), nil))

	q, err := a.eng.CreateQueue(t.Context(), queue.Queue{Slug: "x", Name: "X", Mode: queue.ModeAuto, Hours: hours.AlwaysOpen()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.eng.PutHost(t.Context(), "ann", "Ann", []queue.QueueID{q.ID}); err != nil {
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
	wait := func(c *websocket.Conn, what string, ok func(map[string]any) bool) {
		t.Helper()
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		for {
			var m map[string]any
			if err := c.ReadJSON(&m); err != nil {
				t.Fatalf("waiting for %s: %v", what, err)
			}
			if ok(m) {
				return
			}
		}
	}
	host := dial(b, "user=ann&role=host")
	wait(host, "the host's first message", func(map[string]any) bool { return true })

	var joined struct {
		Entry queueapi.EntryJSON `json:"entry"`
	}
	a.do(t, "POST", "/queues/"+string(q.ID)+"/entries", "?user=bob", `{}`, &joined)
	caller := dial(a, "user=bob&entry="+string(joined.Entry.ID))
	wait(caller, "the caller's first message", func(map[string]any) bool { return true })
	wait(host, "the join on A in B's host console", func(m map[string]any) bool {
		qs := m["queues"].([]any)
		return len(qs) == 1 && qs[0].(map[string]any)["waiting_count"] == 1.0
	})

	b.do(t, "PUT", "/hosts/me/availability", "?user=ann&role=host", `{"state":"available"}`, nil)
	wait(caller, "the offer made on B at the caller on A", func(m map[string]any) bool {
		return m["entry"].(map[string]any)["state"] == "offered"
	})
}
