package store

import "context"

// Placements is the persisted room-to-instance map of the Janus instance
// pool (which Janus instance, by configured name, holds which VideoRoom
// room, by Janus room id), so a restart of Frontdesk keeps it. Both
// backends implement it ([bolt.Placements], [mongo.Placements]); the pool
// may declare the same method set where it uses it.
type Placements interface {
	// Put records that room lives on instance (non-empty), replacing an
	// earlier placement.
	Put(ctx context.Context, room uint64, instance string) error
	// Get returns the instance holding room; ok is false when room has no
	// placement.
	Get(ctx context.Context, room uint64) (instance string, ok bool, err error)
	// Delete forgets room's placement; an absent room is not an error.
	Delete(ctx context.Context, room uint64) error
	// List returns every placement as room id → instance name.
	List(ctx context.Context) (map[uint64]string, error)
}
