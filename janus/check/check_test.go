package check

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeJanus is a tiny Admin API (info, ping, get_status, message_plugin
// create/destroy) configured like a Janus 1.1.2 would be.
type fakeJanus struct {
	secret, key         string // Janus side: admin_secret, admin_key ("" = none)
	tokenAuth, events   bool
	plugins, evhandlers []string
	mu                  sync.Mutex
	rooms               map[float64]string // room -> secret
	createdWithKey      int
	emitted             int // VideoRoom events "posted" (created/destroyed)
}

func newFake() *fakeJanus {
	return &fakeJanus{secret: "good-secret", key: "good-key", tokenAuth: true, events: true,
		plugins: []string{"janus.plugin.videoroom", "janus.plugin.echotest"}, evhandlers: []string{"janus.eventhandler.sampleevh"},
		rooms: map[float64]string{}}
}

func (f *fakeJanus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req map[string]any
	_ = json.NewDecoder(r.Body).Decode(&req)
	reply := map[string]any{"transaction": req["transaction"]}
	fail := func(code int, reason string) {
		reply["janus"] = "error"
		reply["error"] = map[string]any{"code": code, "reason": reason}
		_ = json.NewEncoder(w).Encode(reply)
	}
	verb, _ := req["janus"].(string)
	if verb != "info" && verb != "ping" && req["admin_secret"] != f.secret {
		fail(403, "Unauthorized request (wrong or missing secret/token)")
		return
	}
	switch verb {
	case "ping":
		reply["janus"] = "pong"
	case "info":
		reply["janus"] = "server_info"
		reply["name"], reply["version"], reply["version_string"] = "Janus WebRTC Server", 1102, "1.1.2"
		reply["server-name"], reply["auth_token"], reply["event_handlers"] = "fake-janus", f.tokenAuth, f.events
		set := func(names []string) map[string]any {
			m := map[string]any{}
			for _, n := range names {
				m[n] = map[string]any{"name": n}
			}
			return m
		}
		reply["plugins"], reply["events"] = set(f.plugins), set(f.evhandlers)
	case "get_status":
		reply["janus"] = "success"
		reply["status"] = map[string]any{"token_auth": f.tokenAuth}
	case "message_plugin":
		body := req["request"].(map[string]any)
		reply["janus"] = "success"
		reply["response"] = f.videoroom(body)
	default:
		fail(453, "Unknown request")
		return
	}
	_ = json.NewEncoder(w).Encode(reply)
}

func (f *fakeJanus) videoroom(body map[string]any) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	room, _ := body["room"].(float64)
	switch body["request"] {
	case "create":
		if f.key != "" && body["admin_key"] == nil {
			return map[string]any{"videoroom": "event", "error_code": 429, "error": "Missing mandatory element (admin_key)"}
		}
		if f.key != "" && body["admin_key"] != f.key {
			return map[string]any{"videoroom": "event", "error_code": 433, "error": "Unauthorized (wrong admin_key)"}
		}
		f.rooms[room], _ = body["secret"].(string)
		f.emitted++
		return map[string]any{"videoroom": "created", "room": room, "permanent": false}
	case "destroy":
		if s, ok := f.rooms[room]; !ok || s != body["secret"] {
			return map[string]any{"videoroom": "event", "error_code": 433, "error": "Unauthorized (wrong secret)"}
		}
		delete(f.rooms, room)
		f.emitted++
		return map[string]any{"videoroom": "destroyed", "room": room}
	}
	return map[string]any{"videoroom": "event", "error_code": 422, "error": "unknown request"}
}

// delivery is what happens to the fake's events on their way to Frontdesk.
type delivery int

const (
	lost      delivery = iota // never arrive
	delivered                 // received
	badAuth                   // refused with 401
	forbidden                 // refused with 403
	tooLarge                  // refused with 413
)

// fakeWitness reports the fake's VideoRoom events under the counter its
// delivery mode says.
type fakeWitness struct {
	f    *fakeJanus
	mode delivery
}

func (w fakeWitness) EventsFrom(context.Context, string) (EventCounts, error) {
	w.f.mu.Lock()
	n := uint64(w.f.emitted)
	w.f.mu.Unlock()
	switch w.mode {
	case delivered:
		return EventCounts{Received: n}, nil
	case badAuth:
		return EventCounts{AuthFailures: n}, nil
	case forbidden:
		return EventCounts{Forbidden: n}, nil
	case tooLarge:
		return EventCounts{OtherRejected: n}, nil
	}
	return EventCounts{}, nil
}

func statuses(rs []Result) map[Name]Result {
	m := map[Name]Result{}
	for _, r := range rs {
		m[r.Check] = r
	}
	return m
}

