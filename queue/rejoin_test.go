package queue_test

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/queuetest"
	"github.com/frontdesk/frontdesk/store/bolt"
)

// inCall is an entry in a call with both sides' media up.
type inCall struct {
	h     *harness
	entry queue.EntryID
	call  queue.Call
	feed  map[queue.PartyRole]uint64
}

// startCall has host h1 take caller c1 and brings both sides up.
func (h *harness) startCall() *inCall {
	h.t.Helper()
	h.host("h1")
	id := h.join("c1", 0).Entry.ID
	h.take("h1")
	call, err := h.env.Engine.Store().GetCall(h.t.Context(), h.entry(id).CallID)
	if err != nil {
		h.t.Fatal(err)
	}
	c := &inCall{h: h, entry: id, call: call, feed: map[queue.PartyRole]uint64{}}
	for _, p := range call.Participants {
		c.feed[p.Role] = p.FeedID
	}
	for _, role := range []queue.PartyRole{queue.PartyHost, queue.PartyCaller} {
		c.ev(queue.ProgressJoined, role)
		c.ev(queue.ProgressWebRTCUp, role)
	}
	if st := h.entry(id).State; st != queue.EntryInCall {
		h.t.Fatalf("call not up: %s", st)
	}
	return c
}

// ev delivers a call-progress event for role at the clock's now.
func (c *inCall) ev(kind queue.ProgressKind, role queue.PartyRole) {
	c.h.t.Helper()
	c.evOn(c.h.eng, kind, role, c.h.env.Clock.Now())
}

func (c *inCall) evOn(eng *queue.Engine, kind queue.ProgressKind, role queue.PartyRole, at time.Time) {
	c.h.t.Helper()
	err := eng.CallProgress(c.h.t.Context(), queue.Progress{Kind: kind, Instance: c.call.Room.Instance,
		RoomID: c.call.Room.ID, FeedID: c.feed[role], At: at})
	if err != nil {
		c.h.t.Fatal(err)
	}
}

func (c *inCall) wantInCall(what string) queue.Entry {
	c.h.t.Helper()
	en := c.h.entry(c.entry)
	if en.State != queue.EntryInCall || en.CallID != c.call.ID {
		c.h.t.Fatalf("%s: entry %s in call %s, want in_call in %s (%v)", what, en.State, en.CallID, c.call.ID, reasons(en))
	}
	if st := c.h.hostState("h1").State; st != queue.HostInCall {
		c.h.t.Fatalf("%s: host %s, want in_call", what, st)
	}
	if c.h.env.Rooms.Live() != 1 {
		c.h.t.Fatalf("%s: %d rooms live, want the call's", what, c.h.env.Rooms.Live())
	}
	return en
}

func (c *inCall) wantCompleted(what, reason string, at time.Time) {
	c.h.t.Helper()
	en := c.h.entry(c.entry)
	if en.State != queue.EntryCompleted || !en.EndedAt.Equal(at) || en.History[len(en.History)-1].Reason != reason {
		c.h.t.Fatalf("%s: entry %s ended %s, history %v; want completed (%s) at %s", what, en.State, en.EndedAt, reasons(en), reason, at)
	}
	if !en.CallerAwayUntil.IsZero() || !en.HostAwayUntil.IsZero() || !en.Deadline.IsZero() {
		c.h.t.Fatalf("%s: away times or deadline left on an ended entry: %+v", what, en)
	}
	if c.h.env.Rooms.Live() != 0 || c.h.env.Tokens.Live() != 0 {
		c.h.t.Fatalf("%s: %d rooms %d tokens left", what, c.h.env.Rooms.Live(), c.h.env.Tokens.Live())
	}
	if st := c.h.hostState("h1").State; st != queue.HostWrapUp {
		c.h.t.Fatalf("%s: host %s, want wrap_up", what, st)
	}
}

func wrapUp(q *queue.Queue) { q.Timeouts.WrapUp = time.Minute }

