package webhook

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/frontdesk/frontdesk/janus/events"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder is a fake Publisher that keeps what it is given.
type recorder struct {
	mu  sync.Mutex
	evs []*events.Event
}

func (r *recorder) Publish(evs ...*events.Event) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, evs...)
	return len(evs)
}

func (r *recorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.evs)
}

const (
	testUser = "janus"
	testPwd  = "evh-Pa55-word"
)

func newTestHandler(t *testing.T, cfg Config, opts ...Option) (*Handler, *recorder, *prometheus.Registry) {
	t.Helper()
	if cfg.Username == "" && cfg.Password == "" {
		cfg.Username, cfg.Password = testUser, testPwd
	}
	reg := prometheus.NewRegistry()
	rec := &recorder{}
	h, err := New(cfg, rec, append([]Option{WithRegisterer(reg), WithLogger(slog.New(slog.DiscardHandler))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return h, rec, reg
}

// Realistic events, in the shapes Janus 1.1.2 sends (see
// janus/events/testdata/captured-janus-1.1.2.jsonl).
const (
	evJoined   = `{"emitter":"janus-1","type":64,"timestamp":1795433114929610,"session_id":7518772630400448,"handle_id":497327828676868,"opaque_id":"fd-1","event":{"plugin":"janus.plugin.videoroom","data":{"event":"joined","room":4242,"id":1001,"private_id":3577402976,"display":"Alice"}}}`
	evWebRTCUp = `{"emitter":"janus-1","type":16,"subtype":6,"timestamp":1795433114973270,"session_id":7518772630400448,"handle_id":497327828676868,"opaque_id":"fd-1","event":{"connection":"webrtcup"}}`
	evLeaving  = `{"emitter":"janus-1","type":64,"timestamp":1795433124029077,"event":{"plugin":"janus.plugin.videoroom","data":{"event":"leaving","room":4242,"id":1001}}}`
	evStarted  = `{"emitter":"janus-1","type":256,"subtype":1,"timestamp":1795433061479588,"event":{"status":"started","info":{"janus":"server_info","name":"Janus WebRTC Server","version":1102,"version_string":"1.1.2","server-name":"janus-1"}}}`
	evShutdown = `{"emitter":"janus-1","type":256,"subtype":2,"timestamp":1795433133752643,"event":{"status":"shutdown","signum":2}}`
)

func post(h http.Handler, body []byte, mutate ...func(*http.Request)) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, DefaultPath, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.SetBasicAuth(testUser, testPwd)
	for _, m := range mutate {
		m(r)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

type problemDoc struct {
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Index  int    `json:"index"`
		Reason string `json:"reason"`
	} `json:"errors"`
}

func decodeProblem(t *testing.T, w *httptest.ResponseRecorder) problemDoc {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want problem JSON (body %s)", ct, w.Body)
	}
	var p problemDoc
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAcceptsSingleObjectArrayAndGzip(t *testing.T) {
	tests := []struct {
		name   string
		body   func(t *testing.T) []byte
		gzip   bool
		wantN  int
		wantEv []string
	}{
		{"single object", func(*testing.T) []byte { return []byte(evJoined) }, false, 1, []string{"plugins/joined"}},
		{"array (grouping = true)", func(*testing.T) []byte { return []byte("[" + evJoined + "," + evWebRTCUp + "," + evLeaving + "]") }, false, 3,
			[]string{"plugins/joined", "webrtc/webrtcup", "plugins/leaving"}},
		{"gzip array (compress = true)", func(t *testing.T) []byte { return gz(t, []byte("["+evStarted+","+evJoined+"]")) }, true, 2,
			[]string{"core/started", "plugins/joined"}},
		{"indented JSON (json = indented)", func(*testing.T) []byte {
			var v any
			_ = json.Unmarshal([]byte(evJoined), &v)
			b, _ := json.MarshalIndent([]any{v}, "", "   ")
			return b
		}, false, 1, []string{"plugins/joined"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, rec, _ := newTestHandler(t, Config{})
			w := post(h, tt.body(t), func(r *http.Request) {
				if tt.gzip {
					r.Header.Set("Content-Encoding", "gzip")
				}
			})
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			want := fmt.Sprintf(`{"received":%d,"published":%d,"duplicates":0,"refused":0}`, tt.wantN, tt.wantN)
			if w.Body.String() != want {
				t.Fatalf("reply %s, want %s", w.Body, want)
			}
			if rec.len() != tt.wantN {
				t.Fatalf("published %d, want %d", rec.len(), tt.wantN)
			}
			for i, name := range tt.wantEv {
				if got := rec.evs[i].Name(); got != name {
					t.Errorf("event %d = %s, want %s", i, got, name)
				}
			}
		})
	}
}

func TestCorrelatesBeforePublishing(t *testing.T) {
	h, rec, _ := newTestHandler(t, Config{})
	if w := post(h, []byte("["+evJoined+","+evWebRTCUp+"]")); w.Code != http.StatusOK {
		t.Fatal(w.Code, w.Body)
	}
	up := rec.evs[1]
	if up.Room != "4242" || up.Participant != "1001" {
		t.Fatalf("webrtcup published with room=%q participant=%q, want 4242/1001", up.Room, up.Participant)
	}
}

func TestWrongCredentialsPublishNothing(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*http.Request)
	}{
		{"wrong password", func(r *http.Request) { r.SetBasicAuth(testUser, "guess") }},
		{"wrong user", func(r *http.Request) { r.SetBasicAuth("admin", testPwd) }},
		{"no credentials", func(r *http.Request) { r.Header.Del("Authorization") }},
		{"bearer instead of basic", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+testPwd) }},
		{"password prefix", func(r *http.Request) { r.SetBasicAuth(testUser, testPwd[:5]) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			h, rec, reg := newTestHandler(t, Config{}, WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
			w := post(h, []byte(evJoined), tt.mutate)
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", w.Code)
			}
			if !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Basic ") {
				t.Fatalf("WWW-Authenticate = %q", w.Header().Get("WWW-Authenticate"))
			}
			decodeProblem(t, w)
			if rec.len() != 0 {
				t.Fatalf("published %d events on an auth failure", rec.len())
			}
			if n := testutil.ToFloat64(h.m.authFailures); n != 1 {
				t.Fatalf("auth failures metric = %v", n)
			}
			if n, _ := testutil.GatherAndCount(reg, "frontdesk_janus_event_batches_total"); n != 1 || testutil.ToFloat64(h.m.batches) != 0 {
				t.Fatal("the body of an unauthenticated post was read")
			}
			if strings.Contains(logs.String(), testPwd) || strings.Contains(logs.String(), "guess") || logs.Len() == 0 {
				t.Fatalf("log leaks a password or is empty: %s", logs.String())
			}
		})
	}
}