func TestRunFake(t *testing.T) {
	tests := []struct {
		name       string
		change     func(f *fakeJanus, tg *Target)
		delivery   delivery
		want       map[Name]Status // checks not listed must pass
		wantDetail map[Name]string
	}{
		{name: "all good", delivery: delivered},
		{name: "wrong admin secret", delivery: delivered,
			change:     func(f *fakeJanus, tg *Target) { tg.AdminSecret = "bad-secret" },
			want:       map[Name]Status{AdminSecret: Fail, AdminKey: Skip, EventsDelivery: Skip},
			wantDetail: map[Name]string{AdminSecret: "refused the configured admin_secret"}},
		{name: "wrong admin key", delivery: delivered,
			change:     func(f *fakeJanus, tg *Target) { tg.AdminKey = "bad-key" },
			want:       map[Name]Status{AdminKey: Fail, EventsDelivery: Skip},
			wantDetail: map[Name]string{AdminKey: "refused the configured admin_key (create: error 433"}},
		{name: "janus has no admin key", delivery: delivered,
			change:     func(f *fakeJanus, tg *Target) { f.key = "" },
			want:       map[Name]Status{AdminKey: Fail},
			wantDetail: map[Name]string{AdminKey: "rooms can be created without one"}},
		{name: "token auth off", delivery: delivered,
			change: func(f *fakeJanus, tg *Target) { f.tokenAuth = false },
			want:   map[Name]Status{TokenAuth: Fail}},
		{name: "videoroom missing", delivery: delivered,
			change:     func(f *fakeJanus, tg *Target) { f.plugins = []string{"janus.plugin.echotest"} },
			want:       map[Name]Status{VideoRoom: Fail, AdminKey: Skip, EventsDelivery: Skip},
			wantDetail: map[Name]string{VideoRoom: "loaded: janus.plugin.echotest"}},
		{name: "event handlers off", delivery: delivered,
			change: func(f *fakeJanus, tg *Target) { f.events = false; f.evhandlers = nil },
			want:   map[Name]Status{EventHandlers: Fail, SampleEVH: Fail, EventsDelivery: Skip}},
		{name: "events not delivered", delivery: lost,
			want:       map[Name]Status{EventsDelivery: Fail},
			wantDetail: map[Name]string{EventsDelivery: `no event from "fake-janus" reached Frontdesk`}},
		{name: "events refused: basic auth", delivery: badAuth,
			want:       map[Name]Status{EventsDelivery: Fail},
			wantDetail: map[Name]string{EventsDelivery: "fail Basic auth"}},
		{name: "events refused: address", delivery: forbidden,
			want:       map[Name]Status{EventsDelivery: Fail},
			wantDetail: map[Name]string{EventsDelivery: "outside events.allow_from"}},
		{name: "events refused: other", delivery: tooLarge,
			want:       map[Name]Status{EventsDelivery: Fail},
			wantDetail: map[Name]string{EventsDelivery: "are refused (2 with a 4xx status"}},
		{name: "admin api down",
			change: func(f *fakeJanus, tg *Target) { tg.AdminURL = "http://127.0.0.1:1/admin" },
			want: map[Name]Status{AdminAPI: Fail, Version: Skip, AdminSecret: Skip, TokenAuth: Skip, VideoRoom: Skip,
				AdminKey: Skip, EventHandlers: Skip, SampleEVH: Skip, EventsDelivery: Skip},
			wantDetail: map[Name]string{AdminAPI: "does not answer ping"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			srv := httptest.NewServer(f)
			defer srv.Close()
			tg := Target{Name: "j1", AdminURL: srv.URL + "/admin", AdminSecret: "good-secret", AdminKey: "good-key"}
			if tt.change != nil {
				tt.change(f, &tg)
			}
			rs := Run(context.Background(), tg, WithEventWitness(fakeWitness{f, tt.delivery}), WithEventWait(300*time.Millisecond))
			if len(rs) != 9 {
				t.Fatalf("%d results, want 9: %+v", len(rs), rs)
			}
			got := statuses(rs)
			for _, r := range rs {
				want := Pass
				if s, ok := tt.want[r.Check]; ok {
					want = s
				}
				if r.Status != want {
					t.Errorf("%s: %s (%s), want %s", r.Check, r.Status, r.Detail, want)
				}
				if r.Status == Fail && r.Fix == "" {
					t.Errorf("%s fails without a fix hint", r.Check)
				}
				for _, s := range []string{"good-secret", "bad-secret", "good-key", "bad-key"} {
					if strings.Contains(r.Detail+r.Fix, s) {
						t.Errorf("%s: result reveals %q: %s / %s", r.Check, s, r.Detail, r.Fix)
					}
				}
			}
			for name, sub := range tt.wantDetail {
				if !strings.Contains(got[name].Detail, sub) {
					t.Errorf("%s detail %q, want it to contain %q", name, got[name].Detail, sub)
				}
			}
			if Failed(rs) != (len(tt.want) > 0 && hasFail(tt.want)) {
				t.Errorf("Failed = %v", Failed(rs))
			}
			if len(f.rooms) != 0 {
				t.Errorf("test rooms left behind: %v", f.rooms)
			}
		})
	}
}

