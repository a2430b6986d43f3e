package bolt

import (
	"bytes"
	"fmt"
	"slices"

	"go.etcd.io/bbolt"

	"github.com/frontdesk/frontdesk/queue"
)

// bucketEntryCounts holds, per queue and entry state, how many entries are
// in that state (queue id, state → uint64), kept by putEntry in the same
// transaction as the entries. It makes "how many are waiting" (a queue's
// max-waiting limit, checked on every join) O(1) instead of a walk over
// the state index.
var bucketEntryCounts = []byte("queue.entry_counts")

func init() {
	derivedBuckets = append(derivedBuckets, derivedBucket{name: bucketEntryCounts, build: buildEntryCounts})
}

func countKey(queueID string, st queue.EntryState) []byte {
	return keyBuilder(nil).str(queueID).u64(uint64(st))
}

// addCount adds delta to the count of (queueID, st); a count that drops
// to zero is deleted.
func addCount(b *bbolt.Bucket, queueID string, st queue.EntryState, delta int64) error {
	k := countKey(queueID, st)
	var n int64
	if v := b.Get(k); v != nil {
		r := keyReader{b: v}
		n = int64(r.u64())
		if err := r.done(); err != nil {
			return fmt.Errorf("entry count %s/%s: %w", queueID, st, err)
		}
	}
	n += delta
	if n < 0 {
		return fmt.Errorf("%w: entry count %s/%s below zero", ErrCorrupt, queueID, st)
	}
	if n == 0 {
		return b.Delete(k)
	}
	return b.Put(k, keyBuilder(nil).u64(uint64(n)))
}

// moveCount updates the counts for an entry written as e over old (nil
// for a new entry).
func moveCount(tx *bbolt.Tx, old, e *queue.Entry) error {
	b := tx.Bucket(bucketEntryCounts)
	if old != nil {
		if old.QueueID == e.QueueID && old.State == e.State {
			return nil
		}
		if err := addCount(b, string(old.QueueID), old.State, -1); err != nil {
			return err
		}
	}
	return addCount(b, string(e.QueueID), e.State, 1)
}

// countStates returns how many entries of queueID are in one of states.
func countStates(tx *bbolt.Tx, queueID string, states []queue.EntryState) (int, error) {
	b := tx.Bucket(bucketEntryCounts)
	n := 0
	for _, st := range slices.Compact(slices.Sorted(slices.Values(states))) {
		if v := b.Get(countKey(queueID, st)); v != nil {
			r := keyReader{b: v}
			n += int(r.u64())
			if err := r.done(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

// buildEntryCounts fills a new counts bucket from the state index (a file
// written before the counts existed).
func buildEntryCounts(tx *bbolt.Tx, b *bbolt.Bucket) error {
	counts := map[string]int64{}
	err := tx.Bucket(bucketEntryState).ForEach(func(k, _ []byte) error {
		r := keyReader{b: k}
		q := r.str()
		st := r.u64()
		if r.err != nil {
			return r.err
		}
		counts[string(countKey(q, queue.EntryState(st)))]++
		return nil
	})
	if err != nil {
		return fmt.Errorf("build entry counts: %w", err)
	}
	for k, n := range counts {
		if err := b.Put(bytes.Clone([]byte(k)), keyBuilder(nil).u64(uint64(n))); err != nil {
			return err
		}
	}
	return nil
}
