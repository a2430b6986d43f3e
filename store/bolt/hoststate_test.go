package bolt

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/frontdesk/frontdesk/queue"
)

// TestHostStateIndex: listing hosts by state follows state changes and
// deletes, and a file without the index gets it built on Open.
func TestHostStateIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := Open(path, WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s := db.Queue()
	for _, id := range []string{"a", "b", "c", "d"} {
		if _, err := s.CreateHost(ctx, queue.Host{ID: queue.HostID(id), Queues: []queue.QueueID{"q"}, State: queue.HostOffline}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"b", "c"} {
		h, _ := s.GetHost(ctx, queue.HostID(id))
		h.State = queue.HostAvailable
		if _, err := s.UpdateHost(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteHost(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	check := func(what string) {
		t.Helper()
		for st, want := range map[queue.HostState][]string{queue.HostAvailable: {"b"}, queue.HostOffline: {"a", "d"}} {
			hs, err := s.ListHosts(ctx, queue.HostFilter{States: []queue.HostState{st, st}})
			var ids []string
			for _, h := range hs {
				ids = append(ids, string(h.ID))
			}
			slices.Sort(ids)
			if err != nil || !slices.Equal(ids, want) {
				t.Fatalf("%s: %s hosts %v (%v), want %v", what, st, ids, err, want)
			}
		}
	}
	check("kept")
	if err := db.bdb.Update(func(tx *bbolt.Tx) error { return tx.DeleteBucket(bucketHostState) }); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err = Open(path, WithNoSync()); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s = db.Queue()
	check("rebuilt")
}
