package queueapi_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/queueapi"
)

func TestAPIServing(t *testing.T) {
	a := newAPIEnv(t)
	var qa, qb queueapi.QueueJSON
	a.mustDo("POST", "/queues", "boss", "admin", queueBody, &qa, 201)
	a.mustDo("POST", "/queues", "boss", "admin", strings.Replace(queueBody, `"slug":"it-help"`, `"slug":"other"`, 1), &qb, 201)
	a.mustDo("PUT", "/hosts/ann", "boss", "admin", map[string]any{"name": "Ann", "queues": []string{string(qa.ID), string(qb.ID)}}, nil, 200)
	a.mustDo("PUT", "/hosts/ben", "boss", "admin", map[string]any{"name": "Ben", "queues": []string{string(qa.ID)}}, nil, 200)

	raw := a.mustDo("GET", "/hosts/me", "ann", "host", nil, nil, 200)
	if !strings.Contains(raw, `"serving":null`) {
		t.Fatalf("a new host: %s, want \"serving\":null (all)", raw)
	}
	var host queue.Host
	a.mustDo("PUT", "/hosts/me/serving", "ann", "host", map[string]any{"queues": []string{string(qa.ID)}}, &host, 200)
	if !slices.Equal(host.Serving, []queue.QueueID{qa.ID}) {
		t.Fatalf("serving %v", host.Serving)
	}
	raw = a.mustDo("PUT", "/hosts/me/serving", "ann", "host", map[string]any{"queues": []string{}}, nil, 200)
	if !strings.Contains(raw, `"serving":[]`) {
		t.Fatalf("serving none: %s", raw)
	}
	raw = a.mustDo("GET", "/hosts/ann", "boss", "admin", nil, nil, 200)
	if !strings.Contains(raw, `"serving":[]`) {
		t.Fatalf("GET after serving none: %s", raw)
	}
	var p map[string]any
	a.mustDo("PUT", "/hosts/ben/serving", "ben", "host", map[string]any{"queues": []string{string(qb.ID)}}, &p, 422)
	if p["field"] != "queues" || p["reason"] != "not_assigned" || p["queue"] != string(qb.ID) {
		t.Fatalf("not assigned: %v", p)
	}
	a.mustDo("PUT", "/hosts/ann/serving", "ben", "host", map[string]any{"queues": []string{string(qa.ID)}}, nil, 403)
	a.mustDo("PUT", "/hosts/ann/serving", "boss", "admin", map[string]any{"queues": []string{string(qb.ID)}}, &host, 200)
	if !slices.Equal(host.Serving, []queue.QueueID{qb.ID}) {
		t.Fatalf("admin set serving %v", host.Serving)
	}
	a.mustDo("PUT", "/hosts/me/serving", "ann", "host", `{}`, nil, 400)
	a.mustDo("PUT", "/hosts/me/serving", "ann", "host", `{"queues":"x"}`, nil, 400)
	a.mustDo("PUT", "/hosts/me/serving", "ann", "host", `{"queues":null}`, &host, 200)
	if host.Serving != nil {
		t.Fatalf("null did not reset to all: %v", host.Serving)
	}

	// The host's live view lists both queues with their serving flag.
	a.mustDo("PUT", "/hosts/me/serving", "ann", "host", map[string]any{"queues": []string{string(qb.ID)}}, nil, 200)
	ws, _, err := wsDial(t, a, "user=ann&role=host", "https://desk.example")
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	readMsg(t, ws, "host", func(m map[string]any) bool {
		flags := map[any]any{}
		for _, q := range m["queues"].([]any) {
			hq := q.(map[string]any)
			flags[hq["queue"].(map[string]any)["id"]] = hq["serving"]
		}
		return len(flags) == 2 && flags[string(qa.ID)] == false && flags[string(qb.ID)] == true
	})
}
