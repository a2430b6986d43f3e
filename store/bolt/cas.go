package bolt

import (
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/frontdesk/frontdesk/queue"
)

// casUpdate is the compare-and-set write shared by every versioned record
// (queues, hosts, entries, calls), run inside the caller's Update
// transaction. It reads the record stored under id in bucket and fails with
// [queue.ErrNotFound] when there is none, or with [queue.ErrVersion] when
// the stored version differs from v's. Otherwise it increments v's version
// (one more than the stored one) and calls write with the stored record
// and v; write puts v and moves any index keys from the stored record.
// version returns a pointer to a record's Version field.
func casUpdate[T any](tx *bbolt.Tx, bucket []byte, id string, v *T, version func(*T) *int64, write func(old, v *T) error) error {
	old, ok, err := getJSON[T](tx.Bucket(bucket), []byte(id))
	if err != nil {
		return err
	}
	if !ok {
		return queue.ErrNotFound
	}
	if stored, given := *version(&old), *version(v); stored != given {
		return fmt.Errorf("stored version %d, given %d: %w", stored, given, queue.ErrVersion)
	}
	*version(v)++
	return write(&old, v)
}

// Version accessors for casUpdate.
func queueVersion(q *queue.Queue) *int64 { return &q.Version }
func hostVersion(h *queue.Host) *int64   { return &h.Version }
func entryVersion(e *queue.Entry) *int64 { return &e.Version }
func callVersion(c *queue.Call) *int64   { return &c.Version }
