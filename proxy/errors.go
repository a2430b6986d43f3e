package proxy

import "errors"

// Errors a [Resolver] may return (wrapped); the proxy maps them to HTTP.
var (
	// ErrNoTicket: the request carries no call ticket (401).
	ErrNoTicket = errors.New("proxy: no call ticket")
	// ErrRoomUnavailable: the ticket's room has no live instance now (503);
	// the client should ask for a new ticket.
	ErrRoomUnavailable = errors.New("proxy: room unavailable")
	// ErrTooManyConnections: the ticket's participant already has the
	// maximum number of WebSocket connections (429).
	ErrTooManyConnections = errors.New("proxy: too many connections for this participant")
)

// WebSocket close codes the proxy uses (RFC 6455 §7.4.2 leaves 4000-4999 to
// applications).
const (
	// CloseReconnect tells the client that its Janus instance went away and
	// it must reconnect with a new ticket (its room is being placed again).
	CloseReconnect = 4000
	// CloseTicketLimit tells the client its participant has too many connections.
	CloseTicketLimit = 4001
)
