package bolt

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// TestGroupCommit: many concurrent writers share commits; a writer whose
// function fails gets its own error and does not fail the others of its
// group; every successful write is stored exactly once.
func TestGroupCommit(t *testing.T) {
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "g.db"), 0o600, &bbolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucket([]byte("b")); return err }); err != nil {
		t.Fatal(err)
	}
	errOdd := errors.New("odd key refused")
	for _, wait := range []time.Duration{0, time.Millisecond} {
		t.Run(fmt.Sprint("maxWait=", wait), func(t *testing.T) {
			g := &groupCommit{maxWait: wait}
			var mu sync.Mutex
			results := map[int]error{}
			var wg sync.WaitGroup
			const n = 400
			for i := range n {
				wg.Go(func() {
					key := []byte(fmt.Sprintf("%s-%04d", wait, i))
					err := g.run(db, func(tx *bbolt.Tx) error {
						b := tx.Bucket([]byte("b"))
						if i%7 == 3 {
							return errOdd // fails inside whatever group it lands in
						}
						if i%11 == 5 {
							panic("boom") // fails alone too, and blocks nobody
						}
						// Derived from tx only, as run requires: a re-run is harmless.
						if b.Get(key) != nil {
							return fmt.Errorf("key %s written twice", key)
						}
						return b.Put(key, []byte{1})
					})
					mu.Lock()
					results[i] = err
					mu.Unlock()
				})
			}
			wg.Wait()
			stored := 0
			_ = db.View(func(tx *bbolt.Tx) error {
				for i := range n {
					if tx.Bucket([]byte("b")).Get([]byte(fmt.Sprintf("%s-%04d", wait, i))) != nil {
						stored++
					}
				}
				return nil
			})
			want := 0
			for i := range n {
				switch {
				case i%11 == 5 && i%7 != 3:
					if results[i] == nil {
						t.Fatalf("write %d panicked but got no error", i)
					}
				case i%7 == 3 && !errors.Is(results[i], errOdd):
					t.Fatalf("write %d: %v, want its own error", i, results[i])
				case i%7 != 3 && results[i] != nil:
					t.Fatalf("write %d failed with %v (another write's failure leaked into its group?)", i, results[i])
				case i%7 != 3:
					want++
				}
			}
			if stored != want {
				t.Fatalf("%d keys stored, want %d", stored, want)
			}
			if g.busy || len(g.pending) != 0 {
				t.Fatalf("left busy=%v with %d pending", g.busy, len(g.pending))
			}
		})
	}
}
