package videoroom

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/frontdesk/frontdesk/janus/wire"
)

// JoinPublisherRequest is "join" with ptype "publisher" (VideoRoom docs,
// "VideoRoom Publishers").
type JoinPublisherRequest struct {
	// Room is the room to join.
	Room uint64 `json:"room"`
	// ID is the participant id to use; 0 lets Janus choose (436 if taken).
	ID uint64 `json:"id,omitempty"`
	// Display is the display name.
	Display string `json:"display,omitempty"`
	// Token is checked against the room's "allowed" list.
	Token string `json:"token,omitempty"`
	// Pin is the room's pin, when it has one.
	Pin string `json:"pin,omitempty"`
}

// Stream describes one m-line of a publisher or subscription ("streams"
// arrays of the multistream API).
type Stream struct {
	// Type is "audio", "video" or "data".
	Type string `json:"type"`
	// MIndex is the m-line index.
	MIndex int `json:"mindex"`
	// Mid is the m-line's mid.
	Mid string `json:"mid"`
	// Codec is the negotiated codec, e.g. "opus", "vp8".
	Codec string `json:"codec,omitempty"`
	// Description is the publisher's label for the stream.
	Description string `json:"description,omitempty"`
	// Disabled tells whether the stream is inactive.
	Disabled bool `json:"disabled,omitempty"`
	// FeedID is the publisher a subscription stream comes from.
	FeedID uint64 `json:"feed_id,omitempty"`
	// FeedMid is the mid of the stream at the publisher.
	FeedMid string `json:"feed_mid,omitempty"`
	// FeedDisplay is the publisher's display name.
	FeedDisplay string `json:"feed_display,omitempty"`
	// Send tells whether Janus relays this subscription stream now.
	Send *bool `json:"send,omitempty"`
}

// Publisher is an active publisher as listed in "joined" and "publishers"
// events.
type Publisher struct {
	// ID is the publisher's participant id (the feed id).
	ID uint64 `json:"id"`
	// Display is the display name.
	Display string `json:"display,omitempty"`
	// Streams are the published streams.
	Streams []Stream `json:"streams,omitempty"`
	// Talking is set when audio levels are monitored.
	Talking bool `json:"talking,omitempty"`
}

// message runs an asynchronous request and decodes the event's data into out.
func message(ctx context.Context, m Messenger, verb string, body any, jsep *wire.JSEP, out any) (*wire.Message, error) {
	ev, err := m.Message(ctx, body, jsep)
	if err != nil {
		return nil, fmt.Errorf("videoroom: %s: %w", verb, err)
	}
	if ev.PluginData == nil {
		return nil, fmt.Errorf("videoroom: %s: %w: no plugindata", verb, ErrUnexpectedReply)
	}
	if out != nil {
		if err := json.Unmarshal(ev.PluginData.Data, out); err != nil {
			return nil, fmt.Errorf("videoroom: %s: %w: %v", verb, ErrUnexpectedReply, err)
		}
	}
	return ev, nil
}

// JoinPublisher joins a room as a publisher (no media yet) and returns the
// "joined" event. Errors: 426 no such room, 433 bad pin or token, 436 id exists.
func JoinPublisher(ctx context.Context, m Messenger, req JoinPublisherRequest) (*Joined, error) {
	body := struct {
		Request string `json:"request"`
		PType   string `json:"ptype"`
		JoinPublisherRequest
	}{"join", "publisher", req}
	var j Joined
	if _, err := message(ctx, m, "join", body, nil, &j); err != nil {
		return nil, err
	}
	if j.VideoRoom != "joined" {
		return nil, fmt.Errorf("videoroom: join: %w: videoroom=%q", ErrUnexpectedReply, j.VideoRoom)
	}
	return &j, nil
}

// PublishRequest is "publish" (sent with a JSEP offer).
type PublishRequest struct {
	// AudioCodec forces an audio codec.
	AudioCodec string `json:"audiocodec,omitempty"`
	// VideoCodec forces a video codec.
	VideoCodec string `json:"videocodec,omitempty"`
	// Bitrate caps the publisher's bitrate (bits per second).
	Bitrate int `json:"bitrate,omitempty"`
	// Record records this publisher.
	Record *bool `json:"record,omitempty"`
	// Display changes the display name.
	Display string `json:"display,omitempty"`
	// Descriptions label streams by mid: [{"mid":"0","description":"camera"}].
	Descriptions []StreamDescription `json:"descriptions,omitempty"`
}

// StreamDescription labels a published stream.
type StreamDescription struct {
	// Mid is the stream's mid.
	Mid string `json:"mid"`
	// Description is its label.
	Description string `json:"description"`
}

// Publish publishes media with the given JSEP offer and returns the
// "configured" event and Janus's JSEP answer.
func Publish(ctx context.Context, m Messenger, req PublishRequest, offer wire.JSEP) (*Configured, *wire.JSEP, error) {
	body := struct {
		Request string `json:"request"`
		PublishRequest
	}{"publish", req}
	var c Configured
	ev, err := message(ctx, m, "publish", body, &offer, &c)
	if err != nil {
		return nil, nil, err
	}
	if ev.JSEP == nil {
		return nil, nil, fmt.Errorf("videoroom: publish: %w: no JSEP answer", ErrUnexpectedReply)
	}
	return &c, ev.JSEP, nil
}

