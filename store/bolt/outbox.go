package bolt

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/webhookout"
)

// Outbox buckets.
var (
	bucketOutbox    = []byte("webhookout.outbox")     // delivery id → outboxRecord (JSON)
	bucketOutboxDue = []byte("webhookout.outbox_due") // target, next attempt ms, id → nothing; pending deliveries only
)

func init() {
	allBuckets = append(allBuckets, bucketOutbox, bucketOutboxDue)
}

// Outbox implements [webhookout.Outbox] on the embedded file: each method
// is one bbolt transaction, so a claim is atomic. Get it from [DB.Outbox].
type Outbox struct {
	db *DB
}

var _ webhookout.Outbox = (*Outbox)(nil)

// Outbox returns the webhook outbox kept in d.
func (d *DB) Outbox() *Outbox { return &Outbox{db: d} }

// outboxRecord is a stored delivery; times are kept to the millisecond.
type outboxRecord struct {
	Target     string          `json:"target"`
	EventID    string          `json:"event_id"`
	Kind       string          `json:"kind"`
	Event      json.RawMessage `json:"event"`
	State      string          `json:"state"`
	Attempts   int             `json:"attempts"`
	LastError  string          `json:"last_error,omitempty"`
	CreatedAt  time.Time       `json:"created_at"`
	Since      time.Time       `json:"since"`
	NextAt     time.Time       `json:"next_at"`
	Owner      string          `json:"owner,omitempty"`
	LeaseUntil time.Time       `json:"lease_until"`
	DeadAt     time.Time       `json:"dead_at"`
}

func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func (r outboxRecord) delivery(id string) webhookout.Delivery {
	return webhookout.Delivery{ID: id, Target: r.Target, EventID: r.EventID, Kind: queue.EventKind(r.Kind), Event: r.Event,
		State: webhookout.State(r.State), Attempts: r.Attempts, LastError: r.LastError, CreatedAt: r.CreatedAt, Since: r.Since,
		NextAt: r.NextAt, Owner: r.Owner, LeaseUntil: r.LeaseUntil, DeadAt: r.DeadAt}
}

func outboxDueKey(r outboxRecord, id string) []byte {
	return keyBuilder(nil).str(r.Target).i64(r.NextAt.UnixMilli()).str(id)
}

