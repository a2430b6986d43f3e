package queueapi_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/queueapi"
)

// countingStore counts the store calls made through it, by method.
type countingStore struct {
	queue.Store
	mu    sync.Mutex
	calls map[string]int
}

func (c *countingStore) count(m string) {
	c.mu.Lock()
	c.calls[m]++
	c.mu.Unlock()
}

// reset forgets the counts so far.
func (c *countingStore) reset() {
	c.mu.Lock()
	c.calls = map[string]int{}
	c.mu.Unlock()
}

// reads and writes sum the counts by kind of call.
func (c *countingStore) sums() (reads, writes int, by string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for m, n := range c.calls {
		switch m {
		case "GetQueue", "GetQueueBySlug", "ListQueues", "GetHost", "ListHosts", "GetEntry", "ListEntries", "CountEntries", "GetCall", "ListCalls":
			reads += n
		default:
			writes += n
		}
	}
	return reads, writes, fmt.Sprint(c.calls)
}

func (c *countingStore) GetQueue(ctx context.Context, id queue.QueueID) (queue.Queue, error) {
	c.count("GetQueue")
	return c.Store.GetQueue(ctx, queue.QueueID(id))
}
func (c *countingStore) GetQueueBySlug(ctx context.Context, slug string) (queue.Queue, error) {
	c.count("GetQueueBySlug")
	return c.Store.GetQueueBySlug(ctx, slug)
}
func (c *countingStore) ListQueues(ctx context.Context) ([]queue.Queue, error) {
	c.count("ListQueues")
	return c.Store.ListQueues(ctx)
}
func (c *countingStore) GetHost(ctx context.Context, id queue.HostID) (queue.Host, error) {
	c.count("GetHost")
	return c.Store.GetHost(ctx, queue.HostID(id))
}
func (c *countingStore) ListHosts(ctx context.Context, f queue.HostFilter) ([]queue.Host, error) {
	c.count("ListHosts")
	return c.Store.ListHosts(ctx, f)
}
func (c *countingStore) UpdateHost(ctx context.Context, h queue.Host) (queue.Host, error) {
	c.count("UpdateHost")
	return c.Store.UpdateHost(ctx, h)
}
func (c *countingStore) CreateEntry(ctx context.Context, e queue.Entry) (queue.Entry, error) {
	c.count("CreateEntry")
	return c.Store.CreateEntry(ctx, e)
}
func (c *countingStore) GetEntry(ctx context.Context, id queue.EntryID) (queue.Entry, error) {
	c.count("GetEntry")
	return c.Store.GetEntry(ctx, queue.EntryID(id))
}
func (c *countingStore) UpdateEntry(ctx context.Context, e queue.Entry) (queue.Entry, error) {
	c.count("UpdateEntry")
	return c.Store.UpdateEntry(ctx, e)
}
func (c *countingStore) ClaimNext(ctx context.Context, cl queue.Claim) (queue.Entry, error) {
	c.count("ClaimNext")
	return c.Store.ClaimNext(ctx, cl)
}
func (c *countingStore) ListEntries(ctx context.Context, f queue.EntryFilter) ([]queue.Entry, error) {
	c.count("ListEntries")
	return c.Store.ListEntries(ctx, f)
}
func (c *countingStore) CountEntries(ctx context.Context, f queue.EntryFilter) (int, error) {
	c.count("CountEntries")
	return c.Store.CountEntries(ctx, f)
}
func (c *countingStore) GetCall(ctx context.Context, id queue.CallID) (queue.Call, error) {
	c.count("GetCall")
	return c.Store.GetCall(ctx, queue.CallID(id))
}

// OfferNext forwards the atomic offer (queue.OfferStore) when the wrapped
// store has it.
func (c *countingStore) OfferNext(ctx context.Context, req queue.OfferRequest) (queue.Host, queue.Entry, error) {
	c.count("OfferNext")
	return c.Store.(queue.OfferStore).OfferNext(ctx, req)
}

// TestJoinStoreCalls counts the store calls of one join (POST
// /queues/:id/entries, from the request to the entry view answered) into
// an auto queue where a host is waiting: at most 5 reads, and 2 writes
// (the entry, then the atomic offer of it to the host; without
// multi-document transactions they are two documents' writes).
func TestJoinStoreCalls(t *testing.T) {
	st := &countingStore{Store: queue.NewMemoryStore(), calls: map[string]int{}}
	if _, ok := st.Store.(queue.OfferStore); !ok {
		t.Fatal("the memory store has no atomic offer: the count would not be the production path's")
	}
	a := newAPIEnvOn(t, st)
	var q queueapi.QueueJSON
	a.mustDo("POST", "/queues", "boss", "admin", `{"slug":"count","name":"Count","mode":"auto","hours":{"zone":"UTC","manual":"open"}}`, &q, 201)
	for i, host := range []string{"h1", "h2"} {
		a.mustDo("PUT", "/hosts/"+host, "boss", "admin", map[string]any{"name": host, "queues": []string{string(q.ID)}}, nil, 200)
		a.mustDo("PUT", "/hosts/"+host+"/availability", host, "host", map[string]string{"state": "available"}, nil, 200)
		var out struct {
			Entry queueapi.EntryJSON `json:"entry"`
		}
		// The first join warms the wait estimate's cache (a day of calls
		// is read once per queue and cached); the second is measured.
		st.reset()
		a.mustDo("POST", string("/queues/"+q.ID+"/entries"), fmt.Sprintf("c%d", i), "caller", map[string]string{"name": "Caller"}, &out, 201)
		if out.Entry.State != queue.EntryOffered || string(out.Entry.HostID) != host {
			t.Fatalf("join %d: entry %s for %q, want offered to %s", i, out.Entry.State, out.Entry.HostID, host)
		}
	}
	reads, writes, by := st.sums()
	t.Logf("one join: %d reads, %d writes: %s", reads, writes, by)
	if reads > 5 || writes > 2 {
		t.Errorf("one join made %d reads and %d writes (%s), want at most 5 and 2", reads, writes, by)
	}
}

// TestJoinUnknownQueue: a join to a queue that does not exist (by ID or
// slug) is 404 "not_found" with a sentence for people, as it was when the
// handler looked the queue up itself, and the refusal is not logged.
func TestJoinUnknownQueue(t *testing.T) {
	a := newAPIEnv(t)
	var p map[string]any
	code, _, raw := a.do("POST", "/queues/no-such-desk/entries", "bob", "caller", `{}`, &p)
	if code != 404 || p["reason"] != "not_found" || p["detail"] != "No such queue." {
		t.Fatalf("join to an unknown queue: %d %s, want 404 not_found \"No such queue.\"", code, raw)
	}
	if strings.Contains(a.logs.String(), "no-such-desk") {
		t.Fatalf("the client's queue name reached the log: %s", a.logs.String())
	}
}
