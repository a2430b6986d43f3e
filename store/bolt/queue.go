package bolt

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"go.etcd.io/bbolt"

	"github.com/frontdesk/frontdesk/queue"
)

// Queue store buckets. Records are JSON; the index buckets hold only keys
// (and tiny values) so that queue order, claims and counts never decode a
// record they do not return.
var (
	bucketQueues      = []byte("queue.queues")       // queue id → Queue
	bucketQueueSlugs  = []byte("queue.slugs")        // slug → queue id
	bucketHosts       = []byte("queue.hosts")        // host id → Host
	bucketEntries     = []byte("queue.entries")      // entry id → Entry
	bucketEntryState  = []byte("queue.entry_state")  // stateKey → paused byte + entry id
	bucketEntryCaller = []byte("queue.entry_caller") // caller id, entry id → nil
	bucketEntryDue    = []byte("queue.entry_due")    // deadline ms, entry id → nil
	bucketActiveKeys  = []byte("queue.active_keys")  // Entry.ActiveKey of a live entry → entry id
	bucketSeq         = []byte("queue.seq")          // queue id → last Seq (uint64)
	bucketCalls       = []byte("queue.calls")        // call id → Call
)

func init() {
	allBuckets = append(allBuckets, bucketQueues, bucketQueueSlugs, bucketHosts, bucketEntries,
		bucketEntryState, bucketEntryCaller, bucketEntryDue, bucketActiveKeys, bucketSeq, bucketCalls)
}

// QueueStore implements [queue.Store] on the embedded file. Every method is
// one bbolt transaction; ClaimNext finds and marks the head entry inside a
// single Update transaction, so it is atomic.
type QueueStore struct {
	db *DB
}

var _ queue.Store = (*QueueStore)(nil)

// Queue returns the queue store kept in d.
func (d *DB) Queue() *QueueStore { return &QueueStore{db: d} }

// prioKey maps a priority to 8 bytes that sort higher priorities first.
func prioKey(p int) uint64 { return ^(uint64(int64(p)) ^ 1<<63) }

// stateKey is the entry's place in bucketEntryState: queue, state, then
// queue order (priority descending, Seq ascending).
func stateKey(e *queue.Entry) []byte {
	return keyBuilder(nil).str(string(e.QueueID)).u64(uint64(e.State)).u64(prioKey(e.Priority)).u64(uint64(e.Seq))
}

func stateValue(e *queue.Entry) []byte {
	v := make([]byte, 1, 1+len(e.ID))
	if e.Paused {
		v[0] = 1
	}
	return append(v, e.ID...)
}

func callerKey(e *queue.Entry) []byte { return keyBuilder(nil).str(e.CallerID).str(string(e.ID)) }

func dueKey(e *queue.Entry) []byte {
	return keyBuilder(nil).i64(e.Deadline.UnixMilli()).str(string(e.ID))
}

// checkKeyLen refuses IDs that do not fit a key part.
func checkKeyLen(parts ...string) error {
	for _, p := range parts {
		if len(p) > maxKeyString {
			return fmt.Errorf("%w: identifier of %d bytes", queue.ErrInvalid, len(p))
		}
	}
	return nil
}

// --- queues ---

// CreateQueue implements [queue.Store].
func (s *QueueStore) CreateQueue(ctx context.Context, q queue.Queue) (queue.Queue, error) {
	q = q.Clone()
	q.Version = 1
	err := s.db.update(ctx, func(tx *bbolt.Tx) error {
		qs, slugs := tx.Bucket(bucketQueues), tx.Bucket(bucketQueueSlugs)
		if qs.Get([]byte(q.ID)) != nil {
			return fmt.Errorf("queue id %q: %w", q.ID, queue.ErrConflict)
		}
		if slugs.Get([]byte(q.Slug)) != nil {
			return fmt.Errorf("queue slug %q: %w", q.Slug, queue.ErrConflict)
		}
		if err := slugs.Put([]byte(q.Slug), []byte(q.ID)); err != nil {
			return err
		}
		return putJSON(qs, []byte(q.ID), q)
	})
	if err != nil {
		return queue.Queue{}, fmt.Errorf("bolt: create queue: %w", err)
	}
	return q, nil
}

