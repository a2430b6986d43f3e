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
