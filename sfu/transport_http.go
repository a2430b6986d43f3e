package sfu

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/janus/wire"
	"github.com/frontdesk/frontdesk/problem"
	"github.com/gorilla/websocket"
)

// maxRequestBytes bounds one HTTP request body (SDPs are a few KB).
const maxRequestBytes = 1 << 20

// pollQueueLen bounds the notifications buffered for an HTTP session; the
// oldest are dropped beyond it.
const pollQueueLen = 1000

// pollQueue is the sink of an HTTP session: notifications wait here for a
// long-poll GET.
type pollQueue struct {
	mu     sync.Mutex
	msgs   [][]byte
	over   bool
	notify chan struct{}
}

func newPollQueue() *pollQueue { return &pollQueue{notify: make(chan struct{}, 1)} }

func (q *pollQueue) deliver(b []byte) {
	q.mu.Lock()
	if len(q.msgs) >= pollQueueLen {
		q.msgs = q.msgs[1:]
	}
	q.msgs = append(q.msgs, b)
	q.mu.Unlock()
	q.signal()
}

func (q *pollQueue) sessionOver(uint64) {
	q.mu.Lock()
	q.over = true
	q.mu.Unlock()
	q.signal()
}

func (q *pollQueue) signal() {
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

func (q *pollQueue) take(n int) ([][]byte, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if n > len(q.msgs) {
		n = len(q.msgs)
	}
	out := q.msgs[:n:n]
	q.msgs = q.msgs[n:]
	if len(q.msgs) == 0 {
		q.msgs = nil
	}
	return out, q.over
}

// Handler serves the Janus API: WebSocket upgrades on any path
// (subprotocol "janus-protocol"), and the REST transport on
//
//	POST /janus                    create, info, ping
//	GET  /janus/info               info
//	POST /janus/<session>          session requests (attach, keepalive, destroy, claim)
//	POST /janus/<session>/<handle> handle requests (message, trickle, hangup, detach)
//	GET  /janus/<session>?maxev=N  long-poll for notifications
//
// Mount it under a prefix with http.StripPrefix. API errors are Janus
// error replies with HTTP 200, as Janus does; only malformed paths get
// HTTP errors.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if websocket.IsWebSocketUpgrade(r) {
			s.serveWS(w, r)
			return
		}
		s.serveHTTP(w, r)
	})
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodOptions {
		w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) == 0 || parts[0] != "janus" || len(parts) > 3 {
		problem.Write(w, r, problem.New(http.StatusNotFound, "the Janus API lives under /janus"))
		return
	}
	if len(parts) == 2 && parts[1] == "info" && r.Method == http.MethodGet {
		writeJSON(w, s.info(""))
		return
	}
	var ids [2]uint64
	for i, p := range parts[1:] {
		id, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			writeJSON(w, errorReply(0, "", newAPIError(wire.CodeInvalidRequestPath, "Invalid path %s", r.URL.Path)))
			return
		}
		ids[i] = id
	}
	switch r.Method {
	case http.MethodGet:
		if len(parts) != 2 {
			writeJSON(w, errorReply(0, "", newAPIError(wire.CodeInvalidRequestPath, "Invalid path for GET")))
			return
		}
		s.longPoll(w, r, ids[0])
	case http.MethodPost:
		data, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes))
		if err != nil {
			writeJSON(w, errorReply(0, "", newAPIError(wire.CodeTransportSpecific, "Error reading body: %v", err)))
			return
		}
		o := origin{
			pathSession: ids[0], pathHandle: ids[1], viaPath: true,
			newSink: func(old sink) sink {
				if q, ok := old.(*pollQueue); ok {
					return q
				}
				return newPollQueue()
			},
		}
		reply, after := s.handleRaw(data, o)
		writeJSON(w, reply)
		if after != nil {
			after()
		}
	default:
		w.Header().Set("Allow", "GET, POST, OPTIONS")
		problem.Write(w, r, problem.New(http.StatusMethodNotAllowed, "the Janus API takes GET (long-poll) and POST"))
	}
}

// longPoll waits for a session's notifications (Janus HTTP transport):
// without maxev one object, with maxev an array of up to maxev; after
// LongPollTimeout a keepalive.
func (s *Server) longPoll(w http.ResponseWriter, r *http.Request, sid uint64) {
	maxev := 0
	if v := r.URL.Query().Get("maxev"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			maxev = n
		}
	}
	if !s.authorized(r.URL.Query().Get("token")) {
		writeJSON(w, errorReply(sid, "", newAPIError(wire.CodeUnauthorized, "")))
		return
	}
	se := s.session(sid)
	if se == nil {
		writeJSON(w, errorReply(sid, "", newAPIError(wire.CodeSessionNotFound, "No such session %d", sid)))
		return
	}
	se.touch()
	se.mu.Lock()
	q, ok := se.sink.(*pollQueue)
	if !ok && se.sink == nil {
		q = newPollQueue()
		se.sink, ok = q, true
	}
	se.mu.Unlock()
	if !ok {
		writeJSON(w, errorReply(sid, "", newAPIError(wire.CodeTransportSpecific, "Session %d is served over another transport", sid)))
		return
	}
	timer := time.NewTimer(s.cfg.LongPollTimeout)
	defer timer.Stop()
	n := max(maxev, 1)
	for {
		msgs, over := q.take(n)
		if len(msgs) > 0 {
			se.touch()
			if maxev == 0 {
				writeRaw(w, msgs[0])
				return
			}
			arr := make([]json.RawMessage, len(msgs))
			for i, m := range msgs {
				arr[i] = m
			}
			writeJSON(w, arr)
			return
		}
		if over {
			writeJSON(w, errorReply(sid, "", newAPIError(wire.CodeSessionNotFound, "No such session %d", sid)))
			return
		}
		select {
		case <-q.notify:
		case <-timer.C:
			se.touch()
			ka := wire.Message{Janus: "keepalive"}
			if maxev > 0 {
				writeJSON(w, []wire.Message{ka})
			} else {
				writeJSON(w, ka)
			}
			return
		case <-r.Context().Done():
			return
		case <-s.done:
			writeJSON(w, wire.Message{Janus: "keepalive"})
			return
		}
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "marshal reply", http.StatusInternalServerError)
		return
	}
	writeRaw(w, b)
}

func writeRaw(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
