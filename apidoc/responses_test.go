package apidoc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gorilla/websocket"

	"github.com/frontdesk/frontdesk/apidoc/spec"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/config"
	"github.com/frontdesk/frontdesk/server"
)

// validator checks requests and responses against the document, with the
// server URL pointed at a running Frontdesk.
type validator struct {
	t      *testing.T
	base   string
	router routers.Router
	doc    *openapi3.T
	// checked counts validated responses per "METHOD path status".
	checked map[string]int
}

func newValidator(t *testing.T, base string) *validator {
	t.Helper()
	doc, err := spec.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	doc.Servers = openapi3.Servers{{URL: base + server.APIPrefix}}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &validator{t: t, base: base, router: r, doc: doc, checked: map[string]int{}}
}

// client is one principal's cookie jar and CSRF token.
type client struct {
	v    *validator
	name string
	http *http.Client
	csrf string
}

func (v *validator) client(name string) *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		v.t.Fatal(err)
	}
	return &client{v: v, name: name, http: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

// do sends the request, validates request and response against the
// document (the status must be documented), checks the status is want,
// and decodes a JSON body into out (if not nil).
func (c *client) do(method, path string, body any, want int, out any) http.Header {
	t := c.v.t
	t.Helper()
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, c.v.base+server.APIPrefix+path, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Origin", c.v.base)
	if c.csrf != "" && method != http.MethodGet {
		req.Header.Set(auth.CSRFHeader, c.csrf)
	}
	route, params, err := c.v.router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s: %s %s: not in the document: %v", c.name, method, path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	// A request meant to be refused as bad input may break the document's
	// request schemas too; only the response is checked then.
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil && want != http.StatusBadRequest {
		t.Errorf("%s: %s %s: request does not match the document: %v", c.name, method, path, err)
	}
	req.Body = io.NopCloser(bytes.NewReader(raw)) // ValidateRequest read it
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("%s: %s %s = %d, want %d: %s", c.name, method, path, resp.StatusCode, want, got)
	}
	rin := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(got)), Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), rin); err != nil {
		t.Errorf("%s: %s %s %d: response does not match the document: %v\n%s", c.name, method, path, resp.StatusCode, err, got)
	}
	c.v.checked[method+" "+route.Path+" "+resp.Status]++
	if out != nil {
		if err := json.Unmarshal(got, out); err != nil {
			t.Fatalf("%s: %s %s: %v: %s", c.name, method, path, err, got)
		}
	}
	return resp.Header
}

func (c *client) login(email, password string) {
	c.v.t.Helper()
	var res struct {
		CSRF string `json:"csrf_token"`
	}
	c.do(http.MethodPost, "/auth/login", map[string]string{"email": email, "password": password}, http.StatusOK, &res)
	c.csrf = res.CSRF
}

