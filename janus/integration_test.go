package janus_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/frontdesk/frontdesk/janus"
	"github.com/frontdesk/frontdesk/janus/admin"
	"github.com/frontdesk/frontdesk/janus/janustest"
	"github.com/frontdesk/frontdesk/janus/videoroom"
	"github.com/frontdesk/frontdesk/janus/wire"
)

// transports runs f once over WebSocket and once over HTTP long-poll.
func transports(t *testing.T, inst *janustest.Instance, f func(t *testing.T, url string)) {
	for _, tc := range []struct{ name, url string }{{"websocket", inst.WSURL}, {"http", inst.HTTPURL}} {
		t.Run(tc.name, func(t *testing.T) { f(t, tc.url) })
	}
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func dial(t *testing.T, url string, opts ...janus.Option) *janus.Client {
	t.Helper()
	c, err := janus.Dial(ctxT(t, 5*time.Second), url, opts...)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// videoroomToken adds a stored token limited to the VideoRoom plugin.
func videoroomToken(t *testing.T, inst *janustest.Instance) string {
	t.Helper()
	tok := "tok-" + t.Name()
	if err := inst.Admin().AddToken(ctxT(t, 5*time.Second), tok, videoroom.Plugin); err != nil {
		t.Fatalf("add_token: %v", err)
	}
	return tok
}

func TestTokens(t *testing.T) {
	inst := janustest.Start(t, janustest.Options{})
	admin := inst.Admin()
	transports(t, inst, func(t *testing.T, url string) {
		ctx := ctxT(t, 20*time.Second)
		vrTok := videoroomToken(t, inst)
		echoTok := "echo-" + t.Name()
		if err := admin.AddToken(ctx, echoTok, "janus.plugin.echotest"); err != nil {
			t.Fatal(err)
		}
		toks, err := admin.ListTokens(ctx)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, st := range toks {
			if st.Token == vrTok && len(st.AllowedPlugins) == 1 && st.AllowedPlugins[0] == videoroom.Plugin {
				found = true
			}
		}
		if !found {
			t.Fatalf("list_tokens lacks %s scoped to videoroom: %+v", vrTok, toks)
		}

		// No token at all: Janus refuses the session (403).
		if _, err := dial(t, url).CreateSession(ctx); !errors.Is(err, &janus.Error{Code: wire.CodeUnauthorized}) {
			t.Fatalf("create without token: err = %v, want 403", err)
		}
		// A VideoRoom token may attach to the VideoRoom, not to EchoTest (405).
		s, err := dial(t, url, janus.WithToken(vrTok)).CreateSession(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Attach(ctx, videoroom.Plugin); err != nil {
			t.Fatalf("attach videoroom with its token: %v", err)
		}
		if _, err := s.Attach(ctx, "janus.plugin.echotest"); !errors.Is(err, &janus.Error{Code: wire.CodeUnauthorizedPlugin}) {
			t.Fatalf("attach echotest with a videoroom token: err = %v, want 405", err)
		}
		// An EchoTest token may not attach to the VideoRoom (405).
		s2, err := dial(t, url, janus.WithToken(echoTok)).CreateSession(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s2.Attach(ctx, videoroom.Plugin); !errors.Is(err, &janus.Error{Code: wire.CodeUnauthorizedPlugin}) {
			t.Fatalf("attach videoroom with an echotest token: err = %v, want 405", err)
		}
		// Once removed, the token no longer opens anything (403 on attach).
		if err := admin.RemoveToken(ctx, vrTok); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Attach(ctx, videoroom.Plugin); !errors.Is(err, &janus.Error{Code: wire.CodeUnauthorized}) {
			t.Fatalf("attach after remove_token: err = %v, want 403", err)
		}
	})
}

func TestAdminInfo(t *testing.T) {
	inst := janustest.Start(t, janustest.Options{ServerName: "janus-info"})
	ctx := ctxT(t, 10*time.Second)
	info, err := inst.Admin().Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.ServerName != "janus-info" || !info.AuthToken || info.VersionString != "1.1.2" {
		t.Fatalf("info = %+v", info)
	}
	if _, ok := info.Plugins[videoroom.Plugin]; !ok {
		t.Fatalf("videoroom plugin not loaded: %s", info.Raw)
	}
	st, err := inst.Admin().GetStatus(ctx)
	if err != nil || st["token_auth"] != true {
		t.Fatalf("get_status = %v, %v", st, err)
	}
	// A wrong admin secret is refused.
	bad := admin.New(inst.AdminURL, "wrong")
	if _, err := bad.ListSessions(ctx); !errors.Is(err, &janus.Error{Code: wire.CodeUnauthorized}) {
		t.Fatalf("list_sessions with a wrong secret: err = %v, want 403", err)
	}
	if err := inst.Admin().AcceptNewSessions(ctx, false); err != nil {
		t.Fatal(err)
	}
	tok := videoroomToken(t, inst)
	if _, err := dial(t, inst.WSURL, janus.WithToken(tok)).CreateSession(ctx); !errors.Is(err, &janus.Error{Code: wire.CodeNotAcceptingSessions}) {
		t.Fatalf("create while draining: err = %v, want 472", err)
	}
	if err := inst.Admin().AcceptNewSessions(ctx, true); err != nil {
		t.Fatal(err)
	}
	resp, err := inst.Admin().QueryEventHandler(ctx, "janus.eventhandler.sampleevh", map[string]any{"request": "tweak"})
	if err == nil {
		t.Logf("query_eventhandler: %s", resp)
	} else if !errors.Is(err, &janus.Error{Code: wire.CodePluginNotFound}) {
		// Event handlers are disabled without an EventHandler; Janus says so.
		t.Logf("query_eventhandler without handlers: %v", err)
	}
}

func TestRooms(t *testing.T) {
	inst := janustest.Start(t, janustest.Options{})
	transports(t, inst, func(t *testing.T, url string) {
		ctx := ctxT(t, 20*time.Second)
		s, err := dial(t, url, janus.WithToken(videoroomToken(t, inst))).CreateSession(ctx)
		if err != nil {
			t.Fatal(err)
		}
		h, err := s.Attach(ctx, videoroom.Plugin)
		if err != nil {
			t.Fatal(err)
		}
		viaAdmin := inst.Admin().PluginRequester(videoroom.Plugin)
		for _, r := range []struct {
			name string
			req  videoroom.Requester
		}{{"handle", h}, {"message_plugin", viaAdmin}} {
			t.Run(r.name, func(t *testing.T) {
				// Without the admin_key (429) or with a wrong one (433) Janus
				// refuses to create rooms.
				if _, err := videoroom.Create(ctx, r.req, videoroom.CreateRequest{Description: "x"}); !errors.Is(err, &janus.PluginError{Code: videoroom.ErrCodeMissingElement}) {
					t.Fatalf("create without admin_key: err = %v, want 429", err)
				}
				if _, err := videoroom.Create(ctx, r.req, videoroom.CreateRequest{Description: "x", AdminKey: "wrong"}); !errors.Is(err, &janus.PluginError{Code: videoroom.ErrCodeUnauthorized}) {
					t.Fatalf("create with a wrong admin_key: err = %v, want 433", err)
				}
				created, err := videoroom.Create(ctx, r.req, videoroom.CreateRequest{Description: "desk", Secret: "s3", Pin: "p1", Publishers: 2, AdminKey: inst.AdminKey})
				if err != nil {
					t.Fatal(err)
				}
				room := created.Room
				if ok, err := videoroom.Exists(ctx, r.req, room); err != nil || !ok {
					t.Fatalf("exists = %v, %v", ok, err)
				}
				_, err = videoroom.Create(ctx, r.req, videoroom.CreateRequest{Room: room, AdminKey: inst.AdminKey})
				var perr *janus.PluginError
				if !errors.As(err, &perr) || perr.Code != videoroom.ErrCodeRoomExists || perr.Plugin != videoroom.Plugin {
					t.Fatalf("create twice: err = %v, want 427", err)
				}
				if err := videoroom.Edit(ctx, r.req, videoroom.EditRequest{Room: room, Secret: "s3", NewDescription: "desk 2"}); err != nil {
					t.Fatal(err)
				}
				rooms, err := videoroom.List(ctx, r.req, inst.AdminKey)
				if err != nil {
					t.Fatal(err)
				}
				var listed *videoroom.RoomInfo
				for i := range rooms {
					if rooms[i].Room == room {
						listed = &rooms[i]
					}
				}
				if listed == nil || listed.Description != "desk 2" || !listed.PinRequired || listed.MaxPublishers != 2 {
					t.Fatalf("list: %+v", listed)
				}
				if allowed, err := videoroom.Allowed(ctx, r.req, room, "s3", videoroom.AllowedAdd, []string{"a"}); err != nil || len(allowed) != 1 {
					t.Fatalf("allowed add = %v, %v", allowed, err)
				}
				if err := videoroom.Destroy(ctx, r.req, room, "wrong"); !errors.Is(err, &janus.PluginError{Code: videoroom.ErrCodeUnauthorized}) {
					t.Fatalf("destroy with a wrong secret: err = %v, want 433", err)
				}
				if err := videoroom.Destroy(ctx, r.req, room, "s3"); err != nil {
					t.Fatal(err)
				}
				if _, err := videoroom.ListParticipants(ctx, r.req, room); !errors.Is(err, &janus.PluginError{Code: videoroom.ErrCodeNoSuchRoom}) {
					t.Fatalf("listparticipants after destroy: err = %v, want 426", err)
				}
			})
		}
	})
}

// waitEvent reads h's events until one satisfies match or the context ends.
func waitEvent(ctx context.Context, t *testing.T, h *janus.Handle, what string, match func(*janus.Message) bool) *janus.Message {
	t.Helper()
	for {
		select {
		case m, ok := <-h.Events():
			if !ok {
				t.Fatalf("handle events closed while waiting for %s", what)
			}
			if match(m) {
				return m
			}
		case <-ctx.Done():
			t.Fatalf("no %s: %v", what, ctx.Err())
		}
	}
}

func TestPublishSubscribe(t *testing.T) {
	inst := janustest.Start(t, janustest.Options{})
	api := janustest.PionAPI(inst.HostInterface)
	transports(t, inst, func(t *testing.T, url string) {
		ctx := ctxT(t, 30*time.Second)
		c := dial(t, url, janus.WithToken(videoroomToken(t, inst)))
		created, err := videoroom.Create(ctx, inst.Admin().PluginRequester(videoroom.Plugin),
			videoroom.CreateRequest{Description: "pubsub", Secret: "sec", Pin: "1234", AdminKey: inst.AdminKey})
		if err != nil {
			t.Fatal(err)
		}
		room := created.Room

		s, err := c.CreateSession(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ph, err := s.Attach(ctx, videoroom.Plugin)
		if err != nil {
			t.Fatal(err)
		}
		// A wrong pin is refused.
		if _, err := videoroom.JoinPublisher(ctx, ph, videoroom.JoinPublisherRequest{Room: room, Pin: "0000"}); !errors.Is(err, &janus.PluginError{Code: videoroom.ErrCodeUnauthorized}) {
			t.Fatalf("join with a wrong pin: err = %v, want 433", err)
		}
		pub := janustest.Publish(ctx, t, api, ph, videoroom.JoinPublisherRequest{Room: room, ID: 4242, Display: "host", Pin: "1234"})
		if pub.Joined.ID != 4242 || pub.Joined.Room != room {
			t.Fatalf("joined = %+v", pub.Joined)
		}
		if pub.Configured.AudioCodec != "opus" || pub.Configured.VideoCodec != "vp8" {
			t.Fatalf("configured = %+v", pub.Configured)
		}
		waitEvent(ctx, t, ph, "publisher webrtcup", func(m *janus.Message) bool { return m.Janus == "webrtcup" })

		parts, err := videoroom.ListParticipants(ctx, ph, room)
		if err != nil {
			t.Fatal(err)
		}
		if len(parts) != 1 || parts[0].ID != 4242 || parts[0].Display != "host" || !parts[0].Publisher {
			t.Fatalf("participants = %+v", parts)
		}

		sh, err := s.Attach(ctx, videoroom.Plugin)
		if err != nil {
			t.Fatal(err)
		}
		sub := janustest.Subscribe(ctx, t, api, sh, videoroom.JoinSubscriberRequest{Room: room, Pin: "1234", Streams: []videoroom.SubscribeStream{{Feed: 4242}}})
		if len(sub.Attached.Streams) != 2 {
			t.Fatalf("attached streams = %+v", sub.Attached.Streams)
		}
		waitEvent(ctx, t, sh, "subscriber webrtcup", func(m *janus.Message) bool { return m.Janus == "webrtcup" })
		if !janustest.WaitFor(10*time.Second, func() bool { return sub.AudioPackets.Load() > 10 && sub.VideoPackets.Load() > 10 }) {
			t.Fatalf("subscriber got audio=%d video=%d RTP packets", sub.AudioPackets.Load(), sub.VideoPackets.Load())
		}

		// Destroying the room tears the call down: the publisher is told.
		if err := videoroom.Destroy(ctx, inst.Admin().PluginRequester(videoroom.Plugin), room, "sec"); err != nil {
			t.Fatal(err)
		}
		m := waitEvent(ctx, t, ph, "destroyed", func(m *janus.Message) bool {
			ev, err := videoroom.ParseEvent(m)
			return err == nil && ev.Kind == videoroom.KindDestroyed && ev.Room == room
		})
		if m.PluginData == nil {
			t.Fatal("destroyed without plugindata")
		}
		if err := s.Destroy(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestConnectionLost(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	inst := janustest.Start(t, janustest.Options{})
	tok := videoroomToken(t, inst)
	for _, tc := range []struct{ name, url string }{{"websocket", inst.WSURL}, {"http", inst.HTTPURL}} {
		t.Run(tc.name, func(t *testing.T) {
			if !inst.Running() {
				inst.Restart()
				if err := inst.Admin().AddToken(ctxT(t, 5*time.Second), tok, videoroom.Plugin); err != nil {
					t.Fatal(err)
				}
			}
			c, err := janus.Dial(ctxT(t, 5*time.Second), tc.url, janus.WithToken(tok))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx := ctxT(t, 30*time.Second)
			s, err := c.CreateSession(ctx)
			if err != nil {
				t.Fatal(err)
			}
			h, err := s.Attach(ctx, videoroom.Plugin)
			if err != nil {
				t.Fatal(err)
			}
			// Freeze Janus so the next request stays pending, then kill it.
			inst.Freeze()
			errc := make(chan error, 1)
			go func() {
				_, err := h.Request(ctx, map[string]any{"request": "list"})
				errc <- err
			}()
			time.Sleep(200 * time.Millisecond)
			inst.Kill()
			select {
			case err := <-errc:
				if !errors.Is(err, janus.ErrConnectionLost) {
					t.Fatalf("pending call: err = %v, want ErrConnectionLost", err)
				}
			case <-ctx.Done():
				t.Fatal("pending call did not fail when Janus died")
			}
			if tc.name == "websocket" {
				select {
				case <-c.Done():
				case <-time.After(5 * time.Second):
					t.Fatal("client not closed after connection loss")
				}
				if !errors.Is(c.Err(), janus.ErrConnectionLost) {
					t.Fatalf("client err = %v", c.Err())
				}
			}
			if _, err := c.CreateSession(ctx); err == nil {
				t.Fatal("call after connection loss succeeded")
			}
			for range h.Events() { // closed once the client is closed
			}
		})
	}
}
