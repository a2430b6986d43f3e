package queue

import (
	"context"
	"time"
)

// Store persists queues, hosts, entries and calls. Package store implements
// it twice (bbolt for the embedded default, MongoDB for replicas); package
// queue has an in-memory one ([NewMemoryStore]) and queuetest has the
// contract suite every implementation must pass.
//
// # Atomicity without multi-document transactions
//
// Every method reads or writes ONE document atomically; nothing needs a
// multi-document transaction. Updates are compare-and-set on Version: the
// caller passes the document it read; the store replaces it only if the
// stored Version is still the same, writes Version+1 and returns the stored
// copy; otherwise ErrVersion (MongoDB: ReplaceOne / FindOneAndReplace with
// filter {_id, version}; bbolt: compare inside one Update tx).
//
// ClaimNext is the one find-and-modify: it picks the first waiting entry of
// a queue in queue order and marks it offered to a host in one step
// (MongoDB: FindOneAndUpdate with filter {queue_id, state: waiting, paused:
// false}, sort {priority: -1, seq: 1}, ReturnDocument After; bbolt: scan
// and write in one Update tx).
//
// # The offer protocol (auto mode, and pick-mode "next")
//
// An offer touches two documents, the host and the entry. The engine makes
// it safe for any number of replicas like this:
//
//  1. Claim the host: UpdateHost available(v) → offered with EntryID ""
//     and Deadline = now + claim timeout. ErrVersion means another replica
//     (or the host) changed it: try the next host.
//  2. Claim the entry: ClaimNext(queue, host). It cannot hand one entry to
//     two hosts because it is a single-document find-and-modify.
//     ErrNotFound: roll the host back (UpdateHost offered(v+1) → available,
//     keeping its IdleSince) and stop.
//  3. Bind: UpdateHost offered(v+1) → EntryID = entry.ID, Deadline = offer
//     deadline. If that fails (the host went offline meanwhile), release the
//     entry back to waiting with UpdateEntry (it keeps its Seq, so it is
//     again at the head).
//
// A host can hold only one claim because step 1 is a CAS on its state; an
// entry can be offered to only one host because step 2 is atomic. If a
// replica dies between steps, the Deadline fields let any replica's sweep
// repair it: a host "offered" with no EntryID past its Deadline goes back
// to available; an entry "offered" past its Deadline returns to waiting.
// Pick mode claims a chosen entry with UpdateEntry (CAS waiting → offered)
// instead of ClaimNext.
//
// # Order
//
// Queue order is Priority descending, then Seq ascending. Seq is assigned by
// CreateEntry from a per-queue counter (MongoDB: a counter document updated
// with $inc — a separate single-document step; gaps are fine). An entry
// keeps its Seq for life, so an entry returned to waiting after an offer
// timeout or decline is back at the head of its priority class.
//
// All times are stored with at least millisecond precision and returned in
// UTC or with their original location (callers compare with Equal).
// Returned values are copies: mutating them never changes the store.
type Store interface {
	// CreateQueue stores a new queue with Version 1 and returns it.
	// Errors: ErrConflict when the ID or the Slug is taken.
	CreateQueue(ctx context.Context, q Queue) (Queue, error)
	// GetQueue returns the queue with id. Errors: ErrNotFound.
	GetQueue(ctx context.Context, id QueueID) (Queue, error)
	// GetQueueBySlug returns the queue with slug. Errors: ErrNotFound.
	GetQueueBySlug(ctx context.Context, slug string) (Queue, error)
	// ListQueues returns all queues ordered by Slug.
	ListQueues(ctx context.Context) ([]Queue, error)
	// UpdateQueue replaces the queue if the stored Version equals q.Version
	// and returns it with Version+1. Errors: ErrNotFound, ErrVersion,
	// ErrConflict (the new Slug is taken by another queue).
	UpdateQueue(ctx context.Context, q Queue) (Queue, error)
	// DeleteQueue removes the queue (its entries and calls stay, as
	// history). Errors: ErrNotFound.
	DeleteQueue(ctx context.Context, id QueueID) error

	// CreateHost stores a new host with Version 1 and returns it.
	// Errors: ErrConflict when the ID is taken.
	CreateHost(ctx context.Context, h Host) (Host, error)
	// GetHost returns the host with id. Errors: ErrNotFound.
	GetHost(ctx context.Context, id HostID) (Host, error)
	// ListHosts returns the hosts matching f ordered by IdleSince
	// ascending, then ID (so the longest-idle host comes first).
	ListHosts(ctx context.Context, f HostFilter) ([]Host, error)
	// UpdateHost replaces the host if the stored Version equals h.Version
	// and returns it with Version+1. Errors: ErrNotFound, ErrVersion.
	UpdateHost(ctx context.Context, h Host) (Host, error)
	// DeleteHost removes the host. Errors: ErrNotFound.
	DeleteHost(ctx context.Context, id HostID) error

	// CreateEntry stores a new entry: it assigns Seq from the queue's
	// counter (strictly greater than every Seq assigned before in that
	// queue), sets Version 1 and returns the stored entry.
	// Errors: ErrConflict when the ID is taken or when e.UniqueKey() equals
	// the UniqueKey of a stored entry (a live entry with the same
	// ActiveKey: one live entry per caller).
	CreateEntry(ctx context.Context, e Entry) (Entry, error)
	// GetEntry returns the entry with id. Errors: ErrNotFound.
	GetEntry(ctx context.Context, id EntryID) (Entry, error)
	// UpdateEntry replaces the entry if the stored Version equals e.Version
	// and returns it with Version+1 (Seq, QueueID and ID are kept from the
	// stored copy). Errors: ErrNotFound, ErrVersion, ErrConflict (the
	// UniqueKey collides with another entry's).
	UpdateEntry(ctx context.Context, e Entry) (Entry, error)
	// ClaimNext atomically takes the first entry of c.QueueID in queue
	// order with State waiting and Paused false, and sets State offered,
	// HostID c.HostID, OfferedAt c.At, Deadline c.Deadline, appends
	// Transition{State: offered, At: c.At, HostID: c.HostID, Reason:
	// "offer"} to History and bumps Version. It returns the updated entry.
	// Errors: ErrNotFound when no entry qualifies.
	ClaimNext(ctx context.Context, c Claim) (Entry, error)
	// ListEntries returns the entries matching f in queue order (QueueID,
	// then Priority descending, then Seq ascending), at most f.Limit when
	// f.Limit > 0. Statistics read their inputs through it.
	ListEntries(ctx context.Context, f EntryFilter) ([]Entry, error)
	// CountEntries returns how many entries match f (f.Limit is ignored).
	CountEntries(ctx context.Context, f EntryFilter) (int, error)

	// CreateCall stores a new call with Version 1 and returns it.
	// Errors: ErrConflict when the ID is taken.
	CreateCall(ctx context.Context, c Call) (Call, error)
	// GetCall returns the call with id. Errors: ErrNotFound.
	GetCall(ctx context.Context, id CallID) (Call, error)
	// UpdateCall replaces the call if the stored Version equals c.Version
	// and returns it with Version+1. Errors: ErrNotFound, ErrVersion.
	UpdateCall(ctx context.Context, c Call) (Call, error)
	// ListCalls returns the calls matching f ordered by CreatedAt, then ID,
	// at most f.Limit when f.Limit > 0.
	ListCalls(ctx context.Context, f CallFilter) ([]Call, error)
}

