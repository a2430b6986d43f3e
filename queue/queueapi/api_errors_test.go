package queueapi_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/queueapi"
)

// queueWith is queueBody with its hours replaced by hoursJSON.
func queueWith(slug, hoursJSON string) string {
	b := strings.Replace(queueBody, `"slug":"it-help"`, `"slug":"`+slug+`"`, 1)
	start := strings.Index(b, `"hours":`)
	end := strings.Index(b, `"limits":`)
	return b[:start] + `"hours":` + hoursJSON + ",\n " + b[end:]
}

func TestAPIBadScheduleIs400NamingTheField(t *testing.T) {
	a := newAPIEnv(t)
	week := func(day int, ranges string) string {
		days := make([]string, 7)
		for i := range days {
			days[i] = "[]"
		}
		days[day] = ranges
		return "[" + strings.Join(days, ",") + "]"
	}
	tests := []struct {
		name, hours, field, says string
	}{
		{"unknown zone", `{"zone":"Mars/Olympus","weekly":` + week(1, `[{"from":"09:00","to":"17:00"}]`) + `}`, "hours.zone", "Unknown time zone"},
		{"backwards range", `{"zone":"UTC","weekly":` + week(2, `[{"from":"17:00","to":"09:00"}]`) + `}`, "hours.weekly[2]", "17:00–09:00"},
		{"overlap", `{"zone":"UTC","weekly":` + week(3, `[{"from":"09:00","to":"12:00"},{"from":"11:00","to":"13:00"}]`) + `}`, "hours.weekly[3]", "overlap"},
		{"bad date", `{"zone":"UTC","weekly":` + week(1, `[]`) + `,"overrides":[{"date":"2026-13-45","closed":true}]}`, "hours.overrides[0].date", "YYYY-MM-DD"},
		{"bad time of day", `{"zone":"UTC","weekly":` + week(1, `[{"from":"9","to":"17:00"}]`) + `}`, "hours.weekly[1][0].from", "HH:MM"},
		{"bad time in an override", `{"zone":"UTC","overrides":[{"date":"2026-12-24","ranges":[{"from":"09:00","to":"25:00"}]}]}`, "hours.overrides[0].ranges[0].to", "HH:MM"},
		{"bad manual", `{"zone":"UTC","manual":"sometimes"}`, "hours.manual", "open, closed or none"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p map[string]any
			for _, method := range []string{"POST", "PUT"} {
				path := "/queues"
				if method == "PUT" {
					var q queueapi.QueueJSON
					a.mustDo("POST", "/queues", "boss", "admin", queueWith("ok-"+strings.ReplaceAll(tc.name, " ", "-"), `{"zone":"UTC"}`), &q, 201)
					path += "/" + string(q.ID)
				}
				a.mustDo(method, path, "boss", "admin", queueWith("bad", tc.hours), &p, 400)
				if p["field"] != tc.field || !strings.Contains(p["detail"].(string), tc.says) {
					t.Fatalf("%s: problem %v, want field %q and a detail saying %q", method, p, tc.field, tc.says)
				}
			}
		})
	}
}

func TestAPIBodyLimitsAndTypes(t *testing.T) {
	a := newAPIEnv(t)
	var p map[string]any
	huge := `{"slug":"big","name":"` + strings.Repeat("x", 70<<10) + `"}`
	a.mustDo("POST", "/queues", "boss", "admin", huge, &p, 413)
	if p["reason"] != "too_large" || strings.Contains(p["detail"].(string), "EOF") {
		t.Fatalf("too large: %v", p)
	}
	a.mustDo("POST", "/queues", "boss", "admin", queueWith("trail", `{"zone":"UTC"}`)+` {"more":1}`, &p, 400)
	if p["reason"] != "bad_body" || !strings.Contains(p["detail"].(string), "more after its JSON value") {
		t.Fatalf("trailing data: %v", p)
	}
	a.mustDo("POST", "/queues", "boss", "admin", queueWith("ok", `{"zone":"UTC"}`)+"\n\t ", nil, 201) // whitespace is fine
	typed := strings.Replace(queueWith("typed", `{"zone":"UTC"}`), `"offer":20`, `"offer":"20s"`, 1)
	a.mustDo("POST", "/queues", "boss", "admin", typed, &p, 400)
	if p["field"] != "timeouts.offer" || !strings.Contains(p["detail"].(string), "seconds") {
		t.Fatalf("wrong-typed duration: %v", p)
	}
	a.mustDo("POST", "/queues", "boss", "admin", strings.Replace(typed, `"20s"`, `-5`, 1), &p, 400)
	if p["field"] != "timeouts.offer" {
		t.Fatalf("negative duration: %v", p)
	}
	a.mustDo("POST", "/queues", "boss", "admin", strings.Replace(queueWith("m", `{"zone":"UTC"}`), `"mode":"auto"`, `"mode":"fast"`, 1), &p, 400)
	if p["field"] != "mode" {
		t.Fatalf("unknown mode: %v", p)
	}
}

