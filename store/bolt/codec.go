package bolt

import (
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
