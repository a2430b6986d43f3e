package webhook

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// asEmitter rewrites one of the janus-1 sample events as emitter's.
func asEmitter(ev, emitter string) string {
	return strings.Replace(ev, `"emitter":"janus-1"`, `"emitter":"`+emitter+`"`, 1)
}

// TestEventsAreBoundToTheirEmitter: a post may carry only the events of the
// instance its credentials belong to, and never the built-in SFU's; the
// others are dropped (not published) and counted.
func TestEventsAreBoundToTheirEmitter(t *testing.T) {
	cfg := Config{
		Username: "shared", Password: "shared-Pa55",
		Sources: []Source{
			{Emitter: "janus-1", Username: "evh-1", Password: "one-Pa55"},
			{Emitter: "janus-2", Username: "evh-2", Password: "two-Pa55"},
		},
		Reserved: []string{"builtin"},
	}
	hangupBuiltin := asEmitter(evLeaving, "builtin")
	tests := []struct {
		name          string
		shared        string // Config.SharedEmitter
		user, pwd     string
		body          string
		wantPublished []string // emitters, in order
		wantReserved  float64
		wantOther     float64
	}{
		{"instance posts its own events", "", "evh-1", "one-Pa55", "[" + evJoined + "," + evLeaving + "]",
			[]string{"janus-1", "janus-1"}, 0, 0},
		{"instance posts another instance's events", "", "evh-1", "one-Pa55", asEmitter(evLeaving, "janus-2"),
			nil, 0, 1},
		{"instance posts the built-in SFU's events", "", "evh-2", "two-Pa55", hangupBuiltin, nil, 1, 0},
		{"mixed batch keeps only the instance's own", "", "evh-2", "two-Pa55",
			"[" + asEmitter(evJoined, "janus-2") + "," + evLeaving + "," + hangupBuiltin + "]", []string{"janus-2"}, 1, 1},
		{"shared credentials cannot post the built-in SFU's events", "", "shared", "shared-Pa55", hangupBuiltin, nil, 1, 0},
		{"shared credentials unbound post any instance's", "", "shared", "shared-Pa55", asEmitter(evLeaving, "janus-2"),
			[]string{"janus-2"}, 0, 0},
		{"shared credentials bound to one instance", "janus-1", "shared", "shared-Pa55",
			"[" + evJoined + "," + asEmitter(evLeaving, "janus-2") + "]", []string{"janus-1"}, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cfg
			c.SharedEmitter = tt.shared
			h, rec, _ := newTestHandler(t, c)
			w := post(h, []byte(tt.body), func(r *http.Request) { r.SetBasicAuth(tt.user, tt.pwd) })
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			var got []string
			for _, ev := range rec.evs {
				got = append(got, ev.Emitter)
			}
			if strings.Join(got, ",") != strings.Join(tt.wantPublished, ",") {
				t.Errorf("published emitters %v, want %v", got, tt.wantPublished)
			}
			if n := testutil.ToFloat64(h.m.refused.WithLabelValues(refusedReserved)); n != tt.wantReserved {
				t.Errorf("refused as reserved = %v, want %v", n, tt.wantReserved)
			}
			if n := testutil.ToFloat64(h.m.refused.WithLabelValues(refusedOtherEmitter)); n != tt.wantOther {
				t.Errorf("refused as another emitter's = %v, want %v", n, tt.wantOther)
			}
			if !strings.Contains(w.Body.String(), `"published":`+itoa(len(tt.wantPublished))) {
				t.Errorf("reply %s, want published %d", w.Body, len(tt.wantPublished))
			}
		})
	}
}

// TestSourceCredentialsAuthenticate: each source's own pair passes, a
// pair mixing two sources' halves does not.
func TestSourceCredentialsAuthenticate(t *testing.T) {
	h, _, _ := newTestHandler(t, Config{Username: "shared", Password: "shared-Pa55", Sources: []Source{
		{Emitter: "janus-1", Username: "evh-1", Password: "one-Pa55"},
		{Emitter: "janus-2", Username: "evh-2", Password: "two-Pa55"},
	}})
	tests := []struct {
		name, user, pwd string
		want            int
	}{
		{"first source", "evh-1", "one-Pa55", http.StatusOK},
		{"second source", "evh-2", "two-Pa55", http.StatusOK},
		{"shared", "shared", "shared-Pa55", http.StatusOK},
		{"user of one, password of another", "evh-1", "two-Pa55", http.StatusUnauthorized},
		{"shared user, source password", "shared", "one-Pa55", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if w := post(h, []byte(evJoined), func(r *http.Request) { r.SetBasicAuth(tt.user, tt.pwd) }); w.Code != tt.want {
				t.Fatalf("status %d, want %d", w.Code, tt.want)
			}
		})
	}
}

func TestSourceConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"source without emitter", Config{Sources: []Source{{Username: "u", Password: "p"}}}},
		{"source without password", Config{Sources: []Source{{Emitter: "j", Username: "u"}}}},
		{"two sources, one user", Config{Sources: []Source{{Emitter: "a", Username: "u", Password: "p"}, {Emitter: "b", Username: "u", Password: "q"}}}},
		{"source reuses the shared user", Config{Username: "u", Password: "p", Sources: []Source{{Emitter: "a", Username: "u", Password: "q"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg, &recorder{}); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
