package bolt

import (
	"context"
	"errors"
	"fmt"
	"os"

	"go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Bucket names. Every bucket is created by [Open], so readers can rely on
// them existing.
var (
	bucketPlacements = []byte("placements")
)

// allBuckets lists the top-level buckets [Open] creates.
var allBuckets = [][]byte{
	bucketPlacements,
}

// derivedBucket is a bucket whose content can be computed from the other
// buckets (an index or a counter): [Open] creates it and, when the file
// did not have it yet, fills it with build.
type derivedBucket struct {
	name  []byte
	build func(tx *bbolt.Tx, b *bbolt.Bucket) error
}

// derivedBuckets are created (and built) by [Open] after allBuckets.
var derivedBuckets []derivedBucket

// DB is an open embedded store file. Its methods are safe for concurrent
// use; the per-domain stores ([DB.Placements], ...) share it.
type DB struct {
	bdb    *bbolt.DB
	path   string
	group  groupCommit // joins' shared commits (see batch)
	queues queueCache  // decoded queue records (see queueCache)
}

// Open opens (creating when missing) the store file at path and creates the
// buckets Frontdesk needs. It fails with [ErrLocked] when another process
// holds the file for longer than the lock timeout.
func Open(path string, opts ...Option) (*DB, error) {
	o := options{lockTimeout: DefaultLockTimeout, mode: 0o600, batchDelay: DefaultBatchDelay}
	for _, opt := range opts {
		opt(&o)
	}
	bdb, err := bbolt.Open(path, o.mode, &bbolt.Options{
		Timeout: o.lockTimeout,
		NoSync:  o.noSync,
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("bolt: open %s: %w (waited %s)", path, ErrLocked, o.lockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	err = bdb.Update(func(tx *bbolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		for _, d := range derivedBuckets {
			if tx.Bucket(d.name) != nil {
				continue
			}
			b, err := tx.CreateBucket(d.name)
			if err != nil {
				return fmt.Errorf("create bucket %s: %w", d.name, err)
			}
			if err := d.build(tx, b); err != nil {
				return fmt.Errorf("build bucket %s: %w", d.name, err)
			}
		}
		return nil
	})
	if err != nil {
		_ = bdb.Close()
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	return &DB{bdb: bdb, path: path, group: groupCommit{maxWait: o.batchDelay}}, nil
}

// Path returns the file name the store was opened with.
func (d *DB) Path() string { return d.path }

// Close releases the file and its lock. Operations after Close fail with
// [ErrClosed]; a second Close returns nil.
func (d *DB) Close() error {
	if err := d.bdb.Close(); err != nil {
		return fmt.Errorf("bolt: close %s: %w", d.path, err)
	}
	return nil
}

// Ping reports whether the store can serve reads: the file is open and its
// buckets are present. It is the embedded store's readiness check.
func (d *DB) Ping(ctx context.Context) error {
	return d.view(ctx, func(tx *bbolt.Tx) error {
		for _, name := range allBuckets {
			if tx.Bucket(name) == nil {
				return fmt.Errorf("%w: bucket %s missing", ErrCorrupt, name)
			}
		}
		if _, err := os.Stat(d.path); err != nil {
			return fmt.Errorf("store file: %w", err)
		}
		return nil
	})
}

// update runs fn in one read-write transaction; fn's error rolls it back.
func (d *DB) update(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return mapErr(d.bdb.Update(fn))
}

// view runs fn in one read-only transaction.
func (d *DB) view(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return mapErr(d.bdb.View(fn))
}

// mapErr turns bbolt's "not open" into [ErrClosed].
func mapErr(err error) error {
	if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		return fmt.Errorf("%w: %w", ErrClosed, err)
	}
	return err
}
