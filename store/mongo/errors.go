package mongo

import "errors"

var (
	// ErrConfig is returned by [Open] when the URI or database name is
	// missing or malformed.
	ErrConfig = errors.New("mongo: bad configuration")

	// ErrUnavailable wraps a failure to reach the server at [Open] or in
	// [DB.Ping].
	ErrUnavailable = errors.New("mongo: server unavailable")
)
