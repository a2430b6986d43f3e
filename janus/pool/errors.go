package pool

import "errors"

// Errors of the pool.
var (
	// ErrNoCapacity means no healthy instance has room for the participants.
	ErrNoCapacity = errors.New("pool: no healthy Janus instance with capacity")
	// ErrUnknownInstance names an instance that is not configured.
	ErrUnknownInstance = errors.New("pool: unknown instance")
	// ErrNotPlaced means the room has no placement.
	ErrNotPlaced = errors.New("pool: room not placed")
	// ErrInstanceDown means the room's instance is down; the room must be
	// placed again (on another instance) before anyone joins it.
	ErrInstanceDown = errors.New("pool: instance down")
	// ErrInvalidConfig is returned by New for a bad instance list.
	ErrInvalidConfig = errors.New("pool: invalid configuration")
)