// GetQueue implements [queue.Store].
func (s *QueueStore) GetQueue(ctx context.Context, id queue.QueueID) (queue.Queue, error) {
	var q queue.Queue
	err := s.db.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		q, err = s.db.queues.get(tx, string(id))
		return err
	})
	if err != nil {
		return queue.Queue{}, fmt.Errorf("bolt: get queue %s: %w", id, err)
	}
	return q, nil
}

func getQueue(tx *bbolt.Tx, id string) (queue.Queue, error) {
	q, ok, err := getJSON[queue.Queue](tx.Bucket(bucketQueues), []byte(id))
	if err == nil && !ok {
		err = queue.ErrNotFound
	}
	return q, err
}

// GetQueueBySlug implements [queue.Store].
func (s *QueueStore) GetQueueBySlug(ctx context.Context, slug string) (queue.Queue, error) {
	var q queue.Queue
	err := s.db.view(ctx, func(tx *bbolt.Tx) error {
		id := tx.Bucket(bucketQueueSlugs).Get([]byte(slug))
		if id == nil {
			return queue.ErrNotFound
		}
		var err error
		q, err = s.db.queues.get(tx, string(id))
		return err
	})
	if err != nil {
		return queue.Queue{}, fmt.Errorf("bolt: get queue by slug %q: %w", slug, err)
	}
	return q, nil
}

// ListQueues implements [queue.Store].
func (s *QueueStore) ListQueues(ctx context.Context) ([]queue.Queue, error) {
	var out []queue.Queue
	err := s.db.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketQueueSlugs).ForEach(func(_, id []byte) error {
			q, err := s.db.queues.get(tx, string(id))
			if err != nil {
				return err
			}
			out = append(out, q)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: list queues: %w", err)
	}
	return out, nil
}

// UpdateQueue implements [queue.Store].
func (s *QueueStore) UpdateQueue(ctx context.Context, q queue.Queue) (queue.Queue, error) {
	q = q.Clone()
	err := s.db.update(ctx, func(tx *bbolt.Tx) error {
		return casUpdate(tx, bucketQueues, string(q.ID), &q, queueVersion, func(old, q *queue.Queue) error {
			slugs := tx.Bucket(bucketQueueSlugs)
			if q.Slug != old.Slug {
				if slugs.Get([]byte(q.Slug)) != nil {
					return fmt.Errorf("queue slug %q: %w", q.Slug, queue.ErrConflict)
				}
				if err := slugs.Delete([]byte(old.Slug)); err != nil {
					return err
				}
				if err := slugs.Put([]byte(q.Slug), []byte(q.ID)); err != nil {
					return err
				}
			}
			return putJSON(tx.Bucket(bucketQueues), []byte(q.ID), q)
		})
	})
	if err != nil {
		return queue.Queue{}, fmt.Errorf("bolt: update queue %s: %w", q.ID, err)
	}
	return q, nil
}

// DeleteQueue implements [queue.Store]. The queue's entries and calls stay.
func (s *QueueStore) DeleteQueue(ctx context.Context, id queue.QueueID) error {
	err := s.db.update(ctx, func(tx *bbolt.Tx) error {
		q, err := getQueue(tx, string(id))
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketQueueSlugs).Delete([]byte(q.Slug)); err != nil {
			return err
		}
		return tx.Bucket(bucketQueues).Delete([]byte(id))
	})
	if err != nil {
		return fmt.Errorf("bolt: delete queue %s: %w", id, err)
	}
	return nil
}

// --- hosts ---

// CreateHost implements [queue.Store].
func (s *QueueStore) CreateHost(ctx context.Context, h queue.Host) (queue.Host, error) {
	h = h.Clone()
	h.Version = 1
	err := s.db.update(ctx, func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketHosts).Get([]byte(h.ID)) != nil {
			return fmt.Errorf("host id %q: %w", h.ID, queue.ErrConflict)
		}
		return putHost(tx, nil, &h)
	})
	if err != nil {
		return queue.Host{}, fmt.Errorf("bolt: create host: %w", err)
	}
	return h, nil
}