func TestRejoinGrace(t *testing.T) {
	for _, m := range modes {
		t.Run(m.String(), func(t *testing.T) {
			t.Run("leaving then joined within the grace keeps the call", func(t *testing.T) {
				h := newHarness(t, m, wrapUp)
				c := h.startCall()
				left := h.env.Clock.Now()
				c.ev(queue.ProgressHangup, queue.PartyCaller)
				c.ev(queue.ProgressLeaving, queue.PartyCaller) // Janus sends both
				en := c.wantInCall("after leaving")
				if want := left.Add(queue.DefaultRejoinGrace); !en.CallerAwayUntil.Equal(want) || !en.Deadline.Equal(want) || !en.HostAwayUntil.IsZero() {
					t.Fatalf("away %s deadline %s, want both %s", en.CallerAwayUntil, en.Deadline, want)
				}
				h.sweep(29 * time.Second)
				c.wantInCall("within the grace")
				c.ev(queue.ProgressJoined, queue.PartyCaller) // the reloaded page, same feed
				en = c.wantInCall("after joined")
				if !en.CallerAwayUntil.IsZero() || !en.Deadline.IsZero() {
					t.Fatalf("still away after rejoining: %+v", en)
				}
				h.sweep(time.Hour)
				c.wantInCall("long after the grace")
				// A late duplicate of the old leave does not start a new grace.
				c.evOn(h.eng, queue.ProgressLeaving, queue.PartyCaller, left)
				if en := c.wantInCall("after a stale leave"); !en.CallerAwayUntil.IsZero() {
					t.Fatalf("a stale leave made the caller away until %s", en.CallerAwayUntil)
				}
				// webrtcup after a second leave also counts as back.
				c.ev(queue.ProgressLeaving, queue.PartyHost)
				c.ev(queue.ProgressWebRTCUp, queue.PartyHost)
				if en := c.wantInCall("host back"); !en.HostAwayUntil.IsZero() {
					t.Fatal("host still away after webrtcup")
				}
				if err := h.eng.Complete(t.Context(), "h1", c.entry); err != nil {
					t.Fatal(err)
				}
				c.wantCompleted("hang-up", "completed", h.env.Clock.Now())
			})
			t.Run("grace expiry completes the call", func(t *testing.T) {
				h := newHarness(t, m, wrapUp)
				c := h.startCall()
				c.ev(queue.ProgressLeaving, queue.PartyHost)
				h.sweep(30*time.Second - time.Millisecond)
				c.wantInCall("just before the end of the grace")
				h.sweep(time.Millisecond)
				c.wantCompleted("grace over", "host_rejoin_timeout", h.env.Clock.Now())
			})
			t.Run("both leave: completed at the first expiry", func(t *testing.T) {
				h := newHarness(t, m, wrapUp)
				c := h.startCall()
				first := h.env.Clock.Now()
				c.ev(queue.ProgressLeaving, queue.PartyHost)
				h.sweep(10 * time.Second)
				c.ev(queue.ProgressHangup, queue.PartyCaller)
				if en := c.wantInCall("both away"); !en.Deadline.Equal(first.Add(30 * time.Second)) {
					t.Fatalf("deadline %s, want the host's %s", en.Deadline, first.Add(30*time.Second))
				}
				h.sweep(20 * time.Second)
				c.wantCompleted("first expiry", "host_rejoin_timeout", first.Add(30*time.Second))
			})
			t.Run("the caller's hang-up ends the call at once", func(t *testing.T) {
				h := newHarness(t, m, wrapUp)
				c := h.startCall()
				c.ev(queue.ProgressLeaving, queue.PartyHost) // even while the host is away
				if err := h.eng.Complete(t.Context(), "someone", c.entry); !errors.Is(err, queue.ErrForbidden) {
					t.Fatalf("a stranger's complete: %v", err)
				}
				if err := h.eng.Complete(t.Context(), "c1", c.entry); err != nil {
					t.Fatal(err)
				}
				c.wantCompleted("caller complete", "caller_completed", h.env.Clock.Now())
				if err := h.eng.Complete(t.Context(), "c1", c.entry); !errors.Is(err, queue.ErrState) {
					t.Fatalf("complete again: %v, want ErrState", err)
				}
				c.ev(queue.ProgressJoined, queue.PartyHost) // too late: nothing happens
				if st := h.entry(c.entry).State; st != queue.EntryCompleted {
					t.Fatalf("after a late join: %s", st)
				}
			})
			t.Run("leaving while connecting completes", func(t *testing.T) {
				h := newHarness(t, m, wrapUp)
				h.host("h1")
				id := h.join("c1", 0).Entry.ID
				h.take("h1")
				if err := h.eng.Leave(t.Context(), "c1", id); err != nil {
					t.Fatal(err)
				}
				if en := h.entry(id); en.State != queue.EntryCompleted || h.env.Rooms.Live() != 0 {
					t.Fatalf("leave while connecting: %s (%v), rooms %d", en.State, reasons(en), h.env.Rooms.Live())
				}
			})
			t.Run("host leaving before the caller connected requeues", func(t *testing.T) {
				h := newHarness(t, m, nil)
				h.host("h1")
				id := h.join("c1", 0).Entry.ID
				h.take("h1")
				call, err := h.env.Engine.Store().GetCall(t.Context(), h.entry(id).CallID)
				if err != nil {
					t.Fatal(err)
				}
				c := &inCall{h: h, entry: id, call: call, feed: map[queue.PartyRole]uint64{}}
				for _, p := range call.Participants {
					c.feed[p.Role] = p.FeedID
				}
				c.ev(queue.ProgressJoined, queue.PartyHost)
				c.ev(queue.ProgressLeaving, queue.PartyHost)
				en := h.entry(id)
				if !slices.Contains(reasons(en), "waiting:host_left") || en.Seq != 1 || (en.State != queue.EntryWaiting && en.State != queue.EntryOffered) {
					t.Fatalf("entry %s %v, want back to waiting at its place", en.State, reasons(en))
				}
			})
		})
	}
}

// TestRejoinGraceSurvivesRestart: the grace is a persisted deadline; a new
// engine over the reopened store file ends the call when it passes.
func TestRejoinGraceSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "frontdesk.db")
	db, err := bolt.Open(path, bolt.WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessOn(t, db.Queue(), queue.ModeAuto, wrapUp)
	c := h.startCall()
	c.ev(queue.ProgressHangup, queue.PartyCaller)
	h.env.Clock.Advance(10 * time.Second)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = bolt.Open(path, bolt.WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	env := queuetest.NewEnvWith(t, db.Queue(), h.env.Clock, h.env.Rooms, h.env.Tickets, h.env.Tokens)
	h.eng, h.env = env.Engine, env
	h.sweep(19 * time.Second)
	c.wantInCall("restarted, within the grace")
	h.sweep(time.Second)
	c.wantCompleted("restarted, grace over", "caller_rejoin_timeout", h.env.Clock.Now())
}
