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
)

// Start runs a whole Frontdesk on loopback with the default configuration,
// changed by edit, and returns it with its address ("127.0.0.1:port").
func Start(t testing.TB, edit ...func(*config.Config)) (*app.App, string) {
	t.Helper()
	cfg := config.Default()
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Store.DataDir = t.TempDir()
	for _, f := range edit {
		f(cfg)
	}
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("FRONTDESK_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
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
// namespace and a Frontdesk using it (one instance, capacity 10, health
// checked every second) whose webhook receives that Janus's events.
func StartWithJanus(t testing.TB, name string, edit ...func(*config.Config)) (*app.App, string, *janustest.Instance) {
	t.Helper()
	// The event handler's credentials come from the harness, so Janus starts
	// first and its posts wait for the app behind a handler set afterwards.
	events := &lazyHandler{}
	inst := janustest.Start(t, janustest.Options{ServerName: name, EventHandler: events})
	a, addr := Start(t, append([]func(*config.Config){func(c *config.Config) {
		c.Janus.Instances = []config.JanusInstance{{Name: inst.Name, WSURL: inst.WSURL, HTTPURL: inst.HTTPURL,
			AdminURL: inst.AdminURL, AdminSecret: config.Secret(inst.AdminSecret), AdminKey: config.Secret(inst.AdminKey), Capacity: 10}}
		c.Janus.HealthInterval = time.Second
		c.Events.User = inst.EventsUser
		c.Events.Password = config.Secret(inst.EventsPassword)
	}}, edit...)...)
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: addr})
	rp.ErrorLog = stdlog.New(io.Discard, "", 0) // Janus's last events after the app stopped
	var fwd http.Handler = rp
	events.h.Store(&fwd)
	return a, addr, inst
}

// lazyHandler forwards to a handler set later; until then it answers 503
// (sampleevh counts that as delivered, so only the earliest events are lost).
type lazyHandler struct{ h atomic.Pointer[http.Handler] }

func (l *lazyHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := l.h.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	http.Error(w, "not ready", http.StatusServiceUnavailable)
}
