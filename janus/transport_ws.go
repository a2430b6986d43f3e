package janus

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Subprotocol is the WebSocket subprotocol of the Janus API (Janus docs,
// "WebSockets interface").
const Subprotocol = "janus-protocol"

// wsTransport is the Janus API over one WebSocket connection; session and
// handle ids travel in the message body.
type wsTransport struct {
	conn    *websocket.Conn
	deliver deliverFunc
	log     *slog.Logger

	writeMu sync.Mutex

	doneCh   chan struct{}
	errMu    sync.Mutex
	failure  error
	readDone chan struct{}
	closeMu  sync.Once
}

func dialWS(ctx context.Context, url string, header http.Header, deliver deliverFunc, log *slog.Logger) (*wsTransport, error) {
	d := websocket.Dialer{
		Subprotocols:     []string{Subprotocol},
		HandshakeTimeout: 10 * time.Second,
		ReadBufferSize:   16 << 10,
		WriteBufferSize:  16 << 10,
	}
	conn, resp, err := d.DialContext(ctx, url, header)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("janus: websocket dial %s: %w (HTTP %d)", url, err, resp.StatusCode)
		}
		return nil, fmt.Errorf("janus: websocket dial %s: %w", url, err)
	}
	if conn.Subprotocol() != Subprotocol {
		conn.Close()
		return nil, fmt.Errorf("janus: websocket dial %s: server did not accept subprotocol %q", url, Subprotocol)
	}
	conn.SetReadLimit(16 << 20)
	t := &wsTransport{conn: conn, deliver: deliver, log: log, doneCh: make(chan struct{}), readDone: make(chan struct{})}
	go t.readLoop()
	return t, nil
}

func (t *wsTransport) readLoop() {
	defer close(t.readDone)
	for {
		_, b, err := t.conn.ReadMessage()
		if err != nil {
			t.fail(fmt.Errorf("%w: %v", ErrConnectionLost, err))
			return
		}
		msgs, err := DecodeMessages(b)
		if err != nil {
			t.log.Warn("janus: dropping undecodable message", "err", err)
			continue
		}
		for _, m := range msgs {
			t.deliver(m)
		}
	}
}

// fail records the first failure and marks the transport done.
func (t *wsTransport) fail(err error) {
	t.errMu.Lock()
	defer t.errMu.Unlock()
	select {
	case <-t.doneCh:
		return
	default:
	}
	t.failure = err
	close(t.doneCh)
}

func (t *wsTransport) send(ctx context.Context, req *request) error {
	b, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("janus: encode %s: %w", req.Janus, err)
	}
	select {
	case <-t.doneCh:
		if e := t.err(); e != nil {
			return e
		}
		return ErrClosed
	default:
	}
	t.writeMu.Lock()
	defer t.writeMu.Unlock()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(10 * time.Second)
	}
	_ = t.conn.SetWriteDeadline(deadline)
	if err := t.conn.WriteMessage(websocket.TextMessage, b); err != nil {
		t.fail(fmt.Errorf("%w: %v", ErrConnectionLost, err))
		return t.err()
	}
	return nil
}

func (t *wsTransport) watch(uint64)   {}
func (t *wsTransport) unwatch(uint64) {}

func (t *wsTransport) done() <-chan struct{} { return t.doneCh }

func (t *wsTransport) err() error {
	t.errMu.Lock()
	defer t.errMu.Unlock()
	return t.failure
}

func (t *wsTransport) close() error {
	t.closeMu.Do(func() {
		t.writeMu.Lock()
		_ = t.conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		t.writeMu.Unlock()
		t.errMu.Lock()
		select {
		case <-t.doneCh:
		default:
			close(t.doneCh)
		}
		t.errMu.Unlock()
		_ = t.conn.Close()
		<-t.readDone
	})
	return nil
}
