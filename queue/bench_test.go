package queue_test

import (
	"path/filepath"
	"testing"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/queuetest"
	"github.com/frontdesk/frontdesk/store/bolt"
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
// file in a temp dir, fsync on: an acknowledged join is on disk); issue
// target ≥ 5,000/s.
func BenchmarkJoin(b *testing.B) { queuetest.BenchJoin(b, boltStore) }

// BenchmarkJoinLimited: BenchmarkJoin into a queue with max-waiting and
// one-entry-per-caller limits and 10,000 callers already waiting.
func BenchmarkJoinLimited(b *testing.B) { queuetest.BenchJoinLimited(b, boltStore) }

// BenchmarkAssign: host available → offer made with 10,000 callers
// waiting, on the embedded store (fsync on); issue target p99 ≤ 5 ms.
func BenchmarkAssign(b *testing.B) { queuetest.BenchAssign(b, boltStore) }

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
