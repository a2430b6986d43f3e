package cluster_test

import (
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/cluster"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/nats-io/nats.go"
)

// startCluster starts n embedded NATS servers on loopback, routed to the
// first, and waits until every server has a route.
func startCluster(t testing.TB, n int) []*cluster.Server {
	t.Helper()
	var srvs []*cluster.Server
	for i := range n {
		cfg := cluster.ServerConfig{Listen: "127.0.0.1:0", ClusterListen: "127.0.0.1:0"}
		if i > 0 {
			cfg.Routes = []string{srvs[0].RouteURL()}
		}
		s, err := cluster.StartServer(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Shutdown)
		srvs = append(srvs, s)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, s := range srvs {
		for s.Routes() < n-1 {
			if time.Now().After(deadline) {
				t.Fatalf("server has %d routes after 10 s, want %d", s.Routes(), n-1)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return srvs
}

func connect(t testing.TB, s *cluster.Server) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(s.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func TestSubject(t *testing.T) {
	tests := []struct {
		name string
		ev   queue.Event
		want string
	}{
		{"queue and kind", queue.Event{Queue: "q1", Kind: queue.EventEntryJoined}, "frontdesk.events.q1.entry.joined"},
		{"no queue", queue.Event{Kind: queue.EventHostChanged}, "frontdesk.events._.host.changed"},
		{"wildcards and dots in an id", queue.Event{Queue: "a.b*c> d", Kind: queue.EventQueueChanged}, "frontdesk.events.a_b_c__d.queue.changed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := cluster.Subject(tc.ev); got != tc.want {
				t.Fatalf("Subject = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestFeedAcrossServers: an event published on one replica's server
// reaches the subscribers on another replica's server, its fields intact,
// and the publisher's own subscribers too.
func TestFeedAcrossServers(t *testing.T) {
	srvs := startCluster(t, 3)
	a := cluster.NewFeed(connect(t, srvs[0]), nil)
	c := cluster.NewFeed(connect(t, srvs[2]), nil)
	gotA, gotC := make(chan queue.Event, 10), make(chan queue.Event, 10)
	defer a.Subscribe(func(ev queue.Event) { gotA <- ev })()
	defer c.Subscribe(func(ev queue.Event) { gotC <- ev })()
	ev := queue.Event{ID: "0123456789abcdef0123456789abcdef", Version: queue.EventSchemaVersion, Kind: queue.EventEntryOffered,
		At: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC), Queue: "q1", Entry: "e1", Host: "h1"}
	// Interest crosses the routes asynchronously: publish until the far
	// replica hears.
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	a.Publish(ev)
	for got := false; !got; {
		select {
		case e := <-gotC:
			if e != ev {
				t.Fatalf("received %+v, want %+v", e, ev)
			}
			got = true
		case <-tick.C:
			a.Publish(ev)
		case <-deadline:
			t.Fatal("the event never reached the other server's subscriber")
		}
	}
	select {
	case e := <-gotA:
		if e != ev {
			t.Fatalf("own subscriber received %+v", e)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the publisher's own subscriber got nothing")
	}
}

// TestFeedResyncOnReconnect: a subscriber whose connection to NATS broke
// and came back is told to resynchronise.
func TestFeedResyncOnReconnect(t *testing.T) {
	srvs := startCluster(t, 2)
	nc, err := nats.Connect(srvs[0].ClientURL()+","+srvs[1].ClientURL(), nats.ReconnectWait(10*time.Millisecond), nats.DontRandomize())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	f := cluster.NewFeed(nc, nil)
	got := make(chan queue.Event, 10)
	defer f.Subscribe(func(ev queue.Event) { got <- ev })()
	srvs[0].Shutdown() // the connection moves to the other server
	select {
	case ev := <-got:
		if ev.Kind != queue.EventResync {
			t.Fatalf("got %s, want a resync", ev.Kind)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no resync after the reconnect")
	}
}

// TestFeedUnreadableEventIsAResync: a message on the subjects this
// replica cannot read (another schema version) asks for a resync instead
// of being dropped silently.
func TestFeedUnreadableEventIsAResync(t *testing.T) {
	srvs := startCluster(t, 1)
	nc := connect(t, srvs[0])
	f := cluster.NewFeed(nc, nil)
	got := make(chan queue.Event, 10)
	defer f.Subscribe(func(ev queue.Event) { got <- ev })()
	if err := nc.Publish(cluster.SubjectPrefix+".q1.entry.joined", []byte(`{"v":2,"kind":"entry.joined"}`)); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-got:
		if ev.Kind != queue.EventResync {
			t.Fatalf("got %s, want a resync", ev.Kind)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing delivered")
	}
}

// TestRouteSecret: servers with a route secret form a cluster with each
// other, and refuse a server that does not present it.
func TestRouteSecret(t *testing.T) {
	start := func(secret string, routes ...string) *cluster.Server {
		s, err := cluster.StartServer(cluster.ServerConfig{ClusterListen: "127.0.0.1:0", Routes: routes, RouteSecret: secret})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Shutdown)
		return s
	}
	a := start("route-secret-0123456789")
	b := start("route-secret-0123456789", a.RouteURL())
	intruder := start("", a.RouteURL())
	deadline := time.Now().Add(10 * time.Second)
	for b.Routes() < 1 {
		if time.Now().After(deadline) {
			t.Fatal("servers sharing the secret never routed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // time enough for the intruder's attempts
	if n := intruder.Routes(); n != 0 {
		t.Fatalf("a server without the secret has %d routes", n)
	}
	// Routes come in pools of connections: the first server has as many
	// as the one with the secret, none more.
	if na, nb := a.Routes(), b.Routes(); na != nb {
		t.Fatalf("the first server has %d route connections, the one with the secret %d", na, nb)
	}
}
