package queue

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
)

// MemoryStore is an in-memory Store for tests and single-process demos;
// everything is lost when the process exits. It is safe for concurrent use.
type MemoryStore struct {
	mu      sync.Mutex
	queues  map[QueueID]Queue
	hosts   map[HostID]Host
	entries map[EntryID]Entry
	calls   map[CallID]Call
	seq     map[QueueID]int64  // per-queue counter
	unique  map[string]EntryID // Entry.UniqueKey → entry ID
	waiting map[QueueID][]wkey // queue ID → waiting entries in queue order
}

// wkey is a waiting entry's place in queue order.
type wkey struct {
	prio int
	seq  int64
	id   EntryID
}

func (a wkey) cmp(b wkey) int {
	if a.prio != b.prio {
		return cmp.Compare(b.prio, a.prio)
	}
	if c := cmp.Compare(a.seq, b.seq); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

func keyOf(e *Entry) wkey { return wkey{prio: e.Priority, seq: e.Seq, id: e.ID} }

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		queues:  map[QueueID]Queue{},
		hosts:   map[HostID]Host{},
		entries: map[EntryID]Entry{},
		calls:   map[CallID]Call{},
		seq:     map[QueueID]int64{},
		unique:  map[string]EntryID{},
		waiting: map[QueueID][]wkey{},
	}
}

var _ Store = (*MemoryStore)(nil)

// CreateQueue implements Store.
func (m *MemoryStore) CreateQueue(_ context.Context, q Queue) (Queue, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.queues[q.ID]; ok {
		return Queue{}, fmt.Errorf("memstore: queue %q: %w", q.ID, ErrConflict)
	}
	for _, o := range m.queues {
		if o.Slug == q.Slug {
			return Queue{}, fmt.Errorf("memstore: queue slug %q: %w", q.Slug, ErrConflict)
		}
	}
	q.Version = 1
	m.queues[q.ID] = q.Clone()
	return q.Clone(), nil
}

// GetQueue implements Store.
func (m *MemoryStore) GetQueue(_ context.Context, id QueueID) (Queue, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	q, ok := m.queues[id]
	if !ok {
		return Queue{}, fmt.Errorf("memstore: queue %q: %w", id, ErrNotFound)
	}
	return q.Clone(), nil
}

// GetQueueBySlug implements Store.
func (m *MemoryStore) GetQueueBySlug(_ context.Context, slug string) (Queue, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, q := range m.queues {
		if q.Slug == slug {
			return q.Clone(), nil
		}
	}
	return Queue{}, fmt.Errorf("memstore: queue slug %q: %w", slug, ErrNotFound)
}

// ListQueues implements Store.
func (m *MemoryStore) ListQueues(_ context.Context) ([]Queue, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Queue, 0, len(m.queues))
	for _, q := range m.queues {
		out = append(out, q.Clone())
	}
	slices.SortFunc(out, func(a, b Queue) int { return cmp.Compare(a.Slug, b.Slug) })
	return out, nil
}

// UpdateQueue implements Store.
func (m *MemoryStore) UpdateQueue(_ context.Context, q Queue) (Queue, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.queues[q.ID]
	if !ok {
		return Queue{}, fmt.Errorf("memstore: queue %q: %w", q.ID, ErrNotFound)
	}
	if old.Version != q.Version {
		return Queue{}, fmt.Errorf("memstore: queue %q: %w", q.ID, ErrVersion)
	}
	for _, o := range m.queues {
		if o.ID != q.ID && o.Slug == q.Slug {
			return Queue{}, fmt.Errorf("memstore: queue slug %q: %w", q.Slug, ErrConflict)
		}
	}
	q.Version++
	m.queues[q.ID] = q.Clone()
	return q.Clone(), nil
}

// DeleteQueue implements Store.
func (m *MemoryStore) DeleteQueue(_ context.Context, id QueueID) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.queues[id]; !ok {
		return fmt.Errorf("memstore: queue %q: %w", id, ErrNotFound)
	}
	delete(m.queues, id)
	return nil
}

