package mongo_test

import (
	"testing"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/queuetest"
	"github.com/frontdesk/frontdesk/store/mongotest"
)

// benchStore opens the MongoDB store on the embedded FerretDB (or on
// MONGODB_URI's server when set). FerretDB 1.24 scans a whole collection
// for every query but a single _id lookup, so these figures are a floor
// for correctness runs, not a MongoDB performance reference.
func benchStore(tb testing.TB) queue.Store {
	return opener(mongotest.NewServer(tb))(tb).Queue()
}

// BenchmarkJoin: joins/s through the queue engine on the MongoDB store.
func BenchmarkJoin(b *testing.B) { queuetest.BenchJoin(b, benchStore) }

// BenchmarkAssign: host available → offer delivered with 10,000 callers
// waiting on the MongoDB store (three-step protocol), p99-ms and p50-ms.
func BenchmarkAssign(b *testing.B) { queuetest.BenchAssign(b, benchStore) }
