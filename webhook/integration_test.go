package webhook_test

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/frontdesk/frontdesk/bus"
	"github.com/frontdesk/frontdesk/callevent"
	"github.com/frontdesk/frontdesk/janus"
	"github.com/frontdesk/frontdesk/janus/events"
	"github.com/frontdesk/frontdesk/janus/janustest"
	"github.com/frontdesk/frontdesk/janus/videoroom"
	"github.com/frontdesk/frontdesk/webhook"
)

// lateHandler serves the webhook once it exists. janustest makes up the
// event handler's credentials inside Start, so the real handler (which
// checks them, and allows only the Janus address) can only be built after
// Start; posts that arrive earlier (the core "started" event) wait for it,
// as they would wait for a slow server, instead of being lost.
type lateHandler struct {
	h     atomic.Pointer[webhook.Handler]
	ready chan struct{}
	gzips atomic.Int64 // posts with Content-Encoding: gzip
}

func (l *lateHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Content-Encoding") == "gzip" {
		l.gzips.Add(1)
	}
	select {
	case <-l.ready:
		l.h.Load().ServeHTTP(w, r)
	case <-r.Context().Done():
	case <-time.After(8 * time.Second):
		http.Error(w, "webhook not ready", http.StatusServiceUnavailable)
	}
}

// collector keeps every event a subscription receives, in a goroutine it
// owns and waits for.
type collector struct {
	mu  sync.Mutex
	evs []*events.Event
	wg  sync.WaitGroup
}

func collect(sub *bus.Subscription) *collector {
	c := &collector{}
	c.wg.Go(func() {
		for ev := range sub.C() {
			c.mu.Lock()
			c.evs = append(c.evs, ev)
			c.mu.Unlock()
		}
	})
	return c
}

// find returns the first event passing match.
func (c *collector) find(match func(*events.Event) bool) *events.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ev := range c.evs {
		if match(ev) {
			return ev
		}
	}
	return nil
}

func (c *collector) await(t *testing.T, what string, match func(*events.Event) bool) *events.Event {
	t.Helper()
	var got *events.Event
	if !janustest.WaitFor(20*time.Second, func() bool { got = c.find(match); return got != nil }) {
		c.mu.Lock()
		names := make([]string, len(c.evs))
		for i, ev := range c.evs {
			names[i] = fmt.Sprintf("%s(s=%d h=%d room=%q p=%q)", ev.Name(), ev.SessionID, ev.HandleID, ev.Room, ev.Participant)
		}
		c.mu.Unlock()
		t.Fatalf("no %s event on the bus; saw %v", what, names)
	}
	return got
}

func vrKind(ev *events.Event, k events.VideoRoomKind) bool {
	pe, ok := ev.Payload.(*events.PluginEvent)
	return ok && pe.VideoRoom != nil && pe.VideoRoom.Kind == k
}