func TestOversizeBody(t *testing.T) {
	big := []byte("[" + strings.Repeat(evJoined+",", 400) + evJoined + "]")
	tests := []struct {
		name   string
		body   []byte
		mutate func(*http.Request)
	}{
		{"declared length", big, nil},
		{"chunked, no length", big, func(r *http.Request) { r.ContentLength = -1 }},
		{"gzip bomb", nil, func(r *http.Request) { r.Header.Set("Content-Encoding", "gzip") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, rec, _ := newTestHandler(t, Config{MaxBodyBytes: 64 << 10, MaxDecodedBytes: 128 << 10})
			body := tt.body
			if body == nil {
				body = gz(t, bytes.Repeat([]byte(" "), 1<<20)) // 1 MiB of spaces, ~1 KiB gzipped
			}
			var mutate []func(*http.Request)
			if tt.mutate != nil {
				mutate = append(mutate, tt.mutate)
			}
			w := post(h, body, mutate...)
			if w.Code != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d, want 413: %s", w.Code, w.Body)
			}
			decodeProblem(t, w)
			if rec.len() != 0 {
				t.Fatal("published from an oversize body")
			}
		})
	}
}

func TestTooManyEvents(t *testing.T) {
	h, rec, _ := newTestHandler(t, Config{MaxEvents: 3})
	w := post(h, []byte("["+strings.Repeat(evJoined+",", 3)+evJoined+"]"))
	if w.Code != http.StatusRequestEntityTooLarge || rec.len() != 0 {
		t.Fatalf("status %d, published %d", w.Code, rec.len())
	}
}

