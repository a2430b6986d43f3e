package videoroom

import (
	"encoding/json"
	"fmt"

	"github.com/frontdesk/frontdesk/janus/wire"
)

// EventKind names a VideoRoom event.
type EventKind int

// The VideoRoom events Frontdesk interprets.
const (
	KindUnknown     EventKind = iota
	KindJoined                // {"videoroom":"joined"}: this publisher joined
	KindPublishers            // {"videoroom":"event","publishers":[...]}: new publishers
	KindUnpublished           // {"videoroom":"event","unpublished":id|"ok"}
	KindLeaving               // {"videoroom":"event","leaving":id|"ok"}
	KindKicked                // {"videoroom":"event","kicked":id}
	KindJoining               // {"videoroom":"event","joining":{...}} (notify_joining)
	KindAttached              // {"videoroom":"attached"}: subscription created
	KindConfigured            // {"videoroom":"event","configured":"ok"}
	KindStarted               // {"videoroom":"event","started":"ok"}
	KindPaused                // {"videoroom":"event","paused":"ok"}
	KindSwitched              // {"videoroom":"event","switched":"ok"}
	KindUpdated               // {"videoroom":"updated"}
	KindDestroyed             // {"videoroom":"destroyed"}: the room is gone
	KindTalking               // {"videoroom":"talking"|"stopped-talking"}
	KindSlowLink              // {"videoroom":"slow_link"}
	KindError                 // {"videoroom":"event","error_code":N}
)

var kindNames = [...]string{"unknown", "joined", "publishers", "unpublished", "leaving", "kicked",
	"joining", "attached", "configured", "started", "paused", "switched", "updated", "destroyed",
	"talking", "slow_link", "error"}

// String returns the event's name as in the VideoRoom docs.
func (k EventKind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("EventKind(%d)", int(k))
	}
	return kindNames[k]
}

// Event is a decoded VideoRoom event: the union of the members Frontdesk
// uses, with Kind telling which event it is and Raw keeping everything.
type Event struct {
	// Kind is the event.
	Kind EventKind `json:"-"`
	// VideoRoom is the "videoroom" member ("joined", "event", ...).
	VideoRoom string `json:"videoroom"`
	// Room is the room id.
	Room uint64 `json:"room"`
	// ID is the participant concerned: for joined (self), talking, and for
	// unpublished/leaving/kicked when they name another participant.
	ID uint64 `json:"-"`
	// Self is true when unpublished/leaving say "ok" (this handle's own).
	Self bool `json:"-"`
	// Reason accompanies leaving (e.g. "kicked").
	Reason string `json:"reason,omitempty"`
	// Publishers is set on joined and publishers events.
	Publishers []Publisher `json:"publishers,omitempty"`
	// Streams is set on attached, configured, updated and switched events.
	Streams []Stream `json:"streams,omitempty"`
	// Talking is true for "talking", false for "stopped-talking".
	Talking bool `json:"-"`
	// ErrorCode and Error are set on error events.
	ErrorCode int `json:"error_code,omitempty"`
	// Error: see ErrorCode.
	Error string `json:"error,omitempty"`
	// Raw is plugindata.data.
	Raw json.RawMessage `json:"-"`
}

// Joined is the "joined" event (also the reply to JoinPublisher).
type Joined struct {
	// VideoRoom is "joined".
	VideoRoom string `json:"videoroom"`
	// Room is the room id.
	Room uint64 `json:"room"`
	// Description is the room's description.
	Description string `json:"description"`
	// ID is this participant's id (the feed id once publishing).
	ID uint64 `json:"id"`
	// PrivateID is this participant's private id (for subscriptions).
	PrivateID uint64 `json:"private_id"`
	// Publishers are the room's active publishers.
	Publishers []Publisher `json:"publishers"`
}

// Configured is the event answering publish and configure.
type Configured struct {
	// Room is the room id.
	Room uint64 `json:"room"`
	// Configured is "ok".
	Configured string `json:"configured"`
	// AudioCodec and VideoCodec are the negotiated codecs.
	AudioCodec string `json:"audio_codec,omitempty"`
	// VideoCodec: see AudioCodec.
	VideoCodec string `json:"video_codec,omitempty"`
	// Streams are the published streams.
	Streams []Stream `json:"streams,omitempty"`
}

// Attached is the "attached" event answering a subscriber join.
type Attached struct {
	// VideoRoom is "attached".
	VideoRoom string `json:"videoroom"`
	// Room is the room id.
	Room uint64 `json:"room"`
	// Streams are the subscription's streams.
	Streams []Stream `json:"streams"`
}

// ParseEvent decodes a VideoRoom event from a handle event. It returns an
// error wrapping ErrUnexpectedReply when m carries no VideoRoom data;
// unknown events come back with Kind KindUnknown and Raw set.
func ParseEvent(m *wire.Message) (*Event, error) {
	if m == nil || m.PluginData == nil || m.PluginData.Plugin != Plugin {
		return nil, fmt.Errorf("videoroom: %w: not a VideoRoom event", ErrUnexpectedReply)
	}
	return DecodeEvent(m.PluginData.Data)
}

// DecodeEvent decodes VideoRoom event data (plugindata.data).
func DecodeEvent(data json.RawMessage) (*Event, error) {
	var ev Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return nil, fmt.Errorf("videoroom: %w: %v", ErrUnexpectedReply, err)
	}
	ev.Raw = data
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, fmt.Errorf("videoroom: %w: %v", ErrUnexpectedReply, err)
	}
	idOrSelf := func(raw json.RawMessage) {
		if string(raw) == `"ok"` {
			ev.Self = true
			return
		}
		_ = json.Unmarshal(raw, &ev.ID)
	}
	switch ev.VideoRoom {
	case "joined":
		ev.Kind = KindJoined
		_ = json.Unmarshal(fields["id"], &ev.ID)
	case "attached":
		ev.Kind = KindAttached
	case "updated":
		ev.Kind = KindUpdated
	case "destroyed":
		ev.Kind = KindDestroyed
	case "talking", "stopped-talking":
		ev.Kind = KindTalking
		ev.Talking = ev.VideoRoom == "talking"
		_ = json.Unmarshal(fields["id"], &ev.ID)
	case "slow_link":
		ev.Kind = KindSlowLink
	case "event":
		switch {
		case fields["error_code"] != nil:
			ev.Kind = KindError
		case fields["leaving"] != nil:
			ev.Kind = KindLeaving
			idOrSelf(fields["leaving"])
		case fields["unpublished"] != nil:
			ev.Kind = KindUnpublished
			idOrSelf(fields["unpublished"])
		case fields["kicked"] != nil:
			ev.Kind = KindKicked
			idOrSelf(fields["kicked"])
		case fields["joining"] != nil:
			ev.Kind = KindJoining
			var j struct {
				ID uint64 `json:"id"`
			}
			_ = json.Unmarshal(fields["joining"], &j)
			ev.ID = j.ID
		case fields["configured"] != nil:
			ev.Kind = KindConfigured
		case fields["started"] != nil:
			ev.Kind = KindStarted
		case fields["paused"] != nil:
			ev.Kind = KindPaused
		case fields["switched"] != nil:
			ev.Kind = KindSwitched
		case fields["publishers"] != nil:
			ev.Kind = KindPublishers
		}
	}
	return &ev, nil
}
