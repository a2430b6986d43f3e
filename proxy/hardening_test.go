package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/frontdesk/frontdesk/auth"
)

// fakeVerifier accepts any ticket "<id>:<participant>" and refuses the rest.
type fakeVerifier struct{}

func (fakeVerifier) VerifyTicket(raw string) (auth.Ticket, error) {
	id, pid, ok := strings.Cut(raw, ":")
	if !ok {
		return auth.Ticket{}, fmt.Errorf("bad ticket")
	}
	var n uint64
	if _, err := fmt.Sscan(pid, &n); err != nil {
		return auth.Ticket{}, err
	}
	return auth.Ticket{ID: id, CallID: "call-1", Room: 7, ParticipantID: n, Display: "P",
		ExpiresAt: time.Now().Add(time.Minute)}, nil
}

// fakeJanus is a backend speaking just enough Janus over HTTP and WebSocket:
// create answers session 123; a long-poll blocks until the request ends.
type fakeJanus struct {
	srv      *httptest.Server
	mu       sync.Mutex
	paths    []string
	polling  chan struct{}
	pollDone chan struct{}
}

func newFakeJanus(t *testing.T) *fakeJanus {
	f := &fakeJanus{polling: make(chan struct{}, 16), pollDone: make(chan struct{}, 16)}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.paths = append(f.paths, r.URL.RequestURI())
		f.mu.Unlock()
		if websocket.IsWebSocketUpgrade(r) {
			up := websocket.Upgrader{Subprotocols: []string{"janus-protocol"}}
			c, err := up.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer c.Close()
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					return
				}
			}
		}
		switch r.Method {
		case http.MethodPost:
			var req struct {
				Transaction string `json:"transaction"`
			}
			_ = json.NewDecoder(r.Body).Decode(&req)
			fmt.Fprintf(w, `{"janus":"success","transaction":%q,"data":{"id":123}}`, req.Transaction)
		case http.MethodGet:
			f.polling <- struct{}{}
			select {
			case <-r.Context().Done():
			case <-time.After(20 * time.Second):
				fmt.Fprint(w, `{"janus":"keepalive"}`)
			}
			f.pollDone <- struct{}{}
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeJanus) target() Target {
	return Target{Instance: "fake", WSURL: "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/janus",
		HTTPURL: f.srv.URL + "/janus", Token: "tok"}
}

func newTestProxy(t *testing.T, f *fakeJanus, opts ...Option) (*Proxy, *httptest.Server) {
	t.Helper()
	p, err := New(fakeVerifier{}, ResolverFunc(func(context.Context, auth.Ticket) (Target, error) { return f.target(), nil }),
		append([]Option{WithLogger(slog.New(slog.DiscardHandler))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/janus", p)
	mux.Handle("/janus/", p)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { _ = p.Close(); srv.Close() })
	return p, srv
}

func post(t *testing.T, url, body string, h http.Header) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func seriesCount(t *testing.T, g prometheus.Gatherer, name string) int {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return len(mf.GetMetric())
		}
	}
	return 0
}

// syncBuffer is a log sink safe for concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDenialsKeepFixedLabelsAndShortLogs sends 10,000 distinct refused
// requests (bogus verbs, some of 2 KB, with newlines) and checks that the
// denials metric gains no series beyond the fixed set and no log line
// carries a client string longer than the clip or a raw newline.
func TestDenialsKeepFixedLabelsAndShortLogs(t *testing.T) {
	f := newFakeJanus(t)
	reg := prometheus.NewRegistry()
	var logs syncBuffer
	_, srv := newTestProxy(t, f, WithRegisterer(reg), WithRateLimit(1e9, 1<<30),
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	h := http.Header{TicketHeader: {"t1:1"}}
	send := func(verb string) {
		body, _ := json.Marshal(map[string]string{"janus": verb, "transaction": "x"})
		resp, reply := post(t, srv.URL+"/janus", string(body), h)
		if resp.StatusCode != http.StatusOK || !strings.Contains(reply, `"code":403`) {
			t.Fatalf("bogus %.20q: %d %s", verb, resp.StatusCode, reply)
		}
	}
	send("bogus-warmup")
	send("info")
	before := seriesCount(t, reg, "frontdesk_proxy_denials_total")
	long := strings.Repeat("A", 2048)
	for i := range 10000 {
		v := fmt.Sprintf("bogus-%d", i)
		if i%100 == 0 {
			v += "\nforged=1 " + long
		}
		send(v)
	}
	if after := seriesCount(t, reg, "frontdesk_proxy_denials_total"); after != before {
		t.Fatalf("denial series: %d before, %d after 10,000 distinct bogus requests", before, after)
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "forged=1") && !strings.Contains(line, `\nforged=1`) {
			t.Fatalf("a client newline reached the log raw: %.200s", line)
		}
		if strings.Contains(line, strings.Repeat("A", maxLoggedClientString+1)) {
			t.Fatalf("a log line carries an unclipped client string (%d bytes)", len(line))
		}
	}
	if !strings.Contains(logs.String(), "request=other") {
		t.Fatalf("denials are not logged with the fixed label; log starts %.300s", logs.String())
	}
}

