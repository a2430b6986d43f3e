package admin

import "errors"

var (
	// ErrUnreachable: the Admin API did not answer (connection refused,
	// reset, or an HTTP error status without a Janus reply).
	ErrUnreachable = errors.New("janus admin: unreachable")
	// ErrUnexpectedReply: the Admin API answered with something this client
	// cannot read for the request.
	ErrUnexpectedReply = errors.New("janus admin: unexpected reply")
)
