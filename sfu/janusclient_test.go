package sfu

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/janus/wire"
	"github.com/gorilla/websocket"
)

// msg is a decoded Janus message.
type msg map[string]any

func (m msg) str(k string) string { s, _ := m[k].(string); return s }

func (m msg) id(k string) uint64 {
	switch v := m[k].(type) {
	case uint64:
		return v
	case int:
		return uint64(v)
	case float64:
		return uint64(v)
	case json.Number:
		n, _ := v.Int64()
		return uint64(n)
	}
	return 0
}

func (m msg) obj(k string) msg { o, _ := m[k].(map[string]any); return o }

// errCode is the code of a core error reply, 0 otherwise.
func (m msg) errCode() int { return int(m.obj("error").id("code")) }

// data is plugindata.data.
func (m msg) data() msg { return m.obj("plugindata").obj("data") }

// rawConn is a minimal raw-JSON Janus API client used by the tests against
// both the SFU and a real Janus: send returns the immediate reply
// (success/error/ack/pong/server_info), next the next notification of a
// session.
type rawConn interface {
	send(ctx context.Context, m msg) (msg, error)
	sendRaw(ctx context.Context, sessionID, handleID uint64, raw []byte) (msg, error)
	next(ctx context.Context, sessionID uint64) (msg, error)
	close()
}

var txCounter atomic.Uint64

func newTx() string { return fmt.Sprintf("tx%d", txCounter.Add(1)) }

// wsConnTest is rawConn over WebSocket.
type wsConnTest struct {
	c       *websocket.Conn
	mu      sync.Mutex
	waiters map[string]chan msg
	events  map[uint64]chan msg
	done    chan struct{}
}

