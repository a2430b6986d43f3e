package pool_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/janus"
	"github.com/frontdesk/frontdesk/janus/janustest"
	"github.com/frontdesk/frontdesk/janus/pool"
	"github.com/frontdesk/frontdesk/janus/videoroom"
	"github.com/frontdesk/frontdesk/janus/wire"
)

func configOf(inst *janustest.Instance) pool.InstanceConfig {
	return pool.InstanceConfig{Name: inst.Name, WSURL: inst.WSURL, HTTPURL: inst.HTTPURL, AdminURL: inst.AdminURL,
		AdminSecret: inst.AdminSecret, AdminKey: inst.AdminKey, Capacity: 10}
}

func TestPoolWithTwoJanus(t *testing.T) {
	a := janustest.Start(t, janustest.Options{ServerName: "janus-a"})
	b := janustest.Start(t, janustest.Options{ServerName: "janus-b"})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const interval = 300 * time.Millisecond
	p, err := pool.New(ctx, []pool.InstanceConfig{configOf(a), configOf(b)}, nil, pool.WithHealthInterval(interval))
	if err != nil {
		t.Fatal(err)
	}
	changes := make(chan string, 16)
	p.Watch(func(name string, s pool.State) { changes <- name + "=" + s.String() })
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = p.Run(runCtx) }()
	defer func() { stop(); <-done }()

	// Rooms are spread by load.
	counts := map[string]int{}
	for room := uint64(1); room <= 4; room++ {
		inst, err := p.Place(ctx, room, 2)
		if err != nil {
			t.Fatal(err)
		}
		counts[inst.Name()]++
		// The room really lives there: create it with that instance's admin key.
		if _, err := videoroom.Create(ctx, inst.Admin().PluginRequester(videoroom.Plugin),
			videoroom.CreateRequest{Room: room, AdminKey: inst.Config().AdminKey}); err != nil {
			t.Fatal(err)
		}
	}
	if counts["janus-a"] != 2 || counts["janus-b"] != 2 {
		t.Fatalf("placement not spread: %v", counts)
	}

	// Drain b: Janus refuses new sessions there and new rooms go to a.
	if err := p.Drain(ctx, "janus-b"); err != nil {
		t.Fatal(err)
	}
	if err := b.Admin().AddToken(ctx, "t", videoroom.Plugin); err != nil {
		t.Fatal(err)
	}
	c, err := janus.Dial(ctx, b.WSURL, janus.WithToken("t"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.CreateSession(ctx); !errors.Is(err, &janus.Error{Code: wire.CodeNotAcceptingSessions}) {
		t.Fatalf("create on a draining Janus: %v", err)
	}
	if inst, err := p.Place(ctx, 5, 2); err != nil || inst.Name() != "janus-a" {
		t.Fatalf("placement while b drains: %v, %v", inst, err)
	}
	time.Sleep(2 * interval) // health checks keep it draining (Janus says so)
	if s, _ := p.State("janus-b"); s != pool.StateDraining {
		t.Fatalf("b = %v after checks, want draining", s)
	}
	if err := p.Undrain(ctx, "janus-b"); err != nil {
		t.Fatal(err)
	}

	// Kill a: it is down within the health interval (plus the check's own timeout).
	a.Kill()
	killed := time.Now()
	if !janustest.WaitFor(3*interval, func() bool { s, _ := p.State("janus-a"); return s == pool.StateDown }) {
		t.Fatalf("a not down %v after the kill", time.Since(killed))
	}
	if rooms := p.RoomsOn("janus-a"); len(rooms) != 3 {
		t.Fatalf("rooms to re-place = %v", rooms)
	}
	if _, err := p.Lookup(p.RoomsOn("janus-a")[0]); !errors.Is(err, pool.ErrInstanceDown) {
		t.Fatalf("lookup on a dead instance: %v", err)
	}
	a.Restart()
	if !janustest.WaitFor(5*interval, func() bool { s, _ := p.State("janus-a"); return s == pool.StateHealthy }) {
		t.Fatal("a not healthy after restart")
	}
	// Watchers run just after the state changes, so wait for each
	// notification instead of draining what has arrived.
	want := []string{"janus-b=draining", "janus-b=healthy", "janus-a=down", "janus-a=healthy"}
	var seen []string
	for range want {
		select {
		case c := <-changes:
			seen = append(seen, c)
		case <-time.After(5 * time.Second):
			t.Fatalf("state changes = %v, want %v", seen, want)
		}
	}
	select {
	case c := <-changes:
		t.Fatalf("unexpected state change %s after %v", c, seen)
	case <-time.After(2 * interval):
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("state changes = %v, want %v", seen, want)
		}
	}
}

// TestRestartInPlaceIsNoticed: a Janus killed and started again at the
// same address between two health checks answers the next one as if
// nothing happened; the sentinel room the pool keeps there is gone, so the
// pool reports the restart (its rooms and tokens are lost). A check with
// the sentinel still there reports nothing.
func TestRestartInPlaceIsNoticed(t *testing.T) {
	j := janustest.Start(t, janustest.Options{ServerName: "janus-restart"})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p, err := pool.New(ctx, []pool.InstanceConfig{configOf(j)}, nil, pool.WithHealthInterval(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	restarted := make(chan string, 4)
	p.OnRestart(func(name string) { restarted <- name })
	p.CheckAll(ctx) // makes the sentinel
	p.CheckAll(ctx) // finds it
	select {
	case name := <-restarted:
		t.Fatalf("restart of %s reported with the sentinel in place", name)
	default:
	}
	j.Kill()
	j.Restart()
	p.CheckAll(ctx)
	select {
	case name := <-restarted:
		if name != "janus-restart" {
			t.Fatalf("restart reported for %q", name)
		}
	default:
		t.Fatal("the restart in place went unnoticed")
	}
	if s, _ := p.State("janus-restart"); s != pool.StateHealthy {
		t.Fatalf("restarted instance is %v, want healthy", s)
	}
}