// GetHost implements [queue.Store].
func (s *QueueStore) GetHost(ctx context.Context, id queue.HostID) (queue.Host, error) {
	return getOne[queue.Host](ctx, s.db, bucketHosts, string(id), "host "+string(id), queue.ErrNotFound)
}

// ListHosts implements [queue.Store]: with States, only the hosts in
// those states are read (through the host state index); else all hosts
// are scanned (a deployment has tens to hundreds of them).
func (s *QueueStore) ListHosts(ctx context.Context, f queue.HostFilter) ([]queue.Host, error) {
	var out []queue.Host
	err := s.db.view(ctx, func(tx *bbolt.Tx) error {
		each := func(k, v []byte) error {
			h, err := decodeJSON[queue.Host](k, v)
			if err != nil {
				return err
			}
			if hostMatches(&h, f) {
				out = append(out, h)
			}
			return nil
		}
		if len(f.States) > 0 {
			return hostsInStates(tx, f.States, each)
		}
		return tx.Bucket(bucketHosts).ForEach(each)
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: list hosts: %w", err)
	}
	slices.SortFunc(out, func(a, b queue.Host) int {
		if c := a.IdleSince.Compare(b.IdleSince); c != 0 {
			return c
		}
		return strings.Compare(string(a.ID), string(b.ID))
	})
	return out, nil
}

func hostMatches(h *queue.Host, f queue.HostFilter) bool {
	if f.QueueID != "" && !slices.Contains(h.Queues, f.QueueID) {
		return false
	}
	if len(f.States) > 0 && !slices.Contains(f.States, h.State) {
		return false
	}
	if !f.DeadlineBefore.IsZero() && (h.Deadline.IsZero() || !h.Deadline.Before(f.DeadlineBefore)) {
		return false
	}
	return true
}

// UpdateHost implements [queue.Store].
func (s *QueueStore) UpdateHost(ctx context.Context, h queue.Host) (queue.Host, error) {
	h = h.Clone()
	err := s.db.update(ctx, func(tx *bbolt.Tx) error {
		return casUpdate(tx, bucketHosts, string(h.ID), &h, hostVersion, func(old, h *queue.Host) error {
			return putHost(tx, old, h)
		})
	})
	if err != nil {
		return queue.Host{}, fmt.Errorf("bolt: update host %s: %w", h.ID, err)
	}
	return h, nil
}

// DeleteHost implements [queue.Store].
func (s *QueueStore) DeleteHost(ctx context.Context, id queue.HostID) error {
	err := s.db.update(ctx, func(tx *bbolt.Tx) error {
		old, ok, err := getJSON[queue.Host](tx.Bucket(bucketHosts), []byte(id))
		if err != nil {
			return err
		}
		if !ok {
			return queue.ErrNotFound
		}
		return deleteHost(tx, &old)
	})
	if err != nil {
		return fmt.Errorf("bolt: delete host %s: %w", id, err)
	}
	return nil
}

// --- entries ---

// putEntry writes e and moves its index keys from old (nil for a new
// entry). It enforces the ActiveKey uniqueness rule.
func putEntry(tx *bbolt.Tx, old, e *queue.Entry) error {
	active := tx.Bucket(bucketActiveKeys)
	newKey := ""
	if k := e.UniqueKey(); k == e.ActiveKey && k != "" {
		newKey = k
	}
	oldKey := ""
	if old != nil {
		if k := old.UniqueKey(); k == old.ActiveKey && k != "" {
			oldKey = k
		}
	}
	if newKey != "" && newKey != oldKey {
		if owner := active.Get([]byte(newKey)); owner != nil && string(owner) != string(e.ID) {
			return fmt.Errorf("active key held by entry %s: %w", owner, queue.ErrConflict)
		}
	}
	if oldKey != "" && oldKey != newKey {
		if err := active.Delete([]byte(oldKey)); err != nil {
			return err
		}
	}
	if newKey != "" {
		if err := active.Put([]byte(newKey), []byte(e.ID)); err != nil {
			return err
		}
	}
	st, caller, due := tx.Bucket(bucketEntryState), tx.Bucket(bucketEntryCaller), tx.Bucket(bucketEntryDue)
	if old != nil {
		if err := st.Delete(stateKey(old)); err != nil {
			return err
		}
		if err := caller.Delete(callerKey(old)); err != nil {
			return err
		}
		if !old.Deadline.IsZero() {
			if err := due.Delete(dueKey(old)); err != nil {
				return err
			}
		}
	}
	if err := st.Put(stateKey(e), stateValue(e)); err != nil {
		return err
	}
	if err := moveCount(tx, old, e); err != nil {
		return err
	}
	if err := caller.Put(callerKey(e), nil); err != nil {
		return err
	}
	if !e.Deadline.IsZero() {
		if err := due.Put(dueKey(e), nil); err != nil {
			return err
		}
	}
	return putJSON(tx.Bucket(bucketEntries), []byte(e.ID), e)
}

func getEntry(tx *bbolt.Tx, id string) (queue.Entry, error) {
	e, ok, err := getJSON[queue.Entry](tx.Bucket(bucketEntries), []byte(id))
	if err == nil && !ok {
		err = queue.ErrNotFound
	}
	return e, err
}

// CreateEntry implements [queue.Store]: Seq comes from the queue's counter
// in the same transaction.
func (s *QueueStore) CreateEntry(ctx context.Context, e queue.Entry) (queue.Entry, error) {
	if err := checkKeyLen(string(e.ID), string(e.QueueID), e.CallerID); err != nil {
		return queue.Entry{}, fmt.Errorf("bolt: create entry: %w", err)
	}
	e = e.Clone()
	e.Version = 1
	// Joins are batched (group commit); the function is idempotent: Seq
	// is recomputed from tx on every run.
	err := s.db.batch(ctx, func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketEntries).Get([]byte(e.ID)) != nil {
			return fmt.Errorf("entry id %q: %w", e.ID, queue.ErrConflict)
		}
		seqs := tx.Bucket(bucketSeq)
		var seq uint64
		if v := seqs.Get([]byte(e.QueueID)); len(v) == 8 {
			r := keyReader{b: v}
			seq = r.u64()
		}
		seq++
		if err := seqs.Put([]byte(e.QueueID), keyBuilder(nil).u64(seq)); err != nil {
			return err
		}
		e.Seq = int64(seq)
		return putEntry(tx, nil, &e)
	})
	if err != nil {
		return queue.Entry{}, fmt.Errorf("bolt: create entry: %w", err)
	}
	return e, nil
}