func TestMalformedBodies(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		mutate     func(*http.Request)
		wantStatus int
		wantDetail string
	}{
		{"truncated JSON", `[{"type":64,"event":`, nil, 400, "malformed JSON at byte"},
		{"not JSON", `hello`, nil, 400, "malformed JSON"},
		{"empty body", ``, nil, 400, "no events"},
		{"empty array", `[]`, nil, 400, "no events"},
		{"a string", `"x"`, nil, 400, "not a JSON object"},
		{"event without type", `{"event":{}}`, nil, 400, `no integer "type"`},
		{"bad gzip", `not gzip`, func(r *http.Request) { r.Header.Set("Content-Encoding", "gzip") }, 400, "gzip"},
		{"unknown encoding", evJoined, func(r *http.Request) { r.Header.Set("Content-Encoding", "br") }, 415, "br"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, rec, _ := newTestHandler(t, Config{})
			var mutate []func(*http.Request)
			if tt.mutate != nil {
				mutate = append(mutate, tt.mutate)
			}
			w := post(h, []byte(tt.body), mutate...)
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			p := decodeProblem(t, w)
			if !strings.Contains(p.Detail, tt.wantDetail) {
				t.Fatalf("detail %q does not say %q", p.Detail, tt.wantDetail)
			}
			if rec.len() != 0 {
				t.Fatal("published from a malformed body")
			}
		})
	}
}

