package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/webhookout"
)

// outboxBase is the contract test's clock origin (millisecond precision,
// as the stores keep times).
var outboxBase = time.Date(2026, 6, 1, 8, 0, 0, 123_000_000, time.UTC)

func delivery(id, target string, next time.Duration) webhookout.Delivery {
	ev := fmt.Sprintf(`{"id":"ev-%s","v":1,"kind":"entry.joined","at":"2026-06-01T08:00:00Z","queue_id":"q1"}`, id)
	return webhookout.Delivery{ID: id, Target: target, EventID: "ev-" + id, Kind: queue.EventEntryJoined, Event: []byte(ev),
		State: webhookout.StatePending, CreatedAt: outboxBase, Since: outboxBase, NextAt: outboxBase.Add(next)}
}

// RunOutbox runs the [webhookout.Outbox] contract against fresh outboxes
// made by open (one per subtest; open registers its own cleanup).
func RunOutbox(t *testing.T, open func(t *testing.T) webhookout.Outbox) {
	at := func(d time.Duration) time.Time { return outboxBase.Add(d) }
	t.Run("ClaimInOrderAndDone", func(t *testing.T) {
		o, ctx := open(t), t.Context()
		ds := []webhookout.Delivery{delivery("d2", "crm", time.Second), delivery("d1", "crm", 0),
			delivery("d3", "crm", 10*time.Second), delivery("d4", "tickets", 0)}
		if err := o.Add(ctx, ds); err != nil {
			t.Fatal(err)
		}
		var got []string
		for range len(ds) + 1 { // bounded: a claim that ignores leases would go on forever
			d, ok, err := o.Claim(ctx, "crm", "r1", at(2*time.Second), time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			if d.Owner != "r1" || !d.LeaseUntil.Equal(at(2*time.Second+time.Minute)) || d.State != webhookout.StatePending {
				t.Errorf("claimed %+v, want owner r1 and the lease set", d)
			}
			got = append(got, d.ID)
			if d.ID == "d1" {
				want := ds[1]
				if string(d.Event) != string(want.Event) || d.EventID != want.EventID || d.Kind != want.Kind ||
					d.Target != "crm" || !d.CreatedAt.Equal(want.CreatedAt) || !d.NextAt.Equal(want.NextAt) || d.Attempts != 0 {
					t.Errorf("claimed %+v, want the stored %+v", d, want)
				}
			}
		}
		if !slices.Equal(got, []string{"d1", "d2"}) {
			t.Fatalf("claimed %v, want the due ones earliest first: [d1 d2]", got)
		}
		// Adding again (a retried write) changes nothing: d1 stays leased.
		if err := o.Add(ctx, ds); err != nil {
			t.Fatalf("repeated Add: %v", err)
		}
		if d, ok, err := o.Claim(ctx, "crm", "r2", at(3*time.Second), time.Minute); err != nil || ok {
			t.Fatalf("Claim after a repeated Add = %v, %v, %v; want nothing", d.ID, ok, err)
		}
		if d, ok, err := o.Claim(ctx, "tickets", "r1", at(0), time.Minute); err != nil || !ok || d.ID != "d4" {
			t.Fatalf("Claim of the other target = %v, %v, %v; want d4", d.ID, ok, err)
		}
		for _, id := range []string{"d1", "d1", "nope"} {
			if err := o.Done(ctx, id); err != nil {
				t.Fatalf("Done(%s): %v", id, err)
			}
		}
		// d1 is gone: even after every lease expired it is not claimed again.
		if d, ok, err := o.Claim(ctx, "crm", "r2", at(time.Hour), time.Minute); err != nil || !ok || d.ID != "d2" {
			t.Fatalf("Claim after Done = %v, %v, %v; want d2", d.ID, ok, err)
		}
	})
	t.Run("LeaseExpiryAndRetry", func(t *testing.T) {
		o, ctx := open(t), t.Context()
		if err := o.Add(ctx, []webhookout.Delivery{delivery("d1", "crm", 0)}); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := o.Claim(ctx, "crm", "r1", at(0), time.Second); err != nil || !ok {
			t.Fatalf("first Claim = %v, %v", ok, err)
		}
		if _, ok, err := o.Claim(ctx, "crm", "r2", at(999*time.Millisecond), time.Second); err != nil || ok {
			t.Fatalf("Claim while leased = %v, %v; want nothing", ok, err)
		}
		d, ok, err := o.Claim(ctx, "crm", "r2", at(time.Second), time.Second)
		if err != nil || !ok || d.Owner != "r2" {
			t.Fatalf("Claim after the lease expired = %+v, %v, %v; want r2's", d, ok, err)
		}
		if err := o.Retry(ctx, "d1", "r1", 1, "late", at(2*time.Second)); !errors.Is(err, webhookout.ErrLeaseLost) {
			t.Fatalf("Retry by the old owner = %v, want ErrLeaseLost", err)
		}
		if err := o.Kill(ctx, "d1", "r1", 1, "late", at(2*time.Second)); !errors.Is(err, webhookout.ErrLeaseLost) {
			t.Fatalf("Kill by the old owner = %v, want ErrLeaseLost", err)
		}
		if err := o.Retry(ctx, "d1", "r2", 1, "HTTP 503", at(5*time.Second)); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := o.Claim(ctx, "crm", "r1", at(4*time.Second), time.Second); err != nil || ok {
			t.Fatalf("Claim before the retry is due = %v, %v; want nothing", ok, err)
		}
		d, ok, err = o.Claim(ctx, "crm", "r1", at(5*time.Second), time.Second)
		if err != nil || !ok || d.Attempts != 1 || d.LastError != "HTTP 503" || !d.NextAt.Equal(at(5*time.Second)) || d.Owner != "r1" {
			t.Fatalf("Claim of the retry = %+v, %v, %v", d, ok, err)
		}
	})
	t.Run("DeadLettersReplayDelete", func(t *testing.T) {
		o, ctx := open(t), t.Context()
		if err := o.Add(ctx, []webhookout.Delivery{delivery("a1", "crm", 0), delivery("a2", "crm", 0), delivery("b1", "tickets", 0),
			delivery("p1", "crm", time.Hour)}); err != nil {
			t.Fatal(err)
		}
		for i, id := range []string{"a1", "b1", "a2"} {
			target := map[bool]string{true: "tickets", false: "crm"}[id == "b1"]
			d, ok, err := o.Claim(ctx, target, "r1", at(0), time.Minute)
			if err != nil || !ok || d.ID != id {
				t.Fatalf("Claim = %v, %v, %v; want %s", d.ID, ok, err, id)
			}
			if err := o.Kill(ctx, id, "r1", i+1, "refused, HTTP 400", at(time.Duration(i)*time.Second)); err != nil {
				t.Fatal(err)
			}
		}
		if _, ok, err := o.Claim(ctx, "crm", "r1", at(time.Minute), time.Minute); err != nil || ok {
			t.Fatalf("Claim with only dead letters due = %v, %v; want nothing", ok, err)
		}
		ids := func(ds []webhookout.Delivery) []string {
			var out []string
			for _, d := range ds {
				out = append(out, d.ID)
			}
			return out
		}
		for _, tc := range []struct {
			target string
			limit  int
			want   []string
		}{{"", 10, []string{"a2", "b1", "a1"}}, {"crm", 10, []string{"a2", "a1"}}, {"", 2, []string{"a2", "b1"}}, {"nobody", 10, nil}} {
			got, err := o.Dead(ctx, tc.target, tc.limit)
			if err != nil || !slices.Equal(ids(got), tc.want) {
				t.Fatalf("Dead(%q, %d) = %v, %v; want %v", tc.target, tc.limit, ids(got), err, tc.want)
			}
		}
		dead, _ := o.Dead(ctx, "tickets", 1)
		if d := dead[0]; d.State != webhookout.StateDead || d.Attempts != 2 || d.LastError != "refused, HTTP 400" ||
			!d.DeadAt.Equal(at(time.Second)) || d.EventID != "ev-b1" || d.Target != "tickets" {
			t.Fatalf("dead letter %+v", d)
		}
		for _, id := range []string{"nope", "p1"} {
			if err := o.Replay(ctx, id, at(time.Minute)); !errors.Is(err, webhookout.ErrNotFound) {
				t.Fatalf("Replay(%s) = %v, want ErrNotFound", id, err)
			}
			if err := o.Delete(ctx, id); !errors.Is(err, webhookout.ErrNotFound) {
				t.Fatalf("Delete(%s) = %v, want ErrNotFound", id, err)
			}
		}
		if err := o.Replay(ctx, "a1", at(time.Minute)); err != nil {
			t.Fatal(err)
		}
		d, ok, err := o.Claim(ctx, "crm", "r2", at(time.Minute), time.Minute)
		if err != nil || !ok || d.ID != "a1" || d.EventID != "ev-a1" || d.Attempts != 0 || !d.Since.Equal(at(time.Minute)) ||
			d.State != webhookout.StatePending {
			t.Fatalf("Claim after Replay = %+v, %v, %v; want a1 pending, no attempts, since the replay", d, ok, err)
		}
		if err := o.Delete(ctx, "a2"); err != nil {
			t.Fatal(err)
		}
		if err := o.Delete(ctx, "a2"); !errors.Is(err, webhookout.ErrNotFound) {
			t.Fatalf("second Delete = %v, want ErrNotFound", err)
		}
		if got, err := o.Dead(ctx, "", 10); err != nil || !slices.Equal(ids(got), []string{"b1"}) {
			t.Fatalf("Dead after replay and delete = %v, %v; want [b1]", ids(got), err)
		}
	})
	t.Run("ConcurrentClaimsTakeEachOnce", func(t *testing.T) {
		o, ctx := open(t), t.Context()
		var ds []webhookout.Delivery
		for i := range 20 {
			ds = append(ds, delivery(fmt.Sprintf("d%02d", i), "crm", time.Duration(i)*time.Millisecond))
		}
		if err := o.Add(ctx, ds); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		claimed := map[string]string{}
		var wg sync.WaitGroup
		for r := range 4 {
			owner := fmt.Sprint("r", r)
			wg.Go(func() {
				for range len(ds) + 1 {
					d, ok, err := o.Claim(ctx, "crm", owner, at(time.Second), time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					if !ok {
						return
					}
					mu.Lock()
					if prev, dup := claimed[d.ID]; dup {
						t.Errorf("%s claimed by %s and %s under one lease", d.ID, prev, owner)
					}
					claimed[d.ID] = owner
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(claimed) != len(ds) {
			t.Fatalf("%d of %d claimed", len(claimed), len(ds))
		}
	})
}