// TestRunSIPPlugin: with Target.SIP, the sip-plugin check runs right after
// videoroom and fails, with a fix naming plugins.disable, when Janus has
// not loaded janus.plugin.sip; without it, the check is absent.
func TestRunSIPPlugin(t *testing.T) {
	tests := []struct {
		name       string
		sip        bool     // Target.SIP
		plugins    []string // loaded on the fake
		adminDown  bool
		want       Status
		wantDetail string
		absent     bool
	}{
		{name: "not asked", sip: false, plugins: []string{"janus.plugin.videoroom"}, absent: true},
		{name: "loaded", sip: true, plugins: []string{"janus.plugin.videoroom", "janus.plugin.sip"}, want: Pass, wantDetail: "janus.plugin.sip loaded"},
		{name: "missing", sip: true, plugins: []string{"janus.plugin.videoroom", "janus.plugin.echotest"}, want: Fail,
			wantDetail: "not loaded, so phone calls cannot be placed; loaded: janus.plugin.echotest, janus.plugin.videoroom"},
		{name: "admin api down", sip: true, adminDown: true, want: Skip, wantDetail: "needs the Admin API"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			f.plugins = tt.plugins
			srv := httptest.NewServer(f)
			defer srv.Close()
			tg := Target{Name: "j1", AdminURL: srv.URL + "/admin", AdminSecret: "good-secret", AdminKey: "good-key", SIP: tt.sip}
			if tt.adminDown {
				tg.AdminURL = "http://127.0.0.1:1/admin"
			}
			rs := Run(context.Background(), tg)
			idx := -1
			for i, r := range rs {
				if r.Check == SIPPlugin {
					idx = i
				}
			}
			if tt.absent {
				if idx >= 0 || len(rs) != 9 {
					t.Fatalf("sip-plugin reported without Target.SIP: %+v", rs)
				}
				return
			}
			if idx < 1 || rs[idx-1].Check != VideoRoom || len(rs) != 10 {
				t.Fatalf("sip-plugin at %d of %d results, want right after videoroom: %+v", idx, len(rs), rs)
			}
			r := rs[idx]
			if r.Status != tt.want || !strings.Contains(r.Detail, tt.wantDetail) {
				t.Errorf("sip-plugin %s %q, want %s containing %q", r.Status, r.Detail, tt.want, tt.wantDetail)
			}
			if r.Status == Fail && !strings.Contains(r.Fix, "plugins.disable") {
				t.Errorf("fix %q does not name plugins.disable", r.Fix)
			}
		})
	}
}

func hasFail(m map[Name]Status) bool {
	for _, s := range m {
		if s == Fail {
			return true
		}
	}
	return false
}

func TestRunWithoutWitnessSkipsDelivery(t *testing.T) {
	srv := httptest.NewServer(newFake())
	defer srv.Close()
	rs := Run(context.Background(), Target{Name: "j1", AdminURL: srv.URL + "/admin", AdminSecret: "good-secret", AdminKey: "good-key"})
	if r := statuses(rs)[EventsDelivery]; r.Status != Skip || !strings.Contains(r.Detail, "--frontdesk") {
		t.Fatalf("events-delivery %+v, want a skip naming --frontdesk", r)
	}
	if Failed(rs) {
		t.Fatalf("a skip counted as failure: %+v", rs)
	}
}

func TestWriteTable(t *testing.T) {
	rs := []Result{
		{Instance: "janus-1", Check: AdminAPI, Status: Pass, Detail: "http://j1:7088/admin answers"},
		{Instance: "janus-1", Check: AdminSecret, Status: Fail, Detail: "Janus refused\nthe configured admin_secret", Fix: "make them equal"},
		{Instance: "janus-1", Check: EventsDelivery, Status: Skip, Detail: "not checked"},
	}
	var b bytes.Buffer
	if err := WriteTable(&b, rs); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"INSTANCE", "janus-1", "admin-secret", "FAIL", "Janus refused the configured admin_secret", "fix: make them equal", "3 checks: 1 passed, 1 failed, 1 skipped"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestStatusString(t *testing.T) {
	for s, want := range map[Status]string{Pass: "ok", Fail: "FAIL", Skip: "skip", Status(9): "status(9)"} {
		if s.String() != want {
			t.Errorf("%d: %q, want %q", int(s), s.String(), want)
		}
	}
}