func TestAPIQueueWithoutHoursIsOpen(t *testing.T) {
	a := newAPIEnv(t)
	a.env.Clock.Set(time.Date(2026, 6, 6, 23, 30, 0, 0, berlin)) // a Saturday night
	tests := []struct {
		name, body   string
		maxWaiting   int
		open         bool
		zone         string
		weeklyMonday int
	}{
		{"no hours, no limits", `{"slug":"a","name":"A"}`, queue.DefaultMaxWaiting, true, "", 1},
		{"null hours", `{"slug":"b","name":"B","hours":null,"limits":{"max_waiting":0}}`, 0, true, "", 1},
		{"zone only", `{"slug":"c","name":"C","hours":{"zone":"Europe/Berlin"},"limits":{"max_waiting":7}}`, 7, true, "Europe/Berlin", 1},
		{"hours given", `{"slug":"d","name":"D","hours":{"zone":"UTC","weekly":[[],[{"from":"09:00","to":"17:00"}],[],[],[],[],[]]}}`, queue.DefaultMaxWaiting, false, "UTC", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var q queueapi.QueueJSON
			a.mustDo("POST", "/queues", "boss", "admin", tc.body, &q, 201)
			if q.Status == nil || q.Status.Open != tc.open || q.Limits.MaxWaiting != tc.maxWaiting || q.Hours.Zone != tc.zone ||
				len(q.Hours.Weekly[time.Monday]) != tc.weeklyMonday {
				t.Fatalf("created %+v status %+v", q, q.Status)
			}
		})
	}
	// A PUT keeps what it is given: empty hours stay closed (with a reason
	// the admin sees), an absent max_waiting still takes the default.
	var q queueapi.QueueJSON
	a.mustDo("POST", "/queues", "boss", "admin", `{"slug":"e","name":"E"}`, &q, 201)
	a.mustDo("PUT", string("/queues/"+q.ID), "boss", "admin", `{"slug":"e","name":"E","version":1,"hours":{"zone":"UTC","manual":"closed"}}`, &q, 200)
	if q.Status.Open || q.Limits.MaxWaiting != queue.DefaultMaxWaiting {
		t.Fatalf("after PUT: %+v", q)
	}
}

// internals matches what must never reach a person: package prefixes
// ("queue:", "bolt:", "hours:", "json:"), Go error words and formatting.
var internals = regexp.MustCompile(`\b(queue|queueapi|bolt|hours|json|mongo|store|auth|echo|http):|not found$|%!|\bnil\b|EOF|conflict$|wrong state|version mismatch|^[a-z]`)

