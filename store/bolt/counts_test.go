package bolt

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/frontdesk/frontdesk/queue"
)

// TestEntryCounts: the per-state counters follow creates and state
// changes, and a file without them (written before they existed) gets
// them built on Open.
func TestEntryCounts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	db, err := Open(path, WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s := db.Queue()
	at := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	for i := range 7 {
		q := "qa"
		if i%2 == 1 {
			q = "qb"
		}
		e, err := s.CreateEntry(ctx, queue.Entry{ID: queue.EntryID(fmt.Sprint("e", i)), QueueID: queue.QueueID(q), CallerID: fmt.Sprint("c", i), State: queue.EntryWaiting, CreatedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		if i < 2 {
			e.State = queue.EntryCompleted
			if _, err := s.UpdateEntry(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := map[string]int{"qa/waiting": 3, "qa/completed": 1, "qb/waiting": 2, "qb/completed": 1, "qa/waiting+offered": 3}
	check := func(what string) {
		t.Helper()
		for k, n := range want {
			var q, st string
			fmt.Sscanf(k, "%2s/%s", &q, &st)
			var states []queue.EntryState
			switch st {
			case "waiting":
				states = []queue.EntryState{queue.EntryWaiting}
			case "completed":
				states = []queue.EntryState{queue.EntryCompleted}
			default:
				states = []queue.EntryState{queue.EntryWaiting, queue.EntryOffered, queue.EntryWaiting}
			}
			got, err := s.CountEntries(ctx, queue.EntryFilter{QueueID: queue.QueueID(q), States: states})
			if err != nil || got != n {
				t.Fatalf("%s: count %s = %d (%v), want %d", what, k, got, err, n)
			}
		}
	}
	check("kept")
	// Drop the counters as an older file would lack them; Open rebuilds.
	if err := db.bdb.Update(func(tx *bbolt.Tx) error { return tx.DeleteBucket(bucketEntryCounts) }); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(path, WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s = db.Queue()
	check("rebuilt")
}