// TestRealJanusParticipantLifecycle runs a real Janus 1.1.2 (janustest)
// whose sample event handler posts to the webhook; a Pion participant joins
// a room and publishes, then leaves. Through the bus the test must see the
// typed attached, joined, published, webrtcup and media receiving events of
// that participant, then leaving and detached, and the tracker must follow
// the instance from started to shutdown.
func TestRealJanusParticipantLifecycle(t *testing.T) {
	const participant = 4242
	late := &lateHandler{ready: make(chan struct{})}
	inst := janustest.Start(t, janustest.Options{EventHandler: late})

	evbus, err := bus.New(bus.WithRegisterer(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := evbus.Subscribe(bus.Filter{Emitters: []string{inst.Name}}, bus.WithBuffer(4096), bus.WithName("integration"))
	if err != nil {
		t.Fatal(err)
	}
	col := collect(sub)
	byParticipant, err := evbus.Subscribe(bus.Filter{Participants: []events.ID{"4242"}}, bus.WithBuffer(4096))
	if err != nil {
		t.Fatal(err)
	}
	pcol := collect(byParticipant)
	t.Cleanup(func() { evbus.Close(); col.wg.Wait(); pcol.wg.Wait() })

	// The instance's own credentials, bound to its name: every event a real
	// Janus posts names its server_name, so none is refused.
	h, err := webhook.New(webhook.Config{
		Sources:        []webhook.Source{{Emitter: inst.Name, Username: inst.EventsUser, Password: inst.EventsPassword}},
		Reserved:       []string{"builtin"},
		AllowedSources: []netip.Prefix{netip.MustParsePrefix(inst.JanusIP + "/32")},
	}, evbus, webhook.WithRegisterer(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	late.h.Store(h)
	close(late.ready)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	col.await(t, "core started", func(ev *events.Event) bool {
		c, ok := ev.Payload.(*events.CoreEvent)
		return ok && c.Status == "started"
	})

	admin := inst.Admin()
	// From here on Janus compresses its posts (sampleevh "compress"), so the
	// rest of the call arrives gzip-encoded.
	if _, err := admin.QueryEventHandler(ctx, "janus.eventhandler.sampleevh", map[string]any{"request": "tweak", "compress": true}); err != nil {
		t.Fatalf("tweak compress: %v", err)
	}
	tok := "tok-events-" + t.Name()
	if err := admin.AddToken(ctx, tok, videoroom.Plugin); err != nil {
		t.Fatal(err)
	}
	created, err := videoroom.Create(ctx, admin.PluginRequester(videoroom.Plugin),
		videoroom.CreateRequest{Description: "events", AdminKey: inst.AdminKey})
	if err != nil {
		t.Fatal(err)
	}
	room := events.ID(fmt.Sprint(created.Room))

	c, err := janus.Dial(ctx, inst.WSURL, janus.WithToken(tok))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.CreateSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ph, err := s.Attach(ctx, videoroom.Plugin, janus.WithOpaqueID("frontdesk-integration"))
	if err != nil {
		t.Fatal(err)
	}
	session, handle := s.ID(), ph.ID()
	mine := func(ev *events.Event) bool { return ev.SessionID == session && ev.HandleID == handle }

	pub := janustest.Publish(ctx, t, janustest.PionAPI(inst.HostInterface), ph,
		videoroom.JoinPublisherRequest{Room: created.Room, ID: participant, Display: "caller"})

	attached := col.await(t, "attached", func(ev *events.Event) bool {
		he, ok := ev.Payload.(*events.HandleEvent)
		return ok && mine(ev) && he.Name == "attached"
	})
	if he := attached.Payload.(*events.HandleEvent); he.Plugin != videoroom.Plugin || he.OpaqueID != "frontdesk-integration" {
		t.Errorf("attached = %+v", he)
	}
	joined := col.await(t, "joined", func(ev *events.Event) bool { return mine(ev) && vrKind(ev, events.VideoRoomJoined) })
	if vr := joined.Payload.(*events.PluginEvent).VideoRoom; vr.Room != room || vr.Participant != "4242" || vr.Display != "caller" || vr.PrivateID == 0 {
		t.Errorf("joined = %+v", vr)
	}
	published := col.await(t, "published", func(ev *events.Event) bool { return mine(ev) && vrKind(ev, events.VideoRoomPublished) })
	if vr := published.Payload.(*events.PluginEvent).VideoRoom; len(vr.Streams) != 2 || published.Participant != "4242" {
		t.Errorf("published = %+v", vr)
	}
	up := col.await(t, "webrtcup", func(ev *events.Event) bool {
		ce, ok := ev.Payload.(*events.ConnectionEvent)
		return ok && mine(ev) && ce.State == events.ConnectionUp
	})
	if up.Room != room || up.Participant != "4242" {
		t.Errorf("webrtcup not correlated to the participant: room=%q participant=%q", up.Room, up.Participant)
	}
	for _, media := range []string{"audio", "video"} {
		ev := col.await(t, media+" receiving", func(ev *events.Event) bool {
			ms, ok := ev.Payload.(*events.MediaStateEvent)
			return ok && mine(ev) && ms.Media == media && ms.Receiving
		})
		if c, ok := ev.Call(); !ok || c.Kind != callevent.MediaReceiving || c.Participant != 4242 {
			t.Errorf("%s receiving as a call event = %+v", media, c)
		}
	}
	pub.Close()
	if err := videoroom.Leave(ctx, ph); err != nil {
		t.Fatal(err)
	}
	leaving := col.await(t, "leaving", func(ev *events.Event) bool {
		return vrKind(ev, events.VideoRoomLeaving) && ev.Room == room && ev.Participant == "4242"
	})
	if leaving.SessionID != 0 || leaving.HandleID != 0 {
		t.Logf("leaving now carries session %d handle %d", leaving.SessionID, leaving.HandleID)
	}
	if err := ph.Detach(ctx); err != nil {
		t.Fatal(err)
	}
	detached := col.await(t, "detached", func(ev *events.Event) bool {
		he, ok := ev.Payload.(*events.HandleEvent)
		return ok && mine(ev) && he.Name == "detached"
	})
	if detached.Participant != "4242" || detached.Room != room {
		t.Errorf("detached not correlated: room=%q participant=%q", detached.Room, detached.Participant)
	}

	if late.gzips.Load() == 0 {
		t.Error("no gzip-encoded post arrived after the compress tweak")
	}
	tr := h.Tracker()
	in, ok := tr.Instance(inst.Name)
	if !ok || in.State != webhook.StateUp || in.Version != "1.1.2" || in.Starts != 1 || in.Events == 0 {
		t.Fatalf("tracker before shutdown = %+v", in)
	}
	inst.Stop()
	col.await(t, "core shutdown", func(ev *events.Event) bool {
		c, ok := ev.Payload.(*events.CoreEvent)
		return ok && c.Status == "shutdown"
	})
	if in, _ = tr.Instance(inst.Name); in.State != webhook.StateDown || in.Shutdowns != 1 {
		t.Fatalf("tracker after shutdown = %+v", in)
	}
	if d := sub.Dropped(); d != 0 {
		t.Errorf("bus dropped %d events", d)
	}
	// The participant filter saw that participant's call, and nothing else.
	pcol.mu.Lock()
	seen := map[string]bool{}
	for _, ev := range pcol.evs {
		if ev.Participant != "4242" {
			t.Errorf("participant subscription got %s for participant %q", ev.Name(), ev.Participant)
		}
		seen[ev.Name()] = true
	}
	pcol.mu.Unlock()
	for _, name := range []string{"plugins/joined", "plugins/published", "webrtc/webrtcup", "media/media-state", "plugins/leaving", "handles/detached"} {
		if !seen[name] {
			t.Errorf("participant subscription missed %s (saw %v)", name, seen)
		}
	}
	col.mu.Lock()
	t.Logf("%d events from %s on the bus; tracker: %+v", len(col.evs), inst.Name, in)
	col.mu.Unlock()
}