// TestResponsesMatchDocument drives the main flow through the HTTP API of
// a whole Frontdesk (built-in SFU) and validates every request and
// response against the document: an admin creates queues and a host, a
// guest joins, the host is offered the caller and accepts, both fetch the
// call info, the host completes; statistics, history, CSV, ICE servers,
// API tokens, and problems (404, 409 closed with next_open, 400 with
// field, 401).
func TestResponsesMatchDocument(t *testing.T) {
	a, addr := apptest.Start(t, func(c *config.Config) {
		c.TURN.URLs = []string{"turn:127.0.0.1:3479"}
		c.TURN.SharedSecret = "apidoc-turn-secret"
	})
	ctx := context.Background()
	v := newValidator(t, "http://"+addr)
	if _, err := a.Auth().AddUser(ctx, "admin@example.com", "Ada Admin", "admin-password-1", auth.RoleAdmin); err != nil {
		t.Fatal(err)
	}

	// The admin creates an open queue, a closed one and a host.
	admin := v.client("admin")
	admin.login("admin@example.com", "admin-password-1")
	admin.do(http.MethodGet, "/auth/me", nil, http.StatusOK, nil)
	open := map[string]any{"from": "00:00", "to": "24:00"}
	week := []any{}
	for range 7 {
		week = append(week, []any{open})
	}
	var q struct {
		ID string `json:"id"`
	}
	admin.do(http.MethodPost, "/queues", map[string]any{"slug": "desk", "name": "Help desk", "mode": "auto", "media": "builtin",
		"hours":  map[string]any{"zone": "Europe/Berlin", "weekly": week, "manual": "none"},
		"intake": []any{map[string]any{"name": "topic", "label": "Topic", "required": true}}}, http.StatusCreated, &q)
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
	admin.do(http.MethodPost, "/queues", map[string]any{"slug": "evening", "name": "Evening desk",
		"hours": map[string]any{"zone": "UTC", "weekly": []any{nil, nil, nil, nil, nil, nil, nil},
			"overrides": []any{map[string]any{"date": tomorrow, "ranges": []any{map[string]any{"from": "10:00", "to": "12:00"}}}}}},
		http.StatusCreated, nil)
	admin.do(http.MethodGet, "/queues", nil, http.StatusOK, nil)
	admin.do(http.MethodGet, "/queues/desk", nil, http.StatusOK, nil)
	admin.do(http.MethodGet, "/admin/export/dead-letters?limit=10", nil, http.StatusOK, nil)
	admin.do(http.MethodGet, "/admin/export/dead-letters?limit=0", nil, http.StatusBadRequest, nil)
	admin.do(http.MethodPost, "/admin/export/dead-letters/nope/replay", nil, http.StatusNotFound, nil)
	admin.do(http.MethodDelete, "/admin/export/dead-letters/nope", nil, http.StatusNotFound, nil)
	var hostUser struct {
		ID string `json:"id"`
	}
	admin.do(http.MethodPost, "/users", map[string]any{"email": "host@example.com", "password": "host-password-1",
		"display_name": "Hana Host", "role": "host"}, http.StatusCreated, &hostUser)
	admin.do(http.MethodPut, "/hosts/"+hostUser.ID, map[string]any{"name": "Hana Host", "queues": []string{q.ID}}, http.StatusOK, nil)
	admin.do(http.MethodGet, "/hosts?queue="+q.ID, nil, http.StatusOK, nil)
	admin.do(http.MethodGet, "/users", nil, http.StatusOK, nil)

	// The host signs in and goes available.
	host := v.client("host")
	host.login("host@example.com", "host-password-1")
	var notAssigned map[string]any
	host.do(http.MethodPut, "/hosts/me/serving", map[string]any{"queues": []string{"not-a-queue-of-mine"}}, http.StatusUnprocessableEntity, &notAssigned)
	if notAssigned["field"] != "queues" {
		t.Errorf("serving a queue not assigned: problem %v, want field queues", notAssigned)
	}
	host.do(http.MethodPut, "/hosts/me/serving", map[string]any{"queues": []string{q.ID}}, http.StatusOK, nil)
	host.do(http.MethodPut, "/hosts/me/availability", map[string]string{"state": "available"}, http.StatusOK, nil)

	// A guest joins; refusals are problems with their extension members.
	guest := v.client("guest")
	var g struct {
		CSRF string `json:"csrf_token"`
	}
	guest.do(http.MethodPost, "/auth/guest", map[string]string{"display_name": "Cal Caller"}, http.StatusCreated, &g)
	guest.csrf = g.CSRF
	var bad map[string]any
	guest.do(http.MethodPost, "/queues/desk/entries", map[string]any{"intake": map[string]string{}}, http.StatusBadRequest, &bad)
	if bad["field"] != "topic" {
		t.Errorf("missing intake: problem %v, want field topic", bad)
	}
	var closed map[string]any
	guest.do(http.MethodPost, "/queues/evening/entries", map[string]any{}, http.StatusConflict, &closed)
	if closed["reason"] != "closed" || closed["next_open"] == nil {
		t.Errorf("closed queue: problem %v, want reason closed with next_open", closed)
	}
	var joined struct {
		Entry struct {
			ID string `json:"id"`
		} `json:"entry"`
	}
	guest.do(http.MethodPost, "/queues/desk/entries", map[string]any{"intake": map[string]string{"topic": "printer"}}, http.StatusCreated, &joined)
	id := joined.Entry.ID
	guest.do(http.MethodGet, "/entries/"+id, nil, http.StatusOK, nil)
	guest.do(http.MethodGet, "/entries", nil, http.StatusOK, nil)
	guest.do(http.MethodGet, "/entries/no-such-entry", nil, http.StatusNotFound, nil)
	guest.do(http.MethodGet, "/ice-servers", nil, http.StatusOK, nil)

	// The live updates of each kind match their message schemas.
	v.wsMessage(guest, "?entry="+id, "WSEntryMessage", `"type":"entry"`)
	v.wsMessage(host, "", "WSHostMessage", `"type":"host"`)
	v.wsMessage(admin, "?stats=1", "WSStatsMessage", `"type":"stats"`)

	// The host is offered the caller, accepts, and both get the call info.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var h struct {
			State   string `json:"state"`
			EntryID string `json:"entry_id"`
		}
		host.do(http.MethodGet, "/hosts/me", nil, http.StatusOK, &h)
		if h.State == "offered" && h.EntryID == id {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no offer: host %+v", h)
		}
		time.Sleep(50 * time.Millisecond)
	}
	host.do(http.MethodGet, "/queues/"+q.ID+"/entries", nil, http.StatusOK, nil)
	host.do(http.MethodPost, "/entries/"+id+"/accept", nil, http.StatusOK, nil)
	guest.do(http.MethodGet, "/entries/"+id+"/call", nil, http.StatusOK, nil)
	host.do(http.MethodGet, "/entries/"+id+"/call", nil, http.StatusOK, nil)
	host.do(http.MethodPost, "/entries/"+id+"/complete", nil, http.StatusNoContent, nil)

	// Statistics, history and the CSV export.
	admin.do(http.MethodGet, "/queues/"+q.ID+"/stats", nil, http.StatusOK, nil)
	admin.do(http.MethodGet, "/queues/"+q.ID+"/history", nil, http.StatusOK, nil)
	admin.do(http.MethodGet, "/queues/"+q.ID+"/export.csv", nil, http.StatusOK, nil)
	admin.do(http.MethodGet, "/queues/"+q.ID+"/stats?from=yesterday", nil, http.StatusBadRequest, nil)
	admin.do(http.MethodGet, "/audit", nil, http.StatusOK, nil)

	// An API token works as a bearer token.
	var tok struct {
		Secret string `json:"secret"`
	}
	admin.do(http.MethodPost, "/auth/tokens", map[string]any{"name": "ci", "scopes": []string{"read"}, "ttl_s": 3600}, http.StatusCreated, &tok)
	admin.do(http.MethodGet, "/auth/tokens", nil, http.StatusOK, nil)
	bearer := v.client("bearer")
	bearer.http.Transport = bearerTransport(tok.Secret)
	bearer.do(http.MethodGet, "/queues", nil, http.StatusOK, nil)

	// Anonymous: the document is public, the API is not.
	anon := v.client("anonymous")
	anon.do(http.MethodGet, "/queues", nil, http.StatusUnauthorized, nil)
	anon.do(http.MethodGet, "/openapi.json", nil, http.StatusOK, nil)

	if n := len(v.checked); n < 30 {
		t.Errorf("only %d distinct responses validated", n)
	}
	t.Logf("validated %d distinct responses", len(v.checked))
}

