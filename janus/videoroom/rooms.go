package videoroom

import (
	"context"
	"encoding/json"
	"fmt"
)

// CreateRequest is the "create" request (VideoRoom docs, "create").
// Optional fields are omitted when zero; pointers distinguish false from unset.
type CreateRequest struct {
	// Room is the room id to create; 0 lets Janus choose one.
	Room uint64 `json:"room,omitempty"`
	// Permanent saves the room to the plugin's config file.
	Permanent bool `json:"permanent,omitempty"`
	// Description is the room's name.
	Description string `json:"description,omitempty"`
	// Secret is needed to edit or destroy the room (never sent to browsers).
	Secret string `json:"secret,omitempty"`
	// Pin is needed to join the room (never sent to browsers by Frontdesk).
	Pin string `json:"pin,omitempty"`
	// IsPrivate hides the room from "list".
	IsPrivate bool `json:"is_private,omitempty"`
	// Allowed, when set, is the list of tokens allowed to join (the "token"
	// of the join request).
	Allowed []string `json:"allowed,omitempty"`
	// AdminKey is the plugin's admin_key, needed to create rooms when set.
	AdminKey string `json:"admin_key,omitempty"`
	// Publishers is the maximum number of concurrent publishers (Janus default 3).
	Publishers int `json:"publishers,omitempty"`
	// Bitrate is the publishers' bitrate cap in bits per second (0: none).
	Bitrate int `json:"bitrate,omitempty"`
	// FIRFreq is how often, in seconds, a keyframe is requested from publishers.
	FIRFreq int `json:"fir_freq,omitempty"`
	// AudioCodec is a comma-separated preference list, e.g. "opus".
	AudioCodec string `json:"audiocodec,omitempty"`
	// VideoCodec is a comma-separated preference list, e.g. "vp8,h264".
	VideoCodec string `json:"videocodec,omitempty"`
	// NotifyJoining sends "joining" events for every participant, not just publishers.
	NotifyJoining bool `json:"notify_joining,omitempty"`
	// Record records publishers' streams.
	Record bool `json:"record,omitempty"`
	// RecDir is where recordings go.
	RecDir string `json:"rec_dir,omitempty"`
	// AudioLevelEvent enables "talking" events.
	AudioLevelEvent bool `json:"audiolevel_event,omitempty"`
}

// Created is the reply to create ({"videoroom":"created"}).
type Created struct {
	// Room is the id of the new room.
	Room uint64 `json:"room"`
	// Permanent tells whether the room was saved to the config file.
	Permanent bool `json:"permanent"`
}

