package cluster

import "errors"

// ErrNotReady: the embedded NATS server did not accept connections in time.
var ErrNotReady = errors.New("cluster: nats server not ready")
