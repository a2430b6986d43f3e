package store

import "errors"

var (
	// ErrUnknownDriver is returned by [ParseDriver] and [Open] for a driver
	// name other than "embedded" or "mongodb".
	ErrUnknownDriver = errors.New("store: unknown driver")

	// ErrConfig is returned by [Open] when a setting the chosen driver
	// needs is missing.
	ErrConfig = errors.New("store: bad configuration")
)
