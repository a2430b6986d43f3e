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
	// req.HostVersion and State available (or, with req.Available, any
	// State but offered and in_call) (else ErrVersion, nothing changed); takes the first entry in queue order with State waiting and
	// Paused false from the first of req.Queues that has one (else
	// ErrNotFound, nothing changed); marks that entry exactly as ClaimNext
	// does (offered to the host, OfferedAt req.At, Deadline the queue's
	// deadline, history appended, Version+1); and sets the host State
	// offered, StateSince req.At, EntryID the entry's ID, Deadline the
	// entry's Deadline, Version+1 (IdleSince unchanged, except as
	// req.Available says). It returns both
	// updated documents. Errors: ErrNotFound also when the host is missing.
	OfferNext(ctx context.Context, req OfferRequest) (Host, Entry, error)
}

// OfferRequest is the argument of OfferStore.OfferNext.
type OfferRequest struct {
	// HostID and HostVersion name the host as the engine read it.
	HostID      HostID
	HostVersion int64
	// Available makes the host available and offers to it in the same
	// step (a host going available with callers waiting: one write, one
	// commit). The host may then be in any state but offered or in_call
	// (else ErrVersion); if it was not available its IdleSince becomes At.
	// When false the host must be available.
	Available bool
	// Queues are tried in this order.
	Queues []OfferQueue
	// At is the offer time.
	At time.Time
}

// OfferQueue is one queue of an OfferRequest with its offer deadline.
type OfferQueue struct {
	// ID is the queue.
	ID QueueID
	// Deadline is when an offer from this queue times out.
	Deadline time.Time
}

// HostMayTake reports whether OfferNext may offer to a host in state s
// under r: available, or with r.Available any state but offered and
// in_call. Stores use it so they agree on the rule.
func (r OfferRequest) HostMayTake(s HostState) bool { return r.hostMayTake(s) }

func (r OfferRequest) hostMayTake(s HostState) bool {
	if r.Available {
		return s != HostOffered && s != HostInCall
	}
	return s == HostAvailable
}