// GetEntry implements [queue.Store].
func (s *QueueStore) GetEntry(ctx context.Context, id queue.EntryID) (queue.Entry, error) {
	var e queue.Entry
	err := s.db.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		e, err = getEntry(tx, string(id))
		return err
	})
	if err != nil {
		return queue.Entry{}, fmt.Errorf("bolt: get entry %s: %w", id, err)
	}
	return e, nil
}

// UpdateEntry implements [queue.Store].
func (s *QueueStore) UpdateEntry(ctx context.Context, e queue.Entry) (queue.Entry, error) {
	if err := checkKeyLen(e.CallerID); err != nil {
		return queue.Entry{}, fmt.Errorf("bolt: update entry: %w", err)
	}
	e = e.Clone()
	err := s.db.update(ctx, func(tx *bbolt.Tx) error {
		return casUpdate(tx, bucketEntries, string(e.ID), &e, entryVersion, func(old, e *queue.Entry) error {
			e.Seq, e.QueueID = old.Seq, old.QueueID
			return putEntry(tx, old, e)
		})
	})
	if err != nil {
		return queue.Entry{}, fmt.Errorf("bolt: update entry %s: %w", e.ID, err)
	}
	return e, nil
}

// ClaimNext implements [queue.Store]: the head of the queue's waiting,
// unpaused entries is found through the state index and marked offered in
// one Update transaction.
func (s *QueueStore) ClaimNext(ctx context.Context, c queue.Claim) (queue.Entry, error) {
	var e queue.Entry
	err := s.db.update(ctx, func(tx *bbolt.Tx) error {
		prefix := keyBuilder(nil).str(string(c.QueueID)).u64(uint64(queue.EntryWaiting))
		cur := tx.Bucket(bucketEntryState).Cursor()
		for k, v := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = cur.Next() {
			if len(v) < 1 || v[0] != 0 { // paused
				continue
			}
			old, err := getEntry(tx, string(v[1:]))
			if err != nil {
				return fmt.Errorf("%w: index names entry %s: %w", ErrCorrupt, v[1:], err)
			}
			e = old.Clone()
			e.State, e.HostID, e.OfferedAt, e.Deadline = queue.EntryOffered, c.HostID, c.At, c.Deadline
			e.History = append(e.History, queue.Transition{State: queue.EntryOffered, At: c.At, HostID: c.HostID, Reason: "offer"})
			e.Version++
			return putEntry(tx, &old, &e)
		}
		return queue.ErrNotFound
	})
	if err != nil {
		return queue.Entry{}, fmt.Errorf("bolt: claim next in queue %s: %w", c.QueueID, err)
	}
	return e, nil
}

