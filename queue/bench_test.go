package queue_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/queuetest"
	"github.com/frontdesk/frontdesk/store/bolt"
	"go.etcd.io/bbolt"
)

func memStore(testing.TB) queue.Store { return queue.NewMemoryStore() }

// boltStore opens the embedded store as production does (bbolt, fsync on
// every commit) in a fresh temp dir.
func boltStore(tb testing.TB) queue.Store {
	db, err := bolt.Open(filepath.Join(tb.TempDir(), "bench.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db.Queue()
}

// BenchmarkJoin: joins/s through the engine on the embedded store (bbolt
// file in a temp dir, fsync on: an acknowledged join is on disk); target
// ≥ 20,000/s.
func BenchmarkJoin(b *testing.B) { queuetest.BenchJoin(b, boltStore) }

// BenchmarkJoinLimited: BenchmarkJoin into a queue with max-waiting and
// one-entry-per-caller limits and 10,000 callers already waiting.
func BenchmarkJoinLimited(b *testing.B) { queuetest.BenchJoinLimited(b, boltStore) }

// BenchmarkAssign: host available → offer made with 10,000 and with
// 100,000 callers waiting, on the embedded store (fsync on); targets p99
// ≤ 5 ms with 10,000 and ≤ 2 ms with 100,000 (the offer takes the head
// of the queue from an index, so the queue's length should not show).
func BenchmarkAssign(b *testing.B) {
	// The reference, measured in the same run: one bare bbolt commit of
	// 1 KiB with fsync, the floor of any acknowledged write on this disk.
	b.Run("reference=bare-commit", benchBareCommit)
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("waiting=%d", n), func(b *testing.B) { queuetest.BenchAssignWaiting(b, boltStore, n) })
	}
}

// benchBareCommit measures one bbolt read-write transaction that puts
// 1 KiB (fsync on), reporting "p50-ms" and "p99-ms" like BenchAssign.
func benchBareCommit(b *testing.B) {
	db, err := bbolt.Open(filepath.Join(b.TempDir(), "bare.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	val := make([]byte, 1024)
	lat := make([]time.Duration, 0, 1024)
	i := 0
	for b.Loop() {
		t0 := time.Now()
		err := db.Update(func(tx *bbolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("b"))
			if err != nil {
				return err
			}
			i++
			return bk.Put([]byte(fmt.Sprintf("k%07d", i)), val)
		})
		lat = append(lat, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
	}
	queuetest.ReportLatencies(b, lat)
}

// BenchmarkJoinMemory is BenchmarkJoin on the in-memory store (the
// engine's own cost, no disk).
func BenchmarkJoinMemory(b *testing.B) { queuetest.BenchJoin(b, memStore) }

// BenchmarkAssignMemory is BenchmarkAssign on the in-memory store.
func BenchmarkAssignMemory(b *testing.B) { queuetest.BenchAssign(b, memStore) }

func TestEngineConcurrency(t *testing.T) {
	queuetest.RunEngineConcurrency(t, func(*testing.T) queue.Store { return queue.NewMemoryStore() })
}

// BenchmarkAssignThreeStep is BenchmarkAssign without the one-transaction
// OfferStore fast path (the protocol a MongoDB store runs), on the memory
// store.
func BenchmarkAssignThreeStep(b *testing.B) {
	queuetest.BenchAssign(b, func(tb testing.TB) queue.Store { return queuetest.Plain(queue.NewMemoryStore()) })
}