// CreateHost implements Store.
func (m *MemoryStore) CreateHost(_ context.Context, h Host) (Host, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.hosts[h.ID]; ok {
		return Host{}, fmt.Errorf("memstore: host %q: %w", h.ID, ErrConflict)
	}
	h.Version = 1
	m.hosts[h.ID] = h.Clone()
	return h.Clone(), nil
}

// GetHost implements Store.
func (m *MemoryStore) GetHost(_ context.Context, id HostID) (Host, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h, ok := m.hosts[id]
	if !ok {
		return Host{}, fmt.Errorf("memstore: host %q: %w", id, ErrNotFound)
	}
	return h.Clone(), nil
}

// ListHosts implements Store.
func (m *MemoryStore) ListHosts(_ context.Context, f HostFilter) ([]Host, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Host
	for _, h := range m.hosts {
		if f.QueueID != "" && !slices.Contains(h.Queues, f.QueueID) {
			continue
		}
		if len(f.States) > 0 && !slices.Contains(f.States, h.State) {
			continue
		}
		if !f.DeadlineBefore.IsZero() && (h.Deadline.IsZero() || !h.Deadline.Before(f.DeadlineBefore)) {
			continue
		}
		out = append(out, h.Clone())
	}
	slices.SortFunc(out, func(a, b Host) int {
		if c := a.IdleSince.Compare(b.IdleSince); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

// UpdateHost implements Store.
func (m *MemoryStore) UpdateHost(_ context.Context, h Host) (Host, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.hosts[h.ID]
	if !ok {
		return Host{}, fmt.Errorf("memstore: host %q: %w", h.ID, ErrNotFound)
	}
	if old.Version != h.Version {
		return Host{}, fmt.Errorf("memstore: host %q: %w", h.ID, ErrVersion)
	}
	h.Version++
	m.hosts[h.ID] = h.Clone()
	return h.Clone(), nil
}

// DeleteHost implements Store.
func (m *MemoryStore) DeleteHost(_ context.Context, id HostID) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.hosts[id]; !ok {
		return fmt.Errorf("memstore: host %q: %w", id, ErrNotFound)
	}
	delete(m.hosts, id)
	return nil
}

// index keeps the unique-key and waiting indexes in step with e (old is the
// previous version, or nil for a new entry). Callers hold m.mu.
func (m *MemoryStore) index(old *Entry, e Entry) {
	if old != nil {
		delete(m.unique, old.UniqueKey())
		if old.State == EntryWaiting {
			w := m.waiting[old.QueueID]
			if i, ok := slices.BinarySearchFunc(w, keyOf(old), wkey.cmp); ok {
				m.waiting[old.QueueID] = slices.Delete(w, i, i+1)
			}
		}
	}
	m.unique[e.UniqueKey()] = e.ID
	if e.State == EntryWaiting {
		w := m.waiting[e.QueueID]
		k := keyOf(&e)
		i, _ := slices.BinarySearchFunc(w, k, wkey.cmp)
		m.waiting[e.QueueID] = slices.Insert(w, i, k)
	}
}

// CreateEntry implements Store.
func (m *MemoryStore) CreateEntry(_ context.Context, e Entry) (Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.entries[e.ID]; ok {
		return Entry{}, fmt.Errorf("memstore: entry %q: %w", e.ID, ErrConflict)
	}
	if _, ok := m.unique[e.UniqueKey()]; ok {
		return Entry{}, fmt.Errorf("memstore: entry key %q: %w", e.UniqueKey(), ErrConflict)
	}
	m.seq[e.QueueID]++
	e.Seq = m.seq[e.QueueID]
	e.Version = 1
	m.entries[e.ID] = e.Clone()
	m.index(nil, e)
	return e.Clone(), nil
}

// GetEntry implements Store.
func (m *MemoryStore) GetEntry(_ context.Context, id EntryID) (Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[id]
	if !ok {
		return Entry{}, fmt.Errorf("memstore: entry %q: %w", id, ErrNotFound)
	}
	return e.Clone(), nil
}

// UpdateEntry implements Store.
func (m *MemoryStore) UpdateEntry(_ context.Context, e Entry) (Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.entries[e.ID]
	if !ok {
		return Entry{}, fmt.Errorf("memstore: entry %q: %w", e.ID, ErrNotFound)
	}
	if old.Version != e.Version {
		return Entry{}, fmt.Errorf("memstore: entry %q: %w", e.ID, ErrVersion)
	}
	e.Seq, e.QueueID = old.Seq, old.QueueID
	if id, ok := m.unique[e.UniqueKey()]; ok && id != e.ID {
		return Entry{}, fmt.Errorf("memstore: entry key %q: %w", e.UniqueKey(), ErrConflict)
	}
	e.Version++
	m.entries[e.ID] = e.Clone()
	m.index(&old, e)
	return e.Clone(), nil
}

// ClaimNext implements Store.
func (m *MemoryStore) ClaimNext(_ context.Context, c Claim) (Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var best *Entry
	for _, k := range m.waiting[c.QueueID] {
		if e := m.entries[k.id]; !e.Paused {
			best = &e
			break
		}
	}
	if best == nil {
		return Entry{}, fmt.Errorf("memstore: claim in queue %q: %w", c.QueueID, ErrNotFound)
	}
	old := *best
	e := best.Clone()
	e.State = EntryOffered
	e.HostID = c.HostID
	e.OfferedAt = c.At
	e.Deadline = c.Deadline
	e.History = append(e.History, Transition{State: EntryOffered, At: c.At, HostID: c.HostID, Reason: "offer"})
	e.Version++
	m.entries[e.ID] = e.Clone()
	m.index(&old, e)
	return e, nil
}

func (f *EntryFilter) match(e *Entry) bool {
	if f.QueueID != "" && e.QueueID != f.QueueID {
		return false
	}
	if f.CallerID != "" && e.CallerID != f.CallerID {
		return false
	}
	if f.HostID != "" && e.HostID != f.HostID {
		return false
	}
	if len(f.States) > 0 && !slices.Contains(f.States, e.State) {
		return false
	}
	if !f.CreatedFrom.IsZero() && e.CreatedAt.Before(f.CreatedFrom) {
		return false
	}
	if !f.CreatedTo.IsZero() && !e.CreatedAt.Before(f.CreatedTo) {
		return false
	}
	if !f.DeadlineBefore.IsZero() && (e.Deadline.IsZero() || !e.Deadline.Before(f.DeadlineBefore)) {
		return false
	}
	return true
}

// candidates returns the entries worth scanning for f. Callers hold m.mu.
func (m *MemoryStore) candidates(f *EntryFilter) []*Entry {
	out := []*Entry{}
	if f.QueueID != "" && len(f.States) == 1 && f.States[0] == EntryWaiting {
		for _, k := range m.waiting[f.QueueID] {
			e := m.entries[k.id]
			out = append(out, &e)
		}
		return out
	}
	for _, e := range m.entries {
		out = append(out, &e)
	}
	return out
}

// ListEntries implements Store.
func (m *MemoryStore) ListEntries(_ context.Context, f EntryFilter) ([]Entry, error) {
	m.mu.Lock()
	var hits []*Entry
	for _, e := range m.candidates(&f) {
		if f.match(e) {
			hits = append(hits, e)
		}
	}
	m.mu.Unlock()
	slices.SortFunc(hits, func(a, b *Entry) int {
		if c := cmp.Compare(a.QueueID, b.QueueID); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Priority, a.Priority); c != 0 {
			return c
		}
		return cmp.Compare(a.Seq, b.Seq)
	})
	if f.Limit > 0 && len(hits) > f.Limit {
		hits = hits[:f.Limit]
	}
	out := make([]Entry, len(hits))
	for i, e := range hits {
		out[i] = e.Clone()
	}
	return out, nil
}

// CountEntries implements Store.
func (m *MemoryStore) CountEntries(_ context.Context, f EntryFilter) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, e := range m.candidates(&f) {
		if f.match(e) {
			n++
		}
	}
	return n, nil
}