// TestAPIErrorsAreForPeople walks the error paths the admin, host and
// caller pages can meet and checks that every problem detail is a
// sentence for people, and names the cases the pages rely on.
func TestAPIErrorsAreForPeople(t *testing.T) {
	a := newAPIEnv(t)
	var q queueapi.QueueJSON
	a.mustDo("POST", "/queues", "boss", "admin", queueBody, &q, 201)
	a.mustDo("PUT", "/hosts/ann", "boss", "admin", `{"name":"Ann","queues":["`+q.ID+`"]}`, nil, 200)
	var joined struct {
		Entry queueapi.EntryJSON `json:"entry"`
	}
	a.mustDo("POST", string("/queues/"+q.ID+"/entries"), "bob", "caller", `{"intake":{"topic":"wifi"}}`, &joined, 201)
	tests := []struct {
		name, method, path, user, role, body string
		status                               int
		says                                 string
	}{
		{"unknown zone", "POST", "/queues", "boss", "admin", queueWith("z", `{"zone":"Mars/Olympus"}`), 400, "Unknown time zone"},
		{"slug taken", "POST", "/queues", "boss", "admin", queueBody, 409, "That address is taken"},
		{"bad slug", "POST", "/queues", "boss", "admin", strings.Replace(queueBody, `"it-help"`, `"It Help"`, 1), 400, "address"},
		{"no such queue", "GET", "/queues/nope", "bob", "caller", "", 404, "No such queue"},
		{"no such queue to delete", "DELETE", "/queues/nope", "boss", "admin", "", 404, "No such queue"},
		{"stats of no queue", "GET", "/queues/nope/stats", "boss", "admin", "", 404, "No such queue"},
		{"no such entry", "GET", "/entries/nope", "bob", "caller", "", 404, "No such entry"},
		{"someone else's entry", "GET", string("/entries/" + joined.Entry.ID), "eve", "caller", "", 404, "No such entry"},
		{"no such host", "GET", "/hosts/nobody", "boss", "admin", "", 404, "No such host"},
		{"host with unknown queue", "PUT", "/hosts/ben", "boss", "admin", `{"name":"Ben","queues":["nope"]}`, 404, "No such queue"},
		{"not signed in", "GET", "/queues", "", "", "", 401, "sign in"},
		{"not an admin", "POST", "/queues", "bob", "caller", queueBody, 403, "not allowed"},
		{"not a host of the queue", "GET", string("/queues/" + q.ID + "/entries"), "zed", "host", "", 403, "not allowed"},
		{"stale version", "PUT", string("/queues/" + q.ID), "boss", "admin", strings.Replace(queueBody, `"slug"`, `"version":9,"slug"`, 1), 409, "changed this meanwhile"},
		{"already queued", "POST", string("/queues/" + q.ID + "/entries"), "bob", "caller", `{"intake":{"topic":"wifi"}}`, 409, "already in this queue"},
		{"intake missing", "POST", string("/queues/" + q.ID + "/entries"), "eve", "caller", `{}`, 400, "topic"},
		{"complete a waiting entry", "POST", string("/entries/" + joined.Entry.ID + "/complete"), "bob", "caller", "", 409, "not possible"},
		{"bad availability", "PUT", "/hosts/ann/availability", "ann", "host", `{"state":"busy"}`, 400, "host state"},
		{"bad body", "POST", "/queues", "boss", "admin", `{"slug":`, 400, "cut short"},
		{"unknown field", "POST", "/queues", "boss", "admin", `{"slug":"x","name":"x","bogus":1}`, 400, "bogus"},
		{"bad window", "GET", string("/queues/" + q.ID + "/stats?from=yesterday"), "boss", "admin", "", 400, "RFC 3339"},
		{"no ws target", "GET", "/ws", "bob", "caller", "", 400, "entry"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			var p map[string]any
			a.mustDo(tc.method, tc.path, tc.user, tc.role, body, &p, tc.status)
			detail, _ := p["detail"].(string)
			if detail == "" || internals.MatchString(detail) {
				t.Fatalf("detail %q is not for people (problem %v)", detail, p)
			}
			if !strings.Contains(detail, tc.says) {
				t.Fatalf("detail %q does not say %q", detail, tc.says)
			}
		})
	}
	// The closed desk says when it opens, in words.
	a.env.Clock.Set(time.Date(2026, 6, 1, 17, 0, 0, 0, berlin))
	var p map[string]any
	a.mustDo("POST", string("/queues/"+q.ID+"/entries"), "carl", "caller", `{"intake":{"topic":"wifi"}}`, &p, 409)
	if d := p["detail"].(string); internals.MatchString(d) || !strings.Contains(d, "closed") || !strings.Contains(d, "Tuesday") {
		t.Fatalf("closed: %q", d)
	}
}
