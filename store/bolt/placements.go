package bolt

import (
	"context"
	"fmt"

	"go.etcd.io/bbolt"
)

// Placements is the persisted room-to-instance map of the Janus instance
// pool: which Janus instance (by its configured name) holds which VideoRoom
// room (by its Janus room id). Get it from [DB.Placements].
type Placements struct {
	db *DB
}

// Placements returns the room placement map stored in d.
func (d *DB) Placements() *Placements { return &Placements{db: d} }

// Put records that room lives on instance, replacing an earlier placement.
// instance must not be empty.
func (p *Placements) Put(ctx context.Context, room uint64, instance string) error {
	if instance == "" {
		return fmt.Errorf("bolt: put placement of room %d: empty instance name", room)
	}
	err := p.db.update(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketPlacements).Put(keyBuilder(nil).u64(room), []byte(instance))
	})
	if err != nil {
		return fmt.Errorf("bolt: put placement of room %d: %w", room, err)
	}
	return nil
}

// Get returns the instance holding room; ok is false when room has no
// placement.
func (p *Placements) Get(ctx context.Context, room uint64) (instance string, ok bool, err error) {
	err = p.db.view(ctx, func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketPlacements).Get(keyBuilder(nil).u64(room))
		if v != nil {
			instance, ok = string(v), true
		}
		return nil
	})
	if err != nil {
		return "", false, fmt.Errorf("bolt: get placement of room %d: %w", room, err)
	}
	return instance, ok, nil
}

// Delete forgets room's placement; deleting an absent room is not an error.
func (p *Placements) Delete(ctx context.Context, room uint64) error {
	err := p.db.update(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketPlacements).Delete(keyBuilder(nil).u64(room))
	})
	if err != nil {
		return fmt.Errorf("bolt: delete placement of room %d: %w", room, err)
	}
	return nil
}

// List returns every placement as room id → instance name.
func (p *Placements) List(ctx context.Context) (map[uint64]string, error) {
	out := make(map[uint64]string)
	err := p.db.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketPlacements).ForEach(func(k, v []byte) error {
			r := keyReader{b: k}
			room := r.u64()
			if err := r.done(); err != nil {
				return err
			}
			out[room] = string(v)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: list placements: %w", err)
	}
	return out, nil
}