// wsMessage opens GET /ws with query as c (cookies, Origin), checks the
// handshake is a 101, reads messages until one contains want, and
// validates it against the named component schema.
func (v *validator) wsMessage(c *client, query, schema, want string) {
	t := v.t
	t.Helper()
	ref := v.doc.Components.Schemas[schema]
	if ref == nil {
		t.Fatalf("no schema %s", schema)
	}
	u := "ws" + strings.TrimPrefix(v.base, "http") + server.APIPrefix + "/ws" + query
	d := websocket.Dialer{Jar: c.http.Jar, HandshakeTimeout: 5 * time.Second}
	conn, resp, err := d.Dial(u, http.Header{"Origin": {v.base}})
	if err != nil {
		t.Fatalf("%s: dial %s: %v", c.name, u, err)
	}
	defer conn.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("%s: /ws%s handshake %d", c.name, query, resp.StatusCode)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("%s: /ws%s: no %s message: %v", c.name, query, want, err)
		}
		if !strings.Contains(string(msg), want) {
			continue
		}
		var val any
		if err := json.Unmarshal(msg, &val); err != nil {
			t.Fatal(err)
		}
		if err := ref.Value.VisitJSON(val, openapi3.MultiErrors()); err != nil {
			t.Errorf("%s: /ws%s message does not match %s: %v\n%s", c.name, query, schema, err, msg)
		}
		v.checked["WS "+schema]++
		return
	}
}

// bearerTransport adds "Authorization: Bearer <secret>" to every request.
type bearerTransport string

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+string(b))
	return http.DefaultTransport.RoundTrip(r)
}
