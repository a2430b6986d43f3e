package mongo

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/frontdesk/frontdesk/queue"
)

// QueueStore implements [queue.Store] on MongoDB with single-document
// operations only (see the package comment and queue.Store's).
type QueueStore struct {
	queues, hosts, entries, counters, calls *mongo.Collection
}

var _ queue.Store = (*QueueStore)(nil)

// Queue returns the queue store kept in d.
func (d *DB) Queue() *QueueStore {
	return &QueueStore{
		queues: d.coll(collQueues), hosts: d.coll(collHosts), entries: d.coll(collEntries),
		counters: d.coll(collCounters), calls: d.coll(collCalls),
	}
}

// entryDoc is an entry as stored: the entry's own fields plus unique_key,
// recomputed on every write (Entry.UniqueKey) and kept unique by an index.
type entryDoc struct {
	queue.Entry `bson:",inline"`
	UniqueKey   string `bson:"unique_key"`
}

// toEntryDoc makes the stored form of e. A nil History is stored as an
// empty array (not null) so that ClaimNext's $push always works.
func toEntryDoc(e queue.Entry) entryDoc {
	if e.History == nil {
		e.History = []queue.Transition{}
	}
	return entryDoc{Entry: e, UniqueKey: e.UniqueKey()}
}

func byID(id string) bson.D { return bson.D{{Key: "_id", Value: id}} }

func byIDVersion(id string, v int64) bson.D {
	return bson.D{{Key: "_id", Value: id}, {Key: "version", Value: v}}
}

// findOne decodes the document matching filter into v; ErrNoDocuments
// becomes notFound.
func findOne(ctx context.Context, c *mongo.Collection, filter any, v any, opts ...options.Lister[options.FindOneOptions]) error {
	err := c.FindOne(ctx, filter, opts...).Decode(v)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return queue.ErrNotFound
	}
	return err
}

