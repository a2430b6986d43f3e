package bolt

import (
	"io/fs"
	"time"
)

// DefaultLockTimeout is how long [Open] waits for the file lock held by
// another process before it fails with [ErrLocked].
const DefaultLockTimeout = time.Second

// Option changes an optional setting of [Open].
type Option func(*options)

type options struct {
	lockTimeout time.Duration
	mode        fs.FileMode
	noSync      bool
	batchDelay  time.Duration
}

// DefaultBatchDelay is the longest a new entry's write waits for other
// concurrent entry writes to share its commit (and its fsyncs); see
// [WithBatchDelay].
const DefaultBatchDelay = time.Millisecond

// WithLockTimeout sets how long [Open] waits for the file lock; d <= 0 means
// [DefaultLockTimeout] (waiting forever is never wanted by a server).
func WithLockTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.lockTimeout = d
		}
	}
}

// WithFileMode sets the permission bits of a newly created store file; the
// default is 0600 because the file holds password hashes and session records.
func WithFileMode(mode fs.FileMode) Option {
	return func(o *options) { o.mode = mode }
}

// WithNoSync skips fsync after each commit. It is for benchmarks and tests
// only: a crash can lose or corrupt recent writes.
func WithNoSync() Option {
	return func(o *options) { o.noSync = true }
}

// WithBatchDelay sets the longest CreateEntry (a caller joining) waits to
// gather concurrent joins into one commit ("group commit"), so that a
// burst of joins pays for one commit and its fsyncs instead of one each.
// Joins that arrive while a commit is in progress always share the next
// one; the delay applies only while fewer joins are queued than went into
// the previous commit (a lone join never waits). d <= 0 means
// [DefaultBatchDelay]. Other writes (offers, state changes) commit at once.
func WithBatchDelay(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.batchDelay = d
		}
	}
}
