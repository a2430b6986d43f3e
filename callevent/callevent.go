// Package callevent is Frontdesk's source-neutral record of a call step:
// what happened to one participant of a room, whether the media server is
// a Janus instance (janus/events derives it from Janus's event-handler
// events) or the built-in SFU (which emits it directly). The queue's call
// progress is driven from these records only.
package callevent

import "strconv"

// Kind is the step.
type Kind int

// Call step kinds.
const (
	Unknown        Kind = iota // not a call step
	Attached                   // a handle (peer) was created for the participant
	Joined                     // the participant joined the room
	Published                  // the participant's media is published in the room
	MediaUp                    // the PeerConnection is up (ICE and DTLS done)
	MediaReceiving             // the server started receiving Media from the participant
	MediaStopped               // the server stopped receiving Media from the participant
	Unpublished                // the participant stopped publishing
	Hangup                     // the PeerConnection went down (Reason says why)
	Left                       // the participant left the room (or was kicked: Reason "kicked")
	Detached                   // the handle (peer) is gone
)

var kindNames = [...]string{
	Unknown:        "unknown",
	Attached:       "attached",
	Joined:         "joined",
	Published:      "published",
	MediaUp:        "media-up",
	MediaReceiving: "media-receiving",
	MediaStopped:   "media-stopped",
	Unpublished:    "unpublished",
	Hangup:         "hangup",
	Left:           "left",
	Detached:       "detached",
}

// String returns the kind's name, e.g. "media-up".
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "call-kind(" + strconv.Itoa(int(k)) + ")"
}

// Event is one call step of one participant.
type Event struct {
	// Kind is the step.
	Kind Kind
	// Room is the VideoRoom room id and Participant the participant (feed)
	// id, as Frontdesk places them (numeric, below 2^53); 0 when the
	// source did not say, or used an id Frontdesk never issues (a Janus
	// room with string ids).
	Room, Participant uint64
	// Media is "audio" or "video" for MediaReceiving and MediaStopped.
	Media string
	// Reason is a short cause for Hangup and Left.
	Reason string
}
