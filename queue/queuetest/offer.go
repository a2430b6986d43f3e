package queuetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/queue"
)

// Plain hides a store's optional interfaces (queue.OfferStore), so the
// engine runs the generic three-step offer protocol on it.
func Plain(s queue.Store) queue.Store { return plain{s} }

type plain struct{ queue.Store }

// offerStoreTests run when the store implements queue.OfferStore.
var offerStoreTests = []struct {
	name string
	fn   func(t *testing.T, s queue.OfferStore)
}{
	{"OfferNext", testOfferNext},
	{"OfferNextAvailable", testOfferNextAvailable},
	{"ConcurrentOfferNext", testConcurrentOfferNext},
}

// testOfferNextAvailable: with Available, a host that is away becomes
// available and offered in one step (IdleSince = At); an offered host is
// refused; without Available an away host is refused.
func testOfferNextAvailable(t *testing.T, s queue.OfferStore) {
	h := must[queue.Host](t, "host")(s.CreateHost(ctx(t), queue.Host{ID: "h", Queues: []queue.QueueID{"q1"}, State: queue.HostAway, IdleSince: base}))
	at := base.Add(time.Minute)
	req := queue.OfferRequest{HostID: "h", HostVersion: h.Version, At: at, Queues: []queue.OfferQueue{{ID: "q1", Deadline: at.Add(10 * time.Second)}}}
	must[queue.Entry](t, "entry")(s.CreateEntry(ctx(t), newEntry("e", "q1", "c", 0, base)))
	_, _, err := s.OfferNext(ctx(t), req)
	wantErr(t, "away host without Available", err, queue.ErrVersion)
	req.Available = true
	gotH, gotE, err := s.OfferNext(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if gotH.State != queue.HostOffered || gotH.EntryID != "e" || !gotH.IdleSince.Equal(at) || !gotH.StateSince.Equal(at) || gotE.State != queue.EntryOffered {
		t.Fatalf("host %+v entry %+v", gotH, gotE)
	}
	stored := must[queue.Host](t, "get")(s.GetHost(ctx(t), "h"))
	if stored.State != queue.HostOffered || !stored.IdleSince.Equal(at) {
		t.Fatalf("stored host %+v", stored)
	}
	must[queue.Entry](t, "entry 2")(s.CreateEntry(ctx(t), newEntry("e2", "q1", "c2", 0, base)))
	req.HostVersion = stored.Version
	_, _, err = s.OfferNext(ctx(t), req)
	wantErr(t, "offered host with Available", err, queue.ErrVersion)
}

func testOfferNext(t *testing.T, s queue.OfferStore) {
	h := must[queue.Host](t, "host")(s.CreateHost(ctx(t), queue.Host{ID: "h", Queues: []queue.QueueID{"q1", "q2"}, State: queue.HostAvailable, IdleSince: base}))
	at := base.Add(time.Minute)
	req := func(v int64) queue.OfferRequest {
		return queue.OfferRequest{HostID: "h", HostVersion: v, At: at, Queues: []queue.OfferQueue{
			{ID: "q1", Deadline: at.Add(10 * time.Second)}, {ID: "q2", Deadline: at.Add(20 * time.Second)}}}
	}
	_, _, err := s.OfferNext(ctx(t), req(h.Version))
	wantErr(t, "nothing waiting", err, queue.ErrNotFound)
	if got := must[queue.Host](t, "get")(s.GetHost(ctx(t), "h")); got.Version != h.Version || got.State != queue.HostAvailable {
		t.Fatalf("host changed by a failed offer: %+v", got)
	}
	paused := newEntry("p", "q1", "cp", 9, base)
	paused.Paused = true
	must[queue.Entry](t, "paused")(s.CreateEntry(ctx(t), paused))
	must[queue.Entry](t, "q2 entry")(s.CreateEntry(ctx(t), newEntry("b", "q2", "cb", 0, base)))
	must[queue.Entry](t, "q1 low")(s.CreateEntry(ctx(t), newEntry("a", "q1", "ca", 0, base)))
	must[queue.Entry](t, "q1 high")(s.CreateEntry(ctx(t), newEntry("c", "q1", "cc", 1, base)))

	_, _, err = s.OfferNext(ctx(t), req(h.Version+1))
	wantErr(t, "stale host version", err, queue.ErrVersion)
	gotH, gotE, err := s.OfferNext(ctx(t), req(h.Version))
	if err != nil {
		t.Fatal(err)
	}
	if gotE.ID != "c" || gotE.State != queue.EntryOffered || gotE.HostID != "h" || !gotE.Deadline.Equal(at.Add(10*time.Second)) ||
		!gotE.OfferedAt.Equal(at) || len(gotE.History) != 2 || gotE.Version != 2 {
		t.Fatalf("entry = %+v", gotE)
	}
	if gotH.State != queue.HostOffered || gotH.EntryID != "c" || !gotH.Deadline.Equal(gotE.Deadline) || !gotH.StateSince.Equal(at) ||
		!gotH.IdleSince.Equal(base) || gotH.Version != h.Version+1 {
		t.Fatalf("host = %+v", gotH)
	}
	same(t, "stored host", normHost(must[queue.Host](t, "get")(s.GetHost(ctx(t), "h"))), normHost(gotH))
	same(t, "stored entry", normEntry(must[queue.Entry](t, "get")(s.GetEntry(ctx(t), "c"))), normEntry(gotE))
	_, _, err = s.OfferNext(ctx(t), req(gotH.Version))
	wantErr(t, "host already offered", err, queue.ErrVersion)
	_, _, err = s.OfferNext(ctx(t), queue.OfferRequest{HostID: "nope", At: at})
	wantErr(t, "missing host", err, queue.ErrNotFound)
}

func testConcurrentOfferNext(t *testing.T, s queue.OfferStore) {
	const nEntries, nHosts, workers = 200, 10, 8
	for i := range nHosts {
		must[queue.Host](t, "host")(s.CreateHost(ctx(t), queue.Host{ID: queue.HostID(fmt.Sprintf("h%02d", i)), Queues: []queue.QueueID{"q"}, State: queue.HostAvailable}))
	}
	for i := range nEntries {
		must[queue.Entry](t, "entry")(s.CreateEntry(ctx(t), newEntry(fmt.Sprintf("e%04d", i), "q", fmt.Sprint("c", i), 0, base)))
	}
	var (
		mu     sync.Mutex
		served = map[string]string{}
		failed error
	)
	bg := context.Background()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				mu.Lock()
				stop := failed != nil || len(served) == nEntries
				mu.Unlock()
				if stop {
					return
				}
				hosts, err := s.ListHosts(bg, queue.HostFilter{States: []queue.HostState{queue.HostAvailable}})
				if err != nil {
					mu.Lock()
					failed = err
					mu.Unlock()
					return
				}
				for _, h := range hosts {
					gotH, e, err := s.OfferNext(bg, queue.OfferRequest{HostID: h.ID, HostVersion: h.Version, At: base, Queues: []queue.OfferQueue{{ID: "q"}}})
					if errors.Is(err, queue.ErrVersion) || errors.Is(err, queue.ErrNotFound) {
						continue
					}
					mu.Lock()
					if err == nil {
						if prev, dup := served[string(e.ID)]; dup {
							err = fmt.Errorf("entry %s offered to %s and %s", e.ID, prev, h.ID)
						}
						served[string(e.ID)] = string(h.ID)
					}
					if err != nil && failed == nil {
						failed = err
					}
					mu.Unlock()
					if err != nil {
						return
					}
					e.State = queue.EntryCompleted
					if _, err := s.UpdateEntry(bg, e); err != nil {
						mu.Lock()
						failed = err
						mu.Unlock()
						return
					}
					gotH.State, gotH.EntryID = queue.HostAvailable, ""
					if _, err := s.UpdateHost(bg, gotH); err != nil {
						mu.Lock()
						failed = err
						mu.Unlock()
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if failed != nil {
		t.Fatal(failed)
	}
	if n := must[int](t, "count")(s.CountEntries(ctx(t), queue.EntryFilter{States: []queue.EntryState{queue.EntryCompleted}})); n != nEntries {
		t.Fatalf("%d completed, want %d", n, nEntries)
	}
}
