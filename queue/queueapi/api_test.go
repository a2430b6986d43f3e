package queueapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/problem"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/queueapi"
	"github.com/frontdesk/frontdesk/queue/queueapi/queueapitest"
	"github.com/frontdesk/frontdesk/queue/queuetest"
	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"
	"go.uber.org/goleak"
)

type apiEnv struct {
	t    *testing.T
	env  *queuetest.Env
	api  *queueapi.API
	srv  *httptest.Server
	logs *syncBuffer
}

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

func newAPIEnv(t *testing.T) *apiEnv {
	t.Helper()
	return newAPIEnvWith(t)
}

func newAPIEnvWith(t *testing.T, opts ...queueapi.Option) *apiEnv {
	t.Helper()
	return newAPIEnvOn(t, queue.NewMemoryStore(), opts...)
}

// newAPIEnvOn is newAPIEnvWith on store st.
func newAPIEnvOn(t *testing.T, st queue.Store, opts ...queueapi.Option) *apiEnv {
	t.Helper()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	env := queuetest.NewEnv(t, st, monday10, queue.WithLogger(logger))
	api := queueapi.New(env.Engine, queueapitest.Identifier{}, func(r *http.Request) bool {
		return r.Header.Get("Origin") == "https://desk.example"
	}, append([]queueapi.Option{queueapi.WithLogger(logger), queueapi.WithHubInterval(10 * time.Millisecond), queueapi.WithJoinRate(0, 0)}, opts...)...)
	e := echo.New()
	e.HTTPErrorHandler = problem.HTTPErrorHandler(logger)
	api.Register(e.Group("/api/v1"))
	srv := httptest.NewServer(e)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = api.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		srv.Close()
	})
	return &apiEnv{t: t, env: env, api: api, srv: srv, logs: logs}
}

// do sends a request as user/role and decodes the JSON answer into out.
func (a *apiEnv) do(method, path, user, role string, body any, out any) (int, http.Header, string) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		if v := reflect.ValueOf(body); v.Kind() == reflect.String { // a raw body, also when typed (a queue.QueueID path part joined in)
			b = []byte(v.String())
		}
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.srv.URL+"/api/v1"+path, rd)
	if user != "" {
		req.Header.Set("X-User", user)
	}
	req.Header.Set("X-Role", role)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			a.t.Fatalf("%s %s: decoding %s: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode, resp.Header, string(raw)
}

func (a *apiEnv) mustDo(method, path, user, role string, body, out any, want int) string {
	a.t.Helper()
	code, _, raw := a.do(method, path, user, role, body, out)
	if code != want {
		a.t.Fatalf("%s %s as %s/%s = %d %s, want %d", method, path, user, role, code, raw, want)
	}
	return raw
}

const queueBody = `{"slug":"it-help","name":"IT help","mode":"auto","identity":"guest","media":"janus",
 "hours":{"zone":"Europe/Berlin","weekly":[[],[{"from":"09:00","to":"17:00"}],[{"from":"09:00","to":"17:00"}],[],[],[],[]]},
 "limits":{"max_waiting":10,"max_wait":0,"one_per_caller":true,"cooldown":300},
 "closing":{"stop_admitting":600,"at_close":"serve"},
 "timeouts":{"offer":20,"no_show":60,"wrap_up":0,"grace":30},
 "intake":[{"name":"topic","label":"Topic","required":true}],"service_level":45}`

