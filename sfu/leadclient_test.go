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

// TestFrontdeskClientAgainstSFU drives the SFU with Frontdesk's own Janus
// client (janus, janus/videoroom) and its Pion peers (janustest), over
// both transports: the client needs no change to use the built-in SFU.
func TestFrontdeskClientAgainstSFU(t *testing.T) {
	_, hs := newTestSFU(t, Config{})
	for _, tc := range []struct{ name, url string }{
		{"websocket", wsURLOf(hs.URL)},
		{"http", hs.URL + "/janus"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c, err := janus.Dial(ctx, tc.url, janus.WithLogger(testLogger(t)))
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
			created, err := videoroom.Create(ctx, admin, videoroom.CreateRequest{Description: "lead client", Secret: "sec"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := videoroom.Create(ctx, admin, videoroom.CreateRequest{Room: created.Room}); err == nil {
				t.Fatal("creating an existing room must fail")
			} else if pe := (*janus.PluginError)(nil); !errors.As(err, &pe) || pe.Code != 427 {
				t.Fatalf("create twice: %v", err)
			}
			api := testAPI(t, true, []string{"lo"}, nil)
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
