// Package queuetest holds the contract test suite that every queue.Store
// implementation must pass (the in-memory store in package queue, and the
// bbolt and MongoDB stores in package store).
package queuetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
)

// RunStoreContract runs the whole contract against fresh stores made by
// newStore (called once per subtest; it should register its own cleanup
// with t.Cleanup). It covers CRUD, compare-and-set, uniqueness, queue order,
// ClaimNext, filters, and a concurrency part where many goroutines run the
// offer protocol at once (no entry claimed twice, no host with two offers,
// no entry lost). Stores that implement queue.OfferStore also get its
// tests (OfferNext semantics and a concurrent run).
func RunStoreContract(t *testing.T, newStore func(t *testing.T) queue.Store) {
	t.Helper()
	RunStoreContractWith(t, newStore, ContractLoad{})
}

// ContractLoad sizes the concurrent part of the store contract; zero
// fields take the defaults (300 entries offered by 8 workers to 12 hosts).
// A slow store (FerretDB scans whole collections) runs fewer entries; the
// properties checked are the same.
type ContractLoad struct {
	Entries int
}

// RunStoreContractWith is RunStoreContract with a chosen load.
func RunStoreContractWith(t *testing.T, newStore func(t *testing.T) queue.Store, load ContractLoad) {
	t.Helper()
	if load.Entries == 0 {
		load.Entries = 300
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, s queue.Store)
	}{
		{"QueueCRUD", testQueueCRUD},
		{"QueueCAS", testQueueCAS},
		{"HostCRUD", testHostCRUD},
		{"HostServingNilOrEmpty", testHostServing},
		{"HostListOrderAndFilter", testHostList},
		{"EntrySeqAndRoundTrip", testEntrySeq},
		{"EntryActiveKey", testEntryActiveKey},
		{"EntryCAS", testEntryCAS},
		{"ClaimNextOrder", testClaimOrder},
		{"ClaimNextReturnToHead", testClaimReturnToHead},
		{"EntryFilters", testEntryFilters},
		{"CallCRUD", testCallCRUD},
		{"ConcurrentCAS", testConcurrentCAS},
		{"ConcurrentActiveKey", testConcurrentActiveKey},
		{"ConcurrentOfferProtocol", func(t *testing.T, s queue.Store) { testConcurrentOffers(t, s, load.Entries) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
	for _, tc := range offerStoreTests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			os, ok := s.(queue.OfferStore)
			if !ok {
				return // optional interface not implemented: nothing to check
			}
			tc.fn(t, os)
		})
	}
}

// base is a fixed instant with millisecond precision (stores must keep at
// least that much).
var base = time.Date(2026, 3, 29, 0, 30, 0, 123_000_000, time.UTC)

func ctx(t *testing.T) context.Context { return t.Context() }

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: err = %v, want %v", what, err, want)
	}
}

