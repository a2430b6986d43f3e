// Package storetest holds the contract test of [pool.Placements], the
// interface the Janus instance pool declares and the storage backends
// implement; queue.Store and auth.Store have theirs in queuetest and
// authtest.
package storetest

import (
	"maps"
	"testing"

	"github.com/frontdesk/frontdesk/janus/pool"
)

// RunPlacements runs the [pool.Placements] contract against fresh maps
// made by open (one per subtest; open registers its own cleanup).
func RunPlacements(t *testing.T, open func(t *testing.T) pool.Placements) {
	t.Run("PutGetDeleteList", func(t *testing.T) {
		p := open(t)
		ctx := t.Context()
		if _, ok, err := p.Get(ctx, 1234); err != nil || ok {
			t.Fatalf("Get on empty map = ok %v, err %v; want absent", ok, err)
		}
		list, err := p.List(ctx)
		if err != nil || len(list) != 0 {
			t.Fatalf("List on empty map = %v, %v", list, err)
		}
		// Room ids span the whole uint64 range (Janus room ids are 64-bit).
		want := map[uint64]string{1: "janus-a", 1234: "janus-b", 1 << 53: "janus-a", 1<<64 - 1: "janus-c"}
		for room, inst := range want {
			if err := p.Put(ctx, room, inst); err != nil {
				t.Fatalf("Put(%d): %v", room, err)
			}
		}
		for room, inst := range want {
			got, ok, err := p.Get(ctx, room)
			if err != nil || !ok || got != inst {
				t.Fatalf("Get(%d) = %q, %v, %v; want %q", room, got, ok, err, inst)
			}
		}
		// Re-placing a room replaces the instance.
		if err := p.Put(ctx, 1234, "janus-c"); err != nil {
			t.Fatal(err)
		}
		want[1234] = "janus-c"
		if err := p.Delete(ctx, 1); err != nil {
			t.Fatal(err)
		}
		delete(want, 1)
		if err := p.Delete(ctx, 999); err != nil {
			t.Fatalf("Delete of an absent room: %v", err)
		}
		list, err = p.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(list, want) {
			t.Fatalf("List = %v, want %v", list, want)
		}
	})
	t.Run("EmptyInstanceRefused", func(t *testing.T) {
		p := open(t)
		if err := p.Put(t.Context(), 7, ""); err == nil {
			t.Fatal("Put with an empty instance name succeeded")
		}
		if _, ok, _ := p.Get(t.Context(), 7); ok {
			t.Fatal("refused Put stored a placement")
		}
	})
}
