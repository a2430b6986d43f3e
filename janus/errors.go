package janus

import (
	"errors"
	"fmt"
)

// Sentinel errors of the client. Calls wrap them with the request verb.
var (
	// ErrClosed is returned by calls made after Close, or on a session or
	// handle that was destroyed or detached.
	ErrClosed = errors.New("janus: client closed")
	// ErrConnectionLost is returned by every pending and later call once the
	// WebSocket connection drops or the HTTP long-poll fails; the client is
	// then closed.
	ErrConnectionLost = errors.New("janus: connection lost")
	// ErrUnexpectedReply means Janus answered with a message this client
	// cannot interpret for the request (e.g. no plugindata on a plugin reply).
	ErrUnexpectedReply = errors.New("janus: unexpected reply")
	// ErrUnsupportedURL is returned by Dial for a scheme other than ws, wss,
	// http or https.
	ErrUnsupportedURL = errors.New("janus: unsupported URL scheme")
)

// Janus core error codes, from src/apierror.h of Janus 1.1.
const (
	CodeUnauthorized         = 403 // JANUS_ERROR_UNAUTHORIZED
	CodeUnauthorizedPlugin   = 405 // JANUS_ERROR_UNAUTHORIZED_PLUGIN: the token does not allow the plugin
	CodeUnknown              = 490 // JANUS_ERROR_UNKNOWN
	CodeTransportSpecific    = 450 // JANUS_ERROR_TRANSPORT_SPECIFIC
	CodeMissingRequest       = 452 // JANUS_ERROR_MISSING_REQUEST
	CodeUnknownRequest       = 453 // JANUS_ERROR_UNKNOWN_REQUEST
	CodeInvalidJSON          = 454 // JANUS_ERROR_INVALID_JSON
	CodeInvalidJSONObject    = 455 // JANUS_ERROR_INVALID_JSON_OBJECT
	CodeMissingMandatoryElem = 456 // JANUS_ERROR_MISSING_MANDATORY_ELEMENT
	CodeInvalidRequestPath   = 457 // JANUS_ERROR_INVALID_REQUEST_PATH
	CodeSessionNotFound      = 458 // JANUS_ERROR_SESSION_NOT_FOUND
	CodeHandleNotFound       = 459 // JANUS_ERROR_HANDLE_NOT_FOUND
	CodePluginNotFound       = 460 // JANUS_ERROR_PLUGIN_NOT_FOUND
	CodePluginAttach         = 461 // JANUS_ERROR_PLUGIN_ATTACH
	CodePluginMessage        = 462 // JANUS_ERROR_PLUGIN_MESSAGE
	CodePluginDetach         = 463 // JANUS_ERROR_PLUGIN_DETACH
	CodeJSEPUnknownType      = 464 // JANUS_ERROR_JSEP_UNKNOWN_TYPE
	CodeJSEPInvalidSDP       = 465 // JANUS_ERROR_JSEP_INVALID_SDP
	CodeTrickleInvalidStream = 466 // JANUS_ERROR_TRICKE_INVALID_STREAM
	CodeInvalidElementType   = 467 // JANUS_ERROR_INVALID_ELEMENT_TYPE
	CodeSessionConflict      = 468 // JANUS_ERROR_SESSION_CONFLICT
	CodeUnexpectedAnswer     = 469 // JANUS_ERROR_UNEXPECTED_ANSWER
	CodeTokenNotFound        = 470 // JANUS_ERROR_TOKEN_NOT_FOUND
	CodeWebRTCState          = 471 // JANUS_ERROR_WEBRTC_STATE
	CodeNotAcceptingSessions = 472 // JANUS_ERROR_NOT_ACCEPTING_SESSIONS
)

// Error is a Janus core error: a {"janus":"error","error":{"code","reason"}}
// reply (Janus docs, "The Janus API", error codes from src/apierror.h).
// errors.Is(err, &Error{Code: c}) matches any *Error with code c.
type Error struct {
	// Code is the apierror.h code, e.g. [CodeSessionNotFound].
	Code int `json:"code"`
	// Reason is Janus's human-readable text.
	Reason string `json:"reason"`
}

// Error implements error.
func (e *Error) Error() string { return fmt.Sprintf("janus error %d: %s", e.Code, e.Reason) }

// Is reports whether target is an *Error with the same Code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// PluginError is an error reported by a plugin inside a success or event
// reply: plugindata.data.error_code and plugindata.data.error (for VideoRoom,
// codes 421-437 of janus_videoroom.c, e.g. 426 no such room, 427 room exists).
// errors.Is(err, &PluginError{Code: c}) matches any *PluginError with code c.
type PluginError struct {
	// Plugin is the plugin package name, e.g. "janus.plugin.videoroom".
	Plugin string
	// Code is the plugin's error_code.
	Code int
	// Reason is the plugin's error text.
	Reason string
}

// Error implements error.
func (e *PluginError) Error() string {
	return fmt.Sprintf("%s error %d: %s", e.Plugin, e.Code, e.Reason)
}

// Is reports whether target is a *PluginError with the same Code (and the
// same Plugin, when target names one).
func (e *PluginError) Is(target error) bool {
	t, ok := target.(*PluginError)
	return ok && t.Code == e.Code && (t.Plugin == "" || t.Plugin == e.Plugin)
}
