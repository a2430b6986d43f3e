package bolt

import "errors"

var (
	// ErrLocked is returned by [Open] when another process holds the store
	// file's lock for longer than the lock timeout.
	ErrLocked = errors.New("bolt: store file is locked by another process")

	// ErrClosed is returned by every operation on a [DB] after [DB.Close].
	ErrClosed = errors.New("bolt: store is closed")

	// ErrCorrupt is returned when a stored key or value cannot be decoded;
	// the wrapped error names the bucket and key.
	ErrCorrupt = errors.New("bolt: corrupt record")
)
