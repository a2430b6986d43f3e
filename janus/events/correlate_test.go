package events

import (
	"testing"

	"github.com/frontdesk/frontdesk/callevent"
)

func TestCorrelatorFollowsParticipantThroughCapture(t *testing.T) {
	c := NewCorrelator(0)
	type seen struct{ room, participant ID }
	byName := map[string][]seen{}
	var aliceHandle uint64
	for _, line := range loadCaptured(t) {
		ev, err := Decode(line)
		if err != nil {
			t.Fatal(err)
		}
		c.Annotate(ev)
		if ev.Participant == "1001" && aliceHandle == 0 && ev.HandleID != 0 {
			aliceHandle = ev.HandleID
		}
		if aliceHandle != 0 && (ev.HandleID == aliceHandle || ev.HandleID == 0) {
			byName[ev.Name()] = append(byName[ev.Name()], seen{ev.Room, ev.Participant})
		}
	}
	for _, name := range []string{"plugins/published", "webrtc/webrtcup", "media/media-state", "plugins/leaving", "handles/detached"} {
		got := byName[name]
		if len(got) == 0 {
			t.Errorf("%s: not seen for Alice's handle", name)
			continue
		}
		if got[0].room != "4242" || got[0].participant != "1001" {
			t.Errorf("%s: room=%q participant=%q, want 4242/1001", name, got[0].room, got[0].participant)
		}
	}
	if n := c.Len(); n != 1 {
		// Mallory (kicked) never detached in the capture; Alice's and the
		// subscriber's bindings are dropped at detached.
		t.Errorf("Len() = %d after the capture, want 1", n)
	}
}

func TestCorrelatorSubscriberAndEviction(t *testing.T) {
	c := NewCorrelator(2)
	sub := mustDecode(t, `{"emitter":"j","type":64,"timestamp":1,"session_id":1,"handle_id":10,"event":{"plugin":"janus.plugin.videoroom","data":{"event":"subscribing","room":5,"streams":[{"type":"video","mindex":0,"mid":"0","feed_id":77}],"private_id":0}}}`)
	c.Annotate(sub)
	up := mustDecode(t, `{"emitter":"j","type":16,"subtype":6,"timestamp":2,"session_id":1,"handle_id":10,"event":{"connection":"webrtcup"}}`)
	c.Annotate(up)
	if up.Room != "5" || up.Participant != "" {
		t.Fatalf("subscriber webrtcup: room=%q participant=%q", up.Room, up.Participant)
	}
	other := mustDecode(t, `{"emitter":"k","type":16,"subtype":6,"timestamp":2,"session_id":1,"handle_id":10,"event":{"connection":"webrtcup"}}`)
	c.Annotate(other)
	if other.Room != "" {
		t.Fatal("a handle of another emitter was correlated")
	}
	for h := uint64(20); h < 23; h++ {
		ev := &Event{Emitter: "j", Type: TypePlugin, HandleID: h, Room: "6", Participant: "1",
			Payload: &PluginEvent{Plugin: PluginVideoRoom, VideoRoom: &VideoRoomEvent{Kind: VideoRoomJoined}}}
		c.Annotate(ev)
	}
	if c.Len() != 2 {
		t.Fatalf("Len() = %d, want the bound of 2", c.Len())
	}
	late := &Event{Emitter: "j", Type: TypeWebRTC, HandleID: 10, Payload: &ConnectionEvent{State: ConnectionUp}}
	c.Annotate(late)
	if late.Room != "" {
		t.Fatal("the oldest binding was not evicted")
	}
}

func TestCallMapping(t *testing.T) {
	tests := []struct {
		in   string
		want callevent.Kind
	}{
		{`{"type":2,"timestamp":1,"session_id":1,"handle_id":2,"event":{"name":"attached","plugin":"janus.plugin.videoroom"}}`, callevent.Attached},
		{`{"type":64,"timestamp":1,"session_id":1,"handle_id":2,"event":{"plugin":"janus.plugin.videoroom","data":{"event":"joined","room":1,"id":2}}}`, callevent.Joined},
		{`{"type":64,"timestamp":1,"session_id":1,"handle_id":2,"event":{"plugin":"janus.plugin.videoroom","data":{"event":"published","room":1,"id":2}}}`, callevent.Published},
		{`{"type":16,"subtype":6,"timestamp":1,"session_id":1,"handle_id":2,"event":{"connection":"webrtcup"}}`, callevent.MediaUp},
		{`{"type":32,"subtype":1,"timestamp":1,"session_id":1,"handle_id":2,"event":{"media":"audio","mid":"0","receiving":true}}`, callevent.MediaReceiving},
		{`{"type":32,"subtype":1,"timestamp":1,"session_id":1,"handle_id":2,"event":{"media":"audio","mid":"0","receiving":false}}`, callevent.MediaStopped},
		{`{"type":64,"timestamp":1,"event":{"plugin":"janus.plugin.videoroom","data":{"event":"unpublished","room":1,"id":2}}}`, callevent.Unpublished},
		{`{"type":16,"subtype":6,"timestamp":1,"session_id":1,"handle_id":2,"event":{"connection":"hangup","reason":"Close PC"}}`, callevent.Hangup},
		{`{"type":64,"timestamp":1,"event":{"plugin":"janus.plugin.videoroom","data":{"event":"leaving","room":1,"id":2}}}`, callevent.Left},
		{`{"type":64,"timestamp":1,"event":{"plugin":"janus.plugin.videoroom","data":{"event":"kicked","room":1,"id":2}}}`, callevent.Left},
		{`{"type":2,"timestamp":1,"session_id":1,"handle_id":2,"event":{"name":"detached","plugin":"janus.plugin.videoroom"}}`, callevent.Detached},
		{`{"type":32,"subtype":3,"timestamp":1,"session_id":1,"handle_id":2,"event":{"mid":"0","media":"audio"}}`, callevent.Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.want.String(), func(t *testing.T) {
			c, ok := mustDecode(t, tt.in).Call()
			if c.Kind != tt.want || ok != (tt.want != callevent.Unknown) {
				t.Fatalf("Call() = %v, %v; want %v", c.Kind, ok, tt.want)
			}
		})
	}
	sfu := NewCallEvent("sfu-1", mustTime(), 0, 9, callevent.Event{Kind: callevent.Published, Room: 7, Participant: 9})
	if c, ok := sfu.Call(); !ok || c.Kind != callevent.Published || sfu.Type != TypeCall || sfu.Room != "7" || sfu.Name() != "call/published" {
		t.Fatalf("SFU call event = %+v", sfu)
	}
}
