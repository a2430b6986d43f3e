package events

import "strconv"

// VideoRoomKind is the kind of a VideoRoom event handler notification (the
// "event" member of the plugin data, janus_videoroom.c notify_event calls).
type VideoRoomKind int

// VideoRoom event kinds. Each comment gives the members Janus 1.1 sends.
const (
	VideoRoomOther          VideoRoomKind = iota // an event name this package does not know
	VideoRoomCreated                             // room
	VideoRoomEdited                              // room
	VideoRoomDestroyed                           // room
	VideoRoomJoined                              // room, id, private_id, display (publisher handle)
	VideoRoomPublished                           // room, id, display, streams
	VideoRoomConfigured                          // room, id, bitrate, ...
	VideoRoomUnpublished                         // room, id; no session/handle
	VideoRoomLeaving                             // room, id; no session/handle
	VideoRoomKicked                              // room, id; no session/handle
	VideoRoomSubscribing                         // room, streams, private_id (subscriber handle)
	VideoRoomSubscribed                          // room (subscriber PeerConnection up)
	VideoRoomUnsubscribed                        // room, feed, mid
	VideoRoomUpdated                             // room, streams (subscription changed)
	VideoRoomSwitched                            // room, streams
	VideoRoomModerated                           // room, id, mid, ...
	VideoRoomTalking                             // room, id, mid, audio-level-dBov-avg
	VideoRoomStoppedTalking                      // room, id, mid, audio-level-dBov-avg
)

var videoRoomKindNames = [...]string{
	VideoRoomOther:          "other",
	VideoRoomCreated:        "created",
	VideoRoomEdited:         "edited",
	VideoRoomDestroyed:      "destroyed",
	VideoRoomJoined:         "joined",
	VideoRoomPublished:      "published",
	VideoRoomConfigured:     "configured",
	VideoRoomUnpublished:    "unpublished",
	VideoRoomLeaving:        "leaving",
	VideoRoomKicked:         "kicked",
	VideoRoomSubscribing:    "subscribing",
	VideoRoomSubscribed:     "subscribed",
	VideoRoomUnsubscribed:   "unsubscribed",
	VideoRoomUpdated:        "updated",
	VideoRoomSwitched:       "switched",
	VideoRoomModerated:      "moderated",
	VideoRoomTalking:        "talking",
	VideoRoomStoppedTalking: "stopped-talking",
}

// String returns the Janus event name ("joined", "stopped-talking", ...), or
// "other".
func (k VideoRoomKind) String() string {
	if k >= 0 && int(k) < len(videoRoomKindNames) {
		return videoRoomKindNames[k]
	}
	return "videoroom-kind(" + strconv.Itoa(int(k)) + ")"
}

func videoRoomKindOf(name string) VideoRoomKind {
	for k, n := range videoRoomKindNames {
		if k != int(VideoRoomOther) && n == name {
			return VideoRoomKind(k)
		}
	}
	return VideoRoomOther
}

// VideoRoomEvent is the data of a janus.plugin.videoroom event handler
// notification. Event is the raw name and Kind its decoded kind; the other
// fields are set when the event carries them. Members not listed here stay in
// PluginEvent.Data and Event.Raw.
//
// Unpublished, leaving and kicked come with no session or handle id: use
// Room and Participant to correlate them (or a [Correlator]).
type VideoRoomEvent struct {
	Event string        `json:"event"`
	Kind  VideoRoomKind `json:"-"`
	// Room is the room id (number, or string with string_ids).
	Room ID `json:"room"`
	// Participant is the publisher's id in the room (the "id" member).
	Participant ID `json:"id"`
	// PrivateID is the participant's private id (joined, subscribing).
	PrivateID uint64 `json:"private_id,omitempty"`
	// Display is the participant's display name. It is user input: escape it.
	Display string `json:"display,omitempty"`
	// Bitrate is the publisher's bitrate cap in bit/s (configured).
	Bitrate *int64 `json:"bitrate,omitempty"`
	// Feed is the publisher a subscriber stream was fed by (unsubscribed).
	Feed ID `json:"feed"`
	// MID is the stream's mid (unsubscribed, talking, moderated).
	MID string `json:"mid,omitempty"`
	// AudioLevel is the average audio level in -dBov, 0 (loud) to 127
	// (silent) (talking, stopped-talking).
	AudioLevel *float64 `json:"audio-level-dBov-avg,omitempty"`
	// Streams are the published streams (published) or the subscriber's
	// streams (subscribing, updated, switched).
	Streams []VideoRoomStream `json:"streams,omitempty"`
}

// VideoRoomStream is one stream in a VideoRoom published/subscribing event.
// Type is "audio", "video" or "data". Active, Ready, Send and the Feed*
// members are set for subscriber streams only.
type VideoRoomStream struct {
	Type        string `json:"type"`
	MIndex      int    `json:"mindex"`
	MID         string `json:"mid"`
	Codec       string `json:"codec,omitempty"`
	Description string `json:"description,omitempty"`
	Simulcast   bool   `json:"simulcast,omitempty"`
	SVC         bool   `json:"svc,omitempty"`
	Active      *bool  `json:"active,omitempty"`
	Ready       *bool  `json:"ready,omitempty"`
	Send        *bool  `json:"send,omitempty"`
	FeedID      ID     `json:"feed_id"`
	FeedDisplay string `json:"feed_display,omitempty"`
	FeedMID     string `json:"feed_mid,omitempty"`
}
