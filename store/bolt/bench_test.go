package bolt_test

import (
	"path/filepath"
	"testing"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/queuetest"
	"github.com/frontdesk/frontdesk/store/bolt"
)

// openBench opens a store file as production does (fsync on every commit)
// or, with noSync, without fsync (to show what the disk costs).
func openBench(noSync bool) func(tb testing.TB) queue.Store {
	return func(tb testing.TB) queue.Store {
		var opts []bolt.Option
		if noSync {
			opts = append(opts, bolt.WithNoSync())
		}
		db, err := bolt.Open(filepath.Join(tb.TempDir(), "bench.db"), opts...)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { _ = db.Close() })
		return db.Queue()
	}
}

// BenchmarkJoin: joins/s through the queue engine on the embedded store
// (issue target ≥ 5,000/s). "fsync" is the production setting.
func BenchmarkJoin(b *testing.B) {
	b.Run("fsync", func(b *testing.B) { queuetest.BenchJoin(b, openBench(false)) })
	b.Run("nosync", func(b *testing.B) { queuetest.BenchJoin(b, openBench(true)) })
}

// BenchmarkAssign: host available → offer delivered with 10,000 callers
// waiting, reported as p99-ms and p50-ms (issue target p99 ≤ 5 ms).
func BenchmarkAssign(b *testing.B) {
	b.Run("fsync", func(b *testing.B) { queuetest.BenchAssign(b, openBench(false)) })
	b.Run("nosync", func(b *testing.B) { queuetest.BenchAssign(b, openBench(true)) })
}
