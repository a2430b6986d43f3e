package cluster_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/cluster"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
	"github.com/frontdesk/frontdesk/queue/queuetest"
	"github.com/gorilla/websocket"
)

// BenchmarkCrossReplicaOffer: a caller waits in a queue; its host, whose
// live-update socket is on replica A, goes available through replica B;
// each op is the time from that request until the offer frame reaches the
// host's socket. "one-replica" is the same with socket and request on one
// replica and the in-process feed, measured in the same run (the
// reference). Each offer follows a quiet spell longer than the hub's
// coalescing interval (20 ms here), so its frame leaves at once, as the
// first change after a quiet spell does in production. It reports p50-ms
// and p99-ms.
func BenchmarkCrossReplicaOffer(b *testing.B) {
	b.Run("one-replica", func(b *testing.B) {
		st := queue.NewMemoryStore()
		clock := queuetest.NewClock(time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC))
		r := startReplica(b, st, clock, &queue.LocalFeed{})
		benchOffer(b, r, r)
	})
	b.Run("two-replicas", func(b *testing.B) {
		srvs := startCluster(b, 2)
		st := queue.NewMemoryStore()
		clock := queuetest.NewClock(time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC))
		a := startReplica(b, st, clock, cluster.NewFeed(connect(b, srvs[0]), nil))
		bb := startReplica(b, st, clock, cluster.NewFeed(connect(b, srvs[1]), nil))
		benchOffer(b, a, bb)
	})
}

// benchOffer measures offers to a host whose socket is on ws while the
// availability request goes to api.
func benchOffer(b *testing.B, ws, api *replica) {
	ctx := b.Context()
	q, err := api.eng.CreateQueue(ctx, queue.Queue{Slug: "bench", Name: "Bench", Mode: queue.ModeAuto, Hours: hours.AlwaysOpen()})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := api.eng.PutHost(ctx, "ann", "Ann", []queue.QueueID{q.ID}); err != nil {
		b.Fatal(err)
	}
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ws.srv.URL, "http")+"/api/v1/ws?user=ann&role=host", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	offered := func(m map[string]any) bool { return m["offer"] != nil }
	read := func(ok func(map[string]any) bool) {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		for {
			var m map[string]any
			if err := c.ReadJSON(&m); err != nil {
				b.Fatal(err)
			}
			if ok(m) {
				return
			}
		}
	}
	read(func(map[string]any) bool { return true })
	lat := make([]time.Duration, 0, 1024)
	i := 0
	for b.Loop() {
		b.StopTimer()
		i++
		if _, err := api.eng.Join(ctx, q.ID, queue.JoinRequest{Caller: queue.Caller{ID: fmt.Sprint("c", i), Name: "Caller"}}); err != nil {
			b.Fatal(err)
		}
		// Let the join's own update pass, so the next frame is the offer's.
		time.Sleep(30 * time.Millisecond)
		b.StartTimer()
		t0 := time.Now()
		api.do(b, "PUT", "/hosts/me/availability", "?user=ann&role=host", `{"state":"available"}`, nil)
		read(offered)
		lat = append(lat, time.Since(t0))
		b.StopTimer()
		// Reset: decline (the host goes away) and drop the caller.
		en, err := api.eng.GetHost(ctx, "ann")
		if err != nil || en.EntryID == "" {
			b.Fatalf("host %+v, %v: want an offer", en, err)
		}
		if err := api.eng.Decline(ctx, "ann", en.EntryID); err != nil {
			b.Fatal(err)
		}
		if err := api.eng.Remove(ctx, en.EntryID, "bench"); err != nil {
			b.Fatal(err)
		}
		time.Sleep(30 * time.Millisecond)
		b.StartTimer()
	}
	queuetest.ReportLatencies(b, lat)
}
