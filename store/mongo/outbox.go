package mongo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/webhookout"
)

// Outbox implements [webhookout.Outbox] in the collection webhook_outbox,
// shared by all replicas: one document per delivery. Every method is a
// single-document operation (a claim is one FindOneAndUpdate), so it needs
// no transactions. Get it from [DB.Outbox].
type Outbox struct {
	c *mongo.Collection
}

var _ webhookout.Outbox = (*Outbox)(nil)

// Outbox returns the webhook outbox stored in d.
func (d *DB) Outbox() *Outbox { return &Outbox{c: d.coll(collOutbox)} }

// outboxDoc is a stored delivery; times are kept to the millisecond (BSON
// dates).
type outboxDoc struct {
	ID         string    `bson:"_id"`
	Target     string    `bson:"target"`
	EventID    string    `bson:"event_id"`
	Kind       string    `bson:"kind"`
	Event      string    `bson:"event"` // the event's JSON
	State      string    `bson:"state"`
	Attempts   int       `bson:"attempts"`
	LastError  string    `bson:"last_error"`
	CreatedAt  time.Time `bson:"created_at"`
	Since      time.Time `bson:"since"`
	NextAt     time.Time `bson:"next_at"`
	Owner      string    `bson:"owner"`
	LeaseUntil time.Time `bson:"lease_until"`
	DeadAt     time.Time `bson:"dead_at"`
}

func (d outboxDoc) delivery() webhookout.Delivery {
	return webhookout.Delivery{ID: d.ID, Target: d.Target, EventID: d.EventID, Kind: queue.EventKind(d.Kind), Event: []byte(d.Event),
		State: webhookout.State(d.State), Attempts: d.Attempts, LastError: d.LastError, CreatedAt: d.CreatedAt.UTC(),
		Since: d.Since.UTC(), NextAt: d.NextAt.UTC(), Owner: d.Owner, LeaseUntil: d.LeaseUntil.UTC(), DeadAt: d.DeadAt.UTC()}
}

func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// Add implements [webhookout.Outbox]; a delivery whose id is stored
// already is left as it is, so a failed Add may be repeated.
func (o *Outbox) Add(ctx context.Context, ds []webhookout.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	docs := make([]any, 0, len(ds))
	for _, d := range ds {
		if d.ID == "" || d.Target == "" {
			return fmt.Errorf("mongo: add deliveries: delivery %q: empty id or target", d.ID)
		}
		docs = append(docs, outboxDoc{ID: d.ID, Target: d.Target, EventID: d.EventID, Kind: string(d.Kind), Event: string(d.Event),
			State: string(webhookout.StatePending), CreatedAt: ms(d.CreatedAt), Since: ms(d.Since), NextAt: ms(d.NextAt)})
	}
	_, err := o.c.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil && !onlyDuplicates(err) {
		return fmt.Errorf("mongo: add deliveries: %w", err)
	}
	return nil
}

// onlyDuplicates reports a bulk insert whose every failure is a duplicate
// key (a repeated Add).
func onlyDuplicates(err error) bool {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return false
	}
	for _, we := range bwe.WriteErrors {
		if we.Code != 11000 && !strings.Contains(we.Message, "UNIQUE constraint failed") {
			return false
		}
	}
	return true
}

// Claim implements [webhookout.Outbox].
func (o *Outbox) Claim(ctx context.Context, target, owner string, now time.Time, lease time.Duration) (webhookout.Delivery, bool, error) {
	now = ms(now)
	filter := bson.D{
		{Key: "target", Value: target},
		{Key: "state", Value: string(webhookout.StatePending)},
		{Key: "next_at", Value: bson.D{{Key: "$lte", Value: now}}},
		{Key: "lease_until", Value: bson.D{{Key: "$lte", Value: now}}},
	}
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "owner", Value: owner}, {Key: "lease_until", Value: now.Add(lease)}}}}
	var doc outboxDoc
	err := o.c.FindOneAndUpdate(ctx, filter, update, options.FindOneAndUpdate().
		SetSort(bson.D{{Key: "next_at", Value: 1}, {Key: "_id", Value: 1}}).SetReturnDocument(options.After)).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return webhookout.Delivery{}, false, nil
	}
	if err != nil {
		return webhookout.Delivery{}, false, fmt.Errorf("mongo: claim delivery to %s: %w", target, err)
	}
	return doc.delivery(), true, nil
}