// findAll runs a query and decodes every document.
func findAll[T any](ctx context.Context, c *mongo.Collection, filter any, opts ...options.Lister[options.FindOptions]) ([]T, error) {
	cur, err := c.Find(ctx, filter, opts...)
	if err != nil {
		return nil, err
	}
	var out []T
	if err := cur.All(ctx, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// casReplace replaces the document id at version with doc. When nothing
// matched it tells ErrNotFound from ErrVersion; a duplicate key is
// ErrConflict.
func casReplace(ctx context.Context, c *mongo.Collection, id string, version int64, doc any) error {
	res, err := c.ReplaceOne(ctx, byIDVersion(id, version), doc)
	if isDup(err) {
		return fmt.Errorf("%w: %w", queue.ErrConflict, err)
	}
	if err != nil {
		return err
	}
	if res.MatchedCount == 1 {
		return nil
	}
	n, err := c.CountDocuments(ctx, byID(id))
	if err != nil {
		return err
	}
	if n == 0 {
		return queue.ErrNotFound
	}
	return fmt.Errorf("given version %d: %w", version, queue.ErrVersion)
}

// insert stores doc; a duplicate key (same _id or unique field) is
// ErrConflict.
func insert(ctx context.Context, c *mongo.Collection, doc any) error {
	_, err := c.InsertOne(ctx, doc)
	if isDup(err) {
		return fmt.Errorf("%w: %w", queue.ErrConflict, err)
	}
	return err
}

// --- queues ---

// CreateQueue implements [queue.Store].
func (s *QueueStore) CreateQueue(ctx context.Context, q queue.Queue) (queue.Queue, error) {
	q = q.Clone()
	q.Version = 1
	if err := insert(ctx, s.queues, toQueueDoc(q)); err != nil {
		return queue.Queue{}, fmt.Errorf("mongo: create queue: %w", err)
	}
	return q, nil
}

// GetQueue implements [queue.Store].
func (s *QueueStore) GetQueue(ctx context.Context, id queue.QueueID) (queue.Queue, error) {
	var d queueDoc
	if err := findOne(ctx, s.queues, byID(string(id)), &d); err != nil {
		return queue.Queue{}, fmt.Errorf("mongo: get queue %s: %w", id, err)
	}
	return d.queue(), nil
}

// GetQueueBySlug implements [queue.Store].
func (s *QueueStore) GetQueueBySlug(ctx context.Context, slug string) (queue.Queue, error) {
	var d queueDoc
	if err := findOne(ctx, s.queues, bson.D{{Key: "slug", Value: slug}}, &d); err != nil {
		return queue.Queue{}, fmt.Errorf("mongo: get queue by slug %q: %w", slug, err)
	}
	return d.queue(), nil
}

// ListQueues implements [queue.Store].
func (s *QueueStore) ListQueues(ctx context.Context) ([]queue.Queue, error) {
	docs, err := findAll[queueDoc](ctx, s.queues, bson.D{}, options.Find().SetSort(bson.D{asc("slug")}))
	if err != nil {
		return nil, fmt.Errorf("mongo: list queues: %w", err)
	}
	out := make([]queue.Queue, len(docs))
	for i, d := range docs {
		out[i] = d.queue()
	}
	return out, nil
}

// UpdateQueue implements [queue.Store].
func (s *QueueStore) UpdateQueue(ctx context.Context, q queue.Queue) (queue.Queue, error) {
	q = q.Clone()
	q.Version++
	if err := casReplace(ctx, s.queues, string(q.ID), q.Version-1, toQueueDoc(q)); err != nil {
		return queue.Queue{}, fmt.Errorf("mongo: update queue %s: %w", q.ID, err)
	}
	return q, nil
}

// DeleteQueue implements [queue.Store].
func (s *QueueStore) DeleteQueue(ctx context.Context, id queue.QueueID) error {
	res, err := s.queues.DeleteOne(ctx, byID(string(id)))
	if err == nil && res.DeletedCount == 0 {
		err = queue.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("mongo: delete queue %s: %w", id, err)
	}
	return nil
}

// --- hosts ---

// CreateHost implements [queue.Store].
func (s *QueueStore) CreateHost(ctx context.Context, h queue.Host) (queue.Host, error) {
	h = h.Clone()
	h.Version = 1
	if err := insert(ctx, s.hosts, h); err != nil {
		return queue.Host{}, fmt.Errorf("mongo: create host: %w", err)
	}
	return h, nil
}

// GetHost implements [queue.Store].
func (s *QueueStore) GetHost(ctx context.Context, id queue.HostID) (queue.Host, error) {
	var h queue.Host
	if err := findOne(ctx, s.hosts, byID(string(id)), &h); err != nil {
		return queue.Host{}, fmt.Errorf("mongo: get host %s: %w", id, err)
	}
	return h, nil
}

// ListHosts implements [queue.Store].
func (s *QueueStore) ListHosts(ctx context.Context, f queue.HostFilter) ([]queue.Host, error) {
	filter := bson.D{}
	if f.QueueID != "" {
		filter = append(filter, bson.E{Key: "queues", Value: f.QueueID})
	}
	if len(f.States) > 0 {
		filter = append(filter, bson.E{Key: "state", Value: bson.D{{Key: "$in", Value: f.States}}})
	}
	if !f.DeadlineBefore.IsZero() {
		filter = append(filter, bson.E{Key: "deadline", Value: bson.D{{Key: "$lt", Value: f.DeadlineBefore}}})
	}
	out, err := findAll[queue.Host](ctx, s.hosts, filter, options.Find().SetSort(bson.D{asc("idle_since"), asc("_id")}))
	if err != nil {
		return nil, fmt.Errorf("mongo: list hosts: %w", err)
	}
	return out, nil
}

// UpdateHost implements [queue.Store].
func (s *QueueStore) UpdateHost(ctx context.Context, h queue.Host) (queue.Host, error) {
	h = h.Clone()
	h.Version++
	if err := casReplace(ctx, s.hosts, string(h.ID), h.Version-1, h); err != nil {
		return queue.Host{}, fmt.Errorf("mongo: update host %s: %w", h.ID, err)
	}
	return h, nil
}

// DeleteHost implements [queue.Store].
func (s *QueueStore) DeleteHost(ctx context.Context, id queue.HostID) error {
	res, err := s.hosts.DeleteOne(ctx, byID(string(id)))
	if err == nil && res.DeletedCount == 0 {
		err = queue.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("mongo: delete host %s: %w", id, err)
	}
	return nil
}

// --- entries ---

// nextSeq increments the queue's counter document ($inc with upsert) and
// returns the new value.
func (s *QueueStore) nextSeq(ctx context.Context, queueID string) (int64, error) {
	var doc struct {
		N int64 `bson:"n"`
	}
	inc := bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(1)}}}}
	opts := options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)
	err := s.counters.FindOneAndUpdate(ctx, byID("seq:"+queueID), inc, opts).Decode(&doc)
	if isDup(err) { // two first upserts raced; the counter exists now
		err = s.counters.FindOneAndUpdate(ctx, byID("seq:"+queueID), inc, opts).Decode(&doc)
	}
	return doc.N, err
}

