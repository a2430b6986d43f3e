package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/janus"
	"github.com/frontdesk/frontdesk/janus/janustest"
	"github.com/frontdesk/frontdesk/janus/videoroom"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
)

// TestReplicasShareEvents starts two apps as a deployment would run two
// replicas (apptest.Replicas). A change made through replica B is published
// to replica A's queue events.
func TestReplicasShareEvents(t *testing.T) {
	cfgs := apptest.Replicas(t, 2)
	a, _ := apptest.Start(t, cfgs[0])
	b, _ := apptest.Start(t, cfgs[1])

	got := make(chan queue.Event, 100)
	defer a.Engine().Feed().Subscribe(func(ev queue.Event) { got <- ev })()
	// Routes form asynchronously: change something on B until A hears.
	deadline := time.After(20 * time.Second)
	for i := 0; ; i++ {
		q, err := b.Engine().CreateQueue(t.Context(), queue.Queue{Slug: fmt.Sprintf("r%d", i),
			Name: "R", Mode: queue.ModeAuto, Hours: hours.AlwaysOpen()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Engine().SetManual(t.Context(), q.ID, hours.ManualOpen); err != nil {
			t.Fatal(err)
		}
		select {
		case ev := <-got:
			if ev.Kind != queue.EventQueueChanged || ev.Queue == "" {
				t.Fatalf("replica A got %+v, want B's queue.changed", ev)
			}
			if _, err := a.Engine().GetQueue(t.Context(), string(ev.Queue)); err != nil {
				t.Fatalf("A cannot read the queue B's event names: %v", err)
			}
			return
		case <-time.After(200 * time.Millisecond):
		case <-deadline:
			t.Fatal("replica A never heard of replica B's changes")
		}
	}
}

// TestCallAcrossReplicasOnBuiltinSFU: a call accepted on replica A lives
// in A's built-in SFU, and its room records A's advertised URL. The host
// joins through A's /janus, the caller through B's, which proxies to A's
// SFU listener with a token A accepts: each receives the other's audio
// and video. A second connection of the caller through B evicts the stale
// one on A (a signed kick), and completing the call on B destroys the
// room on A (a signed destroy).
func TestCallAcrossReplicasOnBuiltinSFU(t *testing.T) {
	cfgs := apptest.Replicas(t, 2)
	a, addrA := apptest.Start(t, cfgs[0])
	b, addrB := apptest.Start(t, cfgs[1])
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	api := loopbackAPI(t)

	entry, acc := acceptCall(ctx, t, a.Engine(), queue.MediaBuiltin, nil)
	callerTicket, call, err := b.Engine().Ticket(ctx, entry.ID, "caller-1")
	if err != nil {
		t.Fatal(err)
	}
	if want := "http://" + a.BuiltinSFUAddr(); call.Room.Addr != want {
		t.Fatalf("room %d records %q, want replica A's SFU %q", call.Room.ID, call.Room.Addr, want)
	}
	hostH, hostPub := join(ctx, t, api, addrA, acc.HostTicket, call.Room.ID)
	callerH, callerPub := join(ctx, t, api, addrB, callerTicket, call.Room.ID)
	for _, h := range []*janus.Handle{hostH, callerH} {
		for m := range h.Events() {
			if m.Janus == "webrtcup" {
				break
			}
		}
	}
	// A's SFU events reached the shared store: B sees the call.
	waitEntry(t, b.Engine(), string(entry.ID), queue.EntryInCall)

	for _, side := range []struct {
		name string
		h    *janus.Handle
		feed uint64
	}{
		{"host on A receives the caller", hostH, callerPub.Joined.ID},
		{"caller through B receives the host", callerH, hostPub.Joined.ID},
	} {
		subH, err := side.h.Session().Attach(ctx, videoroom.Plugin)
		if err != nil {
			t.Fatal(err)
		}
		sub := janustest.Subscribe(ctx, t, api, subH, videoroom.JoinSubscriberRequest{Room: call.Room.ID,
			Streams: []videoroom.SubscribeStream{{Feed: side.feed}}})
		if !janustest.WaitFor(10*time.Second, func() bool { return sub.AudioPackets.Load() > 5 && sub.VideoPackets.Load() > 5 }) {
			t.Fatalf("%s: audio=%d video=%d packets", side.name, sub.AudioPackets.Load(), sub.VideoPackets.Load())
		}
	}

	// The caller connects again through B while the first connection is
	// still in A's room: B kicks the stale participant on A.
	again := dialHandle(ctx, t, addrB, callerTicket)
	if !janustest.WaitFor(10*time.Second, func() bool {
		_, err = videoroom.JoinPublisher(ctx, again, videoroom.JoinPublisherRequest{Room: call.Room.ID})
		return err == nil
	}) {
		t.Fatalf("rejoin through B: %v", err)
	}

	if err := b.Engine().Complete(ctx, "host-1", entry.ID); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case m := <-hostH.Events():
			if m.PluginData != nil && strings.Contains(string(m.PluginData.Data), `"destroyed"`) {
				return
			}
		case <-ctx.Done():
			t.Fatal("replica A's room was not destroyed when B completed the call")
		}
	}
}