// CreateCall implements Store.
func (m *MemoryStore) CreateCall(_ context.Context, c Call) (Call, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.calls[c.ID]; ok {
		return Call{}, fmt.Errorf("memstore: call %q: %w", c.ID, ErrConflict)
	}
	c.Version = 1
	m.calls[c.ID] = c.Clone()
	return c.Clone(), nil
}

// GetCall implements Store.
func (m *MemoryStore) GetCall(_ context.Context, id CallID) (Call, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.calls[id]
	if !ok {
		return Call{}, fmt.Errorf("memstore: call %q: %w", id, ErrNotFound)
	}
	return c.Clone(), nil
}

// UpdateCall implements Store.
func (m *MemoryStore) UpdateCall(_ context.Context, c Call) (Call, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.calls[c.ID]
	if !ok {
		return Call{}, fmt.Errorf("memstore: call %q: %w", c.ID, ErrNotFound)
	}
	if old.Version != c.Version {
		return Call{}, fmt.Errorf("memstore: call %q: %w", c.ID, ErrVersion)
	}
	c.Version++
	m.calls[c.ID] = c.Clone()
	return c.Clone(), nil
}

// ListCalls implements Store.
func (m *MemoryStore) ListCalls(_ context.Context, f CallFilter) ([]Call, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Call
	for _, c := range m.calls {
		switch {
		case f.QueueID != "" && c.QueueID != f.QueueID,
			f.HostID != "" && c.HostID != f.HostID,
			f.EntryID != "" && c.EntryID != f.EntryID,
			f.Instance != "" && c.Room.Instance != f.Instance,
			f.RoomID != 0 && c.Room.ID != f.RoomID,
			len(f.States) > 0 && !slices.Contains(f.States, c.State):
			continue
		}
		out = append(out, c.Clone())
	}
	slices.SortFunc(out, func(a, b Call) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

var _ OfferStore = (*MemoryStore)(nil)

// OfferNext implements OfferStore.
func (m *MemoryStore) OfferNext(_ context.Context, req OfferRequest) (Host, Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h, ok := m.hosts[req.HostID]
	if !ok {
		return Host{}, Entry{}, fmt.Errorf("memstore: host %q: %w", req.HostID, ErrNotFound)
	}
	if h.Version != req.HostVersion || !req.hostMayTake(h.State) {
		return Host{}, Entry{}, fmt.Errorf("memstore: host %q: %w", req.HostID, ErrVersion)
	}
	for _, oq := range req.Queues {
		for _, k := range m.waiting[oq.ID] {
			old := m.entries[k.id]
			if old.Paused {
				continue
			}
			e := old.Clone()
			e.State, e.HostID, e.OfferedAt, e.Deadline = EntryOffered, h.ID, req.At, oq.Deadline
			e.History = append(e.History, Transition{State: EntryOffered, At: req.At, HostID: h.ID, Reason: "offer"})
			e.Version++
			m.entries[e.ID] = e.Clone()
			m.index(&old, e)
			h = h.Clone()
			if h.State != HostAvailable {
				h.IdleSince = req.At // req.Available: it becomes available first
			}
			h.State, h.StateSince, h.EntryID, h.Deadline = HostOffered, req.At, e.ID, e.Deadline
			h.Version++
			m.hosts[h.ID] = h.Clone()
			return h, e, nil
		}
	}
	return Host{}, Entry{}, fmt.Errorf("memstore: offer to %q: %w", req.HostID, ErrNotFound)
}
