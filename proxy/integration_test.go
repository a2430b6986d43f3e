package proxy_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/janus"
	"github.com/frontdesk/frontdesk/janus/janustest"
	"github.com/frontdesk/frontdesk/janus/pool"
	"github.com/frontdesk/frontdesk/janus/videoroom"
	"github.com/frontdesk/frontdesk/proxy"
)

// rig is two real Janus instances, a pool, an auth service issuing tickets,
// and the proxy served on loopback.
type rig struct {
	a, b      *janustest.Instance
	pool      *pool.Pool
	auth      *auth.Service
	proxy     *proxy.Proxy
	srv       *httptest.Server
	resolves  atomic.Int64
	tokens    map[string]string // subject -> Janus stored token
	pins      map[uint64]string
	instances map[string]*janustest.Instance
}

func newRig(t testing.TB, opts ...proxy.Option) *rig {
	t.Helper()
	r := &rig{tokens: map[string]string{}, pins: map[uint64]string{}, instances: map[string]*janustest.Instance{}}
	r.a = janustest.Start(t, janustest.Options{ServerName: "janus-a"})
	r.b = janustest.Start(t, janustest.Options{ServerName: "janus-b"})
	ctx := context.Background()
	var cfgs []pool.InstanceConfig
	for _, inst := range []*janustest.Instance{r.a, r.b} {
		r.instances[inst.Name] = inst
		cfgs = append(cfgs, pool.InstanceConfig{Name: inst.Name, WSURL: inst.WSURL, HTTPURL: inst.HTTPURL,
			AdminURL: inst.AdminURL, AdminSecret: inst.AdminSecret, AdminKey: inst.AdminKey})
	}
	var err error
	r.pool, err = pool.New(ctx, cfgs, nil, pool.WithHealthInterval(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := auth.GenerateKeyRing()
	if err != nil {
		t.Fatal(err)
	}
	r.auth, err = auth.New(auth.NewMemoryStore(), keys, auth.WithLogger(quietLog))
	if err != nil {
		t.Fatal(err)
	}
	r.proxy, err = proxy.New(r.auth, proxy.ResolverFunc(func(ctx context.Context, tk auth.Ticket) (proxy.Target, error) {
		r.resolves.Add(1)
		inst, err := r.pool.Lookup(tk.Room)
		if err != nil {
			return proxy.Target{}, fmt.Errorf("%w: %v", proxy.ErrRoomUnavailable, err)
		}
		c := inst.Config()
		return proxy.Target{Instance: c.Name, WSURL: c.WSURL, HTTPURL: c.HTTPURL, Token: r.tokens[tk.Subject], Pin: r.pins[tk.Room]}, nil
	}), append([]proxy.Option{proxy.WithPingInterval(2 * time.Second), proxy.WithLogger(quietLog)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	r.pool.Watch(func(name string, s pool.State) {
		if s == pool.StateDown {
			r.proxy.CloseInstance(name)
		}
	})
	mux := http.NewServeMux()
	mux.Handle("/janus", r.proxy)
	mux.Handle("/janus/", r.proxy)
	r.srv = httptest.NewServer(mux)
	t.Cleanup(func() { r.proxy.Close(); r.srv.Close() })
	return r
}

// room places and creates a room with a pin on the instance the pool picks.
func (r *rig) room(t testing.TB, id uint64) *janustest.Instance {
	t.Helper()
	ctx := context.Background()
	inst, err := r.pool.Place(ctx, id, 2)
	if err != nil {
		t.Fatal(err)
	}
	r.pins[id] = fmt.Sprintf("pin-%d", id)
	if _, err := videoroom.Create(ctx, inst.Admin().PluginRequester(videoroom.Plugin), videoroom.CreateRequest{
		Room: id, Pin: r.pins[id], Secret: "room-secret", AdminKey: inst.Config().AdminKey}); err != nil {
		t.Fatal(err)
	}
	return r.instances[inst.Name()]
}

// ticket issues a call ticket for room and mints the participant's stored token.
func (r *rig) ticket(t testing.TB, room, pid uint64, display string) (string, auth.Ticket) {
	t.Helper()
	subject := fmt.Sprintf("user-%d", pid)
	inst, err := r.pool.Lookup(room)
	if err != nil {
		t.Fatal(err)
	}
	tok := "jt-" + subject + fmt.Sprint(time.Now().UnixNano())
	if err := inst.Admin().AddToken(context.Background(), tok, videoroom.Plugin); err != nil {
		t.Fatal(err)
	}
	r.tokens[subject] = tok
	raw, tk, err := r.auth.IssueTicket(auth.Ticket{CallID: "call-1", Room: room, Instance: inst.Name(), Subject: subject,
		ParticipantID: pid, Display: display, Role: auth.CallCaller})
	if err != nil {
		t.Fatal(err)
	}
	return raw, tk
}

// quietLog keeps the proxy's per-request logs out of test output.
var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

func (r *rig) wsURL() string   { return "ws" + strings.TrimPrefix(r.srv.URL, "http") + "/janus" }
func (r *rig) httpURL() string { return r.srv.URL + "/janus" }

func dialProxy(t *testing.T, url, ticket string) *janus.Client {
	t.Helper()
	c, err := janus.Dial(context.Background(), url, janus.WithHeader(http.Header{proxy.TicketHeader: {ticket}}))
	if err != nil {
		t.Fatalf("dial proxy: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestProxyPublishThroughBothTransports(t *testing.T) {
	r := newRig(t)
	api := janustest.PionAPI(r.a.HostInterface, r.b.HostInterface)
	for i, tc := range []struct{ name, url string }{{"websocket", r.wsURL()}, {"http", r.httpURL()}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			roomID := uint64(500 + i)
			inst := r.room(t, roomID)
			raw, tk := r.ticket(t, roomID, 77+uint64(i), "Ada Caller")
			c := dialProxy(t, tc.url, raw)
			s, err := c.CreateSession(ctx)
			if err != nil {
				t.Fatal(err)
			}
			h, err := s.Attach(ctx, videoroom.Plugin)
			if err != nil {
				t.Fatal(err)
			}
			// The browser asks for another id and name and knows no pin: the
			// proxy forces the ticket's and adds the pin.
			pub := janustest.Publish(ctx, t, api, h, videoroom.JoinPublisherRequest{Room: roomID, ID: 999, Display: "Mallory"})
			if pub.Joined.ID != tk.ParticipantID {
				t.Fatalf("joined as %d, want the ticket's %d", pub.Joined.ID, tk.ParticipantID)
			}
			for {
				select {
				case m := <-h.Events():
					if m.Janus != "webrtcup" {
						continue
					}
				case <-ctx.Done():
					t.Fatal("no webrtcup through the proxy")
				}
				break
			}
			// On the right instance, with the ticket's display name.
			parts, err := videoroom.ListParticipants(ctx, inst.Admin().PluginRequester(videoroom.Plugin), roomID)
			if err != nil || len(parts) != 1 || parts[0].ID != tk.ParticipantID || parts[0].Display != "Ada Caller" || !parts[0].Publisher {
				t.Fatalf("participants on %s = %+v, %v", inst.Name, parts, err)
			}
		})
	}
}

func TestProxyDeniesAndJanusNeverSees(t *testing.T) {
	r := newRig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const roomA, roomB = 601, 602
	instA := r.room(t, roomA)
	r.room(t, roomB)
	raw, _ := r.ticket(t, roomA, 11, "Host")

	conn, resp, err := websocket.DefaultDialer.Dial(r.wsURL(), http.Header{
		"Sec-WebSocket-Protocol": {janus.Subprotocol + ", " + proxy.TicketSubprotocolPrefix + raw}})
	if err != nil {
		t.Fatalf("dial with the ticket as a subprotocol: %v", err)
	}
	defer conn.Close()
	if resp.Header.Get("Sec-WebSocket-Protocol") != janus.Subprotocol {
		t.Fatalf("negotiated %q", resp.Header.Get("Sec-WebSocket-Protocol"))
	}
	n := 0
	rt := func(req string) map[string]any {
		t.Helper()
		n++
		req = strings.ReplaceAll(req, "$T", fmt.Sprintf("t%d", n))
		if err := conn.WriteMessage(websocket.TextMessage, []byte(req)); err != nil {
			t.Fatal(err)
		}
		for {
			var m map[string]any
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			if err := conn.ReadJSON(&m); err != nil {
				t.Fatalf("%s: %v", req, err)
			}
			if m["transaction"] == fmt.Sprintf("t%d", n) && m["janus"] != "ack" {
				return m
			}
		}
	}
	created := rt(`{"janus":"create","transaction":"$T"}`)
	session := uint64(created["data"].(map[string]any)["id"].(float64))
	attached := rt(fmt.Sprintf(`{"janus":"attach","transaction":"$T","session_id":%d,"plugin":"janus.plugin.videoroom"}`, session))
	handle := uint64(attached["data"].(map[string]any)["id"].(float64))
	msg := func(body string) string {
		return fmt.Sprintf(`{"janus":"message","transaction":"$T","session_id":%d,"handle_id":%d,"body":%s}`, session, handle, body)
	}
	denied := []struct{ name, req string }{
		{"info", `{"janus":"info","transaction":"$T"}`},
		{"ping", `{"janus":"ping","transaction":"$T"}`},
		{"attach echotest", fmt.Sprintf(`{"janus":"attach","transaction":"$T","session_id":%d,"plugin":"janus.plugin.echotest"}`, session)},
		{"someone else's session", `{"janus":"keepalive","transaction":"$T","session_id":12345}`},
		{"create room", msg(`{"request":"create","room":777}`)},
		{"destroy room", msg(fmt.Sprintf(`{"request":"destroy","room":%d}`, roomA))},
		{"edit", msg(fmt.Sprintf(`{"request":"edit","room":%d,"new_description":"x"}`, roomA))},
		{"kick", msg(fmt.Sprintf(`{"request":"kick","room":%d,"id":11}`, roomA))},
		{"moderate", msg(fmt.Sprintf(`{"request":"moderate","room":%d,"id":11,"mid":"0","mute":true}`, roomA))},
		{"allowed", msg(fmt.Sprintf(`{"request":"allowed","room":%d,"action":"disable"}`, roomA))},
		{"rtp_forward", msg(fmt.Sprintf(`{"request":"rtp_forward","room":%d,"publisher_id":11,"host":"10.0.0.1"}`, roomA))},
		{"list", msg(`{"request":"list"}`)},
		{"listparticipants", msg(fmt.Sprintf(`{"request":"listparticipants","room":%d}`, roomA))},
		{"enable_recording", msg(fmt.Sprintf(`{"request":"enable_recording","room":%d,"record":true}`, roomA))},
		{"admin_key field", msg(fmt.Sprintf(`{"request":"join","ptype":"publisher","room":%d,"admin_key":"x"}`, roomA))},
		{"secret field", msg(fmt.Sprintf(`{"request":"join","ptype":"publisher","room":%d,"secret":"x"}`, roomA))},
		{"record on configure", msg(`{"request":"configure","record":true,"filename":"/tmp/x"}`)},
		{"room B with a ticket for A", msg(fmt.Sprintf(`{"request":"join","ptype":"publisher","room":%d}`, roomB))},
		{"subscribe in room B", msg(fmt.Sprintf(`{"request":"join","ptype":"subscriber","room":%d,"streams":[{"feed":1}]}`, roomB))},
	}
	for _, d := range denied {
		t.Run(d.name, func(t *testing.T) {
			m := rt(d.req)
			if m["janus"] != "error" {
				t.Fatalf("not refused: %v", m)
			}
		})
	}
	// Bytes that are not JSON get a Janus error 454 (no transaction to echo).
	if err := conn.WriteMessage(websocket.TextMessage, []byte(`{"janus":`)); err != nil {
		t.Fatal(err)
	}
	var bad map[string]any
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := conn.ReadJSON(&bad); err != nil || bad["janus"] != "error" || bad["error"].(map[string]any)["code"].(float64) != 454 {
		t.Fatalf("not JSON: %v, %v", bad, err)
	}

	// Janus never saw any of it: the rooms are intact, no room 777, no
	// participant, and only our one session and one handle exist.
	adm := instA.Admin()
	vr := adm.PluginRequester(videoroom.Plugin)
	if ok, _ := videoroom.Exists(ctx, vr, 777); ok {
		t.Fatal("room 777 was created through the proxy")
	}
	rooms, err := videoroom.List(ctx, vr, instA.AdminKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, rm := range rooms {
		if rm.Room == roomA && rm.Description != "Room 601" && rm.Description != "" {
			t.Fatalf("room A was edited: %+v", rm)
		}
	}
	if parts, err := videoroom.ListParticipants(ctx, vr, roomA); err != nil || len(parts) != 0 {
		t.Fatalf("participants = %v, %v", parts, err)
	}
	sessions, err := adm.ListSessions(ctx)
	if err != nil || len(sessions) != 1 || sessions[0] != session {
		t.Fatalf("sessions on janus-a = %v (%v), want only %d", sessions, err, session)
	}
	handles, err := adm.ListHandles(ctx, session)
	if err != nil || len(handles) != 1 || handles[0] != handle {
		t.Fatalf("handles = %v (%v), want only %d", handles, err, handle)
	}

	// An allowed join works, with the pin the browser never knew.
	joined := rt(msg(`{"request":"join","ptype":"publisher"}`))
	pd := joined["plugindata"].(map[string]any)["data"].(map[string]any)
	if pd["videoroom"] != "joined" || uint64(pd["id"].(float64)) != 11 {
		t.Fatalf("join: %v", joined)
	}

	// Closing the client destroys its Janus session at once.
	conn.Close()
	if !janustest.WaitFor(3*time.Second, func() bool {
		s, err := adm.ListSessions(ctx)
		return err == nil && len(s) == 0
	}) {
		t.Fatal("backend session survived the client's disconnect")
	}
}

func TestProxyRefusesBadTicketsBeforeDialling(t *testing.T) {
	r := newRig(t)
	r.room(t, 701)
	raw, _ := r.ticket(t, 701, 5, "x")
	keys, _ := auth.GenerateKeyRing()
	other, _ := auth.New(auth.NewMemoryStore(), keys)
	forged, _, _ := other.IssueTicket(auth.Ticket{CallID: "c", Room: 701, Instance: "janus-a", Subject: "s", ParticipantID: 5, Role: auth.CallHost})
	expiring, _ := auth.New(auth.NewMemoryStore(), keys, auth.WithTicketTTL(time.Second))
	old, _, _ := expiring.IssueTicket(auth.Ticket{CallID: "c", Room: 701, Instance: "janus-a", Subject: "s", ParticipantID: 5, Role: auth.CallHost})
	cases := []struct{ name, ticket string }{
		{"none", ""},
		{"garbage", "not-a-jwt"},
		{"forged (other key)", forged},
		{"tampered", raw[:len(raw)-3] + "abc"},
	}
	time.Sleep(1100 * time.Millisecond)
	cases = append(cases, struct{ name, ticket string }{"expired", old})
	before := r.resolves.Load()
	for _, c := range cases {
		for _, url := range []string{r.wsURL(), r.httpURL()} {
			h := http.Header{}
			if c.ticket != "" {
				h.Set(proxy.TicketHeader, c.ticket)
			}
			var status int
			if strings.HasPrefix(url, "ws") {
				_, resp, err := websocket.DefaultDialer.Dial(url, h)
				if err == nil {
					t.Fatalf("%s: websocket accepted", c.name)
				}
				status = resp.StatusCode
			} else {
				req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"janus":"create","transaction":"x"}`))
				req.Header = h
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				status = resp.StatusCode
			}
			if status != http.StatusUnauthorized {
				t.Fatalf("%s over %s: status %d, want 401", c.name, url[:4], status)
			}
		}
	}
	if r.resolves.Load() != before {
		t.Fatal("a refused ticket reached the resolver (a backend would have been dialled)")
	}
}

func TestProxyClosesClientsOfDeadInstance(t *testing.T) {
	r := newRig(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.pool.Run(ctx) }()
	defer func() { cancel(); <-done }()
	inst := r.room(t, 801)
	raw, _ := r.ticket(t, 801, 9, "x")
	conn, _, err := websocket.DefaultDialer.Dial(r.wsURL(), http.Header{proxy.TicketHeader: {raw}, "Sec-WebSocket-Protocol": {janus.Subprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	inst.Kill()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err = conn.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != proxy.CloseReconnect || !strings.Contains(ce.Text, "new ticket") {
		t.Fatalf("close = %v, want code %d telling to reconnect", err, proxy.CloseReconnect)
	}
	if !janustest.WaitFor(2*time.Second, func() bool { s, _ := r.pool.State(inst.Name); return s == pool.StateDown }) {
		t.Fatal("instance not marked down")
	}
	// A new connection for that room is refused with 503 until it is placed again.
	_, resp, err := websocket.DefaultDialer.Dial(r.wsURL(), http.Header{proxy.TicketHeader: {raw}})
	if err == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial to a dead room: %v, %v", err, resp)
	}
}

// kickEvicter evicts with the rig's room secret through the Admin API, as
// Frontdesk's app does with the call's.
type kickEvicter struct {
	r     *rig
	calls atomic.Int32
}

func (e *kickEvicter) EvictStale(ctx context.Context, t auth.Ticket) error {
	e.calls.Add(1)
	inst, err := e.r.pool.Lookup(t.Room)
	if err != nil {
		return err
	}
	return videoroom.Kick(ctx, inst.Admin().PluginRequester(videoroom.Plugin), t.Room, "room-secret", t.ParticipantID)
}

// TestProxyEvictsStaleParticipant: a participant whose earlier connection
// is still in the room (a blip that closed nothing) joins again with the
// same ticket. Janus refuses the join (436, the id is in the room); the
// proxy has the stale participant kicked, so the client's retry joins.
// Over HTTP the refusal arrives in a long-poll, which the proxy reads.
func TestProxyEvictsStaleParticipant(t *testing.T) {
	ev := &kickEvicter{}
	r := newRig(t, proxy.WithEvicter(ev), proxy.WithMaxConnsPerParticipant(2))
	ev.r = r
	for i, tc := range []struct{ name, url string }{{"websocket", r.wsURL()}, {"http", r.httpURL()}} {
		t.Run(tc.name, func(t *testing.T) {
			ev.calls.Store(0)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			roomID := uint64(951 + i)
			inst := r.room(t, roomID)
			raw, tk := r.ticket(t, roomID, 31, "Blip Caller")
			handle := func() *janus.Handle { return janustest.VideoRoomHandle(ctx, t, dialProxy(t, tc.url, raw)) }
			old := handle()
			if _, err := videoroom.JoinPublisher(ctx, old, videoroom.JoinPublisherRequest{Room: roomID}); err != nil {
				t.Fatalf("first join: %v", err)
			}
			if ev.calls.Load() != 0 {
				t.Fatal("evicted on a join that worked")
			}

			// The same participant again, the old connection still up.
			h := handle()
			_, err := videoroom.JoinPublisher(ctx, h, videoroom.JoinPublisherRequest{Room: roomID})
			if !errors.Is(err, &janus.PluginError{Code: 436}) {
				t.Fatalf("second join: %v, want VideoRoom 436 (the id is in the room)", err)
			}
			if n := ev.calls.Load(); n != 1 {
				t.Fatalf("evicter called %d times, want 1", n)
			}
			// The old incarnation was kicked: it hears so, and the retry joins.
			kicked := false
			for !kicked {
				select {
				case m := <-old.Events():
					if e, err := videoroom.ParseEvent(m); err == nil && (e.Kind == videoroom.KindKicked || e.Kind == videoroom.KindLeaving) {
						kicked = true
					}
				case <-ctx.Done():
					t.Fatal("the stale participant was not kicked")
				}
			}
			joined, err := videoroom.JoinPublisher(ctx, h, videoroom.JoinPublisherRequest{Room: roomID})
			if err != nil || joined.ID != tk.ParticipantID {
				t.Fatalf("retried join: %+v, %v", joined, err)
			}
			parts, err := videoroom.ListParticipants(ctx, inst.Admin().PluginRequester(videoroom.Plugin), roomID)
			if err != nil || len(parts) != 1 || parts[0].ID != tk.ParticipantID {
				t.Fatalf("participants = %+v, %v; want only %d", parts, err, tk.ParticipantID)
			}
			// The working join did not evict again.
			if n := ev.calls.Load(); n != 1 {
				t.Fatalf("evicter called %d times in all, want 1", n)
			}
		})
	}
}
