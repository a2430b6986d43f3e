package queue

import "time"

// Clock is the engine's source of time, injectable so tests are
// deterministic.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// After returns a channel that receives once d has elapsed, like
	// time.After.
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the real Clock (time.Now, time.After).
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// After returns time.After(d).
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
