package janus

import (
	"errors"
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
