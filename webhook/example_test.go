package webhook_test

import (
	"log/slog"
	"net/netip"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/frontdesk/frontdesk/bus"
	"github.com/frontdesk/frontdesk/janus/events"
	"github.com/frontdesk/frontdesk/problem"
	"github.com/frontdesk/frontdesk/webhook"
)

// Example wires the endpoint the way the server does: one bus, the webhook
// publishing to it, and a consumer following one room's call steps.
func Example() {
	reg := prometheus.NewRegistry()
	evbus, err := bus.New(bus.WithRegisterer(reg))
	if err != nil {
		panic(err)
	}
	defer evbus.Close()

	h, err := webhook.New(webhook.Config{
		Username:       "janus",         // sampleevh backend_user
		Password:       "from-a-secret", // sampleevh backend_pwd
		AllowedSources: []netip.Prefix{netip.MustParsePrefix("10.77.0.0/16")},
	}, evbus, webhook.WithRegisterer(reg), webhook.WithLogger(slog.Default()))
	if err != nil {
		panic(err)
	}
	e := echo.New()
	e.HTTPErrorHandler = problem.HTTPErrorHandler(slog.Default())
	h.Register(e) // POST /janus/events

	// A consumer: call steps of room 1234 (Janus or SFU), in its own goroutine.
	sub, err := evbus.Subscribe(bus.Filter{Rooms: []events.ID{"1234"}}, bus.WithName("calls"))
	if err != nil {
		panic(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range sub.C() {
			if step, ok := ev.Call(); ok {
				slog.Info("call step", "room", step.Room, "participant", step.Participant, "step", step.Kind)
			}
		}
	}()

	// The instance pool reads liveness from the tracker.
	for _, in := range h.Tracker().Instances() {
		slog.Info("janus instance", "name", in.Name, "state", in.State, "last_seen", in.LastSeen)
	}

	sub.Close()
	<-done
}
