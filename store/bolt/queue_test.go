package bolt_test

import (
	"path/filepath"
	"testing"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/queuetest"
	"github.com/frontdesk/frontdesk/store/bolt"
)

// openTemp opens a fresh store file in tb's temp dir, closed by cleanup.
// It skips fsync (WithNoSync): these tests check behaviour, not crash
// durability, and an fsync costs ~4 ms on this machine's disk.
func openTemp(tb testing.TB) *bolt.DB {
	tb.Helper()
	db, err := bolt.Open(filepath.Join(tb.TempDir(), "frontdesk.db"), bolt.WithNoSync())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

func TestQueueStoreContract(t *testing.T) {
	queuetest.RunStoreContract(t, func(t *testing.T) queue.Store { return openTemp(t).Queue() })
}

func TestQueueEngineConcurrency(t *testing.T) {
	queuetest.RunEngineConcurrency(t, func(t *testing.T) queue.Store { return openTemp(t).Queue() })
}
