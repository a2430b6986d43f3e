package sfu

import (
	"errors"
	"fmt"

	"github.com/frontdesk/frontdesk/janus/wire"
)

// Sentinel errors returned by the Go room-management API and carried inside
// VideoRoom error replies. The VideoRoom code each maps to is given by
// roomErrorCode (the single mapping function).
var (
	// ErrClosed is returned after Close: the Server accepts no more work.
	ErrClosed = errors.New("sfu: server closed")
	// ErrNoSuchRoom means the room id is unknown (VideoRoom 426).
	ErrNoSuchRoom = errors.New("sfu: no such room")
	// ErrRoomExists means a room with that id already exists (VideoRoom 427).
	ErrRoomExists = errors.New("sfu: room already exists")
	// ErrNoSuchFeed means the publisher id is unknown or not publishing (VideoRoom 428).
	ErrNoSuchFeed = errors.New("sfu: no such feed")
	// ErrUnauthorized means a wrong secret, pin or a token not in the room's
	// allowed list (VideoRoom 433).
	ErrUnauthorized = errors.New("sfu: unauthorized")
	// ErrIDExists means a participant id is already taken in the room (VideoRoom 436).
	ErrIDExists = errors.New("sfu: participant id already exists")
	// ErrPublishersFull means the room's publishers limit is reached (VideoRoom 432).
	ErrPublishersFull = errors.New("sfu: maximum number of publishers reached")
	// ErrInvalidConfig means a Config or RoomConfig field is out of range.
	ErrInvalidConfig = errors.New("sfu: invalid configuration")
)

// apiError is a Janus core error reply ({"janus":"error"}).
type apiError struct {
	code   wire.Code
	reason string
}

func (e *apiError) Error() string { return fmt.Sprintf("janus error %d: %s", int(e.code), e.reason) }

func newAPIError(code wire.Code, format string, args ...any) *apiError {
	if format == "" {
		return &apiError{code: code, reason: code.String()}
	}
	return &apiError{code: code, reason: fmt.Sprintf(format, args...)}
}

// RoomCode is a VideoRoom plugin error code, carried in
// plugindata.data.error_code (JANUS_VIDEOROOM_ERROR_* in janus_videoroom.c).
type RoomCode int

// VideoRoom error codes (janus_videoroom.c).
const (
	RoomCodeUnknownError     RoomCode = 499
	RoomCodeNoMessage        RoomCode = 421
	RoomCodeInvalidJSON      RoomCode = 422
	RoomCodeInvalidRequest   RoomCode = 423
	RoomCodeJoinFirst        RoomCode = 424
	RoomCodeAlreadyJoined    RoomCode = 425
	RoomCodeNoSuchRoom       RoomCode = 426
	RoomCodeRoomExists       RoomCode = 427
	RoomCodeNoSuchFeed       RoomCode = 428
	RoomCodeMissingElement   RoomCode = 429
	RoomCodeInvalidElement   RoomCode = 430
	RoomCodeInvalidSDPType   RoomCode = 431
	RoomCodePublishersFull   RoomCode = 432
	RoomCodeUnauthorized     RoomCode = 433
	RoomCodeAlreadyPublished RoomCode = 434
	RoomCodeNotPublished     RoomCode = 435
	RoomCodeIDExists         RoomCode = 436
	RoomCodeInvalidSDP       RoomCode = 437
)

// String names the code as janus_videoroom.c does (without the prefix).
func (c RoomCode) String() string {
	switch c {
	case RoomCodeNoMessage:
		return "no message"
	case RoomCodeInvalidJSON:
		return "invalid json"
	case RoomCodeInvalidRequest:
		return "invalid request"
	case RoomCodeJoinFirst:
		return "join first"
	case RoomCodeAlreadyJoined:
		return "already joined"
	case RoomCodeNoSuchRoom:
		return "no such room"
	case RoomCodeRoomExists:
		return "room exists"
	case RoomCodeNoSuchFeed:
		return "no such feed"
	case RoomCodeMissingElement:
		return "missing element"
	case RoomCodeInvalidElement:
		return "invalid element"
	case RoomCodeInvalidSDPType:
		return "invalid sdp type"
	case RoomCodePublishersFull:
		return "publishers full"
	case RoomCodeUnauthorized:
		return "unauthorized"
	case RoomCodeAlreadyPublished:
		return "already published"
	case RoomCodeNotPublished:
		return "not published"
	case RoomCodeIDExists:
		return "id exists"
	case RoomCodeInvalidSDP:
		return "invalid sdp"
	default:
		return "unknown error"
	}
}

// RoomError is a VideoRoom plugin error: Code is what Janus puts in
// error_code, Reason in error. It wraps one of the sentinels above when one
// applies, so errors.Is(err, ErrNoSuchRoom) works on the Go API.
type RoomError struct {
	Code   RoomCode
	Reason string
	err    error
}

func (e *RoomError) Error() string {
	return fmt.Sprintf("videoroom error %d: %s", int(e.Code), e.Reason)
}

// Unwrap returns the sentinel the error stands for, if any.
func (e *RoomError) Unwrap() error { return e.err }

// roomErr builds a RoomError from a sentinel, its code chosen by roomErrorCode.
func roomErr(sentinel error, format string, args ...any) *RoomError {
	return &RoomError{Code: roomErrorCode(sentinel), Reason: fmt.Sprintf(format, args...), err: sentinel}
}

// roomCodeErr builds a RoomError for a code with no sentinel (429, 430, ...).
func roomCodeErr(code RoomCode, format string, args ...any) *RoomError {
	return &RoomError{Code: code, Reason: fmt.Sprintf(format, args...)}
}

// roomErrorCode is the one place that maps sentinels to VideoRoom codes.
func roomErrorCode(err error) RoomCode {
	switch {
	case errors.Is(err, ErrNoSuchRoom):
		return RoomCodeNoSuchRoom
	case errors.Is(err, ErrRoomExists):
		return RoomCodeRoomExists
	case errors.Is(err, ErrNoSuchFeed):
		return RoomCodeNoSuchFeed
	case errors.Is(err, ErrUnauthorized):
		return RoomCodeUnauthorized
	case errors.Is(err, ErrIDExists):
		return RoomCodeIDExists
	case errors.Is(err, ErrPublishersFull):
		return RoomCodePublishersFull
	case errors.Is(err, ErrInvalidConfig):
		return RoomCodeInvalidElement
	default:
		return RoomCodeUnknownError
	}
}
