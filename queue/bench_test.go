package queue_test

import (
	"testing"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/queuetest"
)

func memStore(testing.TB) queue.Store { return queue.NewMemoryStore() }

// BenchmarkJoin: joins/s on the memory store (target ≥ 5,000/s embedded).
func BenchmarkJoin(b *testing.B) { queuetest.BenchJoin(b, memStore) }

// BenchmarkAssign: host available → offer with 10,000 waiting (target
// p99 ≤ 5 ms embedded).
func BenchmarkAssign(b *testing.B) { queuetest.BenchAssign(b, memStore) }

func TestEngineConcurrency(t *testing.T) {
	queuetest.RunEngineConcurrency(t, func(*testing.T) queue.Store { return queue.NewMemoryStore() })
}

// BenchmarkAssignThreeStep is BenchmarkAssign without the one-transaction
// OfferStore fast path (the protocol a MongoDB store runs).
func BenchmarkAssignThreeStep(b *testing.B) {
	queuetest.BenchAssign(b, func(tb testing.TB) queue.Store { return queuetest.Plain(queue.NewMemoryStore()) })
}