// CreateEntry implements [queue.Store]: Seq comes from a per-queue counter
// document (a separate single-document step; a failed insert leaves a gap).
func (s *QueueStore) CreateEntry(ctx context.Context, e queue.Entry) (queue.Entry, error) {
	e = e.Clone()
	seq, err := s.nextSeq(ctx, string(e.QueueID))
	if err != nil {
		return queue.Entry{}, fmt.Errorf("mongo: create entry: sequence: %w", err)
	}
	e.Seq, e.Version = seq, 1
	if err := insert(ctx, s.entries, toEntryDoc(e)); err != nil {
		return queue.Entry{}, fmt.Errorf("mongo: create entry: %w", err)
	}
	return e, nil
}

// GetEntry implements [queue.Store].
func (s *QueueStore) GetEntry(ctx context.Context, id queue.EntryID) (queue.Entry, error) {
	var d entryDoc
	if err := findOne(ctx, s.entries, byID(string(id)), &d); err != nil {
		return queue.Entry{}, fmt.Errorf("mongo: get entry %s: %w", id, err)
	}
	return d.Entry, nil
}

// UpdateEntry implements [queue.Store]. Seq and QueueID are read from the
// stored copy first; the replace is still a compare-and-set on Version, so
// a concurrent change between the read and the write yields ErrVersion.
func (s *QueueStore) UpdateEntry(ctx context.Context, e queue.Entry) (queue.Entry, error) {
	e = e.Clone()
	var stored struct {
		QueueID string `bson:"queue_id"`
		Seq     int64  `bson:"seq"`
	}
	err := findOne(ctx, s.entries, byID(string(e.ID)), &stored,
		options.FindOne().SetProjection(bson.D{{Key: "queue_id", Value: 1}, {Key: "seq", Value: 1}}))
	if err != nil {
		return queue.Entry{}, fmt.Errorf("mongo: update entry %s: %w", e.ID, err)
	}
	e.QueueID, e.Seq = queue.QueueID(stored.QueueID), stored.Seq
	e.Version++
	if err := casReplace(ctx, s.entries, string(e.ID), e.Version-1, toEntryDoc(e)); err != nil {
		return queue.Entry{}, fmt.Errorf("mongo: update entry %s: %w", e.ID, err)
	}
	return e, nil
}

// queueOrder is the sort of queue order within one queue.
var queueOrder = bson.D{desc("priority"), asc("seq")}

// ClaimNext implements [queue.Store] with one FindOneAndUpdate: filter
// {queue_id, state: waiting, paused != true}, sort {priority: -1, seq: 1}.
func (s *QueueStore) ClaimNext(ctx context.Context, c queue.Claim) (queue.Entry, error) {
	filter := bson.D{
		{Key: "queue_id", Value: c.QueueID},
		{Key: "state", Value: queue.EntryWaiting},
		{Key: "paused", Value: bson.D{{Key: "$ne", Value: true}}},
	}
	tr := queue.Transition{State: queue.EntryOffered, At: c.At, HostID: c.HostID, Reason: "offer"}
	set := bson.D{
		{Key: "state", Value: queue.EntryOffered},
		{Key: "host_id", Value: c.HostID},
		{Key: "offered_at", Value: c.At},
	}
	update := bson.D{
		{Key: "$push", Value: bson.D{{Key: "history", Value: tr}}},
		{Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}},
	}
	// A zero deadline is stored as an absent field (as omitempty does on
	// replace), so DeadlineBefore filters never see it.
	if c.Deadline.IsZero() {
		update = append(update, bson.E{Key: "$unset", Value: bson.D{{Key: "deadline", Value: ""}}})
	} else {
		set = append(set, bson.E{Key: "deadline", Value: c.Deadline})
	}
	update = append(update, bson.E{Key: "$set", Value: set})
	opts := options.FindOneAndUpdate().SetSort(queueOrder).SetReturnDocument(options.After)
	var d entryDoc
	err := s.entries.FindOneAndUpdate(ctx, filter, update, opts).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		err = queue.ErrNotFound
	}
	if err != nil {
		return queue.Entry{}, fmt.Errorf("mongo: claim next in queue %s: %w", c.QueueID, err)
	}
	return d.Entry, nil
}

