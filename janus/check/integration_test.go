package check

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/janus/janustest"
)

// emitterCounter is the event-handler endpoint of the integration test: it
// counts the events Janus posts (grouped arrays or single objects), by
// emitter, and is the test's EventWitness.
type emitterCounter struct {
	mu sync.Mutex
	n  map[string]uint64
}

func (c *emitterCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var evs []struct {
		Emitter string `json:"emitter"`
	}
	if err := json.Unmarshal(body, &evs); err != nil {
		var one struct {
			Emitter string `json:"emitter"`
		}
		if json.Unmarshal(body, &one) == nil {
			evs = append(evs, one)
		}
	}
	c.mu.Lock()
	for _, e := range evs {
		c.n[e.Emitter]++
	}
	c.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (c *emitterCounter) EventsFrom(_ context.Context, emitter string) (EventCounts, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return EventCounts{Received: c.n[emitter]}, nil
}

// TestRealJanus runs every check against a real Janus 1.1.2 rendered by
// janus-config: everything passes with the right settings, and a wrong
// admin secret and a wrong admin key are each reported precisely.
func TestRealJanus(t *testing.T) {
	ev := &emitterCounter{n: map[string]uint64{}}
	inst := janustest.Start(t, janustest.Options{EventHandler: ev})
	good := Target{Name: "janus-1", AdminURL: inst.AdminURL, AdminSecret: inst.AdminSecret, AdminKey: inst.AdminKey}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	tests := []struct {
		name       string
		target     func(Target) Target
		want       map[Name]Status // unlisted checks pass
		wantDetail map[Name]string
	}{
		{name: "right settings", target: func(t Target) Target { return t }},
		{name: "wrong admin secret",
			target:     func(t Target) Target { t.AdminSecret = "not-" + t.AdminSecret; return t },
			want:       map[Name]Status{AdminSecret: Fail, AdminKey: Skip, EventsDelivery: Skip},
			wantDetail: map[Name]string{AdminSecret: "Janus refused the configured admin_secret (get_status: error 403"}},
		{name: "wrong admin key",
			target:     func(t Target) Target { t.AdminKey = "not-" + t.AdminKey; return t },
			want:       map[Name]Status{AdminKey: Fail, EventsDelivery: Skip},
			wantDetail: map[Name]string{AdminKey: "VideoRoom refused the configured admin_key (create: error 433"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := tt.target(good)
			rs := Run(ctx, tg, WithEventWitness(ev), WithEventWait(5*time.Second))
			byName := statuses(rs)
			for _, r := range rs {
				want := Pass
				if s, ok := tt.want[r.Check]; ok {
					want = s
				}
				if r.Status != want {
					t.Errorf("%s: %s (%s), want %s", r.Check, r.Status, r.Detail, want)
				}
				for _, s := range []string{inst.AdminSecret, inst.AdminKey} {
					if strings.Contains(r.Detail+r.Fix, s) {
						t.Errorf("%s reveals a secret: %s / %s", r.Check, r.Detail, r.Fix)
					}
				}
			}
			for name, sub := range tt.wantDetail {
				if !strings.Contains(byName[name].Detail, sub) {
					t.Errorf("%s detail %q, want %q", name, byName[name].Detail, sub)
				}
			}
			if Failed(rs) != (len(tt.want) > 0) {
				t.Errorf("Failed() = %v", Failed(rs))
			}
		})
	}
	// No throwaway room is left on the instance.
	out, err := inst.Admin().MessagePlugin(ctx, videoRoomPlugin, map[string]any{"request": "list", "admin_key": inst.AdminKey})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "frontdesk janus check") {
		t.Fatalf("test room left behind: %s", out)
	}
}

// TestRealJanusSIP runs the sip-plugin check against real Janus 1.1.2
// instances rendered with and without Params.SIP.
func TestRealJanusSIP(t *testing.T) {
	tests := []struct {
		name string
		sip  bool
		want Status
	}{
		{"sip enabled", true, Pass},
		{"sip disabled", false, Fail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inst := janustest.Start(t, janustest.Options{SIP: tt.sip})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			rs := Run(ctx, Target{Name: "janus-1", AdminURL: inst.AdminURL, AdminSecret: inst.AdminSecret, AdminKey: inst.AdminKey, SIP: true})
			r, ok := statuses(rs)[SIPPlugin]
			if !ok || r.Status != tt.want {
				t.Fatalf("sip-plugin %+v (present %v), want %s", r, ok, tt.want)
			}
			if tt.want == Fail && !strings.Contains(r.Detail, "janus.plugin.videoroom") {
				t.Errorf("detail %q does not list the loaded plugins", r.Detail)
			}
		})
	}
}

// refusingWebhook answers every post 401, as Frontdesk does when the
// event handler's Basic-auth password is wrong, and counts the refusals.
type refusingWebhook struct {
	mu      sync.Mutex
	refused uint64
}

func (h *refusingWebhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	if _, _, ok := r.BasicAuth(); !ok {
		w.WriteHeader(http.StatusBadRequest) // Janus must send Basic auth at all
		return
	}
	h.mu.Lock()
	h.refused++
	h.mu.Unlock()
	w.WriteHeader(http.StatusUnauthorized)
}

func (h *refusingWebhook) EventsFrom(context.Context, string) (EventCounts, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return EventCounts{AuthFailures: h.refused}, nil
}

// TestRealJanusEventsRefused: a real Janus whose event posts Frontdesk
// refuses for Basic auth is reported as exactly that.
func TestRealJanusEventsRefused(t *testing.T) {
	hook := &refusingWebhook{}
	inst := janustest.Start(t, janustest.Options{EventHandler: hook})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rs := Run(ctx, Target{Name: "janus-1", AdminURL: inst.AdminURL, AdminSecret: inst.AdminSecret, AdminKey: inst.AdminKey},
		WithEventWitness(hook), WithEventWait(3*time.Second))
	r := statuses(rs)[EventsDelivery]
	if r.Status != Fail || !strings.Contains(r.Detail, "fail Basic auth") || !strings.Contains(r.Fix, "backend_pwd") {
		t.Fatalf("events-delivery %+v, want a Basic-auth failure with a fix naming backend_pwd", r)
	}
	for _, o := range rs {
		if o.Check != EventsDelivery && o.Status != Pass {
			t.Errorf("%s: %s (%s), want ok", o.Check, o.Status, o.Detail)
		}
	}
}