// Add implements [webhookout.Outbox]; a delivery whose id is stored
// already is left as it is, so a failed Add may be repeated.
func (o *Outbox) Add(ctx context.Context, ds []webhookout.Delivery) error {
	for _, d := range ds {
		if d.ID == "" || d.Target == "" || len(d.Target) > maxKeyString || len(d.ID) > maxKeyString || !json.Valid(d.Event) {
			return fmt.Errorf("bolt: add deliveries: delivery %q: bad id, target or event", d.ID)
		}
	}
	err := o.db.update(ctx, func(tx *bbolt.Tx) error {
		recs, due := tx.Bucket(bucketOutbox), tx.Bucket(bucketOutboxDue)
		for _, d := range ds {
			if recs.Get([]byte(d.ID)) != nil {
				continue
			}
			r := outboxRecord{Target: d.Target, EventID: d.EventID, Kind: string(d.Kind), Event: d.Event,
				State: string(webhookout.StatePending), CreatedAt: ms(d.CreatedAt), Since: ms(d.Since), NextAt: ms(d.NextAt)}
			if err := putJSON(recs, []byte(d.ID), r); err != nil {
				return err
			}
			if err := due.Put(outboxDueKey(r, d.ID), nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("bolt: add deliveries: %w", err)
	}
	return nil
}

// Claim implements [webhookout.Outbox].
func (o *Outbox) Claim(ctx context.Context, target, owner string, now time.Time, lease time.Duration) (webhookout.Delivery, bool, error) {
	var out webhookout.Delivery
	var ok bool
	now = ms(now)
	err := o.db.update(ctx, func(tx *bbolt.Tx) error {
		recs := tx.Bucket(bucketOutbox)
		prefix := keyBuilder(nil).str(target)
		c := tx.Bucket(bucketOutboxDue).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			kr := keyReader{b: k}
			kr.str()
			next := kr.i64()
			id := kr.str()
			if err := kr.done(); err != nil {
				return err
			}
			if next > now.UnixMilli() {
				return nil
			}
			r, found, err := getJSON[outboxRecord](recs, []byte(id))
			if err != nil {
				return err
			}
			if !found {
				return fmt.Errorf("%w: due key of missing delivery %s", ErrCorrupt, id)
			}
			if r.LeaseUntil.After(now) {
				continue
			}
			r.Owner, r.LeaseUntil = owner, now.Add(lease)
			if err := putJSON(recs, []byte(id), r); err != nil {
				return err
			}
			out, ok = r.delivery(id), true
			return nil
		}
		return nil
	})
	if err != nil {
		return webhookout.Delivery{}, false, fmt.Errorf("bolt: claim delivery to %s: %w", target, err)
	}
	return out, ok, nil
}

// Done implements [webhookout.Outbox].
func (o *Outbox) Done(ctx context.Context, id string) error {
	err := o.db.update(ctx, func(tx *bbolt.Tx) error {
		recs := tx.Bucket(bucketOutbox)
		r, found, err := getJSON[outboxRecord](recs, []byte(id))
		if err != nil || !found {
			return err
		}
		if r.State == string(webhookout.StatePending) {
			if err := tx.Bucket(bucketOutboxDue).Delete(outboxDueKey(r, id)); err != nil {
				return err
			}
		}
		return recs.Delete([]byte(id))
	})
	if err != nil {
		return fmt.Errorf("bolt: delivery %s done: %w", id, err)
	}
	return nil
}

// Retry implements [webhookout.Outbox].
func (o *Outbox) Retry(ctx context.Context, id, owner string, attempts int, lastErr string, next time.Time) error {
	return o.change(ctx, "retry", id, owner, func(r *outboxRecord) {
		r.Attempts, r.LastError, r.NextAt = attempts, lastErr, ms(next)
	})
}

// Kill implements [webhookout.Outbox].
func (o *Outbox) Kill(ctx context.Context, id, owner string, attempts int, lastErr string, at time.Time) error {
	return o.change(ctx, "kill", id, owner, func(r *outboxRecord) {
		r.Attempts, r.LastError, r.State, r.DeadAt = attempts, lastErr, string(webhookout.StateDead), ms(at)
	})
}

// change applies fn to pending delivery id held by owner, frees its lease
// and keeps its due key in step.
func (o *Outbox) change(ctx context.Context, what, id, owner string, fn func(*outboxRecord)) error {
	err := o.db.update(ctx, func(tx *bbolt.Tx) error {
		recs, due := tx.Bucket(bucketOutbox), tx.Bucket(bucketOutboxDue)
		r, found, err := getJSON[outboxRecord](recs, []byte(id))
		if err != nil {
			return err
		}
		if !found || r.State != string(webhookout.StatePending) || r.Owner != owner {
			return webhookout.ErrLeaseLost
		}
		if err := due.Delete(outboxDueKey(r, id)); err != nil {
			return err
		}
		fn(&r)
		r.Owner, r.LeaseUntil = "", time.Time{}
		if r.State == string(webhookout.StatePending) {
			if err := due.Put(outboxDueKey(r, id), nil); err != nil {
				return err
			}
		}
		return putJSON(recs, []byte(id), r)
	})
	if err != nil {
		return fmt.Errorf("bolt: %s delivery %s: %w", what, id, err)
	}
	return nil
}

// Dead implements [webhookout.Outbox]. It reads every record: dead letters
// are listed by an admin, not on a hot path.
func (o *Outbox) Dead(ctx context.Context, target string, limit int) ([]webhookout.Delivery, error) {
	var out []webhookout.Delivery
	err := o.db.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
			r, err := decodeJSON[outboxRecord](k, v)
			if err != nil {
				return err
			}
			if r.State == string(webhookout.StateDead) && (target == "" || r.Target == target) {
				out = append(out, r.delivery(string(k)))
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: list dead letters: %w", err)
	}
	slices.SortFunc(out, func(a, b webhookout.Delivery) int {
		return cmp.Or(b.DeadAt.Compare(a.DeadAt), cmp.Compare(b.ID, a.ID))
	})
	return out[:min(len(out), max(limit, 0))], nil
}

// Replay implements [webhookout.Outbox].
func (o *Outbox) Replay(ctx context.Context, id string, now time.Time) error {
	err := o.db.update(ctx, func(tx *bbolt.Tx) error {
		recs := tx.Bucket(bucketOutbox)
		r, found, err := getJSON[outboxRecord](recs, []byte(id))
		if err != nil {
			return err
		}
		if !found || r.State != string(webhookout.StateDead) {
			return webhookout.ErrNotFound
		}
		r.State, r.Attempts, r.Since, r.NextAt, r.DeadAt = string(webhookout.StatePending), 0, ms(now), ms(now), time.Time{}
		r.Owner, r.LeaseUntil = "", time.Time{}
		if err := tx.Bucket(bucketOutboxDue).Put(outboxDueKey(r, id), nil); err != nil {
			return err
		}
		return putJSON(recs, []byte(id), r)
	})
	if err != nil {
		return fmt.Errorf("bolt: replay dead letter %s: %w", id, err)
	}
	return nil
}

// Delete implements [webhookout.Outbox].
func (o *Outbox) Delete(ctx context.Context, id string) error {
	err := o.db.update(ctx, func(tx *bbolt.Tx) error {
		recs := tx.Bucket(bucketOutbox)
		r, found, err := getJSON[outboxRecord](recs, []byte(id))
		if err != nil {
			return err
		}
		if !found || r.State != string(webhookout.StateDead) {
			return webhookout.ErrNotFound
		}
		return recs.Delete([]byte(id))
	})
	if err != nil {
		return fmt.Errorf("bolt: delete dead letter %s: %w", id, err)
	}
	return nil
}
