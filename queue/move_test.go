package queue_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/queue"
)

// TestMoveCall: a call whose room was lost gets a new room with a new
// secret, pin and tokens; the entry stays in_call with both sides given
// the rejoin grace, which their joining the new room ends; the old room
// and tokens are gone; events of the old room no longer touch the call;
// and the call completes and counts as any other.
func TestMoveCall(t *testing.T) {
	for _, m := range modes {
		t.Run(m.String(), func(t *testing.T) {
			h := newHarness(t, m, wrapUp)
			c := h.startCall()
			old := c.call
			var log eventLog
			defer h.eng.Feed().Subscribe(log.add)()
			ctx := t.Context()

			moved, err := h.eng.MoveCall(ctx, old.ID, old.Room.ID, queue.MoveInstanceDown)
			if err != nil {
				t.Fatal(err)
			}
			if moved.Room.ID == old.Room.ID || moved.Room.Secret == old.Room.Secret || moved.Room.PIN == old.Room.PIN || moved.Moves != 1 || !moved.MovingUntil.IsZero() {
				t.Fatalf("moved call %+v, old room %+v", moved, old.Room)
			}
			for i, p := range moved.Participants {
				if p.FeedID != old.Participants[i].FeedID || p.Token == "" || p.Token == old.Participants[i].Token {
					t.Fatalf("participant %d after the move: %+v (was %+v)", i, p, old.Participants[i])
				}
			}
			if h.env.Rooms.Live() != 1 || h.env.Tokens.Live() != 2 {
				t.Fatalf("%d rooms and %d tokens live, want the new room's", h.env.Rooms.Live(), h.env.Tokens.Live())
			}
			en := c.wantInCall("after the move")
			grace := h.env.Clock.Now().Add(queue.DefaultRejoinGrace)
			if !en.CallerAwayUntil.Equal(grace) || !en.HostAwayUntil.Equal(grace) || en.History[len(en.History)-1].Reason != "call_moved_"+queue.MoveInstanceDown {
				t.Fatalf("entry after the move: away %s/%s, history %v", en.CallerAwayUntil, en.HostAwayUntil, reasons(en))
			}
			evs := log.of(c.entry)
			if ev := evs[len(evs)-1]; ev.Kind != queue.EventCallMoved || ev.Call != old.ID || ev.Reason != queue.MoveInstanceDown {
				t.Fatalf("last event %+v, want call.moved", ev)
			}

			// Moving again from the old room (another replica, late) is a no-op.
			again, err := h.eng.MoveCall(ctx, old.ID, old.Room.ID, queue.MoveInstanceDown)
			if err != nil || again.Room.ID != moved.Room.ID || h.env.Rooms.Created() != 2 {
				t.Fatalf("second move: %+v, %v; %d rooms created", again.Room, err, h.env.Rooms.Created())
			}

			// A leave from the old room is not about the call any more.
			c.ev(queue.ProgressLeaving, queue.PartyCaller)
			c.call = moved
			h.sweep(10 * time.Second)
			for _, role := range []queue.PartyRole{queue.PartyHost, queue.PartyCaller} {
				c.ev(queue.ProgressJoined, role)
			}
			if en := c.wantInCall("both joined the new room"); !en.CallerAwayUntil.IsZero() || !en.HostAwayUntil.IsZero() || !en.Deadline.IsZero() {
				t.Fatalf("still away after both joined the new room: %+v", en)
			}
			h.sweep(time.Hour)
			c.wantInCall("long after")
			if err := h.eng.Complete(ctx, "h1", c.entry); err != nil {
				t.Fatal(err)
			}
			c.wantCompleted("hang-up", "completed", h.env.Clock.Now())
			st, err := h.eng.Stats(ctx, h.q.ID, monday10.Add(-time.Hour), h.env.Clock.Now().Add(time.Second))
			if err != nil || st.Answered != 1 || st.Completed != 1 || st.Abandoned != 0 {
				t.Fatalf("stats answered %d completed %d abandoned %d, %v", st.Answered, st.Completed, st.Abandoned, err)
			}
		})
	}
}

// TestMoveCallNoCapacity: when no media server can take a lost call, the
// move fails and leaves it; given up (Requeue), it ends with reason
// no_media_capacity, the caller waits again ahead of
// those who joined later, and the host is available.
func TestMoveCallNoCapacity(t *testing.T) {
	h := newHarness(t, queue.ModePick, nil)
	c := h.startCall()
	later := h.join("c2", 0).Entry.ID
	h.env.Rooms.Fail = fmt.Errorf("fake: all instances down: %w", queue.ErrNoCapacity)
	_, err := h.eng.MoveCall(t.Context(), c.call.ID, c.call.Room.ID, queue.MoveInstanceDown)
	if !errors.Is(err, queue.ErrNoCapacity) {
		t.Fatalf("move with no capacity: %v", err)
	}
	c.wantInCall("a failed move keeps the call where it was")
	if call, _ := h.eng.Store().GetCall(t.Context(), c.call.ID); !call.MovingUntil.IsZero() {
		t.Fatal("a failed move left its claim")
	}
	if err := h.eng.Requeue(t.Context(), c.call.ID, c.call.Room.ID); err != nil {
		t.Fatal(err)
	}
	en := h.entry(c.entry)
	if en.State != queue.EntryWaiting || en.CallID != "" || en.History[len(en.History)-1].Reason != queue.ReasonNoCapacity {
		t.Fatalf("entry %s %v", en.State, reasons(en))
	}
	waiting, err := h.eng.Waiting(t.Context(), h.q.ID)
	if err != nil || len(waiting) != 2 || waiting[0].ID != c.entry || waiting[1].ID != later {
		t.Fatalf("waiting %v, %v; want the requeued caller first", waiting, err)
	}
	if st := h.hostState("h1").State; st != queue.HostAvailable {
		t.Fatalf("host %s, want available", st)
	}
	if call, _ := h.eng.Store().GetCall(t.Context(), c.call.ID); call.State != queue.CallEnded || h.env.Rooms.Live() != 0 || h.env.Tokens.Live() != 0 {
		t.Fatalf("call %s, %d rooms, %d tokens", call.State, h.env.Rooms.Live(), h.env.Tokens.Live())
	}
}

// TestMoveCallOnce: several replicas moving one call at once make one new
// room that stays; any other they made is destroyed.
func TestMoveCallOnce(t *testing.T) {
	h := newHarness(t, queue.ModeAuto, nil)
	c := h.startCall()
	var wg sync.WaitGroup
	rooms := make([]uint64, 8)
	for i := range rooms {
		wg.Go(func() {
			moved, err := h.eng.MoveCall(t.Context(), c.call.ID, c.call.Room.ID, queue.MoveRestarted)
			if err != nil && !errors.Is(err, queue.ErrState) {
				t.Errorf("move %d: %v", i, err)
			}
			rooms[i] = moved.Room.ID
		})
	}
	wg.Wait()
	final, err := h.eng.Store().GetCall(t.Context(), c.call.ID)
	if err != nil || final.Moves != 1 || final.Room.ID == c.call.Room.ID {
		t.Fatalf("call after concurrent moves: %+v, %v", final, err)
	}
	for i, r := range rooms {
		if r != 0 && r != final.Room.ID {
			t.Fatalf("move %d reports room %d, the call is in %d", i, r, final.Room.ID)
		}
	}
	if h.env.Rooms.Live() != 1 || h.env.Tokens.Live() != 2 {
		t.Fatalf("%d rooms, %d tokens live after concurrent moves", h.env.Rooms.Live(), h.env.Tokens.Live())
	}
}
