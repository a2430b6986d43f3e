package janus

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"
)

// rawJanus is a fake Janus that writes raw RFC 6455 frames, so tests can
// fragment messages, interleave pings and dribble bytes. It answers create
// (session 11) and attach (handle 22) itself and every other request with
// handle.
type rawJanus struct {
	srv    *httptest.Server
	handle func(r *rawJanus, req map[string]any)
	mu     sync.Mutex // serializes frame writes
	conn   net.Conn
	pongs  atomic.Int32
	ready  chan struct{}
}

func newRawJanus(t *testing.T, handle func(r *rawJanus, req map[string]any)) *rawJanus {
	r := &rawJanus{handle: handle, ready: make(chan struct{})}
	up := websocket.Upgrader{Subprotocols: []string{Subprotocol}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
		c, err := up.Upgrade(w, hr, nil)
		if err != nil {
			return
		}
		defer c.Close()
		c.SetPongHandler(func(string) error { r.pongs.Add(1); return nil })
		r.mu.Lock()
		r.conn = c.UnderlyingConn()
		r.mu.Unlock()
		close(r.ready)
		for {
			_, b, err := c.ReadMessage()
			if err != nil {
				return
			}
			var req map[string]any
			if err := json.Unmarshal(b, &req); err != nil {
				continue
			}
			switch req["janus"] { // session 11, handle 22
			case "create":
				r.text(sub(req, `{"janus":"success","transaction":"$T","data":{"id":11}}`), 0)
			case "attach":
				r.text(sub(req, `{"janus":"success","transaction":"$T","session_id":11,"data":{"id":22}}`), 0)
			default:
				r.handle(r, req)
			}
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *rawJanus) url() string { return "ws" + strings.TrimPrefix(r.srv.URL, "http") }

// frame encodes one unmasked server frame.
func frame(op byte, fin bool, payload []byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	var hdr []byte
	switch n := len(payload); {
	case n < 126:
		hdr = []byte{b0, byte(n)}
	case n <= 0xffff:
		hdr = []byte{b0, 126, 0, 0}
		binary.BigEndian.PutUint16(hdr[2:], uint16(n))
	default:
		hdr = make([]byte, 10)
		hdr[0], hdr[1] = b0, 127
		binary.BigEndian.PutUint64(hdr[2:], uint64(n))
	}
	return append(hdr, payload...)
}

// write sends bytes as they are.
func (r *rawJanus) write(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, _ = r.conn.Write(b)
}

// text sends one text message, split into fragments of at most split
// bytes (0: one frame), with a ping between the first two fragments.
func (r *rawJanus) text(s string, split int) {
	if split <= 0 || split >= len(s) {
		r.write(frame(0x1, true, []byte(s)))
		return
	}
	var out []byte
	for i := 0; i < len(s); i += split {
		end := min(i+split, len(s))
		op := byte(0x0)
		if i == 0 {
			op = 0x1
		}
		out = append(out, frame(op, end == len(s), []byte(s[i:end]))...)
		if i == 0 {
			out = append(out, frame(0x9, true, []byte("mid"))...)
		}
	}
	r.write(out)
}

func ackFor(req map[string]any) string {
	return sub(req, `{"janus":"ack","transaction":"$T","session_id":11}`)
}

// TestWSLeaderFollower: many callers at once while the server streams
// fragmented events with pings between fragments: every call gets its own
// reply, every event arrives once and in order, every ping gets a pong.
func TestWSLeaderFollower(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	const events = 300
	r := newRawJanus(t, func(r *rawJanus, req map[string]any) {
		switch req["janus"] {
		case "message":
			r.text(ackFor(req), 0)
			go func() {
				for i := 1; i <= events; i++ {
					r.text(fmt.Sprintf(`{"janus":"event","session_id":11,"sender":22,"plugindata":{"plugin":"p","data":{"n":%d,"pad":%q}}}`,
						i, strings.Repeat("x", i%50)), 7+i%40)
					if i%25 == 0 {
						r.write(frame(0x9, true, []byte("ping")))
						time.Sleep(time.Millisecond)
					}
				}
			}()
		case "keepalive":
			// Replies to different callers in one write, out of order.
			r.text(ackFor(req), 5)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, h := sessionAndHandle(ctx, t, r.url(), WithKeepAlive(0))
	// The ack ends a synchronous request (its missing plugindata may be an
	// error here); the events follow.
	_, _ = h.Request(ctx, map[string]any{"request": "go"})
	var wg sync.WaitGroup
	var failed atomic.Int32
	for g := 0; g < 12; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 150; i++ {
				if err := s.KeepAlive(ctx); err != nil {
					failed.Add(1)
					t.Errorf("keepalive: %v", err)
					return
				}
			}
		}()
	}
	got := 0
	for got < events {
		select {
		case m, ok := <-h.Events():
			if !ok {
				t.Fatalf("events closed after %d", got)
			}
			if m.Janus != "event" {
				continue
			}
			var d struct {
				N int `json:"n"`
			}
			_ = json.Unmarshal(m.PluginData.Data, &d)
			if d.N != got+1 {
				t.Fatalf("event %d after %d: out of order or lost", d.N, got)
			}
			got++
		case <-ctx.Done():
			t.Fatalf("only %d of %d events", got, events)
		}
	}
	wg.Wait()
	if failed.Load() > 0 {
		t.FailNow()
	}
	// 12 pings plus one inside every fragmented message.
	if !waitUntil(2*time.Second, func() bool { return r.pongs.Load() >= events/25 }) {
		t.Fatalf("pongs = %d, want >= %d", r.pongs.Load(), events/25)
	}
}

// TestWSEventsWhileIdle: with no call in flight, the reader goroutine takes
// the read role and delivers events.
func TestWSEventsWhileIdle(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	r := newRawJanus(t, func(*rawJanus, map[string]any) {})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, h := sessionAndHandle(ctx, t, r.url(), WithKeepAlive(0))
	for _, wait := range []time.Duration{0, 100 * time.Microsecond, 5 * time.Millisecond, 50 * time.Millisecond} {
		time.Sleep(wait)
		r.text(`{"janus":"webrtcup","session_id":11,"sender":22}`, 0)
		select {
		case m := <-h.Events():
			if m.Janus != "webrtcup" {
				t.Fatalf("event %q", m.Janus)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("event sent %v after the last call never delivered", wait)
		}
	}
}

// TestWSCancelPassesRole: a caller whose context ends while it reads gives
// the read role back without losing or splitting a message, even when the
// server dribbles a message byte by byte across the cancellation.
func TestWSCancelPassesRole(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	var dribble sync.Once
	r := newRawJanus(t, func(r *rawJanus, req map[string]any) {
		switch req["janus"] {
		case "keepalive":
			r.text(ackFor(req), 0)
		case "message":
			// Never answered; one event dribbles in meanwhile.
			dribble.Do(func() {
				go func() {
					b := frame(0x1, true, []byte(`{"janus":"event","session_id":11,"sender":22,"plugindata":{"plugin":"p","data":{"slow":true}}}`))
					r.mu.Lock() // nothing else can go out mid-frame
					defer r.mu.Unlock()
					for _, x := range b {
						_, _ = r.conn.Write([]byte{x})
						time.Sleep(2 * time.Millisecond)
					}
				}()
			})
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, h := sessionAndHandle(ctx, t, r.url(), WithKeepAlive(0))
	// Cancelled (no deadline) and deadline-bound callers, several times
	// while the event's bytes trickle in.
	for i := 0; i < 6; i++ {
		cctx, ccancel := context.WithCancel(ctx)
		go func() { time.Sleep(15 * time.Millisecond); ccancel() }()
		if _, err := h.Message(cctx, map[string]any{"request": "silent"}, nil); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled message: %v", err)
		}
		dctx, dcancel := context.WithTimeout(ctx, 10*time.Millisecond)
		_, err := h.Message(dctx, map[string]any{"request": "silent"}, nil)
		dcancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("timed-out message: %v", err)
		}
		if err := s.KeepAlive(ctx); err != nil {
			t.Fatalf("keepalive after a cancelled reader: %v", err)
		}
	}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case m := <-h.Events():
			if m.Janus == "event" && strings.Contains(string(m.PluginData.Data), `"slow":true`) {
				return
			}
		case <-deadline:
			t.Fatal("the dribbled event was lost")
		}
	}
}

// sessionAndHandle dials url with opts (the client is closed in
// t.Cleanup, before goleak's check registered earlier runs), creates a
// session and attaches a handle to plugin "p".
func sessionAndHandle(ctx context.Context, t *testing.T, url string, opts ...Option) (*Session, *Handle) {
	t.Helper()
	c, err := Dial(ctx, url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s, err := c.CreateSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.Attach(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	return s, h
}

func waitUntil(d time.Duration, cond func() bool) bool {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if cond() {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return cond()
}

// TestWSRequestTimeout: with a context that never ends, the client's
// request timeout ends a call whether it holds the read role or waits for
// it, and the connection stays usable.
func TestWSRequestTimeout(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	f := newFakeJanus(t, scripted)
	ctx := context.Background()
	s, h := sessionAndHandle(ctx, t, f.url(), WithKeepAlive(0), WithRequestTimeout(80*time.Millisecond))
	start := time.Now()
	errs := make(chan error, 3)
	for i := 0; i < 3; i++ { // one leads, the others wait
		go func() {
			_, err := h.Message(ctx, map[string]any{"request": "silent"}, nil)
			errs <- err
		}()
	}
	for i := 0; i < 3; i++ {
		if err := <-errs; !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("silent message: %v, want DeadlineExceeded", err)
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("timed out after %v, want about 80ms", d)
	}
	if err := s.KeepAlive(ctx); err != nil {
		t.Fatalf("keepalive after timeouts: %v", err)
	}
}
