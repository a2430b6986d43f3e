package sfu

import (
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/frontdesk/frontdesk/idgen"
	"github.com/frontdesk/frontdesk/janus/wire"
)

// sink is where a session's asynchronous messages go: a WebSocket
// connection, or the long-poll queue of an HTTP session.
type sink interface {
	deliver(b []byte)
	// sessionOver tells the transport the session is gone.
	sessionOver(id uint64)
}

// session is a Janus session: a set of handles plus the transport its
// notifications go to.
type session struct {
	id     uint64
	srv    *Server
	active atomic.Int64 // unix nanoseconds of the last request

	mu        sync.Mutex
	handles   map[uint64]*handle
	sink      sink
	destroyed bool
}

func (se *session) touch()                { se.active.Store(time.Now().UnixNano()) }
func (se *session) lastActive() time.Time { return time.Unix(0, se.active.Load()) }

// notify marshals m and sends it to the session's transport.
func (se *session) notify(m wire.Message) {
	b, err := json.Marshal(m)
	if err != nil {
		se.srv.log.Error("marshal notification", "err", err)
		return
	}
	se.mu.Lock()
	sk := se.sink
	se.mu.Unlock()
	if sk != nil {
		sk.deliver(b)
	}
}

func (se *session) handle(id uint64) *handle {
	se.mu.Lock()
	defer se.mu.Unlock()
	return se.handles[id]
}

// createSession registers a new session whose notifications go to sk.
// id 0 picks a random id; a taken id fails with 468 like Janus.
func (s *Server) createSession(id uint64, sk sink) (*session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, newAPIError(wire.CodeNotAcceptingSessions, "")
	}
	if id == 0 {
		for id == 0 || s.sessions[id] != nil {
			id = idgen.Uint53()
		}
	} else if s.sessions[id] != nil {
		return nil, newAPIError(wire.CodeSessionConflict, "Session ID already in use")
	}
	se := &session{id: id, srv: s, handles: map[uint64]*handle{}, sink: sk}
	se.touch()
	s.sessions[id] = se
	s.log.Debug("session created", "session", id)
	s.emitEvent(step{Type: stepSessionCreated, SessionID: id})
	return se, nil
}

func (s *Server) session(id uint64) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[id]
}

// destroySession detaches every handle, forgets the session and tells its
// transport.
func (s *Server) destroySession(se *session) {
	s.mu.Lock()
	if s.sessions[se.id] == se {
		delete(s.sessions, se.id)
	}
	s.mu.Unlock()
	se.mu.Lock()
	if se.destroyed {
		se.mu.Unlock()
		return
	}
	se.destroyed = true
	handles := make([]*handle, 0, len(se.handles))
	for _, h := range se.handles {
		handles = append(handles, h)
	}
	se.mu.Unlock()
	for _, h := range handles {
		s.detachHandle(h, false)
	}
	se.mu.Lock()
	sk := se.sink
	se.sink = nil
	se.mu.Unlock()
	if sk != nil {
		sk.sessionOver(se.id)
	}
	s.log.Debug("session destroyed", "session", se.id)
	s.emitEvent(step{Type: stepSessionDestroyed, SessionID: se.id})
}

// handle is a Janus handle attached to the VideoRoom plugin. Asynchronous
// plugin messages run in order on the handle's worker goroutine.
type handle struct {
	id     uint64
	sess   *session
	opaque string

	jobs chan func()
	stop chan struct{}
	done chan struct{}
	once sync.Once

	vr *vrHandle
}

const handleQueue = 64

func (s *Server) attach(se *session, opaque string) (*handle, error) {
	se.mu.Lock()
	defer se.mu.Unlock()
	if se.destroyed {
		return nil, newAPIError(wire.CodeSessionNotFound, "No such session %d", se.id)
	}
	var id uint64
	for id == 0 || se.handles[id] != nil {
		id = idgen.Uint53()
	}
	h := &handle{
		id:     id,
		sess:   se,
		opaque: opaque,
		jobs:   make(chan func(), handleQueue),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	h.vr = &vrHandle{srv: s, h: h}
	if !s.goOwned(h.work) {
		return nil, newAPIError(wire.CodeNotAcceptingSessions, "")
	}
	se.handles[id] = h
	s.emitEvent(step{Type: stepAttached, SessionID: se.id, HandleID: id, OpaqueID: opaque})
	return h, nil
}

func (h *handle) work() {
	defer close(h.done)
	for {
		select {
		case <-h.stop:
			return
		case j := <-h.jobs:
			j()
		}
	}
}

// enqueue schedules an asynchronous plugin message; false when the handle
// is gone or its queue is full.
func (h *handle) enqueue(j func()) bool {
	select {
	case <-h.stop:
		return false
	default:
	}
	select {
	case h.jobs <- j:
		return true
	default:
		return false
	}
}

// detachHandle stops the handle's worker, tears down its plugin state and
// sends "detached" when notify is set.
func (s *Server) detachHandle(h *handle, notify bool) {
	first := false
	h.once.Do(func() {
		first = true
		close(h.stop)
	})
	if !first {
		return
	}
	<-h.done
	h.vr.destroy()
	se := h.sess
	se.mu.Lock()
	delete(se.handles, h.id)
	se.mu.Unlock()
	if notify {
		se.notify(wire.Message{Janus: "detached", SessionID: se.id, Sender: h.id})
	}
	s.emitEvent(step{Type: stepDetached, SessionID: se.id, HandleID: h.id, OpaqueID: h.opaque})
}

// pushEvent sends a VideoRoom event on the handle ({"janus":"event"}).
func (h *handle) pushEvent(tx string, data any, jsep *wire.JSEP) {
	h.sess.notify(wire.Message{
		Janus:       "event",
		SessionID:   h.sess.id,
		Sender:      h.id,
		Transaction: tx,
		PluginData:  &wire.PluginData{Plugin: PluginName, Data: rawJSON(data)},
		JSEP:        jsep,
	})
}

// pushCore sends a core notification (webrtcup, media, slowlink, hangup).
func (h *handle) pushCore(m wire.Message) {
	m.SessionID = h.sess.id
	m.Sender = h.id
	h.sess.notify(m)
}
