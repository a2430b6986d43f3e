package queue

import (
	"context"
	"time"
)

// OfferStore is optionally implemented by a Store that can run the whole
// offer protocol (see Store) for one host in a single transaction — the
// embedded bbolt store can, MongoDB cannot without multi-document
// transactions. The engine uses it when present: one write instead of
// three (one fsync instead of three on bbolt).
type OfferStore interface {
	Store
	// OfferNext atomically: checks that host req.HostID has Version
	// req.HostVersion and State available (else ErrVersion, nothing
	// changed); takes the first entry in queue order with State waiting and
	// Paused false from the first of req.Queues that has one (else
	// ErrNotFound, nothing changed); marks that entry exactly as ClaimNext
	// does (offered to the host, OfferedAt req.At, Deadline the queue's
	// deadline, history appended, Version+1); and sets the host State
	// offered, StateSince req.At, EntryID the entry's ID, Deadline the
	// entry's Deadline, Version+1 (IdleSince unchanged). It returns both
	// updated documents. Errors: ErrNotFound also when the host is missing.
	OfferNext(ctx context.Context, req OfferRequest) (Host, Entry, error)
}

// OfferRequest is the argument of OfferStore.OfferNext.
type OfferRequest struct {
	// HostID and HostVersion name the host as the engine read it.
	HostID      string
	HostVersion int64
	// Queues are tried in this order.
	Queues []OfferQueue
	// At is the offer time.
	At time.Time
}

// OfferQueue is one queue of an OfferRequest with its offer deadline.
type OfferQueue struct {
	// ID is the queue.
	ID string
	// Deadline is when an offer from this queue times out.
	Deadline time.Time
}
