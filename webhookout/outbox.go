package webhookout

import (
	"context"
	"errors"
	"time"

	"github.com/frontdesk/frontdesk/queue"
)

// Errors of an [Outbox].
var (
	// ErrNotFound: no dead letter (Replay, Delete) with that id.
	ErrNotFound = errors.New("webhookout: no such dead letter")
	// ErrLeaseLost: the delivery is no longer leased to the owner that
	// reports on it (its lease expired and another owner claimed it, or it
	// was delivered, deleted or replayed meanwhile).
	ErrLeaseLost = errors.New("webhookout: delivery lease lost")
)

// State is where a [Delivery] stands.
type State string

// States of a delivery. A delivered one is deleted, so it has no state.
const (
	// StatePending: waiting for its next attempt, or being attempted by
	// the owner of its lease.
	StatePending State = "pending"
	// StateDead: given up on (a permanent refusal, or retries past
	// Options.MaxElapsed); kept until an admin replays or deletes it.
	StateDead State = "dead"
)

// Delivery is one event's delivery to one target, as the outbox keeps it:
// written when the event is published, deleted once the target accepted
// it.
type Delivery struct {
	// ID identifies the record (32 hex digits); it is not the event's id.
	ID string
	// Target is the target's name (never its URL or secret).
	Target string
	// EventID and Kind are the event's id and kind.
	EventID string
	Kind    queue.EventKind
	// Event is the event's JSON (schema event-v1), the exact body posted.
	Event []byte
	// State is pending or dead.
	State State
	// Attempts counts the attempts since Since.
	Attempts int
	// LastError is the last attempt's failure ("" before one); it names the
	// target, never its URL.
	LastError string
	// CreatedAt is when the event was written to the outbox; Since is when
	// the current round of attempts began (CreatedAt, or the last replay):
	// retries stop Options.MaxElapsed after it.
	CreatedAt, Since time.Time
	// NextAt is when the next attempt is due (pending).
	NextAt time.Time
	// Owner and LeaseUntil: the replica attempting it, until when. A lease
	// that has expired is free to claim.
	Owner      string
	LeaseUntil time.Time
	// DeadAt is when it became a dead letter (zero while pending).
	DeadAt time.Time
}

// Outbox is the durable store of deliveries the exporter works from. Both
// storage backends implement it (store/bolt and store/mongo, returned by
// store.Backend.Outbox); store/storetest holds its contract test. Times
// are kept to the millisecond.
type Outbox interface {
	// Add stores ds (state pending, each with its ID, Target, EventID,
	// Kind, Event, CreatedAt, Since and NextAt set). An existing ID is
	// an error.
	Add(ctx context.Context, ds []Delivery) error
	// Claim leases to owner, until now+lease, the pending delivery to
	// target that is due (NextAt <= now) and not leased (LeaseUntil <=
	// now), earliest NextAt first, and returns it with Owner and
	// LeaseUntil set. ok is false when none is. Two owners never both
	// hold an unexpired lease on one delivery.
	Claim(ctx context.Context, target, owner string, now time.Time, lease time.Duration) (d Delivery, ok bool, err error)
	// Done deletes delivery id, which was delivered; an absent id is not
	// an error.
	Done(ctx context.Context, id string) error
	// Retry records a failed attempt of delivery id held by owner: the
	// attempt count, the error, when the next attempt is due; it frees
	// the lease. Errors: [ErrLeaseLost].
	Retry(ctx context.Context, id, owner string, attempts int, lastErr string, next time.Time) error
	// Kill makes delivery id held by owner a dead letter at time at, with
	// the attempt count and the error. Errors: [ErrLeaseLost].
	Kill(ctx context.Context, id, owner string, attempts int, lastErr string, at time.Time) error
	// Dead lists at most limit (> 0) dead letters, of target only unless
	// target is "", newest DeadAt first.
	Dead(ctx context.Context, target string, limit int) ([]Delivery, error)
	// Replay makes dead letter id pending again, due at now, with no
	// attempts, no lease and Since now; its event (and id) are unchanged.
	// Errors: [ErrNotFound].
	Replay(ctx context.Context, id string, now time.Time) error
	// Delete deletes dead letter id. Errors: [ErrNotFound].
	Delete(ctx context.Context, id string) error
}