func TestAPIQueuesAndRefusals(t *testing.T) {
	a := newAPIEnv(t)
	a.mustDo("POST", "/queues", "", "", queueBody, nil, 401)
	a.mustDo("POST", "/queues", "bob", "caller", queueBody, nil, 403)
	a.mustDo("POST", "/queues", "boss", "admin", `{"slug":"x","name":"x","bogus":1}`, nil, 400)
	var q queueapi.QueueJSON
	a.mustDo("POST", "/queues", "boss", "admin", queueBody, &q, 201)
	if q.ID == "" || q.Timeouts.Offer != queue.Seconds(20*time.Second) || q.Limits.Cooldown != queue.Seconds(5*time.Minute) || q.Status == nil || !q.Status.Open {
		t.Fatalf("created %+v", q)
	}
	var p map[string]any
	a.mustDo("POST", "/queues", "boss", "admin", queueBody, &p, 409) // slug taken
	a.mustDo("GET", "/queues/it-help", "bob", "caller", nil, &q, 200)

	// Intake required.
	a.mustDo("POST", string("/queues/"+q.ID+"/entries"), "bob", "caller", `{}`, &p, 400)
	if p["reason"] != "intake_missing" || p["field"] != "topic" {
		t.Fatalf("intake refusal %v", p)
	}
	// A caller may not set a priority.
	a.mustDo("POST", string("/queues/"+q.ID+"/entries"), "bob", "caller", `{"intake":{"topic":"wifi"},"priority":9}`, nil, 403)

	var joined struct {
		Entry       queueapi.EntryJSON `json:"entry"`
		ResumeToken string             `json:"resume_token"`
	}
	a.mustDo("POST", string("/queues/"+q.ID+"/entries"), "bob", "caller", `{"intake":{"topic":"wifi"}}`, &joined, 201)
	if joined.ResumeToken == "" || joined.Entry.Position != 1 || joined.Entry.State != queue.EntryWaiting {
		t.Fatalf("joined %+v", joined)
	}
	a.mustDo("POST", string("/queues/"+q.ID+"/entries"), "bob", "caller", `{"intake":{"topic":"wifi"}}`, &p, 409)
	if p["reason"] != "already_queued" || p["entry_id"] != string(joined.Entry.ID) {
		t.Fatalf("second join %v", p)
	}
	var mine []queueapi.EntryJSON
	a.mustDo("GET", "/entries", "bob", "caller", nil, &mine, 200)
	if len(mine) != 1 || mine[0].ID != joined.Entry.ID || mine[0].Position != 1 {
		t.Fatalf("my entries %+v", mine)
	}
	a.mustDo("GET", "/entries", "eve", "caller", nil, &mine, 200)
	if len(mine) != 0 {
		t.Fatalf("eve sees %+v", mine)
	}
	// Someone else cannot see or leave bob's entry.
	a.mustDo("GET", string("/entries/"+joined.Entry.ID), "eve", "caller", nil, nil, 404)
	a.mustDo("DELETE", string("/entries/"+joined.Entry.ID), "eve", "caller", nil, nil, 404)
	a.mustDo("DELETE", string("/entries/"+joined.Entry.ID), "bob", "caller", nil, nil, 204)
	code, hdr, raw := a.do("POST", string("/queues/"+q.ID+"/entries"), "bob", "caller", `{"intake":{"topic":"wifi"}}`, &p)
	if code != 429 || p["reason"] != "cooldown" || hdr.Get("Retry-After") != "300" || hdr.Get("Content-Type") != problem.ContentType {
		t.Fatalf("cooldown: %d %s %v", code, raw, hdr)
	}

	// Closed: Monday 17:00 Berlin → next opening Tuesday 09:00 +02:00.
	a.env.Clock.Set(time.Date(2026, 6, 1, 17, 0, 0, 0, berlin))
	a.mustDo("POST", string("/queues/"+q.ID+"/entries"), "carl", "caller", `{"intake":{"topic":"wifi"}}`, &p, 409)
	if p["reason"] != "closed" || p["next_open"] != "2026-06-02T09:00:00+02:00" {
		t.Fatalf("closed refusal %v", p)
	}
	// Stop admitting 10 minutes before close.
	a.env.Clock.Set(time.Date(2026, 6, 2, 16, 50, 0, 0, berlin))
	a.mustDo("POST", string("/queues/"+q.ID+"/entries"), "carl", "caller", `{"intake":{"topic":"wifi"}}`, &p, 409)
	if p["reason"] != "closing_soon" || p["next_open"] != "2026-06-08T09:00:00+02:00" {
		t.Fatalf("closing refusal %v", p)
	}
	// Manual open overrides the hours.
	a.mustDo("PUT", string("/queues/"+q.ID+"/manual"), "boss", "admin", `{"manual":"open"}`, &q, 200)
	a.mustDo("POST", string("/queues/"+q.ID+"/entries"), "carl", "caller", `{"intake":{"topic":"wifi"}}`, nil, 201)

	// Optimistic concurrency on PUT.
	stale := strings.Replace(queueBody, `"slug"`, `"version":1,"slug"`, 1)
	a.mustDo("PUT", string("/queues/"+q.ID), "boss", "admin", stale, &p, 409)
	if p["reason"] != "version_mismatch" {
		t.Fatalf("stale put %v", p)
	}
}