// Done implements [webhookout.Outbox].
func (o *Outbox) Done(ctx context.Context, id string) error {
	if _, err := o.c.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("mongo: delivery %s done: %w", id, err)
	}
	return nil
}

// Retry implements [webhookout.Outbox].
func (o *Outbox) Retry(ctx context.Context, id, owner string, attempts int, lastErr string, next time.Time) error {
	return o.change(ctx, "retry", id, owner, bson.D{{Key: "attempts", Value: attempts}, {Key: "last_error", Value: lastErr},
		{Key: "next_at", Value: ms(next)}})
}

// Kill implements [webhookout.Outbox].
func (o *Outbox) Kill(ctx context.Context, id, owner string, attempts int, lastErr string, at time.Time) error {
	return o.change(ctx, "kill", id, owner, bson.D{{Key: "attempts", Value: attempts}, {Key: "last_error", Value: lastErr},
		{Key: "state", Value: string(webhookout.StateDead)}, {Key: "dead_at", Value: ms(at)}})
}

// change sets fields on pending delivery id held by owner and frees its
// lease.
func (o *Outbox) change(ctx context.Context, what, id, owner string, set bson.D) error {
	set = append(set, bson.E{Key: "owner", Value: ""}, bson.E{Key: "lease_until", Value: time.Time{}})
	res, err := o.c.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "state", Value: string(webhookout.StatePending)},
		{Key: "owner", Value: owner}}, bson.D{{Key: "$set", Value: set}})
	if err == nil && res.MatchedCount == 0 {
		err = webhookout.ErrLeaseLost
	}
	if err != nil {
		return fmt.Errorf("mongo: %s delivery %s: %w", what, id, err)
	}
	return nil
}

// Dead implements [webhookout.Outbox].
func (o *Outbox) Dead(ctx context.Context, target string, limit int) ([]webhookout.Delivery, error) {
	if limit <= 0 {
		return nil, nil
	}
	filter := bson.D{{Key: "state", Value: string(webhookout.StateDead)}}
	if target != "" {
		filter = append(filter, bson.E{Key: "target", Value: target})
	}
	cur, err := o.c.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "dead_at", Value: -1}, {Key: "_id", Value: -1}}).
		SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("mongo: list dead letters: %w", err)
	}
	var docs []outboxDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("mongo: list dead letters: %w", err)
	}
	out := make([]webhookout.Delivery, 0, len(docs))
	for _, d := range docs {
		out = append(out, d.delivery())
	}
	return out, nil
}

// Replay implements [webhookout.Outbox].
func (o *Outbox) Replay(ctx context.Context, id string, now time.Time) error {
	now = ms(now)
	res, err := o.c.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "state", Value: string(webhookout.StateDead)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: string(webhookout.StatePending)}, {Key: "attempts", Value: 0},
			{Key: "since", Value: now}, {Key: "next_at", Value: now}, {Key: "dead_at", Value: time.Time{}},
			{Key: "owner", Value: ""}, {Key: "lease_until", Value: time.Time{}}}}})
	if err == nil && res.MatchedCount == 0 {
		err = webhookout.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("mongo: replay dead letter %s: %w", id, err)
	}
	return nil
}

// Delete implements [webhookout.Outbox].
func (o *Outbox) Delete(ctx context.Context, id string) error {
	res, err := o.c.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "state", Value: string(webhookout.StateDead)}})
	if err == nil && res.DeletedCount == 0 {
		err = webhookout.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("mongo: delete dead letter %s: %w", id, err)
	}
	return nil
}
