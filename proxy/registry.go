package proxy

import (
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/auth"
)

// bindingTTL is how long a session binding outlives its last use: above
// Janus's default session_timeout (60 s).
const bindingTTL = 5 * time.Minute

// registry remembers which Janus sessions and handles each ticket created
// through the proxy, so a client can address only its own, and binds HTTP
// sessions to the exact ticket that created them.
type registry struct {
	mu     sync.Mutex
	byTkt  map[string]*ownership // ticket ID -> ownership
	byHash map[[32]byte]*ownership
	lastGC time.Time
}

type ownership struct {
	ticket   auth.Ticket
	sessions map[uint64]map[uint64]bool // session -> handles
	lastUse  time.Time
}

func newRegistry() *registry {
	return &registry{byTkt: map[string]*ownership{}, byHash: map[[32]byte]*ownership{}}
}

// of returns the ticket's ownership record, creating it.
func (r *registry) of(t auth.Ticket, hash [32]byte) *ownership {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if now.Sub(r.lastGC) > time.Minute {
		for id, o := range r.byTkt {
			if now.Sub(o.lastUse) > bindingTTL && now.After(o.ticket.ExpiresAt) {
				delete(r.byTkt, id)
			}
		}
		for h, o := range r.byHash {
			if now.Sub(o.lastUse) > bindingTTL && now.After(o.ticket.ExpiresAt) {
				delete(r.byHash, h)
			}
		}
		r.lastGC = now
	}
	o := r.byTkt[t.ID]
	if o == nil {
		o = &ownership{ticket: t, sessions: map[uint64]map[uint64]bool{}}
		r.byTkt[t.ID] = o
	}
	if hash != ([32]byte{}) {
		r.byHash[hash] = o
	}
	o.lastUse = now
	return o
}

// boundTicket returns the ticket whose exact string (by hash) created a
// live session, so HTTP clients keep working after the ticket expires.
func (r *registry) boundTicket(hash [32]byte) (auth.Ticket, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o := r.byHash[hash]
	if o == nil || len(o.sessions) == 0 {
		return auth.Ticket{}, false
	}
	o.lastUse = time.Now()
	return o.ticket, true
}

// view is an owner bound to one ticket's record (and, over WebSocket, to
// the sessions of one connection).
type view struct {
	r *registry
	o *ownership
}

func (v view) ownsSession(id uint64) bool {
	v.r.mu.Lock()
	defer v.r.mu.Unlock()
	_, ok := v.o.sessions[id]
	return ok
}

func (v view) ownsHandle(session, handle uint64) bool {
	v.r.mu.Lock()
	defer v.r.mu.Unlock()
	return v.o.sessions[session][handle]
}

func (v view) addSession(id uint64) {
	v.r.mu.Lock()
	defer v.r.mu.Unlock()
	if v.o.sessions[id] == nil {
		v.o.sessions[id] = map[uint64]bool{}
	}
}

func (v view) addHandle(session, handle uint64) {
	v.r.mu.Lock()
	defer v.r.mu.Unlock()
	if hs := v.o.sessions[session]; hs != nil {
		hs[handle] = true
	}
}

func (v view) dropSession(id uint64) {
	v.r.mu.Lock()
	defer v.r.mu.Unlock()
	delete(v.o.sessions, id)
}

func (v view) dropHandle(session, handle uint64) {
	v.r.mu.Lock()
	defer v.r.mu.Unlock()
	delete(v.o.sessions[session], handle)
}
