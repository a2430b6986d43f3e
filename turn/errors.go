package turn

import "errors"

// Sentinel errors of the package; functions wrap them with details.
var (
	// ErrNoSecret is returned by [New] when TURN URLs are configured without
	// a shared secret (coturn static-auth-secret).
	ErrNoSecret = errors.New("turn: shared secret required with TURN URLs")
	// ErrBadURL is returned by [New] for an ICE server URL whose scheme is
	// not stun:, stuns:, turn: or turns: (RFC 7064, RFC 7065).
	ErrBadURL = errors.New("turn: bad ICE server URL")
	// ErrBadTTL is returned by [New] for a credential lifetime shorter than
	// one second.
	ErrBadTTL = errors.New("turn: credential TTL must be at least 1s")
	// ErrBadUser is returned when a user id is empty or contains ':' (the
	// username separator of the TURN REST API) or a control character.
	ErrBadUser = errors.New("turn: bad user id")
	// ErrNoUser is returned by the ICE servers handler when the request has
	// no authenticated user; it answers 401.
	ErrNoUser = errors.New("turn: no authenticated user")
)
