// Package videoroom holds typed requests, replies and events of the Janus
// VideoRoom plugin ("janus.plugin.videoroom", multistream API of Janus 1.x;
// field names as in plugins/janus_videoroom.c and its documentation).
//
// Room management ([Create], [Edit], [Destroy], [Exists], [List],
// [ListParticipants], [Allowed], [Kick], [Moderate]) is synchronous and runs
// over any [Requester]: a *janus.Handle attached to the plugin, or
// *admin.Plugin (Admin API message_plugin, no session needed).
// Participant requests ([JoinPublisher], [Publish], [JoinSubscriber],
// [Start], ...) are asynchronous and run over a [Messenger] (a
// *janus.Handle). [ParseEvent] turns plugin events into typed values.
package videoroom

import (
	"context"
	"encoding/json"

	"github.com/frontdesk/frontdesk/janus/wire"
)

// Plugin is the VideoRoom plugin's package name.
const Plugin = "janus.plugin.videoroom"

// VideoRoom error codes (janus_videoroom.c, JANUS_VIDEOROOM_ERROR_*); match
// them with errors.Is(err, &wire.PluginError{Code: ...}).
const (
	ErrCodeUnknownError     = 499
	ErrCodeNoMessage        = 421
	ErrCodeInvalidJSON      = 422
	ErrCodeInvalidRequest   = 423
	ErrCodeJoinFirst        = 424
	ErrCodeAlreadyJoined    = 425
	ErrCodeNoSuchRoom       = 426
	ErrCodeRoomExists       = 427
	ErrCodeNoSuchFeed       = 428
	ErrCodeMissingElement   = 429
	ErrCodeInvalidElement   = 430
	ErrCodeInvalidSDPType   = 431
	ErrCodePublishersFull   = 432
	ErrCodeUnauthorized     = 433
	ErrCodeAlreadyPublished = 434
	ErrCodeNotPublished     = 435
	ErrCodeIDExists         = 436
	ErrCodeInvalidSDP       = 437
)

// Requester sends a synchronous plugin request and returns
// plugindata.data (or the message_plugin response). *janus.Handle and
// *admin.Plugin implement it.
type Requester interface {
	Request(ctx context.Context, body any) (json.RawMessage, error)
}

// Messenger sends an asynchronous plugin request with an optional JSEP and
// returns the plugin's event. *janus.Handle implements it.
type Messenger interface {
	Message(ctx context.Context, body any, jsep *wire.JSEP) (*wire.Message, error)
}
