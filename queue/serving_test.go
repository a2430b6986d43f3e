package queue_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/frontdesk/frontdesk/queue"
)

// secondQueue adds queue "b" (same settings, mode m) to h and returns it.
func (h *harness) secondQueue(m queue.Mode) queue.Queue {
	h.t.Helper()
	b := h.q
	b.ID, b.Slug, b.Name, b.Mode, b.Version = "", "help-b", "Help B", m, 0
	b, err := h.eng.CreateQueue(h.t.Context(), b)
	if err != nil {
		h.t.Fatal(err)
	}
	return b
}

func (h *harness) joinQ(queueID queue.QueueID, caller string) queue.EntryID {
	h.t.Helper()
	j, err := h.eng.Join(h.t.Context(), queueID, queue.JoinRequest{Caller: queue.Caller{ID: caller, Name: "Caller " + caller}})
	if err != nil {
		h.t.Fatalf("join %s: %v", caller, err)
	}
	return j.Entry.ID
}

func TestServing(t *testing.T) {
	t.Run("offers follow the served queues", func(t *testing.T) {
		h := newHarness(t, queue.ModeAuto, nil)
		b := h.secondQueue(queue.ModeAuto)
		ctx := t.Context()
		if _, err := h.eng.PutHost(ctx, "h1", "Host", []queue.QueueID{h.q.ID, b.ID}); err != nil {
			t.Fatal(err)
		}
		if got := h.hostState("h1"); got.Serving != nil || !got.Serves(h.q.ID) || !got.Serves(b.ID) {
			t.Fatalf("new host serving %v, want nil (all)", got.Serving)
		}
		host, err := h.eng.SetServing(ctx, "h1", []queue.QueueID{h.q.ID})
		if err != nil || !slices.Equal(host.Serving, []queue.QueueID{h.q.ID}) {
			t.Fatalf("serving = %v, %v", host.Serving, err)
		}
		inB := h.joinQ(b.ID, "cb")
		if got := h.available("h1"); got.State != queue.HostAvailable {
			t.Fatalf("host serving only A was offered %s from B (state %s)", got.EntryID, got.State)
		}
		h.sweep(0) // the periodic matcher does not offer it either
		if got := h.hostState("h1"); got.State != queue.HostAvailable || h.entry(inB).State != queue.EntryWaiting {
			t.Fatalf("after sweep host %s, entry %s", got.State, h.entry(inB).State)
		}
		// Ticking B makes the offer at once.
		host, err = h.eng.SetServing(ctx, "h1", []queue.QueueID{b.ID, h.q.ID, b.ID})
		if err != nil {
			t.Fatal(err)
		}
		if host.State != queue.HostOffered || host.EntryID != inB {
			t.Fatalf("after ticking B: host %s offered %q, want offered %s", host.State, host.EntryID, inB)
		}
		if want := slices.Sorted(slices.Values([]queue.QueueID{h.q.ID, b.ID})); !slices.Equal(host.Serving, want) {
			t.Fatalf("serving %v, want sorted and deduplicated %v", host.Serving, want)
		}
	})
	t.Run("serving none gets no offers; unknown queue refused", func(t *testing.T) {
		h := newHarness(t, queue.ModeAuto, nil)
		h.host("h1")
		host, err := h.eng.SetServing(t.Context(), "h1", []queue.QueueID{})
		if err != nil || host.Serving == nil || len(host.Serving) != 0 {
			t.Fatalf("serving none = %#v, %v; want an empty non-nil list", host.Serving, err)
		}
		id := h.join("c1", 0).Entry.ID
		if got := h.available("h1"); got.State != queue.HostAvailable {
			t.Fatalf("host serving none got %s", got.State)
		}
		_, err = h.eng.SetServing(t.Context(), "h1", []queue.QueueID{h.q.ID, "elsewhere"})
		var r *queue.Refusal
		if !errors.As(err, &r) || !errors.Is(err, queue.ErrNotAssigned) || r.Field != "queues" || r.Queue != "elsewhere" {
			t.Fatalf("err = %v, want a not_assigned refusal on field queues", err)
		}
		if got := h.hostState("h1"); len(got.Serving) != 0 || got.Serving == nil {
			t.Fatalf("a refused change changed serving to %v", got.Serving)
		}
		// nil resets to all: the waiting caller is offered.
		host, err = h.eng.SetServing(t.Context(), "h1", nil)
		if err != nil || host.Serving != nil || host.State != queue.HostOffered || host.EntryID != id {
			t.Fatalf("reset: %+v, %v", host, err)
		}
	})
	t.Run("pick and next only in served queues", func(t *testing.T) {
		h := newHarness(t, queue.ModePick, nil)
		b := h.secondQueue(queue.ModePick)
		if _, err := h.eng.PutHost(t.Context(), "h1", "Host", []queue.QueueID{h.q.ID, b.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := h.eng.SetServing(t.Context(), "h1", []queue.QueueID{h.q.ID}); err != nil {
			t.Fatal(err)
		}
		inB := h.joinQ(b.ID, "cb")
		h.available("h1")
		if _, err := h.eng.Next(t.Context(), "h1", b.ID); !errors.Is(err, queue.ErrState) {
			t.Fatalf("next in an unserved queue: %v, want ErrState", err)
		}
		if _, err := h.eng.Pick(t.Context(), "h1", inB); !errors.Is(err, queue.ErrState) {
			t.Fatalf("pick in an unserved queue: %v, want ErrState", err)
		}
		if _, err := h.eng.SetServing(t.Context(), "h1", []queue.QueueID{b.ID}); err != nil {
			t.Fatal(err)
		}
		if acc, err := h.eng.Pick(t.Context(), "h1", inB); err != nil || acc.Entry.ID != inB {
			t.Fatalf("pick after ticking: %v", err)
		}
	})
	t.Run("unassigning a queue unticks it", func(t *testing.T) {
		h := newHarness(t, queue.ModeAuto, nil)
		b := h.secondQueue(queue.ModeAuto)
		ctx := t.Context()
		if _, err := h.eng.PutHost(ctx, "h1", "Host", []queue.QueueID{h.q.ID, b.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := h.eng.SetServing(ctx, "h1", []queue.QueueID{h.q.ID, b.ID}); err != nil {
			t.Fatal(err)
		}
		host, err := h.eng.PutHost(ctx, "h1", "Host", []queue.QueueID{b.ID})
		if err != nil || !slices.Equal(host.Serving, []queue.QueueID{b.ID}) {
			t.Fatalf("after removing A: serving %v, %v", host.Serving, err)
		}
		// Assigning A again does not tick it: the host chose explicitly.
		host, err = h.eng.PutHost(ctx, "h1", "Host", []queue.QueueID{h.q.ID, b.ID})
		if err != nil || !slices.Equal(host.Serving, []queue.QueueID{b.ID}) {
			t.Fatalf("after re-adding A: serving %v, %v", host.Serving, err)
		}
	})
	t.Run("statistics count serving hosts only", func(t *testing.T) {
		h := newHarness(t, queue.ModeAuto, nil)
		h.host("h1")
		h.host("h2")
		h.available("h1")
		h.available("h2")
		if _, err := h.eng.SetServing(t.Context(), "h2", []queue.QueueID{}); err != nil {
			t.Fatal(err)
		}
		st, err := h.eng.Stats(t.Context(), h.q.ID, monday10.Add(-1), h.env.Clock.Now().Add(1))
		if err != nil || st.HostsAvailable != 1 || st.HostsStaffed != 1 {
			t.Fatalf("stats available %d staffed %d (%v), want 1/1", st.HostsAvailable, st.HostsStaffed, err)
		}
	})
}
