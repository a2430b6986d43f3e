package pool

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/frontdesk/frontdesk/problem"
)

// memPlacements is a tiny Placements for tests.
type memPlacements struct {
	mu sync.Mutex
	m  map[uint64]string
}

func (m *memPlacements) Put(_ context.Context, room uint64, inst string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[room] = inst
	return nil
}
func (m *memPlacements) Get(_ context.Context, room uint64) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[room]
	return v, ok, nil
}
func (m *memPlacements) Delete(_ context.Context, room uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, room)
	return nil
}
func (m *memPlacements) List(context.Context) (map[uint64]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[uint64]string{}
	for k, v := range m.m {
		out[k] = v
	}
	return out, nil
}

func cfgs(caps ...int) []InstanceConfig {
	names := []string{"a", "b", "c"}
	var out []InstanceConfig
	for i, c := range caps {
		out = append(out, InstanceConfig{Name: names[i], WSURL: "ws://x", AdminURL: "http://127.0.0.1:1/admin", Capacity: c})
	}
	return out
}

func TestPlacement(t *testing.T) {
	ctx := context.Background()
	store := &memPlacements{m: map[uint64]string{}}
	p, err := New(ctx, cfgs(4, 10), store)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name   string
		room   uint64
		n      int
		want   string
		err    error
		before func()
	}{
		{name: "first goes to first", room: 1, n: 2, want: "a"},
		{name: "least loaded", room: 2, n: 2, want: "b"},
		{name: "tie to first", room: 3, n: 2, want: "a"},
		{name: "a full", room: 4, n: 2, want: "b"},
		{name: "draining skipped", room: 5, n: 2, want: "b", before: func() { p.setState("a", StateDraining) }},
		{name: "no capacity", room: 6, n: 6, err: ErrNoCapacity},
		{name: "down skipped", room: 7, n: 1, err: ErrNoCapacity, before: func() { p.setState("b", StateDown) }},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.before != nil {
				s.before()
			}
			inst, err := p.Place(ctx, s.room, s.n)
			if s.err != nil {
				if !errors.Is(err, s.err) {
					t.Fatalf("err = %v, want %v", err, s.err)
				}
				return
			}
			if err != nil || inst.Name() != s.want {
				t.Fatalf("placed on %v (%v), want %s", inst, err, s.want)
			}
			if got, _, _ := store.Get(ctx, s.room); got != s.want {
				t.Fatalf("persisted %q, want %q", got, s.want)
			}
		})
	}
	if _, err := p.Lookup(2); !errors.Is(err, ErrInstanceDown) {
		t.Fatalf("lookup on a down instance: %v", err)
	}
	if got := p.RoomsOn("b"); len(got) != 3 || got[0] != 2 || got[1] != 4 || got[2] != 5 {
		t.Fatalf("rooms on b = %v", got)
	}
	if err := p.Release(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Lookup(1); !errors.Is(err, ErrNotPlaced) {
		t.Fatalf("lookup after release: %v", err)
	}
	st := p.Statuses()
	if st[0].Load != 2 || st[0].Rooms != 1 || st[1].Load != 6 || st[1].State != StateDown {
		t.Fatalf("statuses = %+v", st)
	}

	// A restart restores placements from the store.
	p2, err := New(ctx, cfgs(4, 10), store)
	if err != nil {
		t.Fatal(err)
	}
	if inst, err := p2.Lookup(4); err != nil || inst.Name() != "b" {
		t.Fatalf("restored lookup = %v, %v", inst, err)
	}
	if st := p2.Statuses(); st[1].Rooms != 3 || st[1].Load != 3*DefaultRoomParticipants {
		t.Fatalf("restored statuses = %+v", st)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfgs []InstanceConfig
	}{
		{"empty name", []InstanceConfig{{WSURL: "ws://x", AdminURL: "http://x"}}},
		{"duplicate", []InstanceConfig{{Name: "a", WSURL: "ws://x", AdminURL: "http://x"}, {Name: "a", WSURL: "ws://x", AdminURL: "http://x"}}},
		{"no admin url", []InstanceConfig{{Name: "a", WSURL: "ws://x"}}},
		{"negative capacity", []InstanceConfig{{Name: "a", WSURL: "ws://x", AdminURL: "http://x", Capacity: -1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(context.Background(), tc.cfgs, nil); !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestHTTP(t *testing.T) {
	p, err := New(context.Background(), cfgs(4), nil)
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.HTTPErrorHandler = problem.HTTPErrorHandler(nil)
	p.Register(e.Group("/api/v1/admin"))
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/admin/instances", nil))
	var got []map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || len(got) != 1 || got[0]["state"] != "healthy" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if _, leaked := got[0]["admin_secret"]; leaked {
		t.Fatal("status leaks the admin secret")
	}
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/v1/admin/instances/zzz/drain", nil))
	if rec.Code != http.StatusNotFound || rec.Header().Get("Content-Type") != problem.ContentType {
		t.Fatalf("drain unknown: %d %s", rec.Code, rec.Body)
	}
}

// TestTwoPoolsShareOneStore: two replicas' pools on one placement store.
// After a sync each counts the rooms the other placed and stops counting
// those the other released, so neither overfills an instance, and each
// finds the instance a call record names.
func TestTwoPoolsShareOneStore(t *testing.T) {
	ctx := context.Background()
	store := &memPlacements{m: map[uint64]string{}}
	a, err := New(ctx, cfgs(4, 4), store)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(ctx, cfgs(4, 4), store)
	if err != nil {
		t.Fatal(err)
	}
	load := func(p *Pool) [2]int { st := p.Statuses(); return [2]int{st[0].Load, st[1].Load} }
	steps := []struct {
		name   string
		act    func() error
		wantA  [2]int
		wantB  [2]int
		placeB uint64 // when set, B places this room (2 participants) and it must fit
		wantOn string
	}{
		{name: "A places on a", act: func() error { _, err := a.Place(ctx, 1, 2); return err }, wantA: [2]int{2, 0}, wantB: [2]int{2, 0}},
		{name: "B sees it and places on b", placeB: 2, wantOn: "b", wantA: [2]int{2, 2}, wantB: [2]int{2, 2}},
		{name: "A releases room 1", act: func() error { return a.Release(ctx, 1) }, wantA: [2]int{0, 2}, wantB: [2]int{0, 2}},
		{name: "B fills a after the release", placeB: 3, wantOn: "a", wantA: [2]int{2, 2}, wantB: [2]int{2, 2}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.act != nil {
				if err := s.act(); err != nil {
					t.Fatal(err)
				}
			}
			if s.placeB != 0 {
				if err := b.SyncPlacements(ctx); err != nil {
					t.Fatal(err)
				}
				inst, err := b.Place(ctx, s.placeB, 2)
				if err != nil || inst.Name() != s.wantOn {
					t.Fatalf("B placed room %d on %v (%v), want %s", s.placeB, inst, err, s.wantOn)
				}
			}
			for _, p := range []*Pool{a, b} {
				if err := p.SyncPlacements(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if load(a) != s.wantA || load(b) != s.wantB {
				t.Fatalf("loads A %v B %v, want %v and %v", load(a), load(b), s.wantA, s.wantB)
			}
		})
	}
	if inst, err := a.Instance("b"); err != nil || inst.Name() != "b" {
		t.Fatalf("Instance(b) = %v, %v", inst, err)
	}
	if _, err := a.Instance("z"); !errors.Is(err, ErrUnknownInstance) {
		t.Fatalf("Instance(z): %v, want ErrUnknownInstance", err)
	}
	a.setState("b", StateDown)
	if _, err := a.Instance("b"); !errors.Is(err, ErrInstanceDown) {
		t.Fatalf("Instance of a down instance: %v", err)
	}
}
