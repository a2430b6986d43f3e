package bolt

import (
	"context"
	"encoding/json"
	"fmt"

	"go.etcd.io/bbolt"
)

// getJSON decodes the JSON value stored at key in b into a new T. ok is false
// when the key is absent.
func getJSON[T any](b *bbolt.Bucket, key []byte) (v T, ok bool, err error) {
	raw := b.Get(key)
	if raw == nil {
		return v, false, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, false, fmt.Errorf("%w: %x: %w", ErrCorrupt, key, err)
	}
	return v, true, nil
}

// putJSON stores the JSON encoding of v at key in b.
func putJSON(b *bbolt.Bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("bolt: encode %T: %w", v, err)
	}
	return b.Put(key, raw)
}

// decodeJSON decodes raw (a value read during a cursor scan) into a new T.
func decodeJSON[T any](key, raw []byte) (T, error) {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("%w: %x: %w", ErrCorrupt, key, err)
	}
	return v, nil
}

// getOne reads the record stored under id in bucket; missing (the calling
// store's ErrNotFound) when there is none. what names the record in errors.
func getOne[T any](ctx context.Context, db *DB, bucket []byte, id, what string, missing error) (T, error) {
	var v T
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		var ok bool
		var err error
		v, ok, err = getJSON[T](tx.Bucket(bucket), []byte(id))
		if err == nil && !ok {
			err = missing
		}
		return err
	})
	if err != nil {
		var zero T
		return zero, fmt.Errorf("bolt: get %s: %w", what, err)
	}
	return v, nil
}
