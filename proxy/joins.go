package proxy

import (
	"sync"
	"time"
)

// joinWatchTTL is how long a Janus session's publisher-join watch lives
// without a long-poll to read its result. A join's event comes within
// seconds; a session nobody polls for this long is gone or abandoned.
const joinWatchTTL = time.Minute

// joinWatch lets the HTTP transport evict stale participants as the
// WebSocket one does. Over HTTP a publisher join's POST gets only an ack;
// its result (with VideoRoom's 436 when the id is already in the room)
// arrives later in a long-poll on the same Janus session. joinWatch keeps,
// per Janus session, a tracker holding the joins still awaiting a result,
// so the long-poll can read them. Sessions with no pending join have no
// entry, so most long-polls are relayed without decoding.
type joinWatch struct {
	mu sync.Mutex
	m  map[uint64]*watched // Janus session id -> pending joins
}

type watched struct {
	tr   *tracker
	seen time.Time // last join registered or long-poll observed
}

func newJoinWatch() *joinWatch { return &joinWatch{m: map[uint64]*watched{}} }

// add registers a forwarded publisher join on session; mk makes the
// session's tracker (with its stale callback) when it has none. Entries
// unused for joinWatchTTL are dropped on the way.
func (j *joinWatch) add(session uint64, f forwarded, mk func() *tracker, now time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for id, w := range j.m {
		if now.Sub(w.seen) > joinWatchTTL {
			delete(j.m, id)
		}
	}
	w := j.m[session]
	if w == nil {
		w = &watched{tr: mk()}
		j.m[session] = w
	}
	w.seen = now
	w.tr.expect(f)
}

// observe reads a long-poll reply for session when a join there awaits
// its result; the tracker calls the stale callback on a 436. It reports
// whether the reply was read.
func (j *joinWatch) observe(session uint64, reply []byte, now time.Time) bool {
	j.mu.Lock()
	w := j.m[session]
	if w != nil {
		w.seen = now
	}
	j.mu.Unlock()
	if w == nil || !w.tr.waiting() {
		return false
	}
	w.tr.observe(reply) // may run the evicter: outside j.mu
	if !w.tr.waiting() {
		j.mu.Lock()
		if j.m[session] == w && !w.tr.waiting() {
			delete(j.m, session)
		}
		j.mu.Unlock()
	}
	return true
}

// len returns the number of sessions watched.
func (j *joinWatch) len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.m)
}
