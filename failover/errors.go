package failover

import "errors"

// ErrStopped: the Failover's Run has ended; nothing more is moved.
var ErrStopped = errors.New("failover: stopped")
