package sfu

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/frontdesk/frontdesk/janus/wire"
	"github.com/gorilla/websocket"
)

// Subprotocol is the WebSocket subprotocol of the Janus API.
const Subprotocol = "janus-protocol"

// wsQueue is how many outgoing messages a WebSocket may have pending;
// beyond it the connection is too slow and is closed.
const wsQueue = 1024

var upgrader = websocket.Upgrader{
	Subprotocols:    []string{Subprotocol},
	CheckOrigin:     func(*http.Request) bool { return true },
	ReadBufferSize:  8192,
	WriteBufferSize: 8192,
}

// wsConn is one Janus API WebSocket: its sessions' notifications are
// written by one writer goroutine; sessions it created are destroyed when
// it closes (Janus with reclaim_session_timeout 0).
type wsConn struct {
	srv  *Server
	c    *websocket.Conn
	out  chan []byte
	kill chan struct{}
	once sync.Once

	mu       sync.Mutex
	sessions map[uint64]struct{}
}

func (w *wsConn) deliver(b []byte) {
	select {
	case w.out <- b:
	case <-w.kill:
	default:
		w.srv.log.Warn("websocket too slow, closing")
		w.close()
	}
}

func (w *wsConn) sessionOver(id uint64) {
	w.mu.Lock()
	delete(w.sessions, id)
	w.mu.Unlock()
}

func (w *wsConn) close() {
	w.once.Do(func() {
		close(w.kill)
		_ = w.c.Close()
	})
}

func (s *Server) serveWS(rw http.ResponseWriter, r *http.Request) {
	c, err := upgrader.Upgrade(rw, r, nil)
	if err != nil {
		return // the upgrader has replied
	}
	w := &wsConn{srv: s, c: c, out: make(chan []byte, wsQueue), kill: make(chan struct{}), sessions: map[uint64]struct{}{}}
	if !s.trackConn(w, true) {
		c.Close()
		return
	}
	defer s.trackConn(w, false)
	log := s.log.With("remote", r.RemoteAddr, "transport", "websocket")
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		for {
			select {
			case <-w.kill:
				return
			case b := <-w.out:
				if err := c.WriteMessage(websocket.TextMessage, b); err != nil {
					w.close()
					return
				}
			}
		}
	}()
	o := origin{newSink: func(old sink) sink { return w }}
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			break
		}
		for _, raw := range splitRequests(data) {
			reply, after := s.handleRaw(raw, o)
			if m, ok := reply.(wire.Message); ok && m.Janus == "success" && m.Data != nil && m.SessionID == 0 {
				var created idData // a create: the session is this connection's
				if json.Unmarshal(m.Data, &created) == nil {
					w.mu.Lock()
					w.sessions[created.ID] = struct{}{}
					w.mu.Unlock()
				}
			}
			if m, ok := reply.(wire.Message); ok && m.Janus == "success" && m.Data == nil && m.SessionID != 0 {
				// a claim moves the session here
				if se := s.session(m.SessionID); se != nil {
					se.mu.Lock()
					mine := se.sink == sink(w)
					se.mu.Unlock()
					if mine {
						w.mu.Lock()
						w.sessions[m.SessionID] = struct{}{}
						w.mu.Unlock()
					}
				}
			}
			b, err := json.Marshal(reply)
			if err != nil {
				log.Error("marshal reply", "err", err)
				continue
			}
			w.deliver(b)
			if after != nil {
				after()
			}
		}
	}
	w.close()
	<-writerDone
	w.mu.Lock()
	ids := make([]uint64, 0, len(w.sessions))
	for id := range w.sessions {
		ids = append(ids, id)
	}
	w.mu.Unlock()
	for _, id := range ids {
		if se := s.session(id); se != nil {
			se.mu.Lock()
			mine := se.sink == sink(w)
			se.mu.Unlock()
			if mine {
				s.destroySession(se)
			}
		}
	}
}

// splitRequests accepts one request or, since Janus 1.1.2, an array of them.
func splitRequests(data []byte) []json.RawMessage {
	t := bytes.TrimSpace(data)
	if len(t) > 0 && t[0] == '[' {
		var many []json.RawMessage
		if json.Unmarshal(t, &many) == nil {
			return many
		}
	}
	return []json.RawMessage{data}
}

// trackConn registers or forgets a WebSocket so Close can end it.
func (s *Server) trackConn(w *wsConn, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns == nil {
		s.conns = map[*wsConn]struct{}{}
	}
	if !add {
		delete(s.conns, w)
		return true
	}
	if s.closed {
		return false
	}
	s.conns[w] = struct{}{}
	return true
}