func TestAPICallFlowKeepsSecrets(t *testing.T) {
	a := newAPIEnv(t)
	q := a.queueWithAnn(t)
	a.mustDo("PUT", "/hosts/ann/availability", "bob", "host", `{"state":"available"}`, nil, 403)
	var joined struct {
		Entry       queueapi.EntryJSON `json:"entry"`
		ResumeToken string             `json:"resume_token"`
	}
	a.mustDo("POST", string("/queues/"+q.ID+"/entries"), "bob", "caller", `{"intake":{"topic":"wifi"}}`, &joined, 201)
	var est queueapi.EntryJSON
	a.mustDo("GET", string("/entries/"+joined.Entry.ID), "bob", "caller", nil, &est, 200)
	if est.EstimatedWait != nil {
		t.Fatalf("estimate %v with no host staffed", *est.EstimatedWait)
	}
	var host queue.Host
	a.mustDo("PUT", "/hosts/me/availability", "ann", "host", `{"state":"available"}`, &host, 200)
	if host.State != queue.HostOffered || host.EntryID != joined.Entry.ID {
		t.Fatalf("host after available: %+v", host)
	}
	a.mustDo("POST", string("/entries/"+joined.Entry.ID+"/accept"), "zed", "host", nil, nil, 403)
	var acc struct {
		Entry queueapi.EntryJSON `json:"entry"`
		Call  queueapi.CallJSON  `json:"call"`
	}
	raw := a.mustDo("POST", string("/entries/"+joined.Entry.ID+"/accept"), "ann", "host", nil, &acc, 200)
	if acc.Call.Ticket == "" || acc.Call.RoomID == 0 || acc.Call.FeedID == 0 || acc.Call.PeerName != "Name bob" {
		t.Fatalf("accepted %s", raw)
	}
	var callerCall queueapi.CallJSON
	raw2 := a.mustDo("GET", string("/entries/"+joined.Entry.ID+"/call"), "bob", "caller", nil, &callerCall, 200)
	if !strings.Contains(callerCall.Ticket, ":caller:bob") || callerCall.FeedID == acc.Call.FeedID {
		t.Fatalf("caller call %s", raw2)
	}
	call, err := a.env.Engine.Store().GetCall(t.Context(), queue.CallID(acc.Call.ID))
	if err != nil {
		t.Fatal(err)
	}
	a.mustDo("POST", string("/entries/"+joined.Entry.ID+"/complete"), "ann", "host", nil, nil, 204)
	var hist []queueapi.EntryJSON
	raw3 := a.mustDo("GET", string("/queues/"+q.ID+"/history"), "boss", "admin", nil, &hist, 200)
	if len(hist) != 1 || hist[0].State != queue.EntryCompleted {
		t.Fatalf("history %s", raw3)
	}
	var st queue.Stats
	a.mustDo("GET", string("/queues/"+q.ID+"/stats"), "ann", "host", nil, &st, 200)
	if st.Answered != 1 || st.Completed != 1 || st.ServiceLevel != 1 {
		t.Fatalf("stats %+v", st)
	}
	a.mustDo("GET", string("/queues/"+q.ID+"/stats"), "bob", "caller", nil, nil, 403)
	csvBody := a.mustDo("GET", string("/queues/"+q.ID+"/export.csv"), "boss", "admin", nil, nil, 200)
	if !strings.HasPrefix(csvBody, "id,queue_id,seq,state") || !strings.Contains(csvBody, string(joined.Entry.ID)) {
		t.Fatalf("csv %q", csvBody)
	}

	secrets := []string{call.Room.Secret, call.Room.PIN, joined.ResumeToken}
	for _, p := range call.Participants {
		secrets = append(secrets, p.Token)
	}
	for _, s := range secrets {
		if s == "" {
			t.Fatal("a secret is empty: the check would prove nothing")
		}
		for what, text := range map[string]string{"accept body": raw, "caller call body": raw2, "history": raw3, "csv": csvBody, "logs": a.logs.String()} {
			if strings.Contains(text, s) && !(what == "accept body" && s == joined.ResumeToken) {
				t.Errorf("secret %q leaked in %s", s, what)
			}
		}
	}
	if !strings.Contains(a.logs.String(), "queue: accepted") {
		t.Fatal("log capture saw nothing: the leak check would prove nothing")
	}
}

