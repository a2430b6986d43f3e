package mongo

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Placements is the persisted room-to-instance map of the Janus instance
// pool, shared by all replicas: one document per VideoRoom room, {_id:
// room id (int64), instance: name}. Get it from [DB.Placements].
type Placements struct {
	c *mongo.Collection
}

type placementDoc struct {
	Room     int64  `bson:"_id"`
	Instance string `bson:"instance"`
}

// Placements returns the room placement map stored in d.
func (d *DB) Placements() *Placements { return &Placements{c: d.coll(collPlacements)} }

// roomKey stores a room id as int64 (BSON has no unsigned 64-bit integer);
// ids above 2^63-1 are stored as their two's-complement bit pattern and
// read back unchanged.
func roomKey(room uint64) int64 { return int64(room) }

// Put records that room lives on instance, replacing an earlier placement.
func (p *Placements) Put(ctx context.Context, room uint64, instance string) error {
	if instance == "" {
		return fmt.Errorf("mongo: put placement of room %d: empty instance name", room)
	}
	_, err := p.c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: roomKey(room)}},
		placementDoc{Room: roomKey(room), Instance: instance}, options.Replace().SetUpsert(true))
	if isDup(err) { // two first upserts raced; the document exists now
		_, err = p.c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: roomKey(room)}},
			placementDoc{Room: roomKey(room), Instance: instance})
	}
	if err != nil {
		return fmt.Errorf("mongo: put placement of room %d: %w", room, err)
	}
	return nil
}

// Get returns the instance holding room; ok is false when room has no
// placement.
func (p *Placements) Get(ctx context.Context, room uint64) (instance string, ok bool, err error) {
	var doc placementDoc
	err = p.c.FindOne(ctx, bson.D{{Key: "_id", Value: roomKey(room)}}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("mongo: get placement of room %d: %w", room, err)
	}
	return doc.Instance, true, nil
}

// Delete forgets room's placement; deleting an absent room is not an error.
func (p *Placements) Delete(ctx context.Context, room uint64) error {
	if _, err := p.c.DeleteOne(ctx, bson.D{{Key: "_id", Value: roomKey(room)}}); err != nil {
		return fmt.Errorf("mongo: delete placement of room %d: %w", room, err)
	}
	return nil
}

// List returns every placement as room id → instance name.
func (p *Placements) List(ctx context.Context) (map[uint64]string, error) {
	cur, err := p.c.Find(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("mongo: list placements: %w", err)
	}
	var docs []placementDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("mongo: list placements: %w", err)
	}
	out := make(map[uint64]string, len(docs))
	for _, d := range docs {
		out[uint64(d.Room)] = d.Instance
	}
	return out, nil
}
