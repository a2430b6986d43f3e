package app_test

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/config"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
	"github.com/frontdesk/frontdesk/store/mongotest"
)

// freeAddr returns a loopback host:port nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestReplicasShareEvents starts two apps as a deployment would run two
// replicas: one MongoDB database, the same signing keys, and
// cluster.listen with both replicas in cluster.routes. A change made
// through replica B is published to replica A's queue events.
func TestReplicasShareEvents(t *testing.T) {
	uri, db := mongotest.Start(t)
	routeA, routeB := freeAddr(t), freeAddr(t)
	routes := []string{"nats://" + routeA, "nats://" + routeB}
	replica := func(listen string) func(*config.Config) {
		return func(c *config.Config) {
			c.Store.Driver, c.Store.MongoDB.URI, c.Store.MongoDB.Database = config.DriverMongoDB, config.SecretURI(uri), db
			c.Auth.Keys = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
			c.Cluster.Listen, c.Cluster.Routes, c.Cluster.Secret = listen, routes, "route-secret-0123456789"
			if err := c.Validate(); err != nil {
				t.Fatalf("replica config: %v", err)
			}
		}
	}
	a, _ := apptest.Start(t, replica(routeA))
	b, _ := apptest.Start(t, replica(routeB))

	got := make(chan queue.Event, 100)
	defer a.Engine().Feed().Subscribe(func(ev queue.Event) { got <- ev })()
	// Routes form asynchronously: change something on B until A hears.
	deadline := time.After(20 * time.Second)
	for i := 0; ; i++ {
		q, err := b.Engine().CreateQueue(t.Context(), queue.Queue{Slug: fmt.Sprintf("r%d", i),
			Name: "R", Mode: queue.ModeAuto, Hours: hours.AlwaysOpen()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Engine().SetManual(t.Context(), q.ID, hours.ManualOpen); err != nil {
			t.Fatal(err)
		}
		select {
		case ev := <-got:
			if ev.Kind != queue.EventQueueChanged || ev.Queue == "" {
				t.Fatalf("replica A got %+v, want B's queue.changed", ev)
			}
			if _, err := a.Engine().GetQueue(t.Context(), string(ev.Queue)); err != nil {
				t.Fatalf("A cannot read the queue B's event names: %v", err)
			}
			return
		case <-time.After(200 * time.Millisecond):
		case <-deadline:
			t.Fatal("replica A never heard of replica B's changes")
		}
	}
}
