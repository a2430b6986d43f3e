package app_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/config"
	"github.com/frontdesk/frontdesk/janus"
	"github.com/frontdesk/frontdesk/janus/janustest"
	"github.com/frontdesk/frontdesk/janus/videoroom"
	"github.com/frontdesk/frontdesk/proxy"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
)

// loopbackAPI is a Pion API for peers on this host talking to the
// built-in SFU over loopback.
func loopbackAPI(t *testing.T) *webrtc.API {
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, reg); err != nil {
		t.Fatal(err)
	}
	return webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg))
}

// waitEntry polls the entry until it reaches state.
func waitEntry(t testing.TB, eng *queue.Engine, id string, state queue.EntryState) queue.Entry {
	t.Helper()
	var e queue.Entry
	if !janustest.WaitFor(15*time.Second, func() bool {
		var err error
		e, err = eng.GetEntry(context.Background(), queue.EntryID(id))
		return err == nil && e.State == state
	}) {
		t.Fatalf("entry %s is %v, want %v", id, e.State, state)
	}
	return e
}

// dialHandle connects through the proxy with ticket and returns a fresh
// VideoRoom handle in a new session.
func dialHandle(ctx context.Context, t *testing.T, addr, ticket string) *janus.Handle {
	t.Helper()
	c, err := janus.Dial(ctx, "ws://"+addr+"/janus", janus.WithHeader(http.Header{proxy.TicketHeader: {ticket}}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return janustest.VideoRoomHandle(ctx, t, c)
}

// join connects a participant through the proxy with its ticket and
// publishes synthetic audio and video.
func join(ctx context.Context, t *testing.T, api *webrtc.API, addr, ticket string, room uint64) (*janus.Handle, *janustest.Publisher) {
	t.Helper()
	h := dialHandle(ctx, t, addr, ticket)
	return h, janustest.Publish(ctx, t, api, h, videoroom.JoinPublisherRequest{Room: room})
}

// acceptCall makes a queue on media with one available host ("host-1")
// and one caller ("caller-1"), and has the host accept the offer. edit
// adjusts the queue before it is created.
func acceptCall(ctx context.Context, t *testing.T, eng *queue.Engine, media queue.MediaEngine, edit func(*queue.Queue)) (queue.Entry, queue.Accepted) {
	t.Helper()
	q := queue.Queue{Slug: "desk", Name: "Help desk", Mode: queue.ModeAuto, Hours: hours.AlwaysOpen(), Media: media}
	if edit != nil {
		edit(&q)
	}
	q, err := eng.CreateQueue(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.PutHost(ctx, "host-1", "Hana Host", []queue.QueueID{q.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.SetAvailability(ctx, "host-1", queue.HostAvailable); err != nil {
		t.Fatal(err)
	}
	joined, err := eng.Join(ctx, q.ID, queue.JoinRequest{Caller: queue.Caller{ID: "caller-1", Name: "Cal Caller"}})
	if err != nil {
		t.Fatal(err)
	}
	entry := waitEntry(t, eng, string(joined.Entry.ID), queue.EntryOffered)
	acc, err := eng.Accept(ctx, "host-1", entry.ID)
	if err != nil {
		t.Fatal(err)
	}
	return entry, acc
}

func TestICEServersNeedAuth(t *testing.T) {
	_, addr := apptest.Start(t, func(c *config.Config) {
		c.TURN.URLs = []string{"stun:stun.example:3478", "turn:turn.example:3478"}
		c.TURN.SharedSecret = "turn-secret"
	})
	resp, err := http.Get("http://" + addr + "/api/v1/ice-servers")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous ice-servers: %d, want 401", resp.StatusCode)
	}

	// A guest caller gets STUN and a TURN entry with a short-lived credential.
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/auth/guest", strings.NewReader(`{"display_name":"Gus"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "http://"+addr)
	resp, err = hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("guest: %d", resp.StatusCode)
	}
	resp, err = hc.Get("http://" + addr + "/api/v1/ice-servers")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "turn:turn.example:3478") ||
		!strings.Contains(string(body), `"credential"`) || strings.Contains(string(body), "turn-secret") {
		t.Fatalf("ice-servers: %d %s", resp.StatusCode, body)
	}
}

func TestCallOnBuiltinSFU(t *testing.T) {
	a, addr := apptest.Start(t)
	testCall(t, a, addr, queue.MediaBuiltin, loopbackAPI(t))
}

func TestCallOnJanus(t *testing.T) {
	a, addr, inst := apptest.StartWithJanus(t, "janus-e2e")
	testCall(t, a, addr, queue.MediaJanus, janustest.PionAPI(inst.HostInterface))
}

// testCall runs one caller-to-host call on the given media engine.
func testCall(t *testing.T, a *app.App, addr string, media queue.MediaEngine, api *webrtc.API) {
	eng := a.Engine()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	rejoin := 2 * time.Second
	entry, acc := acceptCall(ctx, t, eng, media, func(q *queue.Queue) { q.Timeouts.RejoinGrace = &rejoin })
	callerTicket, call, err := eng.Ticket(ctx, entry.ID, "caller-1")
	if err != nil {
		t.Fatal(err)
	}
	if call.Room.Engine != media || strings.Contains(callerTicket, call.Room.PIN) {
		t.Fatalf("room %+v", call.Room)
	}

	hostH, hostPub := join(ctx, t, api, addr, acc.HostTicket, call.Room.ID)
	callerH, callerPub := join(ctx, t, api, addr, callerTicket, call.Room.ID)
	for _, h := range []*janus.Handle{hostH, callerH} {
		for m := range h.Events() {
			if m.Janus == "webrtcup" {
				break
			}
		}
	}
	// The SFU's events reached the queue: the caller is in the call.
	waitEntry(t, eng, string(entry.ID), queue.EntryInCall)

	// The host sees the caller's video and hears them.
	subH, err := hostH.Session().Attach(ctx, videoroom.Plugin)
	if err != nil {
		t.Fatal(err)
	}
	sub := janustest.Subscribe(ctx, t, api, subH, videoroom.JoinSubscriberRequest{Room: call.Room.ID,
		Streams: []videoroom.SubscribeStream{{Feed: callerPub.Joined.ID}}})
	if !janustest.WaitFor(10*time.Second, func() bool { return sub.AudioPackets.Load() > 5 && sub.VideoPackets.Load() > 5 }) {
		t.Fatalf("host received audio=%d video=%d packets from the caller", sub.AudioPackets.Load(), sub.VideoPackets.Load())
	}
	_ = hostPub

	// The caller's side leaves the room without hanging up (as a reload
	// does): the media server's leaving event reaches the queue, which keeps
	// the call for the rejoin grace, then completes it and puts the host in
	// wrap-up.
	left := time.Now()
	if err := videoroom.Leave(ctx, callerH); err != nil {
		t.Fatal(err)
	}
	var away queue.Entry
	if !janustest.WaitFor(5*time.Second, func() bool {
		away, err = eng.GetEntry(ctx, entry.ID)
		return err == nil && !away.CallerAwayUntil.IsZero()
	}) {
		t.Fatalf("entry after the caller left: %+v, %v", away, err)
	}
	if away.State != queue.EntryInCall {
		t.Fatalf("entry %s within the rejoin grace, want in_call", away.State)
	}
	waitEntry(t, eng, string(entry.ID), queue.EntryCompleted)
	if d := time.Since(left); d < rejoin {
		t.Fatalf("call completed %v after the leave, before the %v rejoin grace", d, rejoin)
	}
	var h queue.Host
	if !janustest.WaitFor(5*time.Second, func() bool {
		h, err = eng.GetHost(ctx, "host-1")
		return err == nil && (h.State == queue.HostWrapUp || h.State == queue.HostAvailable)
	}) {
		t.Fatalf("host after the call: %v, %v", h.State, err)
	}
}

// TestRejoinEvictsStaleParticipant: a caller whose earlier connection is
// still in the room (a network blip that closed nothing) connects again
// with the same ticket. The first join is refused (VideoRoom 436, the id
// is in the room) and Frontdesk kicks the stale participant with the room
// secret, so the retry joins, on either media engine.
func TestRejoinEvictsStaleParticipant(t *testing.T) {
	for _, tc := range []struct {
		name  string
		media queue.MediaEngine
	}{{"builtin", queue.MediaBuiltin}, {"janus", queue.MediaJanus}} {
		t.Run(tc.name, func(t *testing.T) {
			var a *app.App
			var addr string
			if tc.media == queue.MediaJanus {
				a, addr, _ = apptest.StartWithJanus(t, "janus-rejoin")
			} else {
				a, addr = apptest.Start(t)
			}
			eng := a.Engine()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			entry, _ := acceptCall(ctx, t, eng, tc.media, nil)
			ticket, call, err := eng.Ticket(ctx, entry.ID, "caller-1")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := videoroom.JoinPublisher(ctx, dialHandle(ctx, t, addr, ticket), videoroom.JoinPublisherRequest{Room: call.Room.ID}); err != nil {
				t.Fatalf("first join: %v", err)
			}
			again := dialHandle(ctx, t, addr, ticket) // the old connection is still up
			_, err = videoroom.JoinPublisher(ctx, again, videoroom.JoinPublisherRequest{Room: call.Room.ID})
			if !errors.Is(err, &janus.PluginError{Code: 436}) {
				t.Fatalf("join beside the stale participant: %v, want VideoRoom 436", err)
			}
			var j *videoroom.Joined
			if !janustest.WaitFor(5*time.Second, func() bool {
				j, err = videoroom.JoinPublisher(ctx, again, videoroom.JoinPublisherRequest{Room: call.Room.ID})
				return err == nil
			}) {
				t.Fatalf("the retried join still fails: %v", err)
			}
			for _, p := range call.Participants {
				if p.Role == queue.PartyCaller && j.ID != p.FeedID {
					t.Fatalf("rejoined as %d, want the caller's feed %d", j.ID, p.FeedID)
				}
			}
		})
	}
}