// entryMatches applies every field of f except Limit.
func entryMatches(e *queue.Entry, f *queue.EntryFilter) bool {
	switch {
	case f.QueueID != "" && e.QueueID != f.QueueID,
		f.CallerID != "" && e.CallerID != f.CallerID,
		f.HostID != "" && e.HostID != f.HostID,
		len(f.States) > 0 && !slices.Contains(f.States, e.State),
		!f.CreatedFrom.IsZero() && e.CreatedAt.Before(f.CreatedFrom),
		!f.CreatedTo.IsZero() && !e.CreatedAt.Before(f.CreatedTo),
		!f.DeadlineBefore.IsZero() && (e.Deadline.IsZero() || !e.Deadline.Before(f.DeadlineBefore)):
		return false
	}
	return true
}

// entryOrder is queue order: QueueID, Priority descending, Seq ascending.
func entryOrder(a, b queue.Entry) int {
	if c := strings.Compare(string(a.QueueID), string(b.QueueID)); c != 0 {
		return c
	}
	if a.Priority != b.Priority {
		if a.Priority > b.Priority {
			return -1
		}
		return 1
	}
	switch {
	case a.Seq < b.Seq:
		return -1
	case a.Seq > b.Seq:
		return 1
	}
	return 0
}

// candidates returns the IDs of the entries that may match f, taken from
// the narrowest index, and whether they are already in queue order.
func candidates(tx *bbolt.Tx, f *queue.EntryFilter) (ids []string, ordered bool, err error) {
	scanState := func(prefix []byte) {
		cur := tx.Bucket(bucketEntryState).Cursor()
		for k, v := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = cur.Next() {
			if len(v) > 0 {
				ids = append(ids, string(v[1:]))
			}
		}
	}
	switch {
	case f.CallerID != "":
		prefix := keyBuilder(nil).str(f.CallerID)
		cur := tx.Bucket(bucketEntryCaller).Cursor()
		for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
			r := keyReader{b: k}
			r.str()
			id := r.str()
			if err := r.done(); err != nil {
				return nil, false, err
			}
			ids = append(ids, id)
		}
		return ids, false, nil
	case f.QueueID != "" && len(f.States) > 0:
		for _, st := range f.States {
			scanState(keyBuilder(nil).str(string(f.QueueID)).u64(uint64(st)))
		}
		return ids, len(f.States) == 1, nil
	case f.QueueID != "":
		scanState(keyBuilder(nil).str(string(f.QueueID)))
		return ids, false, nil
	case !f.DeadlineBefore.IsZero():
		end := keyBuilder(nil).i64(f.DeadlineBefore.UnixMilli() + 1)
		cur := tx.Bucket(bucketEntryDue).Cursor()
		for k, _ := cur.First(); k != nil && bytes.Compare(k, end) < 0; k, _ = cur.Next() {
			r := keyReader{b: k}
			r.i64()
			id := r.str()
			if err := r.done(); err != nil {
				return nil, false, err
			}
			ids = append(ids, id)
		}
		return ids, false, nil
	}
	err = tx.Bucket(bucketEntries).ForEach(func(k, _ []byte) error {
		ids = append(ids, string(k))
		return nil
	})
	return ids, false, err
}

