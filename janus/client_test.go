package janus

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/janus/wire"
	"github.com/gorilla/websocket"
	"go.uber.org/goleak"
)

// fakeJanus is a scripted Janus API server over WebSocket: reply decides
// what to send back for each request (nil: nothing).
type fakeJanus struct {
	srv   *httptest.Server
	reply func(req map[string]any) []string
	mu    sync.Mutex
	conn  *websocket.Conn
}

func newFakeJanus(t *testing.T, reply func(req map[string]any) []string) *fakeJanus {
	f := &fakeJanus{reply: reply}
	up := websocket.Upgrader{Subprotocols: []string{Subprotocol}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		f.mu.Lock()
		f.conn = c
		f.mu.Unlock()
		for {
			_, b, err := c.ReadMessage()
			if err != nil {
				return
			}
			var req map[string]any
			_ = json.Unmarshal(b, &req)
			for _, out := range f.reply(req) {
				f.send(out)
			}
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeJanus) send(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_ = f.conn.WriteMessage(websocket.TextMessage, []byte(s))
}

func (f *fakeJanus) url() string { return "ws" + strings.TrimPrefix(f.srv.URL, "http") }

// sub replaces $T with the request's transaction.
func sub(req map[string]any, s string) string {
	tx, _ := req["transaction"].(string)
	return strings.ReplaceAll(s, "$T", tx)
}

func scripted(req map[string]any) []string {
	switch req["janus"] {
	case "create":
		return []string{sub(req, `{"janus":"success","transaction":"$T","data":{"id":11}}`)}
	case "attach":
		if req["plugin"] == "janus.plugin.nope" {
			return []string{sub(req, `{"janus":"error","transaction":"$T","error":{"code":460,"reason":"No such plugin"}}`)}
		}
		return []string{sub(req, `{"janus":"success","transaction":"$T","session_id":11,"data":{"id":22}}`)}
	case "message":
		body := req["body"].(map[string]any)
		switch body["request"] {
		case "sync":
			return []string{sub(req, `{"janus":"success","transaction":"$T","sender":22,"plugindata":{"plugin":"p","data":{"ok":1}}}`)}
		case "syncerr":
			return []string{sub(req, `{"janus":"success","transaction":"$T","sender":22,"plugindata":{"plugin":"p","data":{"error_code":426,"error":"No such room"}}}`)}
		case "async":
			// ack, then unsolicited events, then the answer, in that order.
			return []string{
				sub(req, `{"janus":"ack","transaction":"$T","session_id":11}`),
				`{"janus":"event","session_id":11,"sender":22,"plugindata":{"plugin":"p","data":{"n":1}}}`,
				`{"janus":"webrtcup","session_id":11,"sender":22}`,
				sub(req, `{"janus":"event","transaction":"$T","session_id":11,"sender":22,"plugindata":{"plugin":"p","data":{"answer":true}},"jsep":{"type":"answer","sdp":"v=0"}}`),
				`[{"janus":"media","session_id":11,"sender":22,"type":"audio","receiving":true},{"janus":"hangup","session_id":11,"sender":22,"reason":"DTLS alert"}]`,
			}
		case "silent":
			return nil
		}
	case "detach":
		return []string{sub(req, `{"janus":"success","transaction":"$T","session_id":11}`), `{"janus":"detached","session_id":11,"sender":22}`}
	case "keepalive", "trickle":
		return []string{sub(req, `{"janus":"ack","transaction":"$T","session_id":11}`)}
	}
	return []string{sub(req, `{"janus":"error","transaction":"$T","error":{"code":453,"reason":"Unknown request"}}`)}
}

func TestClientAgainstFake(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // runs last
	f := newFakeJanus(t, scripted)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, f.url())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.CreateSession(ctx)
	if err != nil || s.ID() != 11 {
		t.Fatalf("session %v, %v", s, err)
	}
	if _, err := s.Attach(ctx, "janus.plugin.nope"); !errors.Is(err, &Error{Code: wire.CodePluginNotFound}) {
		t.Fatalf("attach unknown plugin: %v", err)
	}
	h, err := s.Attach(ctx, "p")
	if err != nil || h.ID() != 22 {
		t.Fatalf("handle %v, %v", h, err)
	}

	tests := []struct {
		name    string
		run     func() error
		wantErr error
	}{
		{"sync request", func() error {
			d, err := h.Request(ctx, map[string]any{"request": "sync"})
			if err == nil && string(d) != `{"ok":1}` {
				return errors.New("data " + string(d))
			}
			return err
		}, nil},
		{"plugin error in success", func() error {
			_, err := h.Request(ctx, map[string]any{"request": "syncerr"})
			return err
		}, &PluginError{Code: 426}},
		{"async waits past ack", func() error {
			m, err := h.Message(ctx, map[string]any{"request": "async"}, nil)
			if err == nil && (m.JSEP == nil || m.JSEP.Type != "answer" || m.Janus != "event") {
				return errors.New("no answer: " + string(m.Raw))
			}
			return err
		}, nil},
		{"timeout", func() error {
			short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			defer cancel()
			_, err := h.Message(short, map[string]any{"request": "silent"}, nil)
			return err
		}, context.DeadlineExceeded},
		{"keepalive", func() error { return s.KeepAlive(ctx) }, nil},
		{"trickle", func() error { return h.TrickleCompleted(ctx) }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
		})
	}

	// Unsolicited events arrive in order; the answer went to the caller.
	want := []string{"event", "webrtcup", "media", "hangup"}
	for i, w := range want {
		select {
		case m := <-h.Events():
			if m.Janus != w {
				t.Fatalf("event %d = %s, want %s", i, m.Janus, w)
			}
		case <-ctx.Done():
			t.Fatalf("event %d (%s) missing", i, w)
		}
	}
	if err := h.Detach(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-h.Events(); ok {
		// "detached" may be queued before the channel closes.
		for range h.Events() {
		}
	}
}

func TestClientFailsPendingOnDrop(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // runs last
	f := newFakeJanus(t, scripted)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, h := sessionAndHandle(ctx, t, f.url(), WithKeepAlive(10*time.Millisecond))
	errc := make(chan error, 1)
	go func() {
		_, err := h.Message(ctx, map[string]any{"request": "silent"}, nil)
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	f.mu.Lock()
	f.conn.Close()
	f.mu.Unlock()
	select {
	case err := <-errc:
		if !errors.Is(err, ErrConnectionLost) {
			t.Fatalf("err = %v, want ErrConnectionLost", err)
		}
	case <-ctx.Done():
		t.Fatal("pending call not failed on drop")
	}
	if _, err := s.Attach(ctx, "p"); !errors.Is(err, ErrClosed) && !errors.Is(err, ErrConnectionLost) {
		t.Fatalf("attach after drop: %v", err)
	}
	for range h.Events() {
	}
}

func TestDialErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Dial(ctx, "ftp://x"); !errors.Is(err, ErrUnsupportedURL) {
		t.Fatalf("ftp: %v", err)
	}
	// A server that refuses the janus-protocol subprotocol.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up := websocket.Upgrader{}
		c, err := up.Upgrade(w, r, nil)
		if err == nil {
			c.Close()
		}
	}))
	defer srv.Close()
	if _, err := Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")); err == nil || !strings.Contains(err.Error(), "subprotocol") {
		t.Fatalf("no subprotocol: %v", err)
	}
}

func TestRequestExtraMerges(t *testing.T) {
	b, err := json.Marshal(&request{Janus: "add_token", Transaction: "t", AdminSecret: "s", Extra: map[string]any{"token": "x", "plugins": []string{"p"}}})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if m["janus"] != "add_token" || m["token"] != "x" || m["admin_secret"] != "s" {
		t.Fatalf("%s", b)
	}
}
