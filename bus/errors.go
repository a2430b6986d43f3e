package bus

import "errors"

// ErrClosed is returned by Subscribe after the bus was closed.
var ErrClosed = errors.New("bus: closed")