func dialWS(t testing.TB, url string) *wsConnTest {
	t.Helper()
	d := websocket.Dialer{Subprotocols: []string{Subprotocol}, HandshakeTimeout: 5 * time.Second}
	c, resp, err := d.Dial(url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	if resp.Header.Get("Sec-WebSocket-Protocol") != Subprotocol {
		t.Fatalf("subprotocol %q, want %q", resp.Header.Get("Sec-WebSocket-Protocol"), Subprotocol)
	}
	w := &wsConnTest{c: c, waiters: map[string]chan msg{}, events: map[uint64]chan msg{}, done: make(chan struct{})}
	go w.read()
	t.Cleanup(w.close)
	return w
}

func (w *wsConnTest) read() {
	defer close(w.done)
	for {
		_, data, err := w.c.ReadMessage()
		if err != nil {
			return
		}
		var m msg
		if json.Unmarshal(data, &m) != nil {
			continue
		}
		switch m.str("janus") {
		case "success", "error", "ack", "pong", "server_info":
			w.mu.Lock()
			ch := w.waiters[m.str("transaction")]
			delete(w.waiters, m.str("transaction"))
			w.mu.Unlock()
			if ch != nil {
				ch <- m
				continue
			}
		}
		w.eventsFor(m.id("session_id")) <- m
	}
}

func (w *wsConnTest) eventsFor(sid uint64) chan msg {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch := w.events[sid]
	if ch == nil {
		ch = make(chan msg, 1024)
		w.events[sid] = ch
	}
	return ch
}

func (w *wsConnTest) send(ctx context.Context, m msg) (msg, error) {
	if _, ok := m["transaction"]; !ok {
		m["transaction"] = newTx()
	}
	b, _ := json.Marshal(m)
	return w.write(ctx, m.str("transaction"), b)
}

func (w *wsConnTest) sendRaw(ctx context.Context, _, _ uint64, raw []byte) (msg, error) {
	var probe msg
	_ = json.Unmarshal(raw, &probe)
	return w.write(ctx, probe.str("transaction"), raw)
}

func (w *wsConnTest) write(ctx context.Context, tx string, b []byte) (msg, error) {
	ch := make(chan msg, 1)
	w.mu.Lock()
	w.waiters[tx] = ch
	w.mu.Unlock()
	w.mu.Lock()
	err := w.c.WriteMessage(websocket.TextMessage, b)
	w.mu.Unlock()
	if err != nil {
		return nil, err
	}
	select {
	case m := <-ch:
		return m, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-w.done:
		return nil, fmt.Errorf("websocket closed")
	}
}

func (w *wsConnTest) next(ctx context.Context, sid uint64) (msg, error) {
	select {
	case m := <-w.eventsFor(sid):
		return m, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (w *wsConnTest) close() { _ = w.c.Close(); <-w.done }

// httpConnTest is rawConn over the REST transport with long-poll.
type httpConnTest struct {
	base  string // .../janus
	token string // sent as ?token= on long-polls (Janus token_auth)
	hc    *http.Client
}

func dialHTTP(base, token string) *httpConnTest {
	return &httpConnTest{base: strings.TrimSuffix(base, "/"), token: token, hc: &http.Client{}}
}

func (h *httpConnTest) path(sid, hid uint64) string {
	switch {
	case hid != 0:
		return fmt.Sprintf("%s/%d/%d", h.base, sid, hid)
	case sid != 0:
		return fmt.Sprintf("%s/%d", h.base, sid)
	}
	return h.base
}

func (h *httpConnTest) send(ctx context.Context, m msg) (msg, error) {
	if _, ok := m["transaction"]; !ok {
		m["transaction"] = newTx()
	}
	sid, hid := m.id("session_id"), m.id("handle_id")
	b, _ := json.Marshal(m)
	return h.sendRaw(ctx, sid, hid, b)
}

func (h *httpConnTest) sendRaw(ctx context.Context, sid, hid uint64, raw []byte) (msg, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, h.path(sid, hid), bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	return h.do(req)
}

func (h *httpConnTest) do(req *http.Request) (msg, error) {
	resp, err := h.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var m msg
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode %q (HTTP %d): %w", b, resp.StatusCode, err)
	}
	return m, nil
}

func (h *httpConnTest) next(ctx context.Context, sid uint64) (msg, error) {
	for {
		u := h.path(sid, 0)
		if h.token != "" {
			u += "?token=" + h.token
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		m, err := h.do(req)
		if err != nil {
			return nil, err
		}
		if m.str("janus") != "keepalive" {
			return m, nil
		}
	}
}

func (h *httpConnTest) close() { h.hc.CloseIdleConnections() }

// janusT wraps a rawConn with test helpers that fail the test on error.
type janusT struct {
	t     testing.TB
	c     rawConn
	token string
	// backlog keeps notifications read while waiting for another.
	backlog map[uint64][]msg
	// noPeerCleanup leaves closing test peers to the caller (the soak test
	// must not keep every peer alive in t.Cleanup closures).
	noPeerCleanup bool
}

// forget drops what the client keeps about a destroyed session.
func (j *janusT) forget(sid uint64) {
	delete(j.backlog, sid)
	if w, ok := j.c.(*wsConnTest); ok {
		w.mu.Lock()
		delete(w.events, sid)
		w.mu.Unlock()
	}
}

func newJanusT(t testing.TB, c rawConn, token string) *janusT {
	return &janusT{t: t, c: c, token: token, backlog: map[uint64][]msg{}}
}

func (j *janusT) call(m msg) msg {
	j.t.Helper()
	if j.token != "" {
		if _, ok := m["token"]; !ok {
			m["token"] = j.token
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	r, err := j.c.send(ctx, m)
	if err != nil {
		j.t.Fatalf("send %v: %v", m["janus"], err)
	}
	return r
}

func (j *janusT) create() uint64 {
	j.t.Helper()
	r := j.call(msg{"janus": "create"})
	if r.str("janus") != "success" || r.obj("data").id("id") == 0 {
		j.t.Fatalf("create: %v", r)
	}
	return r.obj("data").id("id")
}

func (j *janusT) attach(sid uint64) uint64 {
	j.t.Helper()
	r := j.call(msg{"janus": "attach", "session_id": sid, "plugin": PluginName})
	if r.str("janus") != "success" || r.obj("data").id("id") == 0 {
		j.t.Fatalf("attach: %v", r)
	}
	return r.obj("data").id("id")
}

// request sends a synchronous VideoRoom request and returns plugindata.data.
func (j *janusT) request(sid, hid uint64, body msg) msg {
	j.t.Helper()
	r := j.call(msg{"janus": "message", "session_id": sid, "handle_id": hid, "body": body})
	if r.str("janus") != "success" {
		j.t.Fatalf("request %v: %v", body["request"], r)
	}
	return r.data()
}

// message sends an asynchronous VideoRoom request and waits for the event
// with its transaction.
func (j *janusT) message(sid, hid uint64, body msg, jsep *wire.JSEP) msg {
	j.t.Helper()
	tx := newTx()
	m := msg{"janus": "message", "session_id": sid, "handle_id": hid, "body": body, "transaction": tx}
	if jsep != nil {
		m["jsep"] = jsep
	}
	r := j.call(m)
	if r.str("janus") != "ack" {
		j.t.Fatalf("message %v: want ack, got %v", body["request"], r)
	}
	return j.wait(sid, func(e msg) bool { return e.str("janus") == "event" && e.str("transaction") == tx })
}

// wait returns the first notification of the session matching pred.
func (j *janusT) wait(sid uint64, pred func(msg) bool) msg {
	j.t.Helper()
	for i, e := range j.backlog[sid] {
		if pred(e) {
			j.backlog[sid] = append(j.backlog[sid][:i:i], j.backlog[sid][i+1:]...)
			return e
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		e, err := j.c.next(ctx, sid)
		if err != nil {
			j.t.Fatalf("waiting for a notification on session %d: %v (backlog %v)", sid, err, j.backlog[sid])
		}
		if pred(e) {
			return e
		}
		j.backlog[sid] = append(j.backlog[sid], e)
	}
}

// poll returns the first notification of the session matching pred
// within d, or nil.
func (j *janusT) poll(sid uint64, d time.Duration, pred func(msg) bool) msg {
	j.t.Helper()
	for i, e := range j.backlog[sid] {
		if pred(e) {
			j.backlog[sid] = append(j.backlog[sid][:i:i], j.backlog[sid][i+1:]...)
			return e
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		e, err := j.c.next(ctx, sid)
		if err != nil {
			return nil
		}
		if pred(e) {
			return e
		}
		j.backlog[sid] = append(j.backlog[sid], e)
	}
}

// jsepOf extracts the jsep of an event.
func jsepOf(t testing.TB, e msg) *wire.JSEP {
	t.Helper()
	o := e.obj("jsep")
	if o == nil {
		t.Fatalf("event without jsep: %v", e)
	}
	return &wire.JSEP{Type: o.str("type"), SDP: o.str("sdp")}
}
