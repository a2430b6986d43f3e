package server

import "errors"

// ErrShutdownTimeout means graceful shutdown did not finish within
// http.shutdown_timeout; the remaining connections were closed forcibly.
var ErrShutdownTimeout = errors.New("server: graceful shutdown timed out")

// ErrNotReady is the cause of the 503 answered by /readyz when a readiness
// check fails or the server is shutting down.
var ErrNotReady = errors.New("server: not ready")