// Claim is the argument of Store.ClaimNext.
type Claim struct {
	// QueueID is the queue to take the entry from.
	QueueID QueueID
	// HostID is the host the entry is offered to.
	HostID HostID
	// At is the offer time (OfferedAt, the history timestamp).
	At time.Time
	// Deadline is when the offer times out (stored in Entry.Deadline).
	Deadline time.Time
}

// HostFilter selects hosts; zero fields match everything.
type HostFilter struct {
	// QueueID keeps hosts whose Queues contain it.
	QueueID QueueID
	// States keeps hosts in one of these states.
	States []HostState
	// DeadlineBefore keeps hosts with a non-zero Deadline before it.
	DeadlineBefore time.Time
}

// EntryFilter selects entries; zero fields match everything.
type EntryFilter struct {
	// QueueID keeps entries of this queue.
	QueueID QueueID
	// CallerID keeps entries of this caller.
	CallerID string
	// HostID keeps entries whose HostID is this host.
	HostID HostID
	// States keeps entries in one of these states.
	States []EntryState
	// CreatedFrom keeps entries with CreatedAt >= it (inclusive).
	CreatedFrom time.Time
	// CreatedTo keeps entries with CreatedAt < it (exclusive).
	CreatedTo time.Time
	// DeadlineBefore keeps entries with a non-zero Deadline before it.
	DeadlineBefore time.Time
	// Limit caps the result (ListEntries only); 0 means no cap.
	Limit int
}

// CallFilter selects calls; zero fields match everything.
type CallFilter struct {
	// QueueID, HostID and EntryID keep calls linked to them.
	QueueID QueueID
	HostID  HostID
	EntryID EntryID
	// Instance and RoomID keep calls in that room (RoomID 0 matches any).
	Instance string
	RoomID   uint64
	// States keeps calls in one of these states.
	States []CallState
	// Limit caps the result; 0 means no cap.
	Limit int
}