func must[T any](t *testing.T, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

func sampleQueue(id, slug string) queue.Queue {
	h := hours.Schedule{Zone: "Europe/Berlin", Manual: hours.ManualClosed}
	h.Weekly[time.Monday] = []hours.Range{{From: hours.At(9, 0), To: hours.At(12, 0)}, {From: hours.At(13, 0), To: hours.At(17, 30)}}
	h.Overrides = []hours.DateOverride{{Date: "2026-12-25", Closed: true, Note: "Christmas"}}
	return queue.Queue{
		ID: queue.QueueID(id), Slug: slug, Name: "Queue " + slug, Description: "desc",
		Hours: h, Mode: queue.ModePick, Identity: queue.IdentityAccount,
		Limits:                queue.Limits{MaxWaiting: 50, MaxWait: 30 * time.Minute, OnePerCaller: true, Cooldown: 2 * time.Minute},
		Closing:               queue.Closing{StopAdmitting: 10 * time.Minute, AtClose: queue.AtCloseRelease},
		Timeouts:              queue.Timeouts{Offer: 20 * time.Second, NoShow: time.Minute, WrapUp: 30 * time.Second, Grace: 45 * time.Second, RejoinGrace: new(time.Duration)},
		Intake:                []queue.IntakeField{{Name: "topic", Label: "Topic", Required: true, Options: []string{"a", "b"}, MaxLen: 100}},
		Media:                 queue.MediaJanus,
		Phone:                 queue.PhoneSettings{Callback: true, Allow: []string{"+1555*", "+442079460958"}, Retries: 2, RetryDelay: time.Minute, RingTimeout: 20 * time.Second},
		ServiceLevelThreshold: 20 * time.Second,
		CreatedAt:             base, UpdatedAt: base,
	}
}

// normalisation so stores may return UTC or local times, nil or empty.
func nt(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func normQueue(q queue.Queue) queue.Queue {
	q = q.Clone()
	q.CreatedAt, q.UpdatedAt = nt(q.CreatedAt), nt(q.UpdatedAt)
	for d := range q.Hours.Weekly {
		if len(q.Hours.Weekly[d]) == 0 {
			q.Hours.Weekly[d] = nil
		}
	}
	if len(q.Hours.Overrides) == 0 {
		q.Hours.Overrides = nil
	}
	for i := range q.Hours.Overrides {
		if len(q.Hours.Overrides[i].Ranges) == 0 {
			q.Hours.Overrides[i].Ranges = nil
		}
	}
	if len(q.Intake) == 0 {
		q.Intake = nil
	}
	if len(q.Phone.Allow) == 0 {
		q.Phone.Allow = nil
	}
	for i := range q.Intake {
		if len(q.Intake[i].Options) == 0 {
			q.Intake[i].Options = nil
		}
	}
	return q
}

func normHost(h queue.Host) queue.Host {
	h = h.Clone()
	h.StateSince, h.IdleSince, h.Deadline = nt(h.StateSince), nt(h.IdleSince), nt(h.Deadline)
	if len(h.Queues) == 0 {
		h.Queues = nil
	}
	return h
}

func normEntry(e queue.Entry) queue.Entry {
	e = e.Clone()
	e.CreatedAt, e.OfferedAt, e.AnsweredAt = nt(e.CreatedAt), nt(e.OfferedAt), nt(e.AnsweredAt)
	e.StartedAt, e.EndedAt, e.DisconnectedAt, e.Deadline = nt(e.StartedAt), nt(e.EndedAt), nt(e.DisconnectedAt), nt(e.Deadline)
	e.CallerAwayUntil, e.HostAwayUntil = nt(e.CallerAwayUntil), nt(e.HostAwayUntil)
	if e.Callback != nil {
		e.Callback.RetryAt = nt(e.Callback.RetryAt)
	}
	if len(e.Intake) == 0 {
		e.Intake = nil
	}
	if len(e.History) == 0 {
		e.History = nil
	}
	for i := range e.History {
		e.History[i].At = nt(e.History[i].At)
	}
	return e
}

func normCall(c queue.Call) queue.Call {
	c = c.Clone()
	c.CreatedAt, c.StartedAt, c.EndedAt = nt(c.CreatedAt), nt(c.StartedAt), nt(c.EndedAt)
	if len(c.Participants) == 0 {
		c.Participants = nil
	}
	for i := range c.Participants {
		p := &c.Participants[i]
		p.JoinedAt, p.UpAt, p.LeftAt, p.RejoinedAt = nt(p.JoinedAt), nt(p.UpAt), nt(p.LeftAt), nt(p.RejoinedAt)
	}
	if l := c.Phone; l != nil {
		l.CreatedAt, l.DialedAt, l.RingingAt, l.AnsweredAt, l.EndedAt = nt(l.CreatedAt), nt(l.DialedAt), nt(l.RingingAt), nt(l.AnsweredAt), nt(l.EndedAt)
	}
	return c
}

func same[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

func testQueueCRUD(t *testing.T, s queue.Store) {
	q := sampleQueue("q1", "alpha")
	got := must[queue.Queue](t, "create")(s.CreateQueue(ctx(t), q))
	if got.Version != 1 {
		t.Fatalf("version = %d, want 1", got.Version)
	}
	q.Version = 1
	same(t, "created", normQueue(got), normQueue(q))
	same(t, "get", normQueue(must[queue.Queue](t, "get")(s.GetQueue(ctx(t), "q1"))), normQueue(q))
	same(t, "by slug", normQueue(must[queue.Queue](t, "slug")(s.GetQueueBySlug(ctx(t), "alpha"))), normQueue(q))

	_, err := s.CreateQueue(ctx(t), sampleQueue("q1", "other"))
	wantErr(t, "same id", err, queue.ErrConflict)
	_, err = s.CreateQueue(ctx(t), sampleQueue("q2", "alpha"))
	wantErr(t, "same slug", err, queue.ErrConflict)
	must[queue.Queue](t, "create q0")(s.CreateQueue(ctx(t), sampleQueue("q0", "zulu")))
	must[queue.Queue](t, "create q3")(s.CreateQueue(ctx(t), sampleQueue("q3", "beta")))

	list := must[[]queue.Queue](t, "list")(s.ListQueues(ctx(t)))
	var slugs []string
	for _, q := range list {
		slugs = append(slugs, q.Slug)
	}
	same(t, "list order", slugs, []string{"alpha", "beta", "zulu"})

	_, err = s.GetQueue(ctx(t), "nope")
	wantErr(t, "get missing", err, queue.ErrNotFound)
	_, err = s.GetQueueBySlug(ctx(t), "nope")
	wantErr(t, "slug missing", err, queue.ErrNotFound)
	wantErr(t, "delete missing", s.DeleteQueue(ctx(t), "nope"), queue.ErrNotFound)
	if err := s.DeleteQueue(ctx(t), "q0"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = s.GetQueue(ctx(t), "q0")
	wantErr(t, "get deleted", err, queue.ErrNotFound)
	// RejoinGrace: an explicit 0 (above) and "not set" (nil) stay apart.
	unset := sampleQueue("q5", "unset")
	unset.Timeouts.RejoinGrace = nil
	must[queue.Queue](t, "create unset")(s.CreateQueue(ctx(t), unset))
	if g := must[queue.Queue](t, "get unset")(s.GetQueue(ctx(t), "q5")).Timeouts.RejoinGrace; g != nil {
		t.Fatalf("unset rejoin grace came back as %v", *g)
	}
	if g := must[queue.Queue](t, "get q1")(s.GetQueue(ctx(t), "q1")).Timeouts.RejoinGrace; g == nil || *g != 0 {
		t.Fatalf("explicit 0 rejoin grace came back as %v", g)
	}
	// A deleted queue's slug is free again.
	must[queue.Queue](t, "reuse slug")(s.CreateQueue(ctx(t), sampleQueue("q4", "zulu")))
}

func testQueueCAS(t *testing.T, s queue.Store) {
	q := must[queue.Queue](t, "create")(s.CreateQueue(ctx(t), sampleQueue("q1", "alpha")))
	must[queue.Queue](t, "create b")(s.CreateQueue(ctx(t), sampleQueue("q2", "beta")))
	q.Name = "renamed"
	q.Hours.Manual = hours.ManualOpen
	q2 := must[queue.Queue](t, "update")(s.UpdateQueue(ctx(t), q))
	if q2.Version != 2 || q2.Name != "renamed" {
		t.Fatalf("updated = v%d %q, want v2 renamed", q2.Version, q2.Name)
	}
	got := must[queue.Queue](t, "get")(s.GetQueue(ctx(t), "q1"))
	if got.Hours.Manual != hours.ManualOpen || got.Version != 2 {
		t.Fatalf("stored = %+v", got)
	}
	q.Name = "stale"
	_, err := s.UpdateQueue(ctx(t), q) // still Version 1
	wantErr(t, "stale update", err, queue.ErrVersion)
	q2.Slug = "beta"
	_, err = s.UpdateQueue(ctx(t), q2)
	wantErr(t, "slug clash", err, queue.ErrConflict)
	_, err = s.UpdateQueue(ctx(t), sampleQueue("missing", "m"))
	wantErr(t, "update missing", err, queue.ErrNotFound)
}

func testHostCRUD(t *testing.T, s queue.Store) {
	h := queue.Host{ID: "h1", Name: "Ada", Queues: []queue.QueueID{"q1", "q2"}, State: queue.HostAvailable,
		StateSince: base, IdleSince: base.Add(time.Second), Deadline: base.Add(time.Minute)}
	got := must[queue.Host](t, "create")(s.CreateHost(ctx(t), h))
	h.Version = 1
	same(t, "created", normHost(got), normHost(h))
	same(t, "get", normHost(must[queue.Host](t, "get")(s.GetHost(ctx(t), "h1"))), normHost(h))
	_, err := s.CreateHost(ctx(t), h)
	wantErr(t, "dup", err, queue.ErrConflict)

	h.State, h.EntryID = queue.HostOffered, "e1"
	h2 := must[queue.Host](t, "update")(s.UpdateHost(ctx(t), h))
	if h2.Version != 2 || h2.State != queue.HostOffered || h2.EntryID != "e1" {
		t.Fatalf("updated = %+v", h2)
	}
	_, err = s.UpdateHost(ctx(t), h) // Version 1 again
	wantErr(t, "stale", err, queue.ErrVersion)
	_, err = s.GetHost(ctx(t), "nope")
	wantErr(t, "missing", err, queue.ErrNotFound)
	_, err = s.UpdateHost(ctx(t), queue.Host{ID: "nope"})
	wantErr(t, "update missing", err, queue.ErrNotFound)
	if err := s.DeleteHost(ctx(t), "h1"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "delete again", s.DeleteHost(ctx(t), "h1"), queue.ErrNotFound)
}

// testHostServing: Host.Serving nil ("all of Queues") and empty ("none")
// must come back as they went in, through create, get, update and list.
func testHostServing(t *testing.T, s queue.Store) {
	check := func(what string, got []queue.QueueID, wantNil bool, want []queue.QueueID) {
		t.Helper()
		if (got == nil) != wantNil || !reflect.DeepEqual(append([]queue.QueueID{}, got...), append([]queue.QueueID{}, want...)) {
			t.Fatalf("%s: serving %#v, want %#v (nil %v)", what, got, want, wantNil)
		}
	}
	all := must[queue.Host](t, "create all")(s.CreateHost(ctx(t), queue.Host{ID: "all", Queues: []queue.QueueID{"q1", "q2"}, State: queue.HostOffline}))
	none := must[queue.Host](t, "create none")(s.CreateHost(ctx(t), queue.Host{ID: "none", Queues: []queue.QueueID{"q1"}, Serving: []queue.QueueID{}, State: queue.HostOffline}))
	check("created nil", all.Serving, true, nil)
	check("created empty", none.Serving, false, nil)
	check("get nil", must[queue.Host](t, "get")(s.GetHost(ctx(t), "all")).Serving, true, nil)
	check("get empty", must[queue.Host](t, "get")(s.GetHost(ctx(t), "none")).Serving, false, nil)
	for _, h := range must[[]queue.Host](t, "list")(s.ListHosts(ctx(t), queue.HostFilter{QueueID: "q1"})) {
		check("list "+string(h.ID), h.Serving, h.ID == "all", nil)
	}
	all.Serving = []queue.QueueID{"q2"}
	all = must[queue.Host](t, "update some")(s.UpdateHost(ctx(t), all))
	check("updated some", must[queue.Host](t, "get")(s.GetHost(ctx(t), "all")).Serving, false, []queue.QueueID{"q2"})
	all.Serving = []queue.QueueID{}
	all = must[queue.Host](t, "update none")(s.UpdateHost(ctx(t), all))
	check("updated none", must[queue.Host](t, "get")(s.GetHost(ctx(t), "all")).Serving, false, nil)
	all.Serving = nil
	must[queue.Host](t, "update all")(s.UpdateHost(ctx(t), all))
	check("updated all", must[queue.Host](t, "get")(s.GetHost(ctx(t), "all")).Serving, true, nil)
}

func testHostList(t *testing.T, s queue.Store) {
	hs := []queue.Host{
		{ID: "c", Queues: []queue.QueueID{"q1"}, State: queue.HostAvailable, IdleSince: base.Add(3 * time.Second)},
		{ID: "a", Queues: []queue.QueueID{"q1", "q2"}, State: queue.HostAvailable, IdleSince: base.Add(1 * time.Second)},
		{ID: "b", Queues: []queue.QueueID{"q2"}, State: queue.HostAvailable, IdleSince: base.Add(2 * time.Second), Deadline: base.Add(10 * time.Second)},
		{ID: "d", Queues: []queue.QueueID{"q1"}, State: queue.HostAway, IdleSince: base, Deadline: base.Add(5 * time.Second)},
		{ID: "e", Queues: []queue.QueueID{"q1"}, State: queue.HostAvailable, IdleSince: base.Add(1 * time.Second)},
	}
	for _, h := range hs {
		must[queue.Host](t, "create")(s.CreateHost(ctx(t), h))
	}
	ids := func(f queue.HostFilter) []string {
		var out []string
		for _, h := range must[[]queue.Host](t, "list")(s.ListHosts(ctx(t), f)) {
			out = append(out, string(h.ID))
		}
		return out
	}
	tests := []struct {
		name string
		f    queue.HostFilter
		want []string
	}{
		{"all by idle then id", queue.HostFilter{}, []string{"d", "a", "e", "b", "c"}},
		{"queue and state", queue.HostFilter{QueueID: "q1", States: []queue.HostState{queue.HostAvailable}}, []string{"a", "e", "c"}},
		{"queue q2", queue.HostFilter{QueueID: "q2"}, []string{"a", "b"}},
		{"two states", queue.HostFilter{States: []queue.HostState{queue.HostAway, queue.HostOffered}}, []string{"d"}},
		{"deadline before", queue.HostFilter{DeadlineBefore: base.Add(6 * time.Second)}, []string{"d"}},
		{"deadline exclusive", queue.HostFilter{DeadlineBefore: base.Add(5 * time.Second)}, nil},
		{"no match", queue.HostFilter{QueueID: "q9"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { same(t, "ids", ids(tc.f), tc.want) })
	}
}

func newEntry(id, q, caller string, prio int, at time.Time) queue.Entry {
	return queue.Entry{ID: queue.EntryID(id), QueueID: queue.QueueID(q), CallerID: caller, CallerName: "Caller " + caller, Priority: prio,
		State: queue.EntryWaiting, CreatedAt: at,
		History: []queue.Transition{{State: queue.EntryWaiting, At: at, Reason: "join"}}}
}

func testEntrySeq(t *testing.T, s queue.Store) {
	var last int64
	for i := range 5 {
		e := newEntry(fmt.Sprintf("e%d", i), "q1", fmt.Sprint("c", i), 0, base.Add(time.Duration(i)*time.Second))
		got := must[queue.Entry](t, "create")(s.CreateEntry(ctx(t), e))
		if got.Seq <= last || got.Version != 1 {
			t.Fatalf("entry %d: seq %d after %d, version %d", i, got.Seq, last, got.Version)
		}
		last = got.Seq
	}
	// Another queue has its own counter, also strictly increasing.
	a := must[queue.Entry](t, "q2 a")(s.CreateEntry(ctx(t), newEntry("x1", "q2", "c", 0, base)))
	b := must[queue.Entry](t, "q2 b")(s.CreateEntry(ctx(t), newEntry("x2", "q2", "c", 0, base)))
	if b.Seq <= a.Seq {
		t.Fatalf("q2 seqs %d then %d", a.Seq, b.Seq)
	}
	_, err := s.CreateEntry(ctx(t), newEntry("e1", "q1", "z", 0, base))
	wantErr(t, "dup id", err, queue.ErrConflict)

	full := newEntry("rt", "q1", "guest-1", 3, base)
	full.Guest = true
	full.Intake = map[string]string{"topic": "wifi", "question": "why?"}
	full.ResumeHash = "abc"
	full.ActiveKey = "q1|guest-1"
	full.OfferedAt, full.AnsweredAt = base.Add(time.Second), base.Add(2*time.Second)
	full.Deadline = base.Add(time.Hour)
	full.CallerAwayUntil, full.HostAwayUntil = base.Add(3*time.Second), base.Add(4*time.Second)
	got := must[queue.Entry](t, "create full")(s.CreateEntry(ctx(t), full))
	full.Seq, full.Version = got.Seq, 1
	same(t, "round trip", normEntry(must[queue.Entry](t, "get")(s.GetEntry(ctx(t), "rt"))), normEntry(full))
	_, err = s.GetEntry(ctx(t), "nope")
	wantErr(t, "missing", err, queue.ErrNotFound)
}

func testEntryActiveKey(t *testing.T, s queue.Store) {
	e := newEntry("e1", "q1", "c1", 0, base)
	e.ActiveKey = "q1|c1"
	e = must[queue.Entry](t, "create")(s.CreateEntry(ctx(t), e))
	dup := newEntry("e2", "q1", "c1", 0, base)
	dup.ActiveKey = "q1|c1"
	_, err := s.CreateEntry(ctx(t), dup)
	wantErr(t, "second live entry", err, queue.ErrConflict)
	// Without an ActiveKey there is no limit.
	free := newEntry("e3", "q1", "c1", 0, base)
	must[queue.Entry](t, "no key")(s.CreateEntry(ctx(t), free))
	// The entry ends: the key is free again; the ended entry keeps it.
	e.State = queue.EntryAbandoned
	e = must[queue.Entry](t, "end")(s.UpdateEntry(ctx(t), e))
	if e.ActiveKey != "q1|c1" {
		t.Fatalf("ActiveKey lost: %q", e.ActiveKey)
	}
	must[queue.Entry](t, "rejoin")(s.CreateEntry(ctx(t), dup))
	// Reviving the ended entry would make two live entries with one key.
	e.State = queue.EntryWaiting
	_, err = s.UpdateEntry(ctx(t), e)
	wantErr(t, "revive", err, queue.ErrConflict)
}

func testEntryCAS(t *testing.T, s queue.Store) {
	e := must[queue.Entry](t, "create")(s.CreateEntry(ctx(t), newEntry("e1", "q1", "c1", 0, base)))
	seq := e.Seq
	e.Paused = true
	e.Phone = "+15550102030"
	e.Callback = &queue.Callback{Attempts: 2, LastResult: "busy", LastCode: 486, RetryAt: base.Add(time.Minute)}
	e.Seq = 999 // ignored: Seq is kept
	e.History = append(e.History, queue.Transition{State: queue.EntryWaiting, At: base.Add(time.Second), Reason: "disconnected"})
	e2 := must[queue.Entry](t, "update")(s.UpdateEntry(ctx(t), e))
	if e2.Version != 2 || e2.Seq != seq || !e2.Paused || len(e2.History) != 2 {
		t.Fatalf("updated = %+v", e2)
	}
	stored := must[queue.Entry](t, "get")(s.GetEntry(ctx(t), "e1"))
	if stored.Seq != seq || len(stored.History) != 2 {
		t.Fatalf("stored = %+v", stored)
	}
	want := e.Clone()
	want.Version, want.Seq = e2.Version, seq
	same(t, "updated entry with a callback", normEntry(stored), normEntry(want))
	_, err := s.UpdateEntry(ctx(t), e) // Version 1
	wantErr(t, "stale", err, queue.ErrVersion)
	_, err = s.UpdateEntry(ctx(t), queue.Entry{ID: "nope"})
	wantErr(t, "missing", err, queue.ErrNotFound)
}

func testClaimOrder(t *testing.T, s queue.Store) {
	// Created in this order; expected claim order: priority desc, seq asc,
	// skipping paused and non-waiting entries and other queues.
	specs := []struct {
		id     string
		q      string
		prio   int
		paused bool
		state  queue.EntryState
	}{
		{"a", "q1", 0, false, queue.EntryWaiting},
		{"b", "q1", 5, false, queue.EntryWaiting},
		{"c", "q1", 0, true, queue.EntryWaiting},
		{"d", "q1", 0, false, queue.EntryWaiting},
		{"e", "q2", 9, false, queue.EntryWaiting},
		{"f", "q1", 5, false, queue.EntryWaiting},
		{"g", "q1", 9, false, queue.EntryInCall},
	}
	for _, sp := range specs {
		e := newEntry(sp.id, sp.q, "c-"+sp.id, sp.prio, base)
		e.Paused, e.State = sp.paused, sp.state
		must[queue.Entry](t, "create")(s.CreateEntry(ctx(t), e))
	}
	var got []string
	for i := range 10 {
		at := base.Add(time.Duration(i) * time.Second)
		e, err := s.ClaimNext(ctx(t), queue.Claim{QueueID: "q1", HostID: "h1", At: at, Deadline: at.Add(30 * time.Second)})
		if errors.Is(err, queue.ErrNotFound) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if e.State != queue.EntryOffered || e.HostID != "h1" || !e.OfferedAt.Equal(at) || !e.Deadline.Equal(at.Add(30*time.Second)) {
			t.Fatalf("claimed = %+v", e)
		}
		last := e.History[len(e.History)-1]
		if len(e.History) != 2 || last.State != queue.EntryOffered || !last.At.Equal(at) || last.HostID != "h1" {
			t.Fatalf("history = %+v", e.History)
		}
		stored := must[queue.Entry](t, "get")(s.GetEntry(ctx(t), e.ID))
		if stored.State != queue.EntryOffered || stored.Version != e.Version || stored.Version != 2 {
			t.Fatalf("stored after claim = %+v", stored)
		}
		got = append(got, string(e.ID))
	}
	same(t, "claim order", got, []string{"b", "f", "a", "d"})
	_, err := s.ClaimNext(ctx(t), queue.Claim{QueueID: "empty", HostID: "h1", At: base})
	wantErr(t, "empty queue", err, queue.ErrNotFound)
}

func testClaimReturnToHead(t *testing.T, s queue.Store) {
	for i := range 3 {
		must[queue.Entry](t, "create")(s.CreateEntry(ctx(t), newEntry(fmt.Sprint("e", i), "q1", fmt.Sprint("c", i), 0, base)))
	}
	claim := queue.Claim{QueueID: "q1", HostID: "h1", At: base}
	first := must[queue.Entry](t, "claim")(s.ClaimNext(ctx(t), claim))
	if first.ID != "e0" {
		t.Fatalf("first claim = %s", first.ID)
	}
	// A newcomer joins while e0 is offered; then the offer times out.
	must[queue.Entry](t, "newcomer")(s.CreateEntry(ctx(t), newEntry("late", "q1", "cl", 0, base)))
	first.State, first.HostID, first.Deadline = queue.EntryWaiting, "", time.Time{}
	first.History = append(first.History, queue.Transition{State: queue.EntryWaiting, At: base, Reason: "offer_timeout"})
	must[queue.Entry](t, "return")(s.UpdateEntry(ctx(t), first))
	again := must[queue.Entry](t, "claim again")(s.ClaimNext(ctx(t), claim))
	if again.ID != "e0" {
		t.Fatalf("after return the head is %s, want e0", again.ID)
	}
	w := must[[]queue.Entry](t, "list")(s.ListEntries(ctx(t), queue.EntryFilter{QueueID: "q1", States: []queue.EntryState{queue.EntryWaiting}}))
	var ids []string
	for _, e := range w {
		ids = append(ids, string(e.ID))
	}
	same(t, "waiting order", ids, []string{"e1", "e2", "late"})
}

func testEntryFilters(t *testing.T, s queue.Store) {
	mk := func(id, q, caller, host string, st queue.EntryState, created time.Time, deadline time.Time) {
		e := newEntry(id, q, caller, 0, created)
		e.State, e.HostID, e.Deadline = st, queue.HostID(host), deadline
		must[queue.Entry](t, "create")(s.CreateEntry(ctx(t), e))
	}
	mk("a", "q1", "c1", "", queue.EntryWaiting, base, time.Time{})
	mk("b", "q1", "c2", "h1", queue.EntryOffered, base.Add(time.Minute), base.Add(2*time.Minute))
	mk("c", "q1", "c1", "h2", queue.EntryCompleted, base.Add(2*time.Minute), time.Time{})
	mk("d", "q2", "c1", "h1", queue.EntryInCall, base.Add(3*time.Minute), base.Add(10*time.Minute))
	mk("e", "q1", "c3", "", queue.EntryWaiting, base.Add(4*time.Minute), base.Add(time.Minute))
	tests := []struct {
		name string
		f    queue.EntryFilter
		want []string
	}{
		{"all", queue.EntryFilter{}, []string{"a", "b", "c", "e", "d"}},
		{"queue", queue.EntryFilter{QueueID: "q1"}, []string{"a", "b", "c", "e"}},
		{"waiting", queue.EntryFilter{QueueID: "q1", States: []queue.EntryState{queue.EntryWaiting}}, []string{"a", "e"}},
		{"live states", queue.EntryFilter{States: []queue.EntryState{queue.EntryOffered, queue.EntryInCall}}, []string{"b", "d"}},
		{"caller", queue.EntryFilter{CallerID: "c1"}, []string{"a", "c", "d"}},
		{"caller in queue", queue.EntryFilter{CallerID: "c1", QueueID: "q2"}, []string{"d"}},
		{"host", queue.EntryFilter{HostID: "h1"}, []string{"b", "d"}},
		{"created range", queue.EntryFilter{CreatedFrom: base.Add(time.Minute), CreatedTo: base.Add(3 * time.Minute)}, []string{"b", "c"}},
		{"deadline", queue.EntryFilter{DeadlineBefore: base.Add(5 * time.Minute)}, []string{"b", "e"}},
		{"limit", queue.EntryFilter{QueueID: "q1", Limit: 2}, []string{"a", "b"}},
		{"none", queue.EntryFilter{QueueID: "q9"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ids []string
			for _, e := range must[[]queue.Entry](t, "list")(s.ListEntries(ctx(t), tc.f)) {
				ids = append(ids, string(e.ID))
			}
			same(t, "ids", ids, tc.want)
			n := must[int](t, "count")(s.CountEntries(ctx(t), tc.f))
			want := len(tc.want)
			if tc.f.Limit > 0 {
				want = 4 // Count ignores Limit: all of q1
			}
			if n != want {
				t.Fatalf("count = %d, want %d", n, want)
			}
		})
	}
}

func testCallCRUD(t *testing.T, s queue.Store) {
	c := queue.Call{ID: "call1", QueueID: "q1", EntryID: "e1", HostID: "h1",
		Room: queue.Room{Engine: queue.MediaJanus, Instance: "janus-a", ID: 1234567, Secret: "s3cret", PIN: "9876"},
		Participants: []queue.Participant{
			{Role: queue.PartyHost, UserID: "h1", Name: "Ada", FeedID: 11, Token: "tok-h"},
			{Role: queue.PartyCaller, UserID: "c1", Name: "Bob", FeedID: 12, Token: "tok-c", JoinedAt: base,
				LeftAt: base.Add(time.Second), RejoinedAt: base.Add(2 * time.Second)},
		},
		State: queue.CallCreated, CreatedAt: base,
		Phone: &queue.PhoneLeg{Number: "+15550102030", Instance: "janus-a", Token: "tok-sip", State: queue.PhoneEnded, Code: 486,
			Reason: "Busy Here", CreatedAt: base, DialedAt: base.Add(time.Second), RingingAt: base.Add(2 * time.Second), EndedAt: base.Add(3 * time.Second)}}
	got := must[queue.Call](t, "create")(s.CreateCall(ctx(t), c))
	c.Version = 1
	same(t, "created", normCall(got), normCall(c))
	same(t, "get", normCall(must[queue.Call](t, "get")(s.GetCall(ctx(t), "call1"))), normCall(c))
	_, err := s.CreateCall(ctx(t), c)
	wantErr(t, "dup", err, queue.ErrConflict)
	c.State, c.StartedAt = queue.CallActive, base.Add(time.Second)
	c2 := must[queue.Call](t, "update")(s.UpdateCall(ctx(t), c))
	if c2.Version != 2 {
		t.Fatalf("version %d", c2.Version)
	}
	_, err = s.UpdateCall(ctx(t), c)
	wantErr(t, "stale", err, queue.ErrVersion)
	_, err = s.GetCall(ctx(t), "nope")
	wantErr(t, "missing", err, queue.ErrNotFound)

	other := queue.Call{ID: "call2", QueueID: "q2", EntryID: "e2", HostID: "h2", Room: queue.Room{Engine: queue.MediaBuiltin, ID: 1234567}, State: queue.CallEnded, CreatedAt: base.Add(time.Minute)}
	must[queue.Call](t, "create 2")(s.CreateCall(ctx(t), other))
	tests := []struct {
		name string
		f    queue.CallFilter
		want []string
	}{
		{"all", queue.CallFilter{}, []string{"call1", "call2"}},
		{"room on instance", queue.CallFilter{Instance: "janus-a", RoomID: 1234567}, []string{"call1"}},
		{"room id only", queue.CallFilter{RoomID: 1234567}, []string{"call1", "call2"}},
		{"live", queue.CallFilter{States: []queue.CallState{queue.CallCreated, queue.CallActive}}, []string{"call1"}},
		{"entry", queue.CallFilter{EntryID: "e2"}, []string{"call2"}},
		{"host", queue.CallFilter{HostID: "h1"}, []string{"call1"}},
		{"queue", queue.CallFilter{QueueID: "q2"}, []string{"call2"}},
		{"limit", queue.CallFilter{Limit: 1}, []string{"call1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ids []string
			for _, c := range must[[]queue.Call](t, "list")(s.ListCalls(ctx(t), tc.f)) {
				ids = append(ids, string(c.ID))
			}
			same(t, "ids", ids, tc.want)
		})
	}
}

func testConcurrentCAS(t *testing.T, s queue.Store) {
	h := must[queue.Host](t, "create")(s.CreateHost(ctx(t), queue.Host{ID: "h", State: queue.HostAvailable}))
	const n = 16
	var wg sync.WaitGroup
	wins := make(chan string, n)
	for i := range n {
		wg.Go(func() {
			mine := h
			mine.State, mine.EntryID = queue.HostOffered, queue.EntryID(fmt.Sprint("e", i))
			if _, err := s.UpdateHost(context.Background(), mine); err == nil {
				wins <- string(mine.EntryID)
			} else if !errors.Is(err, queue.ErrVersion) {
				t.Errorf("update: %v", err)
			}
		})
	}
	wg.Wait()
	close(wins)
	var got []string
	for w := range wins {
		got = append(got, w)
	}
	if len(got) != 1 {
		t.Fatalf("%d CAS winners (%v), want exactly 1", len(got), got)
	}
	stored := must[queue.Host](t, "get")(s.GetHost(ctx(t), "h"))
	if string(stored.EntryID) != got[0] || stored.Version != 2 {
		t.Fatalf("stored %+v, winner %s", stored, got[0])
	}
}

func testConcurrentActiveKey(t *testing.T, s queue.Store) {
	const n = 16
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := range n {
		wg.Go(func() {
			e := newEntry(fmt.Sprint("e", i), "q1", "same", 0, base)
			e.ActiveKey = "q1|same"
			_, err := s.CreateEntry(context.Background(), e)
			switch {
			case err == nil:
				mu.Lock()
				ok++
				mu.Unlock()
			case !errors.Is(err, queue.ErrConflict):
				t.Errorf("create: %v", err)
			}
		})
	}
	wg.Wait()
	if ok != 1 {
		t.Fatalf("%d creates succeeded, want exactly 1", ok)
	}
	n2 := must[int](t, "count")(s.CountEntries(ctx(t), queue.EntryFilter{CallerID: "same"}))
	if n2 != 1 {
		t.Fatalf("stored %d entries, want 1", n2)
	}
}

// testConcurrentOffers runs the offer protocol documented on queue.Store
// from many goroutines ("replicas") at once while callers keep joining.
func testConcurrentOffers(t *testing.T, s queue.Store, nEntries int) {
	const (
		nHosts  = 12
		workers = 8
	)
	for i := range nHosts {
		must[queue.Host](t, "host")(s.CreateHost(ctx(t), queue.Host{ID: queue.HostID(fmt.Sprintf("h%02d", i)), Queues: []queue.QueueID{"q"}, State: queue.HostAvailable, IdleSince: base}))
	}
	var (
		mu      sync.Mutex
		served  = map[string]string{} // entry → host
		holding = map[string]string{} // host → entry being served
		failed  error
	)
	fail := func(err error) {
		mu.Lock()
		if failed == nil {
			failed = err
		}
		mu.Unlock()
	}
	bg := context.Background()
	var joiners sync.WaitGroup
	joiners.Go(func() {
		for i := range nEntries {
			if _, err := s.CreateEntry(bg, newEntry(fmt.Sprintf("e%04d", i), "q", fmt.Sprint("c", i), i%3, base)); err != nil {
				fail(fmt.Errorf("join: %w", err))
				return
			}
		}
	})
	offerOnce := func(now time.Time) (bool, error) {
		hosts, err := s.ListHosts(bg, queue.HostFilter{QueueID: "q", States: []queue.HostState{queue.HostAvailable}})
		if err != nil {
			return false, err
		}
		for _, h := range hosts {
			h.State, h.EntryID = queue.HostOffered, ""
			claimed, err := s.UpdateHost(bg, h)
			if errors.Is(err, queue.ErrVersion) {
				continue // another worker took this host
			}
			if err != nil {
				return false, err
			}
			e, err := s.ClaimNext(bg, queue.Claim{QueueID: "q", HostID: h.ID, At: now, Deadline: now.Add(time.Minute)})
			if errors.Is(err, queue.ErrNotFound) {
				claimed.State = queue.HostAvailable
				_, err = s.UpdateHost(bg, claimed)
				return false, err
			}
			if err != nil {
				return false, err
			}
			claimed.EntryID = e.ID
			bound, err := s.UpdateHost(bg, claimed)
			if err != nil {
				return false, fmt.Errorf("bind: %w", err)
			}
			mu.Lock()
			if prev, dup := served[string(e.ID)]; dup {
				mu.Unlock()
				return false, fmt.Errorf("entry %s offered to %s and %s", e.ID, prev, h.ID)
			}
			if prev, busy := holding[string(h.ID)]; busy {
				mu.Unlock()
				return false, fmt.Errorf("host %s offered %s while holding %s", h.ID, e.ID, prev)
			}
			served[string(e.ID)] = string(h.ID)
			holding[string(h.ID)] = string(e.ID)
			mu.Unlock()
			// Serve and finish: entry completed, host available again.
			e.State, e.EndedAt = queue.EntryCompleted, now
			if _, err := s.UpdateEntry(bg, e); err != nil {
				return false, fmt.Errorf("complete: %w", err)
			}
			mu.Lock()
			delete(holding, string(h.ID))
			mu.Unlock()
			bound.State, bound.EntryID, bound.IdleSince = queue.HostAvailable, "", now
			if _, err := s.UpdateHost(bg, bound); err != nil {
				return false, fmt.Errorf("release host: %w", err)
			}
			return true, nil
		}
		return false, nil
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			idle := 0
			for i := 0; ; i++ {
				mu.Lock()
				done, bad := len(served) == nEntries, failed != nil
				mu.Unlock()
				if done || bad {
					return
				}
				got, err := offerOnce(base.Add(time.Duration(w*100000+i) * time.Millisecond))
				if err != nil {
					fail(err)
					return
				}
				if !got {
					idle++
					if idle > 20000 {
						fail(errors.New("workers starved: no progress"))
						return
					}
					time.Sleep(100 * time.Microsecond)
				}
			}
		})
	}
	joiners.Wait()
	wg.Wait()
	if failed != nil {
		t.Fatal(failed)
	}
	if len(served) != nEntries {
		t.Fatalf("served %d entries, want %d", len(served), nEntries)
	}
	left := must[int](t, "count")(s.CountEntries(ctx(t), queue.EntryFilter{QueueID: "q", States: []queue.EntryState{queue.EntryWaiting, queue.EntryOffered}}))
	done := must[int](t, "count")(s.CountEntries(ctx(t), queue.EntryFilter{QueueID: "q", States: []queue.EntryState{queue.EntryCompleted}}))
	if left != 0 || done != nEntries {
		t.Fatalf("after the run: %d still queued, %d completed, want 0 and %d", left, done, nEntries)
	}
	for _, h := range must[[]queue.Host](t, "hosts")(s.ListHosts(ctx(t), queue.HostFilter{})) {
		if h.State != queue.HostAvailable || h.EntryID != "" {
			t.Fatalf("host left as %+v", h)
		}
	}
}
