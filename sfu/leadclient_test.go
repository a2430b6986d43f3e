package sfu

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/janus"
	"github.com/frontdesk/frontdesk/janus/janustest"
	"github.com/frontdesk/frontdesk/janus/videoroom"
)

// clientTarget is an endpoint for Frontdesk's own Janus client.
type clientTarget struct {
	name, url, token, adminKey string
	ifaces                     []string
	loopback                   bool
}

// TestFrontdeskClientAgainstSFU drives the SFU with Frontdesk's own Janus
// client (janus, janus/videoroom) and its Pion peers (janustest), over
// both transports: the client needs no change to use the built-in SFU.
func TestFrontdeskClientAgainstSFU(t *testing.T) {
	_, hs := newTestSFU(t, Config{})
	runClientScenario(t, []clientTarget{
		{name: "websocket", url: wsURLOf(hs.URL), ifaces: []string{"lo"}, loopback: true},
		{name: "http", url: hs.URL + "/janus", ifaces: []string{"lo"}, loopback: true},
	})
}

// TestFrontdeskClientAgainstJanus runs the same scenario against a real
// Janus (janustest; skipped without janus or root, failing under CI=true).
func TestFrontdeskClientAgainstJanus(t *testing.T) {
	inst := janustest.Start(t, janustest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	token := "client-" + newTx()
	if err := inst.Admin().AddToken(ctx, token, PluginName); err != nil {
		t.Fatal(err)
	}
	runClientScenario(t, []clientTarget{
		{name: "websocket", url: inst.WSURL, token: token, adminKey: inst.AdminKey, ifaces: []string{inst.HostInterface}},
		{name: "http", url: inst.HTTPURL, token: token, adminKey: inst.AdminKey, ifaces: []string{inst.HostInterface}},
	})
}

func runClientScenario(t *testing.T, targets []clientTarget) {
	for _, tc := range targets {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			opts := []janus.Option{janus.WithLogger(testLogger(t))}
			if tc.token != "" {
				opts = append(opts, janus.WithToken(tc.token))
			}
			c, err := janus.Dial(ctx, tc.url, opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			s, err := c.CreateSession(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Destroy(ctx)
			admin, err := s.Attach(ctx, PluginName)
			if err != nil {
				t.Fatal(err)
			}
			created, err := videoroom.Create(ctx, admin, videoroom.CreateRequest{Description: "lead client", Secret: "sec", AdminKey: tc.adminKey})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := videoroom.Create(ctx, admin, videoroom.CreateRequest{Room: created.Room, AdminKey: tc.adminKey}); err == nil {
				t.Fatal("creating an existing room must fail")
			} else if pe := (*janus.PluginError)(nil); !errors.As(err, &pe) || pe.Code != 427 {
				t.Fatalf("create twice: %v", err)
			}
			api := testAPI(t, tc.loopback, tc.ifaces, nil)
			ph, err := s.Attach(ctx, PluginName)
			if err != nil {
				t.Fatal(err)
			}
			pub := janustest.Publish(ctx, t, api, ph, videoroom.JoinPublisherRequest{Room: created.Room, Display: "alice"})
			var feed uint64
			if !janustest.WaitFor(10*time.Second, func() bool {
				ps, err := videoroom.ListParticipants(ctx, admin, created.Room)
				if err == nil && len(ps) == 1 && ps[0].Publisher {
					feed = ps[0].ID
					return true
				}
				return false
			}) {
				t.Fatal("the publisher never became active")
			}
			if feed != pub.Joined.ID {
				t.Fatalf("participant %d, joined as %d", feed, pub.Joined.ID)
			}
			sh, err := s.Attach(ctx, PluginName)
			if err != nil {
				t.Fatal(err)
			}
			sub := janustest.Subscribe(ctx, t, api, sh, videoroom.JoinSubscriberRequest{Room: created.Room, Streams: []videoroom.SubscribeStream{{Feed: feed}}})
			if !janustest.WaitFor(10*time.Second, func() bool { return sub.AudioPackets.Load() > 5 && sub.VideoPackets.Load() > 5 }) {
				t.Fatalf("no RTP: audio %d video %d", sub.AudioPackets.Load(), sub.VideoPackets.Load())
			}
			if err := videoroom.Destroy(ctx, admin, created.Room, "sec"); err != nil {
				t.Fatal(err)
			}
		})
	}
}
