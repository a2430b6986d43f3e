package proxy

import (
	"encoding/json"
	"sync"

	"github.com/frontdesk/frontdesk/janus/wire"
)

// pendingReq is a forwarded request whose reply changes ownership.
type pendingReq struct {
	verb    string
	session uint64
	handle  uint64
}

// tracker watches replies to create/attach/destroy/detach and keeps the
// ticket's ownership (and, over WebSocket, the connection's sessions) in step.
// It also watches publisher joins: a join refused with VideoRoom error 436
// ("User ID already exists") means the participant's own earlier
// incarnation (the proxy forces the ticket's id) is still in the room,
// e.g. after a network blip that left its old session to time out, and
// stale is called.
type tracker struct {
	own   view
	stale func() // nil: nobody to tell

	mu       sync.Mutex
	pending  map[string]pendingReq
	sessions map[uint64]bool // created on this connection
}

func newTracker(own view, stale func()) *tracker {
	return &tracker{own: own, stale: stale, pending: map[string]pendingReq{}, sessions: map[uint64]bool{}}
}

// codeIDExists is VideoRoom's error_code for a participant id already in
// the room (janus_videoroom.c, JANUS_VIDEOROOM_ERROR_ID_EXISTS).
const codeIDExists = 436

// expect records a forwarded request whose reply changes ownership (or,
// for a publisher's join, may call for evicting a stale participant).
func (t *tracker) expect(f forwarded) {
	verb := f.verb
	switch {
	case verb == "create", verb == "attach", verb == "destroy", verb == "detach":
	case f.pubJoin && t.stale != nil:
		verb = "join"
	default:
		return
	}
	t.mu.Lock()
	t.pending[f.txn] = pendingReq{verb: verb, session: f.session, handle: f.handle}
	t.mu.Unlock()
}

// waiting reports whether any reply is awaited (so most backend messages
// need no decoding).
func (t *tracker) waiting() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.pending) > 0
}

// observe reads one backend message (or batch) and applies its effect.
func (t *tracker) observe(b []byte) {
	msgs, err := wire.DecodeMessages(b)
	if err != nil {
		return
	}
	for _, m := range msgs {
		if m.Transaction == "" {
			continue
		}
		t.mu.Lock()
		pr, ok := t.pending[m.Transaction]
		if ok && m.Janus != "ack" {
			delete(t.pending, m.Transaction)
		}
		t.mu.Unlock()
		if ok && pr.verb == "join" {
			if m.Janus == "event" && m.PluginData != nil {
				var d struct {
					Code int `json:"error_code"`
				}
				if json.Unmarshal(m.PluginData.Data, &d) == nil && d.Code == codeIDExists {
					t.stale()
				}
			}
			continue
		}
		if !ok || m.Janus != "success" {
			continue
		}
		switch pr.verb {
		case "create":
			var d struct {
				ID uint64 `json:"id"`
			}
			if json.Unmarshal(m.Data, &d) == nil && d.ID != 0 {
				t.own.addSession(d.ID)
				t.mu.Lock()
				t.sessions[d.ID] = true
				t.mu.Unlock()
			}
		case "attach":
			var d struct {
				ID uint64 `json:"id"`
			}
			if json.Unmarshal(m.Data, &d) == nil && d.ID != 0 {
				t.own.addHandle(pr.session, d.ID)
			}
		case "destroy":
			t.own.dropSession(pr.session)
			t.mu.Lock()
			delete(t.sessions, pr.session)
			t.mu.Unlock()
		case "detach":
			t.own.dropHandle(pr.session, pr.handle)
		}
	}
}

// connSessions returns the sessions created on this connection and still alive.
func (t *tracker) connSessions() []uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]uint64, 0, len(t.sessions))
	for id := range t.sessions {
		out = append(out, id)
	}
	return out
}
