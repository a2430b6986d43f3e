package queue

import (
	"context"
	"time"
)

// RoomProvisioner creates and destroys the room of a call. The lead wires
// it to the Janus instance pool (VideoRoom "create"/"destroy", Janus docs
// "VideoRoom plugin") or to the built-in SFU.
type RoomProvisioner interface {
	// CreateRoom creates a room for req on the engine req.Engine asks for
	// (MediaAuto: the provisioner chooses) protected by req.Secret and
	// req.PIN, and returns where it lives. Room.Secret and Room.PIN in the
	// result must equal the request's.
	CreateRoom(ctx context.Context, req RoomRequest) (Room, error)
	// DestroyRoom destroys the room; destroying a room that is already gone
	// is not an error.
	DestroyRoom(ctx context.Context, room Room) error
}

// RoomRequest asks for a room for one call.
type RoomRequest struct {
	// CallID and QueueID identify the call (for logs and room descriptions).
	CallID  CallID
	QueueID QueueID
	// Engine is the queue's media engine (janus, builtin or auto).
	Engine MediaEngine
	// Secret is the random room secret (VideoRoom "secret"), 32 hex chars.
	Secret string
	// PIN is the random room pin (VideoRoom "pin"), 8 decimal digits.
	PIN string
	// Publishers is the number of publishers the room must allow (2).
	Publishers int
}

// TicketIssuer issues call tickets: short-lived signed credentials naming
// the room, the participant and their role in the call (package auth). The
// browser presents the ticket to the proxy; the ticket must not contain the
// room secret, pin or Janus token.
type TicketIssuer interface {
	// IssueTicket returns a signed ticket for req, valid for req.TTL.
	IssueTicket(ctx context.Context, req TicketRequest) (string, error)
}

// TicketRequest is what a call ticket names.
type TicketRequest struct {
	// CallID is the call.
	CallID CallID
	// Engine, Instance and RoomID say where the room is.
	Engine   MediaEngine
	Instance string
	RoomID   uint64
	// FeedID is the VideoRoom participant id the bearer must use.
	FeedID uint64
	// UserID and Name identify the bearer.
	UserID string
	Name   string
	// Role is host or caller.
	Role PartyRole
	// Phone, when set, makes it a phone ticket: the E.164 number the
	// bearer may call through the SIP plugin of Instance (RoomID is 0).
	Phone string
	// TTL is how long the ticket is valid.
	TTL time.Duration
}

// TokenMinter adds and removes Janus stored tokens (Janus Admin API
// "add_token" / "remove_token", limited to janus.plugin.videoroom).
type TokenMinter interface {
	// MintToken adds a new random stored token on instance and returns it.
	MintToken(ctx context.Context, instance string) (string, error)
	// RevokeToken removes token from instance; an unknown token is not an
	// error.
	RevokeToken(ctx context.Context, instance, token string) error
}