// ConfigureRequest is "configure" for a publisher or subscriber.
type ConfigureRequest struct {
	// Bitrate caps the publisher's bitrate (bits per second).
	Bitrate int `json:"bitrate,omitempty"`
	// Keyframe asks the publisher for a keyframe.
	Keyframe bool `json:"keyframe,omitempty"`
	// Display changes the display name.
	Display string `json:"display,omitempty"`
	// Streams changes per-stream settings: {"mid","send","substream","temporal"}.
	Streams []map[string]any `json:"streams,omitempty"`
}

// Configure changes a publisher's or subscriber's settings, optionally with
// a JSEP (renegotiation), and returns the event and any JSEP.
func Configure(ctx context.Context, m Messenger, req ConfigureRequest, jsep *wire.JSEP) (*Configured, *wire.JSEP, error) {
	body := struct {
		Request string `json:"request"`
		ConfigureRequest
	}{"configure", req}
	var c Configured
	ev, err := message(ctx, m, "configure", body, jsep, &c)
	if err != nil {
		return nil, nil, err
	}
	return &c, ev.JSEP, nil
}

// Unpublish stops publishing (the participant stays in the room).
func Unpublish(ctx context.Context, m Messenger) error {
	_, err := message(ctx, m, "unpublish", map[string]string{"request": "unpublish"}, nil, nil)
	return err
}

// Leave leaves the room.
func Leave(ctx context.Context, m Messenger) error {
	_, err := message(ctx, m, "leave", map[string]string{"request": "leave"}, nil, nil)
	return err
}

// SubscribeStream names a stream to subscribe to: a publisher's feed and,
// optionally, one of its mids (all its streams when Mid is empty).
type SubscribeStream struct {
	// Feed is the publisher's id.
	Feed uint64 `json:"feed"`
	// Mid is the publisher's stream mid; empty for all streams.
	Mid string `json:"mid,omitempty"`
}

// JoinSubscriberRequest is "join" with ptype "subscriber" (VideoRoom docs,
// "VideoRoom Subscribers", multistream).
type JoinSubscriberRequest struct {
	// Room is the room.
	Room uint64 `json:"room"`
	// Streams are the streams to subscribe to.
	Streams []SubscribeStream `json:"streams"`
	// PrivateID is the subscriber's publisher private_id, if any.
	PrivateID uint64 `json:"private_id,omitempty"`
	// Token is checked against the room's "allowed" list.
	Token string `json:"token,omitempty"`
	// Pin is the room's pin, when it has one.
	Pin string `json:"pin,omitempty"`
}

// JoinSubscriber creates a subscription and returns the "attached" event and
// Janus's JSEP offer, to be answered with [Start]. Errors: 426, 428 no such feed.
func JoinSubscriber(ctx context.Context, m Messenger, req JoinSubscriberRequest) (*Attached, *wire.JSEP, error) {
	body := struct {
		Request string `json:"request"`
		PType   string `json:"ptype"`
		JoinSubscriberRequest
	}{"join", "subscriber", req}
	var a Attached
	ev, err := message(ctx, m, "join", body, nil, &a)
	if err != nil {
		return nil, nil, err
	}
	if a.VideoRoom != "attached" || ev.JSEP == nil {
		return nil, nil, fmt.Errorf("videoroom: join subscriber: %w: videoroom=%q jsep=%v", ErrUnexpectedReply, a.VideoRoom, ev.JSEP != nil)
	}
	return &a, ev.JSEP, nil
}

// Start completes a subscription with the subscriber's JSEP answer.
func Start(ctx context.Context, m Messenger, answer wire.JSEP) error {
	_, err := message(ctx, m, "start", map[string]string{"request": "start"}, &answer, nil)
	return err
}

// Pause pauses a subscription's media.
func Pause(ctx context.Context, m Messenger) error {
	_, err := message(ctx, m, "pause", map[string]string{"request": "pause"}, nil, nil)
	return err
}

// SwitchStream moves a subscription stream (SubMid) to another feed's stream.
type SwitchStream struct {
	// Feed is the new publisher.
	Feed uint64 `json:"feed"`
	// Mid is the new publisher's stream mid.
	Mid string `json:"mid"`
	// SubMid is the subscription's mid to switch.
	SubMid string `json:"sub_mid"`
}

// Switch switches subscription streams to other feeds without renegotiation.
func Switch(ctx context.Context, m Messenger, streams []SwitchStream) error {
	_, err := message(ctx, m, "switch", map[string]any{"request": "switch", "streams": streams}, nil, nil)
	return err
}

// Update adds and removes subscription streams; Janus answers with an
// "updated" event and, when media changes, a new JSEP offer (nil otherwise).
func Update(ctx context.Context, m Messenger, subscribe, unsubscribe []SubscribeStream) (*wire.JSEP, error) {
	body := map[string]any{"request": "update"}
	if len(subscribe) > 0 {
		body["subscribe"] = subscribe
	}
	if len(unsubscribe) > 0 {
		body["unsubscribe"] = unsubscribe
	}
	ev, err := message(ctx, m, "update", body, nil, nil)
	if err != nil {
		return nil, err
	}
	return ev.JSEP, nil
}
