package queueapi_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/queueapi"
)

func TestJoinRefusesUnsafeNames(t *testing.T) {
	a := newAPIEnv(t)
	var q queueapi.QueueJSON
	a.mustDo("POST", "/queues", "boss", "admin", `{"slug":"n","name":"N","hours":{"zone":"UTC","manual":"open"}}`, &q, 201)
	tests := []struct {
		name, caller string
		ok           bool
		stored       string
	}{
		{"plain", "Ada Lovelace", true, "Ada Lovelace"},
		{"trimmed", "  Ada  ", true, "Ada"},
		{"accents and scripts", "Zoë 李 محمد", true, "Zoë 李 محمد"},
		{"NUL", "Ada\x00", false, ""},
		{"newline", "Ada\nAdmin: accept me", false, ""},
		{"tab", "Ada\tB", false, ""},
		{"C1 control", "A\u0085da", false, ""},
		{"bidi override", "Ada\u202egnp.exe", false, ""},
		{"bidi isolate", "\u2067Ada", false, ""},
		{"zero width joiner", "A\u200dda", false, ""},
		{"line separator", "Ada\u2028B", false, ""},
		{"only spaces", "   ", false, ""},
		{"too long", strings.Repeat("a", queue.MaxNameLen+1), false, ""},
	}
	for i, tc := range tests {
		body := map[string]string{"name": tc.caller}
		var out struct {
			Entry queueapi.EntryJSON `json:"entry"`
		}
		var p map[string]any
		user := "c" + string(rune('a'+i))
		if !tc.ok {
			code, _, raw := a.do("POST", string("/queues/"+q.ID+"/entries"), user, "caller", body, &p)
			if code != 400 || p["reason"] != "name_invalid" || p["field"] != "name" {
				t.Errorf("%s: %d %s, want 400 name_invalid", tc.name, code, raw)
			}
			continue
		}
		code, _, raw := a.do("POST", string("/queues/"+q.ID+"/entries"), user, "caller", body, &out)
		if code != 201 || out.Entry.CallerName != tc.stored {
			t.Errorf("%s: %d %s, want 201 with name %q", tc.name, code, raw, tc.stored)
		}
	}
}

func TestWriteCSVNeutralisesFormulas(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name, in string
		defused  bool
	}{
		{"equals", "=1+1", true},
		{"space then equals", " =1+1", true},
		{"tab then at", "\t@SUM(A1)", true},
		{"newline then plus", "\n+cmd", true},
		{"CR then minus", "\r-2", true},
		{"NUL then equals", "\x00=HYPERLINK(\"x\")", true},
		{"NBSP then equals", "\u00a0=1", true},
		{"bidi then at", "\u202e@x", true},
		{"full-width equals", "＝1+1", true},
		{"leading tab alone", "\tAda", true},
		{"plain", "Ada", false},
		{"minus inside", "Ada-Lovelace", false},
		{"space then letter", " Ada", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			en := queue.Entry{ID: "e", QueueID: "q", State: queue.EntryWaiting, CallerID: "c", CallerName: tc.in, CreatedAt: t0}
			var buf bytes.Buffer
			if err := queueapi.WriteCSV(&buf, []queue.Entry{en}, time.UTC); err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(&buf).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			got := rows[1][6]
			if want := map[bool]string{true: "'" + tc.in, false: tc.in}[tc.defused]; got != want {
				t.Fatalf("caller_name cell %q, want %q", got, want)
			}
		})
	}
}

func TestJoinRateLimitPerAddress(t *testing.T) {
	a := newAPIEnvWith(t, queueapi.WithJoinRate(6, 3)) // one every 10 s, bursts of 3
	var q queueapi.QueueJSON
	a.mustDo("POST", "/queues", "boss", "admin", `{"slug":"r","name":"R","hours":{"zone":"UTC","manual":"open"}}`, &q, 201)
	join := func(i int) (int, map[string]any, string) {
		var p map[string]any
		code, hdr, _ := a.do("POST", string("/queues/"+q.ID+"/entries"), "g"+string(rune('a'+i)), "caller", nil, &p)
		return code, p, hdr.Get("Retry-After")
	}
	for i := range 3 {
		if code, p, _ := join(i); code != 201 {
			t.Fatalf("join %d in the burst: %d %v", i, code, p)
		}
	}
	code, p, retry := join(3)
	if code != 429 || p["reason"] != "rate_limited" || retry != "10" || internals.MatchString(p["detail"].(string)) {
		t.Fatalf("fourth join: %d %v Retry-After %q", code, p, retry)
	}
	a.env.Clock.Advance(10 * time.Second)
	if code, p, _ := join(4); code != 201 {
		t.Fatalf("after 10 s: %d %v", code, p)
	}
	if code, _, _ := join(5); code != 429 {
		t.Fatalf("right after: %d, want 429", code)
	}
}

func TestDefaultJoinRateStopsAFlood(t *testing.T) {
	a := newAPIEnvWith(t, queueapi.WithJoinRate(queueapi.DefaultJoinsPerMinute, queueapi.DefaultJoinBurst))
	var q queueapi.QueueJSON
	a.mustDo("POST", "/queues", "boss", "admin", `{"slug":"f","name":"F"}`, &q, 201)
	admitted := 0
	for i := range 100 {
		if code, _, _ := a.do("POST", string("/queues/"+q.ID+"/entries"), "guest"+strings.Repeat("x", i), "caller", nil, nil); code == 201 {
			admitted++
		}
	}
	if admitted != queueapi.DefaultJoinBurst {
		t.Fatalf("a flood of 100 joins from one address admitted %d, want the burst of %d", admitted, queueapi.DefaultJoinBurst)
	}
}