// request runs a synchronous request and decodes its reply into out after
// checking the "videoroom" member equals want (any when want is "").
func request(ctx context.Context, r Requester, verb string, body any, want string, out any) error {
	data, err := r.Request(ctx, body)
	if err != nil {
		return fmt.Errorf("videoroom: %s: %w", verb, err)
	}
	var head struct {
		VideoRoom string `json:"videoroom"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return fmt.Errorf("videoroom: %s: %w: %v", verb, ErrUnexpectedReply, err)
	}
	if want != "" && head.VideoRoom != want {
		return fmt.Errorf("videoroom: %s: %w: videoroom=%q, want %q", verb, ErrUnexpectedReply, head.VideoRoom, want)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("videoroom: %s: %w: %v", verb, ErrUnexpectedReply, err)
		}
	}
	return nil
}

// withRequest adds "request": verb to a request struct's JSON.
type withRequest struct {
	Request string `json:"request"`
	body    any
}

func (w withRequest) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(w.body)
	if err != nil {
		return nil, err
	}
	head := []byte(`{"request":` + fmt.Sprintf("%q", w.Request))
	if len(b) <= 2 { // "{}"
		return append(head, '}'), nil
	}
	return append(append(head, ','), b[1:]...), nil
}

// Create creates a room. Errors: 427 room exists, 433 wrong admin_key.
func Create(ctx context.Context, r Requester, req CreateRequest) (*Created, error) {
	var c Created
	if err := request(ctx, r, "create", withRequest{"create", req}, "created", &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// EditRequest is the "edit" request; New* fields change the room.
type EditRequest struct {
	// Room is the room to edit.
	Room uint64 `json:"room"`
	// Secret is the room's secret.
	Secret string `json:"secret,omitempty"`
	// NewDescription sets the description.
	NewDescription string `json:"new_description,omitempty"`
	// NewSecret sets the secret.
	NewSecret string `json:"new_secret,omitempty"`
	// NewPin sets the pin.
	NewPin string `json:"new_pin,omitempty"`
	// NewIsPrivate sets is_private.
	NewIsPrivate *bool `json:"new_is_private,omitempty"`
	// NewBitrate sets the publishers' bitrate cap (bits per second).
	NewBitrate int `json:"new_bitrate,omitempty"`
	// NewFIRFreq sets fir_freq (seconds).
	NewFIRFreq int `json:"new_fir_freq,omitempty"`
	// NewPublishers sets the maximum number of publishers.
	NewPublishers int `json:"new_publishers,omitempty"`
	// Permanent saves the change to the config file.
	Permanent bool `json:"permanent,omitempty"`
}

// Edit changes a room's properties. Errors: 426 no such room, 433 wrong secret.
func Edit(ctx context.Context, r Requester, req EditRequest) error {
	return request(ctx, r, "edit", withRequest{"edit", req}, "edited", nil)
}

// Destroy destroys a room; participants get a "destroyed" event. Errors:
// 426 no such room, 433 wrong secret.
func Destroy(ctx context.Context, r Requester, room uint64, secret string) error {
	body := map[string]any{"request": "destroy", "room": room}
	if secret != "" {
		body["secret"] = secret
	}
	return request(ctx, r, "destroy", body, "destroyed", nil)
}

// Exists reports whether a room exists.
func Exists(ctx context.Context, r Requester, room uint64) (bool, error) {
	var out struct {
		Exists bool `json:"exists"`
	}
	err := request(ctx, r, "exists", map[string]any{"request": "exists", "room": room}, "success", &out)
	return out.Exists, err
}

// RoomInfo is one entry of "list".
type RoomInfo struct {
	// Room is the room id.
	Room uint64 `json:"room"`
	// Description is the room's name.
	Description string `json:"description"`
	// PinRequired tells whether joining needs a pin.
	PinRequired bool `json:"pin_required"`
	// IsPrivate tells whether the room is private.
	IsPrivate bool `json:"is_private"`
	// MaxPublishers is the publishers limit.
	MaxPublishers int `json:"max_publishers"`
	// Bitrate is the publishers' cap in bits per second.
	Bitrate int `json:"bitrate"`
	// NumParticipants is the number of participants now.
	NumParticipants int `json:"num_participants"`
	// AudioCodec and VideoCodec are the codec preference lists.
	AudioCodec string `json:"audiocodec"`
	// VideoCodec: see AudioCodec.
	VideoCodec string `json:"videocodec"`
}

// List lists rooms (private rooms only with the admin_key, which may be "").
func List(ctx context.Context, r Requester, adminKey string) ([]RoomInfo, error) {
	body := map[string]any{"request": "list"}
	if adminKey != "" {
		body["admin_key"] = adminKey
	}
	var out struct {
		List []RoomInfo `json:"list"`
	}
	err := request(ctx, r, "list", body, "success", &out)
	return out.List, err
}

// Participant is one entry of "listparticipants".
type Participant struct {
	// ID is the participant id.
	ID uint64 `json:"id"`
	// Display is the display name.
	Display string `json:"display"`
	// Publisher tells whether the participant publishes media now.
	Publisher bool `json:"publisher"`
	// Talking is set when audio levels are monitored.
	Talking bool `json:"talking"`
}

// ListParticipants lists a room's participants. Error: 426 no such room.
func ListParticipants(ctx context.Context, r Requester, room uint64) ([]Participant, error) {
	var out struct {
		Participants []Participant `json:"participants"`
	}
	err := request(ctx, r, "listparticipants", map[string]any{"request": "listparticipants", "room": room}, "participants", &out)
	return out.Participants, err
}

// AllowedAction is the "action" of an "allowed" request.
type AllowedAction string

// The actions of the "allowed" request.
const (
	AllowedEnable  AllowedAction = "enable"
	AllowedDisable AllowedAction = "disable"
	AllowedAdd     AllowedAction = "add"
	AllowedRemove  AllowedAction = "remove"
)

// String returns the action's wire name.
func (a AllowedAction) String() string { return string(a) }

// Allowed changes a room's token allow-list and returns the list after the
// change. Errors: 426 no such room, 433 wrong secret.
func Allowed(ctx context.Context, r Requester, room uint64, secret string, action AllowedAction, tokens []string) ([]string, error) {
	body := map[string]any{"request": "allowed", "room": room, "action": string(action)}
	if secret != "" {
		body["secret"] = secret
	}
	if len(tokens) > 0 {
		body["allowed"] = tokens
	}
	var out struct {
		Allowed []string `json:"allowed"`
	}
	err := request(ctx, r, "allowed", body, "success", &out)
	return out.Allowed, err
}

// Kick removes a participant from a room. Errors: 426, 428 no such feed, 433.
func Kick(ctx context.Context, r Requester, room uint64, secret string, id uint64) error {
	body := map[string]any{"request": "kick", "room": room, "id": id}
	if secret != "" {
		body["secret"] = secret
	}
	return request(ctx, r, "kick", body, "success", nil)
}

// Moderate mutes or unmutes one of a publisher's streams (by mid).
func Moderate(ctx context.Context, r Requester, room uint64, secret string, id uint64, mid string, mute bool) error {
	body := map[string]any{"request": "moderate", "room": room, "id": id, "mid": mid, "mute": mute}
	if secret != "" {
		body["secret"] = secret
	}
	return request(ctx, r, "moderate", body, "success", nil)
}