func TestDenialLabel(t *testing.T) {
	tests := []struct{ verb, want string }{
		{"attach", "attach"},
		{"info", "info"},
		{"invalid", "invalid"},
		{"rate_limited", "rate_limited"},
		{"bogus", "other"},
		{"message:join", "message:join"},
		{"message:kick", "message:kick"},
		{"message:unknown", "message:unknown"},
		{"message:anything-at-all", "message:other"},
		{"message:" + strings.Repeat("x", 5000), "message:other"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := denialLabel(tc.verb); got != tc.want {
				t.Fatalf("denialLabel(%.30q) = %q, want %q", tc.verb, got, tc.want)
			}
		})
	}
}

// TestHTTPRateLimitPerParticipant: the HTTP transport has the WebSocket's
// per-client rate limit, keyed by participant so fresh tickets do not
// reset it, and one participant's flood does not slow another.
func TestHTTPRateLimitPerParticipant(t *testing.T) {
	f := newFakeJanus(t)
	_, srv := newTestProxy(t, f, WithRateLimit(0.1, 3))
	create := `{"janus":"create","transaction":"c"}`
	for i := range 3 {
		if resp, body := post(t, srv.URL+"/janus", create, http.Header{TicketHeader: {fmt.Sprintf("t%d:1", i)}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d within the burst: %d %s", i, resp.StatusCode, body)
		}
	}
	resp, _ := post(t, srv.URL+"/janus", create, http.Header{TicketHeader: {"fresh:1"}})
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("request over the burst with a fresh ticket of the same participant: %d, want 429", resp.StatusCode)
	}
	if resp, body := post(t, srv.URL+"/janus", create, http.Header{TicketHeader: {"other:2"}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("another participant: %d %s", resp.StatusCode, body)
	}
}

// TestWebSocketCapPerParticipant: the connection cap counts every ticket
// minted for the same participant.
func TestWebSocketCapPerParticipant(t *testing.T) {
	f := newFakeJanus(t)
	_, srv := newTestProxy(t, f, WithMaxConnsPerParticipant(2))
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/janus"
	dial := func(ticket string) (*websocket.Conn, int) {
		d := websocket.Dialer{Subprotocols: []string{"janus-protocol"}}
		c, resp, err := d.Dial(url, http.Header{TicketHeader: {ticket}})
		if err != nil {
			if resp == nil {
				t.Fatal(err)
			}
			return nil, resp.StatusCode
		}
		t.Cleanup(func() { c.Close() })
		return c, http.StatusSwitchingProtocols
	}
	for _, tk := range []string{"a:1", "b:1"} {
		if _, st := dial(tk); st != http.StatusSwitchingProtocols {
			t.Fatalf("ticket %s: %d", tk, st)
		}
	}
	if _, st := dial("c:1"); st != http.StatusTooManyRequests {
		t.Fatalf("third connection of participant 1 on a fresh ticket: %d, want 429", st)
	}
	if _, st := dial("d:2"); st != http.StatusSwitchingProtocols {
		t.Fatalf("participant 2: %d", st)
	}
}

// TestTicketInPathAndCORS: janus.js keeps a server of /janus/t/<ticket> on
// every request (it appends /<session>[/<handle>]); preflights from allowed
// origins are answered; the ticket never reaches a log line.
func TestTicketInPathAndCORS(t *testing.T) {
	f := newFakeJanus(t)
	var logs syncBuffer
	_, srv := newTestProxy(t, f, WithAllowedOrigins("http://app.example:8081"),
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	base := srv.URL + "/janus/t/secretticket:1"
	origin := http.Header{"Origin": {"http://app.example:8081"}}
	resp, body := post(t, base, `{"janus":"create","transaction":"c"}`, origin)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"id":123`) {
		t.Fatalf("create at %s: %d %s", base, resp.StatusCode, body)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "http://app.example:8081" {
		t.Fatalf("Access-Control-Allow-Origin = %q", got)
	}
	resp, body = post(t, base+"/123", `{"janus":"keepalive","transaction":"k"}`, origin)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "success") {
		t.Fatalf("keepalive at %s/123: %d %s", base, resp.StatusCode, body)
	}
	f.mu.Lock()
	last := f.paths[len(f.paths)-1]
	f.mu.Unlock()
	if last != "/janus/123" {
		t.Fatalf("backend saw %q, want /janus/123", last)
	}
	if resp, body := post(t, base+"/999/1/2", `{}`, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("too long a path: %d %s", resp.StatusCode, body)
	}

	tests := []struct {
		name, origin string
		want         int
	}{
		{"allowed origin", "http://app.example:8081", http.StatusNoContent},
		{"other origin", "http://evil.example", http.StatusForbidden},
		{"allowed host, other scheme", "https://app.example:8081", http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodOptions, base+"/123", nil)
			req.Header.Set("Origin", tc.origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "content-type")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("preflight: %d, want %d", resp.StatusCode, tc.want)
			}
			if tc.want == http.StatusNoContent {
				if !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") ||
					!strings.Contains(strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")), "content-type") {
					t.Fatalf("preflight headers: %v", resp.Header)
				}
			}
		})
	}
	if strings.Contains(logs.String(), "secretticket") {
		t.Fatalf("the ticket reached the log: %.300s", logs.String())
	}
}

// TestLongPollEndsOnShutdown: graceful shutdown does not wait for a pending
// long-poll (the proxy's Close runs on shutdown, as app wires it).
func TestLongPollEndsOnShutdown(t *testing.T) {
	f := newFakeJanus(t)
	p, err := New(fakeVerifier{}, ResolverFunc(func(context.Context, auth.Ticket) (Target, error) { return f.target(), nil }),
		WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(p)
	srv.Config.RegisterOnShutdown(func() { _ = p.Close() })
	srv.Start()
	defer srv.Close()
	h := http.Header{TicketHeader: {"t:1"}}
	if resp, body := post(t, srv.URL+"/janus", `{"janus":"create","transaction":"c"}`, h); resp.StatusCode != http.StatusOK {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	polled := make(chan string, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/janus/123?maxev=1", nil)
		req.Header = h
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			polled <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		polled <- string(b)
	}()
	<-f.polling
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := srv.Config.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with a pending long-poll: %v after %v", err, time.Since(start))
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("shutdown took %v with a pending long-poll", d)
	}
	if got := <-polled; !strings.Contains(got, "keepalive") {
		t.Fatalf("the ended long-poll answered %q, want a keepalive", got)
	}
}

// FuzzTicketPath: any request path parses without panicking, a ticket found
// in it never reaches the logged path, and the logged path stays bounded.
func FuzzTicketPath(f *testing.F) {
	for _, s := range []string{"/janus", "/janus/t/abc", "/janus/t/abc/1/2", "/x/janus/t//3", "/janus/t/a/janus/t/b/1", "/janus/1/2/3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		_, _, _ = parsePath(path)
		if _, _, ok := splitTicketPath(path); !ok {
			return
		}
		logged := logPath(path)
		if len(logged) > 4*maxLoggedClientString+16 { // every byte escaped as \xNN
			t.Fatalf("logged path of %d bytes", len(logged))
		}
		// The first ticket segment (the one the proxy reads) is redacted.
		if i := strings.Index(logged, "/janus/t/"); i >= 0 && !strings.HasPrefix(logged[i+len("/janus/t/"):], "REDACTED") &&
			len(logged) > i+len("/janus/t/")+len("REDACTED")+4 {
			t.Fatalf("logged path %s shows the ticket", logged)
		}
	})
}