func TestPartlyDecodableBatchKeepsTheGoodEvents(t *testing.T) {
	h, rec, _ := newTestHandler(t, Config{})
	w := post(h, []byte("["+evJoined+`,{"no":"type"},`+evWebRTCUp+"]"))
	if w.Code != http.StatusBadRequest {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	p := decodeProblem(t, w)
	if len(p.Errors) != 1 || p.Errors[0].Index != 1 || !strings.Contains(p.Errors[0].Reason, "type") {
		t.Fatalf("errors = %+v", p.Errors)
	}
	if rec.len() != 2 {
		t.Fatalf("published %d, want the 2 good events", rec.len())
	}
	if testutil.ToFloat64(h.m.decodeErrors) != 1 {
		t.Fatal("decode error not counted")
	}
}

func TestDuplicateDeliveryProcessedOnce(t *testing.T) {
	h, rec, _ := newTestHandler(t, Config{})
	body := []byte("[" + evJoined + "," + evWebRTCUp + "]")
	for i := range 3 {
		if w := post(h, body); w.Code != http.StatusOK {
			t.Fatalf("post %d: %d", i, w.Code)
		}
	}
	// Same events again, one new, gzip this time: only the new one passes.
	w := post(h, gz(t, []byte("["+evWebRTCUp+","+evLeaving+","+evJoined+"]")), func(r *http.Request) { r.Header.Set("Content-Encoding", "gzip") })
	if w.Body.String() != `{"received":3,"published":1,"duplicates":2,"refused":0}` {
		t.Fatalf("reply %s", w.Body)
	}
	if rec.len() != 3 {
		t.Fatalf("published %d events, want 3 distinct", rec.len())
	}
	if got := testutil.ToFloat64(h.m.dedupeHits); got != 6 {
		t.Fatalf("dedupe hits = %v, want 6", got)
	}
	// Same envelope, different body: not a duplicate.
	other := strings.Replace(evWebRTCUp, "webrtcup", "hangup", 1)
	post(h, []byte(other))
	if rec.len() != 4 {
		t.Fatal("an event with a different body was dropped as a duplicate")
	}
}

func TestAllowList(t *testing.T) {
	allowed, err := ParsePrefixes("10.77.0.0/16, 127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		remote string
		want   int
	}{
		{"10.77.3.2:40000", http.StatusOK},
		{"127.0.0.1:5555", http.StatusOK},
		{"[::ffff:127.0.0.1]:5555", http.StatusOK},
		{"192.0.2.9:40000", http.StatusForbidden},
		{"[2001:db8::1]:1", http.StatusForbidden},
		{"garbage", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.remote, func(t *testing.T) {
			h, rec, _ := newTestHandler(t, Config{AllowedSources: allowed})
			w := post(h, []byte(evJoined), func(r *http.Request) { r.RemoteAddr = tt.remote })
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d", w.Code, tt.want)
			}
			if tt.want == http.StatusForbidden {
				decodeProblem(t, w)
				if rec.len() != 0 {
					t.Fatal("published from a refused source")
				}
			}
		})
	}
	if _, err := ParsePrefixes("10.0.0.0/33"); err == nil {
		t.Fatal("bad prefix accepted")
	}
	if ps, err := ParsePrefixes("10.77.0.0/16", " ", "::1, 192.0.2.7"); err != nil || len(ps) != 3 || ps[1].Bits() != 128 || ps[2].String() != "192.0.2.7/32" {
		t.Fatalf("list form: %v, %v", ps, err)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	h, _, _ := newTestHandler(t, Config{})
	r := httptest.NewRequest(http.MethodGet, DefaultPath, nil)
	r.SetBasicAuth(testUser, testPwd)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != http.MethodPost {
		t.Fatalf("status %d, Allow %q", w.Code, w.Header().Get("Allow"))
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"user without password", Config{Username: "u"}},
		{"password without user", Config{Password: "p"}},
		{"relative path", Config{Path: "janus/events"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg, &recorder{}); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	if _, err := New(Config{}, nil); err == nil {
		t.Fatal("nil publisher accepted")
	}
	h, err := New(Config{}, &recorder{})
	if err != nil {
		t.Fatal(err)
	}
	if w := post(h, []byte(evJoined), func(r *http.Request) { r.Header.Del("Authorization") }); w.Code != http.StatusOK {
		t.Fatalf("auth off: status %d", w.Code)
	}
}

func TestRegisterOnEcho(t *testing.T) {
	h, rec, _ := newTestHandler(t, Config{Path: "/hooks/janus"})
	e := echo.New()
	h.Register(e)
	r := httptest.NewRequest(http.MethodPost, "/hooks/janus", strings.NewReader(evJoined))
	r.SetBasicAuth(testUser, testPwd)
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	if w.Code != http.StatusOK || rec.len() != 1 {
		t.Fatalf("status %d, published %d", w.Code, rec.len())
	}
}

func TestMetricsAreRegistered(t *testing.T) {
	h, _, reg := newTestHandler(t, Config{})
	post(h, []byte("["+evStarted+","+evJoined+","+evWebRTCUp+"]"))
	post(h, []byte(evJoined))
	if got := testutil.ToFloat64(h.m.received.WithLabelValues("plugins", "janus-1")); got != 2 {
		t.Fatalf("plugins received from janus-1 = %v, want 2", got)
	}
	if got := testutil.ToFloat64(h.m.received.WithLabelValues("plugins", "janus-2")); got != 0 {
		t.Fatalf("plugins received from janus-2 = %v, want 0", got)
	}
	if got := testutil.ToFloat64(h.m.batches); got != 2 {
		t.Fatalf("batches = %v", got)
	}
	for _, name := range []string{"frontdesk_janus_events_received_total", "frontdesk_janus_event_ack_seconds",
		"frontdesk_janus_event_dedupe_hits_total", "frontdesk_janus_event_batches_total"} {
		if n, err := testutil.GatherAndCount(reg, name); err != nil || n == 0 {
			t.Errorf("%s not gathered (n=%d, err=%v)", name, n, err)
		}
	}
}

// TestMetricsEmitterLabelsBounded: the emitter label takes what the posting
// Janus says, so past maxEmitterLabels distinct emitters the rest count
// under "other" instead of making a series each.
func TestMetricsEmitterLabelsBounded(t *testing.T) {
	h, _, _ := newTestHandler(t, Config{})
	for i := range maxEmitterLabels + 10 {
		post(h, []byte(strings.Replace(evJoined, `"janus-1"`, fmt.Sprintf(`"janus-%d"`, 100+i), 1)))
	}
	if n := testutil.CollectAndCount(h.m.received); n > (maxEmitterLabels+1)*(len(knownTypes)+1) {
		t.Fatalf("%d series for %d emitters, want at most %d", n, maxEmitterLabels+10, (maxEmitterLabels+1)*(len(knownTypes)+1))
	}
	if got := testutil.ToFloat64(h.m.received.WithLabelValues("plugins", "other")); got != 11 {
		t.Fatalf("plugins from the emitters past the limit = %v, want 11 (the first 63 and \"\" have their own)", got)
	}
}

func TestTrackerFollowsInstanceLifecycle(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	h, _, _ := newTestHandler(t, Config{}, WithClock(func() time.Time { return now }))
	tr := h.Tracker()
	if _, ok := tr.Instance("janus-1"); ok {
		t.Fatal("unknown instance reported")
	}
	post(h, []byte(evStarted))
	in, ok := tr.Instance("janus-1")
	if !ok || in.State != StateUp || in.Version != "1.1.2" || in.Starts != 1 || !in.LastSeen.Equal(now) {
		t.Fatalf("after started: %+v", in)
	}
	now = now.Add(time.Minute)
	post(h, []byte(evJoined))
	post(h, []byte(evShutdown))
	in, _ = tr.Instance("janus-1")
	if in.State != StateDown || in.ShutdownSignal != 2 || in.Events != 3 || in.Shutdowns != 1 || !in.LastSeen.Equal(now) {
		t.Fatalf("after shutdown: %+v", in)
	}
	// A late (older) event does not bring it back up; a new start does.
	post(h, []byte(strings.Replace(evWebRTCUp, "janus-1", "janus-1", 1)))
	if in, _ = tr.Instance("janus-1"); in.State != StateDown {
		t.Fatalf("state %v after a late event", in.State)
	}
	restarted := strings.Replace(evStarted, "1795433061479588", "1795433200000000", 1)
	post(h, []byte(restarted))
	if in, _ = tr.Instance("janus-1"); in.State != StateUp || in.Starts != 2 {
		t.Fatalf("after restart: %+v", in)
	}
	// A stale started (retransmitted after the shutdown) does not flip it.
	post(h, []byte(evShutdown))
	post(h, []byte(strings.Replace(evShutdown, "1795433133752643", "1795433300000000", 1)))
	post(h, []byte(strings.Replace(evStarted, "1795433061479588", "1795433250000000", 1)))
	if in, _ = tr.Instance("janus-1"); in.State != StateDown {
		t.Fatalf("stale started flipped the state: %+v", in)
	}
	post(h, []byte(strings.Replace(evJoined, "janus-1", "janus-2", 1)))
	all := tr.Instances()
	if len(all) != 2 || all[0].Name != "janus-1" || all[1].Name != "janus-2" || all[1].State != StateUp {
		t.Fatalf("Instances() = %+v", all)
	}
	tr.Forget("janus-2")
	if len(tr.Instances()) != 1 {
		t.Fatal("Forget did not remove the instance")
	}
	if StateDown.String() != "down" || InstanceState(7).String() != "state(7)" {
		t.Fatal("InstanceState.String")
	}
}

func TestDedupeWindowAndSize(t *testing.T) {
	mk := func(ts int64) *events.Event {
		return &events.Event{Emitter: "j", Type: events.TypeMedia, Subtype: 3, SessionID: 1, HandleID: 2, Timestamp: ts, Body: []byte(`{"mid":"0"}`)}
	}
	t0 := time.Unix(0, 0)
	d := newDedupe(3, time.Minute)
	if got := d.fresh(t0, []*events.Event{mk(1), mk(1), mk(2)}, nil); fmt.Sprint(got) != "[true false true]" {
		t.Fatalf("within one batch: %v", got)
	}
	if got := d.fresh(t0.Add(30*time.Second), []*events.Event{mk(1), mk(3), mk(4)}, nil); fmt.Sprint(got) != "[false true true]" {
		t.Fatalf("second batch: %v", got)
	}
	if d.len() != 3 {
		t.Fatalf("len %d, want the size bound 3", d.len())
	}
	// mk(1) was the oldest and got evicted by size.
	if got := d.fresh(t0.Add(31*time.Second), []*events.Event{mk(1)}, nil); fmt.Sprint(got) != "[true]" {
		t.Fatalf("after eviction: %v", got)
	}
	// Past the window everything is fresh again.
	if got := d.fresh(t0.Add(5*time.Minute), []*events.Event{mk(3), mk(4)}, nil); fmt.Sprint(got) != "[true true]" {
		t.Fatalf("after the window: %v", got)
	}
	if d.len() != 2 {
		t.Fatalf("expired keys kept: len %d", d.len())
	}
}

func TestBatchOfOnlyBadElementsListsThem(t *testing.T) {
	h, rec, _ := newTestHandler(t, Config{MaxEvents: 3})
	w := post(h, []byte(`[{"no":"type"},7]`))
	if w.Code != http.StatusBadRequest || rec.len() != 0 {
		t.Fatalf("status %d, published %d", w.Code, rec.len())
	}
	if p := decodeProblem(t, w); len(p.Errors) != 2 || p.Errors[1].Index != 1 {
		t.Fatalf("errors = %+v", p.Errors)
	}
	// Bad elements count towards the limit too.
	if w := post(h, []byte(`[`+evJoined+`,1,2,3]`)); w.Code != http.StatusRequestEntityTooLarge || rec.len() != 0 {
		t.Fatalf("status %d, published %d", w.Code, rec.len())
	}
}