// ListEntries implements [queue.Store].
func (s *QueueStore) ListEntries(ctx context.Context, f queue.EntryFilter) ([]queue.Entry, error) {
	var out []queue.Entry
	err := s.db.view(ctx, func(tx *bbolt.Tx) error {
		ids, ordered, err := candidates(tx, &f)
		if err != nil {
			return err
		}
		for _, id := range ids {
			e, err := getEntry(tx, id)
			if err != nil {
				return fmt.Errorf("%w: index names entry %s: %w", ErrCorrupt, id, err)
			}
			if !entryMatches(&e, &f) {
				continue
			}
			out = append(out, e)
			if ordered && f.Limit > 0 && len(out) == f.Limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: list entries: %w", err)
	}
	slices.SortFunc(out, entryOrder)
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// CountEntries implements [queue.Store]. A filter of only QueueID and
// States is answered from the per-state counters in O(1) (see
// bucketEntryCounts) without reading entries.
func (s *QueueStore) CountEntries(ctx context.Context, f queue.EntryFilter) (int, error) {
	n := 0
	keysOnly := f.QueueID != "" && len(f.States) > 0 && f.CallerID == "" && f.HostID == "" &&
		f.CreatedFrom.IsZero() && f.CreatedTo.IsZero() && f.DeadlineBefore.IsZero()
	err := s.db.view(ctx, func(tx *bbolt.Tx) error {
		if keysOnly {
			var err error
			n, err = countStates(tx, string(f.QueueID), f.States)
			return err
		}
		ids, _, err := candidates(tx, &f)
		if err != nil {
			return err
		}
		for _, id := range ids {
			e, err := getEntry(tx, id)
			if err != nil {
				return fmt.Errorf("%w: index names entry %s: %w", ErrCorrupt, id, err)
			}
			if entryMatches(&e, &f) {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("bolt: count entries: %w", err)
	}
	return n, nil
}

// --- calls ---

// CreateCall implements [queue.Store].
func (s *QueueStore) CreateCall(ctx context.Context, c queue.Call) (queue.Call, error) {
	c = c.Clone()
	c.Version = 1
	err := s.db.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketCalls)
		if b.Get([]byte(c.ID)) != nil {
			return fmt.Errorf("call id %q: %w", c.ID, queue.ErrConflict)
		}
		return putJSON(b, []byte(c.ID), c)
	})
	if err != nil {
		return queue.Call{}, fmt.Errorf("bolt: create call: %w", err)
	}
	return c, nil
}

// GetCall implements [queue.Store].
func (s *QueueStore) GetCall(ctx context.Context, id queue.CallID) (queue.Call, error) {
	return getOne[queue.Call](ctx, s.db, bucketCalls, string(id), "call "+string(id), queue.ErrNotFound)
}

// UpdateCall implements [queue.Store].
func (s *QueueStore) UpdateCall(ctx context.Context, c queue.Call) (queue.Call, error) {
	c = c.Clone()
	err := s.db.update(ctx, func(tx *bbolt.Tx) error {
		return casUpdate(tx, bucketCalls, string(c.ID), &c, callVersion, func(_, c *queue.Call) error {
			return putJSON(tx.Bucket(bucketCalls), []byte(c.ID), c)
		})
	})
	if err != nil {
		return queue.Call{}, fmt.Errorf("bolt: update call %s: %w", c.ID, err)
	}
	return c, nil
}

// ListCalls implements [queue.Store] by scanning all calls.
func (s *QueueStore) ListCalls(ctx context.Context, f queue.CallFilter) ([]queue.Call, error) {
	var out []queue.Call
	err := s.db.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketCalls).ForEach(func(k, v []byte) error {
			c, err := decodeJSON[queue.Call](k, v)
			if err != nil {
				return err
			}
			if callMatches(&c, &f) {
				out = append(out, c)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: list calls: %w", err)
	}
	slices.SortFunc(out, func(a, b queue.Call) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(string(a.ID), string(b.ID))
	})
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

func callMatches(c *queue.Call, f *queue.CallFilter) bool {
	switch {
	case f.QueueID != "" && c.QueueID != f.QueueID,
		f.HostID != "" && c.HostID != f.HostID,
		f.EntryID != "" && c.EntryID != f.EntryID,
		f.Instance != "" && c.Room.Instance != f.Instance,
		f.RoomID != 0 && c.Room.ID != f.RoomID,
		len(f.States) > 0 && !slices.Contains(f.States, c.State):
		return false
	}
	return true
}
