package bolt

import (
	"bytes"
	"sync"

	"go.etcd.io/bbolt"

	"github.com/frontdesk/frontdesk/queue"
)

// queueCache keeps the decoded form of each queue record next to the
// bytes it was decoded from. Every join reads its queue; decoding the
// JSON (hours, intake fields) was a sizeable part of a join's CPU. A hit
// still reads the record in the caller's transaction and compares the
// bytes, so it can never return anything but what is stored: the cache
// saves only the decoding.
type queueCache struct {
	mu sync.Mutex
	m  map[string]cachedQueue
}

type cachedQueue struct {
	raw []byte
	q   queue.Queue
}

// maxCachedQueues bounds the cache; past it, it starts over.
const maxCachedQueues = 4096

// get returns queue id as stored in tx (a copy), decoding it only when its
// bytes changed since the last decode.
func (c *queueCache) get(tx *bbolt.Tx, id string) (queue.Queue, error) {
	raw := tx.Bucket(bucketQueues).Get([]byte(id))
	if raw == nil {
		return queue.Queue{}, queue.ErrNotFound
	}
	c.mu.Lock()
	hit, ok := c.m[id]
	c.mu.Unlock()
	if ok && bytes.Equal(hit.raw, raw) {
		return hit.q.Clone(), nil
	}
	q, err := decodeJSON[queue.Queue]([]byte(id), raw)
	if err != nil {
		return queue.Queue{}, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedQueues {
		c.m = map[string]cachedQueue{}
	}
	c.m[id] = cachedQueue{raw: bytes.Clone(raw), q: q.Clone()} // raw is only valid during tx
	c.mu.Unlock()
	return q, nil
}
