package bolt

import (
	"bytes"
	"context"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/frontdesk/frontdesk/queue"
)

var _ queue.OfferStore = (*QueueStore)(nil)

// OfferNext implements [queue.OfferStore]: the host check, the claim of the
// head entry and the binding of host and entry happen in one bbolt Update
// transaction, so the three-step protocol's repair paths are never needed
// on the embedded store.
func (s *QueueStore) OfferNext(ctx context.Context, req queue.OfferRequest) (queue.Host, queue.Entry, error) {
	var h queue.Host
	var e queue.Entry
	err := s.db.update(ctx, func(tx *bbolt.Tx) error {
		hosts := tx.Bucket(bucketHosts)
		stored, ok, err := getJSON[queue.Host](hosts, []byte(req.HostID))
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("host %s: %w", req.HostID, queue.ErrNotFound)
		}
		if stored.Version != req.HostVersion || !req.HostMayTake(stored.State) {
			return fmt.Errorf("host %s is %s at version %d: %w", req.HostID, stored.State, stored.Version, queue.ErrVersion)
		}
		cur := tx.Bucket(bucketEntryState).Cursor()
		for _, oq := range req.Queues {
			prefix := keyBuilder(nil).str(string(oq.ID)).u64(uint64(queue.EntryWaiting))
			for k, v := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = cur.Next() {
				if len(v) < 1 || v[0] != 0 { // paused
					continue
				}
				old, err := getEntry(tx, string(v[1:]))
				if err != nil {
					return fmt.Errorf("%w: index names entry %s: %w", ErrCorrupt, v[1:], err)
				}
				e = old.Clone()
				e.State, e.HostID, e.OfferedAt, e.Deadline = queue.EntryOffered, stored.ID, req.At, oq.Deadline
				e.History = append(e.History, queue.Transition{State: queue.EntryOffered, At: req.At, HostID: stored.ID, Reason: "offer"})
				e.Version++
				if err := putEntry(tx, &old, &e); err != nil {
					return err
				}
				h = stored.Clone()
				if h.State != queue.HostAvailable {
					h.IdleSince = req.At // req.Available: it becomes available first
				}
				h.State, h.StateSince, h.EntryID, h.Deadline = queue.HostOffered, req.At, e.ID, e.Deadline
				h.Version++
				return putHost(tx, &stored, &h)
			}
		}
		return fmt.Errorf("no waiting entry: %w", queue.ErrNotFound)
	})
	if err != nil {
		return queue.Host{}, queue.Entry{}, fmt.Errorf("bolt: offer to host %s: %w", req.HostID, err)
	}
	return h, e, nil
}
