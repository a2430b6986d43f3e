package bolt

import (
	"bytes"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/frontdesk/frontdesk/queue"
)

// bucketHostState indexes hosts by state (state, host id → nil), kept by
// putHost and deleteHost in the same transaction as the host records, so
// that "the available hosts" (asked on every join to match the new
// caller) decodes only the available hosts, not every host.
var bucketHostState = []byte("queue.host_state")

func init() {
	derivedBuckets = append(derivedBuckets, derivedBucket{name: bucketHostState, build: buildHostState})
}

func hostStateKey(st queue.HostState, id string) []byte {
	return keyBuilder(nil).u64(uint64(st)).str(id)
}

// putHost writes h over old (nil for a new host) and moves its state key.
func putHost(tx *bbolt.Tx, old, h *queue.Host) error {
	idx := tx.Bucket(bucketHostState)
	if old != nil && old.State != h.State {
		if err := idx.Delete(hostStateKey(old.State, string(old.ID))); err != nil {
			return err
		}
	}
	if old == nil || old.State != h.State {
		if err := idx.Put(hostStateKey(h.State, string(h.ID)), nil); err != nil {
			return err
		}
	}
	return putJSON(tx.Bucket(bucketHosts), []byte(h.ID), h)
}

// deleteHost removes host old and its state key.
func deleteHost(tx *bbolt.Tx, old *queue.Host) error {
	if err := tx.Bucket(bucketHostState).Delete(hostStateKey(old.State, string(old.ID))); err != nil {
		return err
	}
	return tx.Bucket(bucketHosts).Delete([]byte(old.ID))
}

// hostsInStates calls fn with the ID and record of each host in one of
// states, through the state index.
func hostsInStates(tx *bbolt.Tx, states []queue.HostState, fn func(k, v []byte) error) error {
	hosts, cur := tx.Bucket(bucketHosts), tx.Bucket(bucketHostState).Cursor()
	seen := map[queue.HostState]bool{}
	for _, st := range states {
		if seen[st] {
			continue
		}
		seen[st] = true
		prefix := keyBuilder(nil).u64(uint64(st))
		for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
			r := keyReader{b: k}
			r.u64()
			id := r.str()
			if err := r.done(); err != nil {
				return err
			}
			v := hosts.Get([]byte(id))
			if v == nil {
				return fmt.Errorf("%w: host state index names host %s", ErrCorrupt, id)
			}
			if err := fn([]byte(id), v); err != nil {
				return err
			}
		}
	}
	return nil
}

// buildHostState fills a new host state index from the host records (a
// file written before the index existed).
func buildHostState(tx *bbolt.Tx, b *bbolt.Bucket) error {
	return tx.Bucket(bucketHosts).ForEach(func(k, v []byte) error {
		h, err := decodeJSON[queue.Host](k, v)
		if err != nil {
			return err
		}
		return b.Put(hostStateKey(h.State, string(h.ID)), nil)
	})
}