func wsDial(t *testing.T, a *apiEnv, query, origin string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	url := "ws" + strings.TrimPrefix(a.srv.URL, "http") + "/api/v1/ws?" + query
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	return websocket.DefaultDialer.Dial(url, h)
}

func readMsg(t *testing.T, c *websocket.Conn, typ string, ok func(map[string]any) bool) map[string]any {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		var m map[string]any
		if err := c.ReadJSON(&m); err != nil {
			t.Fatalf("waiting for a %s message: %v", typ, err)
		}
		if m["type"] == typ && ok(m) {
			return m
		}
	}
}

func TestWebSocketLiveUpdates(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) }) // runs last: after the API and server stop
	a := newAPIEnv(t)
	q := a.queueWithAnn(t)
	var first, second struct {
		Entry       queueapi.EntryJSON `json:"entry"`
		ResumeToken string             `json:"resume_token"`
	}
	a.mustDo("POST", string("/queues/"+q.ID+"/entries"), "bob", "caller", `{"intake":{"topic":"a"}}`, &first, 201)
	a.mustDo("POST", string("/queues/"+q.ID+"/entries"), "cat", "caller", `{"intake":{"topic":"b"}}`, &second, 201)

	if _, resp, err := wsDial(t, a, string("user=cat&entry="+second.Entry.ID), "https://evil.example"); err == nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("bad origin: err %v resp %v", err, resp)
	}
	if _, resp, err := wsDial(t, a, string("user=eve&entry="+second.Entry.ID), "https://desk.example"); err == nil || resp.StatusCode != 404 {
		t.Fatalf("someone else's entry: err %v", err)
	}
	caller, _, err := wsDial(t, a, string("user=cat&entry="+second.Entry.ID), "https://desk.example")
	if err != nil {
		t.Fatal(err)
	}
	defer caller.Close()
	readMsg(t, caller, "entry", func(m map[string]any) bool { return m["entry"].(map[string]any)["position"] == 2.0 })

	hostWS, _, err := wsDial(t, a, "user=ann&role=host", "https://desk.example")
	if err != nil {
		t.Fatal(err)
	}
	defer hostWS.Close()
	readMsg(t, hostWS, "host", func(m map[string]any) bool {
		qs := m["queues"].([]any)
		return len(qs) == 1 && qs[0].(map[string]any)["waiting_count"] == 2.0
	})
	admin, _, err := wsDial(t, a, "user=boss&role=admin&stats=1", "https://desk.example")
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	readMsg(t, admin, "stats", func(m map[string]any) bool {
		st := m["stats"].([]any)
		return len(st) == 1 && st[0].(map[string]any)["waiting_now"] == 2.0
	})

	// The host becomes available: the offer reaches the host, and the
	// second caller moves up to position 1.
	a.mustDo("PUT", "/hosts/me/availability", "ann", "host", `{"state":"available"}`, nil, 200)
	readMsg(t, hostWS, "host", func(m map[string]any) bool {
		o, _ := m["offer"].(map[string]any)
		return o != nil && o["id"] == string(first.Entry.ID)
	})
	readMsg(t, caller, "entry", func(m map[string]any) bool { return m["entry"].(map[string]any)["position"] == 1.0 })

	// The admin adds the host to a second queue: its live view follows.
	var q2 queueapi.QueueJSON
	a.mustDo("POST", "/queues", "boss", "admin", strings.Replace(queueBody, `"slug":"it-help"`, `"slug":"other"`, 1), &q2, 201)
	a.mustDo("PUT", "/hosts/ann", "boss", "admin", map[string]any{"name": "Ann", "queues": []string{string(q.ID), string(q2.ID)}}, nil, 200)
	readMsg(t, hostWS, "host", func(m map[string]any) bool { return len(m["queues"].([]any)) == 2 })

	// A second tab: closing one socket does not pause the entry.
	tab2, _, err := wsDial(t, a, string("user=cat&entry="+second.Entry.ID), "https://desk.example")
	if err != nil {
		t.Fatal(err)
	}
	readMsg(t, tab2, "entry", func(map[string]any) bool { return true })
	caller.Close()
	time.Sleep(100 * time.Millisecond)
	if a.entry(string(second.Entry.ID)).Paused {
		t.Fatal("paused while another tab is still connected")
	}
	// The last socket drops: the entry is paused (grace), and resuming
	// over a new socket with the token un-pauses it.
	tab2.Close()
	deadline := time.Now().Add(5 * time.Second)
	for !a.entry(string(second.Entry.ID)).Paused {
		if time.Now().After(deadline) {
			t.Fatal("entry not paused after the socket closed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	again, _, err := wsDial(t, a, "user=cat&entry="+string(second.Entry.ID)+"&token="+second.ResumeToken, "https://desk.example")
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	readMsg(t, again, "entry", func(m map[string]any) bool { return m["entry"].(map[string]any)["paused"] == false })
}

func (a *apiEnv) entry(id string) queue.Entry {
	a.t.Helper()
	en, err := a.env.Engine.GetEntry(a.t.Context(), queue.EntryID(id))
	if err != nil {
		a.t.Fatal(err)
	}
	return en
}

func TestProblemStatuses(t *testing.T) {
	// Every refusal sentinel maps to a client error, never a 500.
	a := newAPIEnv(t)
	for _, err := range []error{queue.ErrClosed, queue.ErrFull, queue.ErrAlreadyQueued, queue.ErrCooldown, queue.ErrState, queue.ErrForbidden, queue.ErrNotFound} {
		if errors.Is(err, queue.ErrInvalid) {
			t.Fatal("sentinels must be distinct")
		}
	}
	a.mustDo("GET", "/queues/nope", "bob", "caller", nil, nil, 404)
	a.mustDo("GET", "/queues/nope/stats?from=yesterday", "boss", "admin", nil, nil, 404)
}

func TestAPIPickMode(t *testing.T) {
	a := newAPIEnv(t)
	var q queueapi.QueueJSON
	body := strings.Replace(strings.Replace(queueBody, `"mode":"auto"`, `"mode":"pick"`, 1), `"slug":"it-help"`, `"slug":"office-hours"`, 1)
	a.mustDo("POST", "/queues", "boss", "admin", body, &q, 201)
	for _, h := range []string{"ann", "ben"} {
		a.mustDo("PUT", "/hosts/"+h, "boss", "admin", map[string]any{"name": h, "queues": []string{string(q.ID)}}, nil, 200)
		var host queue.Host
		a.mustDo("PUT", "/hosts/me/availability", h, "host", `{"state":"available"}`, &host, 200)
		if host.State != queue.HostAvailable {
			t.Fatalf("pick-mode host %s = %s, want available (no automatic offers)", h, host.State)
		}
	}
	var ids []string
	for _, c := range []string{"c1", "c2", "c3"} {
		var j struct {
			Entry queueapi.EntryJSON `json:"entry"`
		}
		a.mustDo("POST", string("/queues/"+q.ID+"/entries"), c, "caller", `{"intake":{"topic":"x"}}`, &j, 201)
		ids = append(ids, string(j.Entry.ID))
	}
	var list []queueapi.EntryJSON
	a.mustDo("GET", string("/queues/"+q.ID+"/entries"), "ann", "host", nil, &list, 200)
	if len(list) != 3 || list[2].Position != 3 {
		t.Fatalf("list %+v", list)
	}
	a.mustDo("GET", string("/queues/"+q.ID+"/entries"), "c1", "caller", nil, nil, 403)

	// Both hosts pick c3 at once: exactly one wins.
	codes := make(chan int, 2)
	var wg sync.WaitGroup
	for _, h := range []string{"ann", "ben"} {
		wg.Go(func() {
			code, _, _ := a.do("POST", "/entries/"+ids[2]+"/pick", h, "host", nil, nil)
			codes <- code
		})
	}
	wg.Wait()
	close(codes)
	got := map[int]int{}
	for c := range codes {
		got[c]++
	}
	if got[200] != 1 || got[409] != 1 {
		t.Fatalf("concurrent picks answered %v, want one 200 and one 409", got)
	}
	// The host that lost takes "next": the head of the queue, c1.
	loser := "ann"
	if h, _ := a.env.Engine.GetHost(t.Context(), "ann"); h.State == queue.HostInCall {
		loser = "ben"
	}
	var acc struct {
		Entry queueapi.EntryJSON `json:"entry"`
		Call  queueapi.CallJSON  `json:"call"`
	}
	a.mustDo("POST", string("/queues/"+q.ID+"/next"), loser, "host", nil, &acc, 200)
	if string(acc.Entry.ID) != ids[0] || acc.Call.Ticket == "" {
		t.Fatalf("next = %+v", acc)
	}
}

// TestDashboardHostsAvailableFresh: the admin dashboard's live figures
// follow a host's availability at once, even while the day's statistics
// are served from the hub's throttle cache (here: for an hour). This was
// the stale "hosts available 0/1" seen while the host was available.
func TestDashboardHostsAvailableFresh(t *testing.T) {
	a := newAPIEnvWith(t, queueapi.WithStatsInterval(time.Hour))
	q := a.queueWithAnn(t)
	admin, _, err := wsDial(t, a, "user=boss&role=admin&stats=1", "https://desk.example")
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	figures := func(m map[string]any) (avail, staffed, waiting any) {
		st := m["stats"].([]any)
		if len(st) != 1 {
			return nil, nil, nil
		}
		s := st[0].(map[string]any)
		return s["hosts_available"], s["hosts_staffed"], s["waiting_now"]
	}
	readMsg(t, admin, "stats", func(m map[string]any) bool { av, sf, _ := figures(m); return av == 0.0 && sf == 0.0 })
	a.mustDo("PUT", "/hosts/me/availability", "ann", "host", `{"state":"available"}`, nil, 200)
	readMsg(t, admin, "stats", func(m map[string]any) bool { av, sf, _ := figures(m); return av == 1.0 && sf == 1.0 })
	a.mustDo("POST", string("/queues/"+q.ID+"/entries"), "bob", "caller", `{"intake":{"topic":"a"}}`, nil, 201)
	readMsg(t, admin, "stats", func(m map[string]any) bool { av, sf, _ := figures(m); return av == 0.0 && sf == 1.0 }) // offered
	a.mustDo("PUT", "/hosts/me/availability", "ann", "host", `{"state":"away"}`, nil, 409)
	a.mustDo("POST", string("/queues/"+q.ID+"/entries"), "cat", "caller", `{"intake":{"topic":"a"}}`, nil, 201)
	readMsg(t, admin, "stats", func(m map[string]any) bool { _, _, w := figures(m); return w == 1.0 })
}

// queueWithAnn creates a queue (queueBody) with the host "ann" on it.
func (a *apiEnv) queueWithAnn(t *testing.T) queueapi.QueueJSON {
	t.Helper()
	var q queueapi.QueueJSON
	a.mustDo("POST", "/queues", "boss", "admin", queueBody, &q, 201)
	a.mustDo("PUT", "/hosts/ann", "boss", "admin", map[string]any{"name": "Ann", "queues": []string{string(q.ID)}}, nil, 200)
	return q
}

// hubEnv is an API whose hub coalesces over interval, with one queue and
// its host "ann"; the test fails if it leaks goroutines.
func hubEnv(t *testing.T, interval time.Duration) (*apiEnv, queueapi.QueueJSON) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	a := newAPIEnvWith(t, queueapi.WithHubInterval(interval))
	return a, a.queueWithAnn(t)
}

// TestWebSocketCoalescing: with a long interval, the first change after a
// quiet spell reaches a client at once, and a burst of changes right after
// it costs that client one more message, not one per change.
func TestWebSocketCoalescing(t *testing.T) {
	const interval = 2 * time.Second
	a, q := hubEnv(t, interval)
	hostWS, _, err := wsDial(t, a, "user=ann&role=host", "https://desk.example")
	if err != nil {
		t.Fatal(err)
	}
	defer hostWS.Close()
	start := time.Now()
	readMsg(t, hostWS, "host", func(map[string]any) bool { return true })
	if d := time.Since(start); d > interval/2 {
		t.Fatalf("first message after %v, want at once (interval %v)", d, interval)
	}
	time.Sleep(interval) // a quiet spell

	// A caller joins: the host hears at once. Five more join right after.
	start = time.Now()
	a.mustDo("POST", string("/queues/"+q.ID+"/entries"), "c0", "caller", `{"intake":{"topic":"a"}}`, nil, 201)
	readMsg(t, hostWS, "host", func(m map[string]any) bool {
		return m["queues"].([]any)[0].(map[string]any)["waiting_count"] == 1.0
	})
	if d := time.Since(start); d > interval/2 {
		t.Fatalf("the join reached the host after %v, want at once (interval %v)", d, interval)
	}
	for i := 1; i <= 5; i++ {
		a.mustDo("POST", string("/queues/"+q.ID+"/entries"), fmt.Sprintf("c%d", i), "caller", `{"intake":{"topic":"a"}}`, nil, 201)
	}
	// One message with all six, no earlier than the interval allows.
	_ = hostWS.SetReadDeadline(time.Now().Add(3 * interval))
	var m map[string]any
	if err := hostWS.ReadJSON(&m); err != nil {
		t.Fatal(err)
	}
	if n := m["queues"].([]any)[0].(map[string]any)["waiting_count"]; n != 6.0 {
		t.Fatalf("the burst's message has waiting_count %v, want 6 (one message for the burst)", n)
	}
	if d := time.Since(start); d < interval*9/10 {
		t.Fatalf("second message %v after the first, want about the %v interval", d, interval)
	}
}

// TestWebSocketUrgent: an offer and an accepted call are changes someone
// is waiting on. Even right after another message (inside the coalescing
// interval) the host hears of its offer and the caller of the accepted
// call well before the interval ends.
func TestWebSocketUrgent(t *testing.T) {
	const interval = 3 * time.Second
	a, q := hubEnv(t, interval)
	var joined struct {
		Entry queueapi.EntryJSON `json:"entry"`
	}
	a.mustDo("POST", string("/queues/"+q.ID+"/entries"), "bob", "caller", `{"intake":{"topic":"a"}}`, &joined, 201)
	hostWS, _, err := wsDial(t, a, "user=ann&role=host", "https://desk.example")
	if err != nil {
		t.Fatal(err)
	}
	defer hostWS.Close()
	callerWS, _, err := wsDial(t, a, string("user=bob&entry="+joined.Entry.ID), "https://desk.example")
	if err != nil {
		t.Fatal(err)
	}
	defer callerWS.Close()
	readMsg(t, hostWS, "host", func(map[string]any) bool { return true })
	readMsg(t, callerWS, "entry", func(map[string]any) bool { return true })

	// Just after those messages, the host goes available and is offered
	// the caller.
	start := time.Now()
	a.mustDo("PUT", "/hosts/me/availability", "ann", "host", `{"state":"available"}`, nil, 200)
	readMsg(t, hostWS, "host", func(m map[string]any) bool { return m["offer"] != nil })
	if d := time.Since(start); d > interval/3 {
		t.Fatalf("the offer reached the host after %v, want well within the %v interval", d, interval)
	}
	start = time.Now()
	a.mustDo("POST", string("/entries/"+joined.Entry.ID+"/accept"), "ann", "host", nil, nil, 200)
	m := readMsg(t, callerWS, "entry", func(m map[string]any) bool { return m["call"] != nil })
	if d := time.Since(start); d > interval/3 {
		t.Fatalf("the accepted call reached the caller after %v, want well within the %v interval", d, interval)
	}
	if c := m["call"].(map[string]any); c["room_id"] == nil || c["feed_id"] == nil {
		t.Fatalf("the caller's call lacks its room or feed: %v", c)
	}
	// Live updates carry no ticket and mint none: a ticket is minted when
	// a page asks for one.
	issued := a.env.Tickets.Count
	before := issued()
	for i := range 2 {
		// Another caller joining changes the queue: the caller in the call
		// gets a fresh live update.
		a.mustDo("POST", string("/queues/"+q.ID+"/entries"), fmt.Sprintf("carl%d", i), "caller", `{"intake":{"topic":"b"}}`, nil, 201)
		m = readMsg(t, callerWS, "entry", func(m map[string]any) bool { return m["call"] != nil })
		if tk, ok := m["call"].(map[string]any)["ticket"]; ok {
			t.Fatalf("a live update carries a ticket: %v", tk)
		}
	}
	if n := issued(); n != before {
		t.Fatalf("live updates minted %d tickets", n-before)
	}
	var call queueapi.CallJSON
	a.mustDo("GET", string("/entries/"+joined.Entry.ID+"/call"), "bob", "caller", nil, &call, 200)
	if call.Ticket == "" || issued() != before+1 {
		t.Fatalf("GET call: ticket %q, %d minted, want one", call.Ticket, issued()-before)
	}
}

// TestZeroTimesOmitted: a time that has not happened (no deadline, no
// answer yet) is absent from the JSON, not "0001-01-01T00:00:00Z", which a
// browser would take for a real date.
func TestZeroTimesOmitted(t *testing.T) {
	a := newAPIEnv(t)
	a.queueWithAnn(t)
	_, _, body := a.do("GET", "/hosts/ann", "boss", "admin", nil, nil)
	if strings.Contains(body, "0001-01-01") || strings.Contains(body, `"deadline"`) {
		t.Fatalf("host with nothing due: %s", body)
	}
	if !strings.Contains(body, `"state_since"`) {
		t.Fatalf("host without state_since: %s", body)
	}
}

// berlin is the queues' zone; monday10 is Monday 2026-06-01 10:00 there
// (CEST), the fake clock's start.
var (
	berlin, _ = time.LoadLocation("Europe/Berlin")
	monday10  = time.Date(2026, 6, 1, 10, 0, 0, 0, berlin)
)
