// Package apptest starts whole Frontdesk servers for tests: the app built
// from a configuration on embedded defaults (bbolt in a temporary
// directory, the built-in SFU), served on a loopback port, and torn down in
// t.Cleanup; optionally with a real Janus (janus/janustest) whose event
// handler posts to that Frontdesk.
//
// Set FRONTDESK_TEST_LOG=1 to see the server's debug log on stderr.
package apptest

import (
	"context"
	"io"
	stdlog "log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/config"
	"github.com/frontdesk/frontdesk/janus/janustest"
	"github.com/frontdesk/frontdesk/server"
	"github.com/frontdesk/frontdesk/store/mongotest"
)

// Start runs a whole Frontdesk on loopback with the default configuration,
// changed by edit, and returns it with its address ("127.0.0.1:port").
func Start(t testing.TB, edit ...func(*config.Config)) (*app.App, string) {
	t.Helper()
	var w io.Writer
	if os.Getenv("FRONTDESK_TEST_LOG") != "" {
		w = os.Stderr
	}
	return StartWithLog(t, w, edit...)
}

// StartWithLog is Start with Frontdesk's log (debug level, text) written
// to w; nil discards it.
func StartWithLog(t testing.TB, w io.Writer, edit ...func(*config.Config)) (*app.App, string) {
	t.Helper()
	cfg := config.Default()
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Store.DataDir = t.TempDir()
	for _, f := range edit {
		f(cfg)
	}
	log := slog.New(slog.DiscardHandler)
	if w != nil {
		log = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	reg := prometheus.NewRegistry()
	srv, err := server.New(cfg.HTTP, log, reg, server.WithMetrics(cfg.Metrics))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, log, reg, srv)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ln, err := srv.Listen()
	if err != nil {
		cancel()
		a.Close()
		t.Fatal(err)
	}
	served, ran := make(chan struct{}), make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(ctx, ln) }()
	go func() { defer close(ran); _ = a.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-served; <-ran; a.Close() })
	return a, ln.Addr().String()
}

// StartWithJanus starts a real Janus named name in its own network
// namespace and a Frontdesk using it (WithJanus) whose webhook receives
// that Janus's events.
func StartWithJanus(t testing.TB, name string, edit ...func(*config.Config)) (*app.App, string, *janustest.Instance) {
	t.Helper()
	inst, events := StartJanus(t, name)
	a, addr := Start(t, append([]func(*config.Config){WithJanus(inst)}, edit...)...)
	events.To(addr)
	return a, addr, inst
}

// StartJanus starts a real Janus named name in its own network namespace
// whose event handler posts to the Frontdesk named later with
// [JanusEvents.To]: the event handler's credentials come from the
// harness, so Janus starts before any Frontdesk that uses it.
func StartJanus(t testing.TB, name string) (*janustest.Instance, *JanusEvents) {
	t.Helper()
	events := &JanusEvents{}
	return janustest.Start(t, janustest.Options{ServerName: name, EventHandler: events}), events
}

// WithJanus configures inst as Frontdesk's only Janus instance (capacity
// 10, health checked every second) with its event-handler credentials.
func WithJanus(inst *janustest.Instance) func(*config.Config) {
	return func(c *config.Config) {
		c.Janus.Instances = []config.JanusInstance{{Name: inst.Name, WSURL: inst.WSURL, HTTPURL: inst.HTTPURL,
			AdminURL: inst.AdminURL, AdminSecret: config.Secret(inst.AdminSecret), AdminKey: config.Secret(inst.AdminKey), Capacity: 10}}
		c.Janus.HealthInterval = time.Second
		c.Events.User = inst.EventsUser
		c.Events.Password = config.Secret(inst.EventsPassword)
	}
}

// WithJanusInstances configures insts as Frontdesk's Janus instances, in
// that order (capacity 10 each, health checked every second), each posting
// its events with its own credentials (janus.instances[].events_user).
func WithJanusInstances(insts ...*janustest.Instance) func(*config.Config) {
	return func(c *config.Config) {
		c.Janus.Instances = nil
		for _, inst := range insts {
			c.Janus.Instances = append(c.Janus.Instances, config.JanusInstance{Name: inst.Name, WSURL: inst.WSURL,
				HTTPURL: inst.HTTPURL, AdminURL: inst.AdminURL, AdminSecret: config.Secret(inst.AdminSecret),
				AdminKey: config.Secret(inst.AdminKey), Capacity: 10,
				EventsUser: inst.EventsUser, EventsPassword: config.Secret(inst.EventsPassword)})
		}
		c.Janus.HealthInterval = time.Second
	}
}

// JanusEvents is a Janus event handler's receiver that forwards to a
// Frontdesk set with To; until then it answers 503 (sampleevh counts that
// as delivered, so only the earliest events are lost).
type JanusEvents struct{ h atomic.Pointer[http.Handler] }

// To forwards every later post to the Frontdesk at addr ("host:port").
func (e *JanusEvents) To(addr string) {
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: addr})
	rp.ErrorLog = stdlog.New(io.Discard, "", 0) // Janus's last events after the app stopped
	var fwd http.Handler = rp
	e.h.Store(&fwd)
}

// ServeHTTP implements http.Handler.
func (e *JanusEvents) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := e.h.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	http.Error(w, "not ready", http.StatusServiceUnavailable)
}

// Replicas returns the configuration edits of n replicas as a deployment
// runs them: one MongoDB-wire database (store/mongotest), the same
// signing keys, each replica's NATS route and built-in SFU listener on
// its own loopback port with every route listed, and the SFU advertised
// at its listener. Pass each to Start.
func Replicas(t testing.TB, n int) []func(*config.Config) {
	t.Helper()
	uri, db := mongotest.Start(t)
	var routes []string
	var edits []func(*config.Config)
	for range n {
		route, sfuAddr := freeAddr(t), freeAddr(t)
		routes = append(routes, "nats://"+route)
		edits = append(edits, func(c *config.Config) {
			c.Store.Driver, c.Store.MongoDB.URI, c.Store.MongoDB.Database = config.DriverMongoDB, config.SecretURI(uri), db
			c.Auth.Keys = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
			c.Cluster.Listen, c.Cluster.Routes, c.Cluster.Secret = route, routes, "route-secret-0123456789"
			c.SFU.Listen, c.SFU.AdvertiseURL = sfuAddr, "http://"+sfuAddr
			if err := c.Validate(); err != nil {
				t.Fatalf("replica config: %v", err)
			}
		})
	}
	return edits
}

// freeAddr returns a loopback host:port nothing listens on now.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
