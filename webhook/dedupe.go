package webhook

import (
	"hash/maphash"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/janus/events"
)

// dedupeKey identifies an event for deduplication: the envelope plus a hash
// of the "event" body.
type dedupeKey struct {
	emitter   string
	typ       events.Type
	subtype   int
	session   uint64
	handle    uint64
	timestamp int64
	body      uint64
}

// dedupe remembers the keys of recent events, at most size of them and for
// at most window, forgetting the oldest first.
type dedupe struct {
	mu     sync.Mutex
	seed   maphash.Seed
	window time.Duration
	seen   map[dedupeKey]time.Time
	ring   []dedupeKey // FIFO of keys in insertion order
	head   int         // index of the oldest key
	n      int         // keys in ring
}

func newDedupe(size int, window time.Duration) *dedupe {
	return &dedupe{
		seed:   maphash.MakeSeed(),
		window: window,
		seen:   make(map[dedupeKey]time.Time, min(size, 4096)),
		ring:   make([]dedupeKey, size),
	}
}

func (d *dedupe) key(ev *events.Event) dedupeKey {
	return dedupeKey{
		emitter: ev.Emitter, typ: ev.Type, subtype: ev.Subtype,
		session: ev.SessionID, handle: ev.HandleID, timestamp: ev.Timestamp,
		body: maphash.Bytes(d.seed, ev.Body),
	}
}

// fresh reports, for each event, whether it was not seen within the window,
// and remembers the ones that were not. Duplicates within evs count too.
func (d *dedupe) fresh(now time.Time, evs []*events.Event, out []bool) []bool {
	out = out[:0]
	d.mu.Lock()
	defer d.mu.Unlock()
	d.expireLocked(now)
	for _, ev := range evs {
		k := d.key(ev)
		if at, ok := d.seen[k]; ok && now.Sub(at) <= d.window {
			out = append(out, false)
			continue
		}
		d.addLocked(k, now)
		out = append(out, true)
	}
	return out
}

func (d *dedupe) expireLocked(now time.Time) {
	for d.n > 0 {
		k := d.ring[d.head]
		at, ok := d.seen[k]
		if ok && now.Sub(at) <= d.window {
			return
		}
		d.popLocked()
	}
}

func (d *dedupe) popLocked() {
	k := d.ring[d.head]
	delete(d.seen, k)
	d.ring[d.head] = dedupeKey{}
	d.head = (d.head + 1) % len(d.ring)
	d.n--
}

func (d *dedupe) addLocked(k dedupeKey, now time.Time) {
	if _, ok := d.seen[k]; ok {
		// Seen but expired and still queued: refresh in place; the old ring
		// slot will delete it early, which only shortens its window.
		d.seen[k] = now
		return
	}
	if d.n == len(d.ring) {
		d.popLocked()
	}
	d.ring[(d.head+d.n)%len(d.ring)] = k
	d.n++
	d.seen[k] = now
}

func (d *dedupe) len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.seen)
}