func entryFilter(f queue.EntryFilter) bson.D {
	filter := bson.D{}
	for _, kv := range []struct{ k, v string }{{"queue_id", string(f.QueueID)}, {"caller_id", f.CallerID}, {"host_id", string(f.HostID)}} {
		if kv.v != "" {
			filter = append(filter, bson.E{Key: kv.k, Value: kv.v})
		}
	}
	if len(f.States) > 0 {
		filter = append(filter, bson.E{Key: "state", Value: bson.D{{Key: "$in", Value: f.States}}})
	}
	created := bson.D{}
	if !f.CreatedFrom.IsZero() {
		created = append(created, bson.E{Key: "$gte", Value: f.CreatedFrom})
	}
	if !f.CreatedTo.IsZero() {
		created = append(created, bson.E{Key: "$lt", Value: f.CreatedTo})
	}
	if len(created) > 0 {
		filter = append(filter, bson.E{Key: "created_at", Value: created})
	}
	if !f.DeadlineBefore.IsZero() {
		filter = append(filter, bson.E{Key: "deadline", Value: bson.D{{Key: "$lt", Value: f.DeadlineBefore}}})
	}
	return filter
}

// ListEntries implements [queue.Store].
func (s *QueueStore) ListEntries(ctx context.Context, f queue.EntryFilter) ([]queue.Entry, error) {
	opts := options.Find().SetSort(bson.D{asc("queue_id"), desc("priority"), asc("seq")})
	if f.Limit > 0 {
		opts.SetLimit(int64(f.Limit))
	}
	docs, err := findAll[entryDoc](ctx, s.entries, entryFilter(f), opts)
	if err != nil {
		return nil, fmt.Errorf("mongo: list entries: %w", err)
	}
	out := make([]queue.Entry, len(docs))
	for i := range docs {
		out[i] = docs[i].Entry
	}
	return out, nil
}

// CountEntries implements [queue.Store].
func (s *QueueStore) CountEntries(ctx context.Context, f queue.EntryFilter) (int, error) {
	n, err := s.entries.CountDocuments(ctx, entryFilter(f))
	if err != nil {
		return 0, fmt.Errorf("mongo: count entries: %w", err)
	}
	return int(n), nil
}

// --- calls ---

// CreateCall implements [queue.Store].
func (s *QueueStore) CreateCall(ctx context.Context, c queue.Call) (queue.Call, error) {
	c = c.Clone()
	c.Version = 1
	if err := insert(ctx, s.calls, c); err != nil {
		return queue.Call{}, fmt.Errorf("mongo: create call: %w", err)
	}
	return c, nil
}

// GetCall implements [queue.Store].
func (s *QueueStore) GetCall(ctx context.Context, id queue.CallID) (queue.Call, error) {
	var c queue.Call
	if err := findOne(ctx, s.calls, byID(string(id)), &c); err != nil {
		return queue.Call{}, fmt.Errorf("mongo: get call %s: %w", id, err)
	}
	return c, nil
}

// UpdateCall implements [queue.Store].
func (s *QueueStore) UpdateCall(ctx context.Context, c queue.Call) (queue.Call, error) {
	c = c.Clone()
	c.Version++
	if err := casReplace(ctx, s.calls, string(c.ID), c.Version-1, c); err != nil {
		return queue.Call{}, fmt.Errorf("mongo: update call %s: %w", c.ID, err)
	}
	return c, nil
}

// ListCalls implements [queue.Store].
func (s *QueueStore) ListCalls(ctx context.Context, f queue.CallFilter) ([]queue.Call, error) {
	filter := bson.D{}
	for _, kv := range []struct{ k, v string }{{"queue_id", string(f.QueueID)}, {"host_id", string(f.HostID)}, {"entry_id", string(f.EntryID)}, {"room.instance", f.Instance}} {
		if kv.v != "" {
			filter = append(filter, bson.E{Key: kv.k, Value: kv.v})
		}
	}
	if f.RoomID != 0 {
		filter = append(filter, bson.E{Key: "room.id", Value: roomKey(f.RoomID)})
	}
	if len(f.States) > 0 {
		filter = append(filter, bson.E{Key: "state", Value: bson.D{{Key: "$in", Value: f.States}}})
	}
	opts := options.Find().SetSort(bson.D{asc("created_at"), asc("_id")})
	if f.Limit > 0 {
		opts.SetLimit(int64(f.Limit))
	}
	out, err := findAll[queue.Call](ctx, s.calls, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("mongo: list calls: %w", err)
	}
	return out, nil
}
