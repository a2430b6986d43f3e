package queue_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
	"github.com/frontdesk/frontdesk/queue/queuetest"
)

// monday10 is Monday 2026-06-01 10:00 in Berlin (CEST).
var berlin, _ = time.LoadLocation("Europe/Berlin")
var monday10 = time.Date(2026, 6, 1, 10, 0, 0, 0, berlin)

type harness struct {
	t   *testing.T
	env *queuetest.Env
	eng *queue.Engine
	q   queue.Queue
}

func officeHours() hours.Schedule {
	s := hours.Schedule{Zone: "Europe/Berlin"}
	for d := time.Monday; d <= time.Friday; d++ {
		s.Weekly[d] = []hours.Range{{From: hours.At(9, 0), To: hours.At(17, 0)}}
	}
	return s
}

func newHarness(t *testing.T, mode queue.Mode, edit func(*queue.Queue)) *harness {
	t.Helper()
	return newHarnessOn(t, queue.NewMemoryStore(), mode, edit)
}

func newHarnessOn(t *testing.T, s queue.Store, mode queue.Mode, edit func(*queue.Queue)) *harness {
	t.Helper()
	env := queuetest.NewEnv(t, s, monday10)
	q := queue.Queue{Slug: "help", Name: "Help", Mode: mode, Hours: officeHours(),
		Timeouts: queue.Timeouts{Offer: 20 * time.Second, NoShow: time.Minute, Grace: 30 * time.Second}}
	if edit != nil {
		edit(&q)
	}
	q, err := env.Engine.CreateQueue(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, env: env, eng: env.Engine, q: q}
}

func (h *harness) join(caller string, prio int) queue.Joined {
	h.t.Helper()
	j, err := h.eng.Join(h.t.Context(), h.q.ID, queue.JoinRequest{Caller: queue.Caller{ID: caller, Name: "Caller " + caller}, Priority: prio})
	if err != nil {
		h.t.Fatalf("join %s: %v", caller, err)
	}
	return j
}

func (h *harness) host(id queue.HostID) {
	h.t.Helper()
	if _, err := h.eng.PutHost(h.t.Context(), id, string("Host "+id), []queue.QueueID{h.q.ID}); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) available(id queue.HostID) queue.Host {
	h.t.Helper()
	host, err := h.eng.SetAvailability(h.t.Context(), id, queue.HostAvailable)
	if err != nil {
		h.t.Fatalf("available %s: %v", id, err)
	}
	return host
}

func (h *harness) entry(id queue.EntryID) queue.Entry {
	h.t.Helper()
	en, err := h.eng.GetEntry(h.t.Context(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return en
}

func (h *harness) hostState(id queue.HostID) queue.Host {
	h.t.Helper()
	host, err := h.eng.GetHost(h.t.Context(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return host
}

func (h *harness) sweep(d time.Duration) {
	h.t.Helper()
	h.env.Clock.Advance(d)
	if err := h.eng.Sweep(h.t.Context()); err != nil {
		h.t.Fatalf("sweep: %v", err)
	}
}

// take makes host id take its next caller the way the mode does it: in
// auto mode the host becomes available, gets an offer and accepts; in
// pick mode it becomes available and presses "next". It returns the
// caller's entry ID.
func (h *harness) take(id queue.HostID) queue.EntryID {
	h.t.Helper()
	host := h.hostState(id)
	if host.State != queue.HostOffered {
		host = h.available(id)
	}
	var acc queue.Accepted
	var err error
	if h.q.Mode == queue.ModeAuto {
		if host.State != queue.HostOffered {
			h.t.Fatalf("host %s is %s after becoming available, want offered", id, host.State)
		}
		acc, err = h.eng.Accept(h.t.Context(), id, host.EntryID)
	} else {
		if host.State != queue.HostAvailable {
			h.t.Fatalf("pick-mode host %s is %s, want available (no auto offers)", id, host.State)
		}
		acc, err = h.eng.Next(h.t.Context(), id, h.q.ID)
	}
	if err != nil {
		h.t.Fatalf("take %s: %v", id, err)
	}
	if acc.Entry.State != queue.EntryConnecting || acc.HostTicket == "" || acc.Call.Room.ID == 0 {
		h.t.Fatalf("accepted = %+v", acc)
	}
	return acc.Entry.ID
}

// finish completes host id's current entry.
func (h *harness) finish(hostID queue.HostID, entryID queue.EntryID) {
	h.t.Helper()
	if err := h.eng.Complete(h.t.Context(), string(hostID), entryID); err != nil {
		h.t.Fatalf("complete: %v", err)
	}
}

func wantRefusal(t *testing.T, err error, sentinel error, reason string) *queue.Refusal {
	t.Helper()
	var r *queue.Refusal
	if !errors.As(err, &r) || !errors.Is(err, sentinel) || r.Reason != reason {
		t.Fatalf("err = %v, want refusal %v/%s", err, sentinel, reason)
	}
	return r
}

func reasons(en queue.Entry) []string {
	var out []string
	for _, tr := range en.History {
		out = append(out, tr.State.String()+":"+tr.Reason)
	}
	return out
}

var modes = []queue.Mode{queue.ModeAuto, queue.ModePick}

func TestScenarios(t *testing.T) {
	scenarios := []struct {
		name  string
		edit  func(*queue.Queue)
		modes []queue.Mode
		run   func(t *testing.T, h *harness)
	}{
		{"FIFO", nil, modes, func(t *testing.T, h *harness) {
			h.host("h1")
			var ids []queue.EntryID
			for i := range 3 {
				ids = append(ids, h.join(fmt.Sprint("c", i), 0).Entry.ID)
			}
			for _, want := range ids {
				got := h.take("h1")
				if got != want {
					t.Fatalf("served %s, want %s (FIFO)", got, want)
				}
				h.finish("h1", got)
			}
		}},
		{"priority before FIFO", nil, modes, func(t *testing.T, h *harness) {
			h.host("h1")
			a := h.join("a", 0).Entry.ID
			b := h.join("b", 5).Entry.ID
			c := h.join("c", 0).Entry.ID
			d := h.join("d", 5).Entry.ID
			for _, want := range []queue.EntryID{b, d, a, c} {
				got := h.take("h1")
				if got != want {
					t.Fatalf("served %s, want %s", got, want)
				}
				h.finish("h1", got)
			}
		}},
		{"offer timeout returns the caller to the head", nil, []queue.Mode{queue.ModeAuto}, func(t *testing.T, h *harness) {
			h.host("h1")
			h.host("h2")
			first := h.join("c1", 0).Entry.ID
			h.join("c2", 0)
			if got := h.available("h1"); got.EntryID != first {
				t.Fatalf("h1 offered %q, want %s", got.EntryID, first)
			}
			h.sweep(19 * time.Second)
			if h.entry(first).State != queue.EntryOffered {
				t.Fatal("offer ended before its timeout")
			}
			h.sweep(time.Second)
			en := h.entry(first)
			if en.State != queue.EntryWaiting || en.HostID != "" {
				t.Fatalf("after timeout entry = %s host %q", en.State, en.HostID)
			}
			if st := h.hostState("h1").State; st != queue.HostAway {
				t.Fatalf("h1 = %s, want away", st)
			}
			if got := h.available("h2"); got.EntryID != first {
				t.Fatalf("h2 offered %q, want the timed-out caller %s at the head", got.EntryID, first)
			}
			if _, err := h.eng.Accept(t.Context(), "h1", first); !errors.Is(err, queue.ErrState) {
				t.Fatalf("late accept by h1: %v, want ErrState", err)
			}
			want := []string{"waiting:join", "offered:offer", "waiting:offer_timeout", "offered:offer"}
			if got := reasons(h.entry(first)); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("history %v, want %v", got, want)
			}
		}},
		{"decline returns the caller to the head", nil, []queue.Mode{queue.ModeAuto}, func(t *testing.T, h *harness) {
			h.host("h1")
			h.host("h2")
			first := h.join("c1", 0).Entry.ID
			h.join("c2", 0)
			h.available("h1")
			if err := h.eng.Decline(t.Context(), "h2", first); !errors.Is(err, queue.ErrState) {
				t.Fatalf("decline by the wrong host: %v", err)
			}
			if err := h.eng.Decline(t.Context(), "h1", first); err != nil {
				t.Fatal(err)
			}
			if st := h.hostState("h1").State; st != queue.HostAway {
				t.Fatalf("h1 = %s, want away", st)
			}
			if got := h.take("h2"); got != first {
				t.Fatalf("h2 got %s, want %s", got, first)
			}
		}},
		{"caller leaves while offered", nil, []queue.Mode{queue.ModeAuto}, func(t *testing.T, h *harness) {
			h.host("h1")
			first := h.join("c1", 0).Entry.ID
			second := h.join("c2", 0).Entry.ID
			h.available("h1")
			if err := h.eng.Leave(t.Context(), "c1", first); err != nil {
				t.Fatal(err)
			}
			if st := h.entry(first).State; st != queue.EntryAbandoned {
				t.Fatalf("left entry = %s", st)
			}
			if host := h.hostState("h1"); host.State != queue.HostOffered || host.EntryID != second {
				t.Fatalf("host after the caller left = %s %q, want offered %s", host.State, host.EntryID, second)
			}
		}},
		{"pick a caller from the list", nil, []queue.Mode{queue.ModePick}, func(t *testing.T, h *harness) {
			h.host("h1")
			h.host("h2")
			a := h.join("a", 0).Entry.ID
			b := h.join("b", 0).Entry.ID
			c := h.join("c", 0).Entry.ID
			h.available("h1")
			h.available("h2")
			acc, err := h.eng.Pick(t.Context(), "h1", b)
			if err != nil || acc.Entry.ID != b {
				t.Fatalf("pick: %v %+v", err, acc.Entry)
			}
			if _, err := h.eng.Pick(t.Context(), "h2", b); !errors.Is(err, queue.ErrState) {
				t.Fatalf("second pick of the same entry: %v, want ErrState", err)
			}
			for _, want := range []queue.EntryID{a, c} {
				acc, err := h.eng.Next(t.Context(), "h2", h.q.ID)
				if err != nil || acc.Entry.ID != want {
					t.Fatalf("next = %v %s, want %s", err, acc.Entry.ID, want)
				}
				h.finish("h2", queue.EntryID(want))
			}
			if _, err := h.eng.Next(t.Context(), "h2", h.q.ID); !errors.Is(err, queue.ErrNotFound) {
				t.Fatalf("next on empty queue: %v", err)
			}
			if st := h.hostState("h2").State; st != queue.HostAvailable {
				t.Fatalf("h2 after empty next = %s", st)
			}
		}},
		{"no-show", nil, modes, func(t *testing.T, h *harness) {
			h.host("h1")
			id := h.join("c1", 0).Entry.ID
			if h.take("h1") != id {
				t.Fatal("wrong entry")
			}
			if h.env.Rooms.Live() != 1 || h.env.Tokens.Live() != 2 {
				t.Fatalf("rooms %d tokens %d, want 1 and 2", h.env.Rooms.Live(), h.env.Tokens.Live())
			}
			h.sweep(59 * time.Second)
			if st := h.entry(id).State; st != queue.EntryConnecting {
				t.Fatalf("before no-show timeout: %s", st)
			}
			h.sweep(time.Second)
			if st := h.entry(id).State; st != queue.EntryNoShow {
				t.Fatalf("after no-show timeout: %s", st)
			}
			if h.env.Rooms.Live() != 0 || h.env.Tokens.Live() != 0 {
				t.Fatalf("after no-show rooms %d tokens %d, want 0", h.env.Rooms.Live(), h.env.Tokens.Live())
			}
			if st := h.hostState("h1").State; st != queue.HostAvailable {
				t.Fatalf("host = %s, want available", st)
			}
		}},
		{"call flow with wrap-up", func(q *queue.Queue) {
			q.Timeouts.WrapUp = 30 * time.Second
			q.Timeouts.RejoinGrace = new(time.Duration) // 0: a leave ends the call at once
		}, modes, func(t *testing.T, h *harness) {
			h.host("h1")
			id := h.join("c1", 0).Entry.ID
			next := h.join("c2", 0).Entry.ID
			h.take("h1")
			call, err := h.env.Engine.Store().GetCall(t.Context(), h.entry(id).CallID)
			if err != nil {
				t.Fatal(err)
			}
			feed := map[queue.PartyRole]uint64{}
			for _, p := range call.Participants {
				feed[p.Role] = p.FeedID
			}
			ev := func(kind queue.ProgressKind, role queue.PartyRole) {
				t.Helper()
				if err := h.eng.CallProgress(t.Context(), queue.Progress{Kind: kind, Instance: call.Room.Instance, RoomID: call.Room.ID, FeedID: feed[role]}); err != nil {
					t.Fatal(err)
				}
			}
			ev(queue.ProgressJoined, queue.PartyHost)
			ev(queue.ProgressJoined, queue.PartyCaller)
			ev(queue.ProgressWebRTCUp, queue.PartyCaller)
			ev(queue.ProgressWebRTCUp, queue.PartyCaller) // duplicate delivery
			if st := h.entry(id).State; st != queue.EntryInCall {
				t.Fatalf("after webrtcup: %s", st)
			}
			h.sweep(5 * time.Minute) // no no-show once in the call
			ev(queue.ProgressHangup, queue.PartyHost)
			en := h.entry(id)
			if en.State != queue.EntryCompleted || en.StartedAt.IsZero() || !en.EndedAt.Equal(h.env.Clock.Now()) {
				t.Fatalf("after hangup: %+v", en)
			}
			if h.env.Rooms.Live() != 0 || h.env.Tokens.Live() != 0 {
				t.Fatal("room or tokens left after the call")
			}
			if st := h.hostState("h1").State; st != queue.HostWrapUp {
				t.Fatalf("host = %s, want wrap_up", st)
			}
			h.sweep(29 * time.Second)
			if st := h.hostState("h1").State; st != queue.HostWrapUp {
				t.Fatalf("host = %s before wrap-up ends", st)
			}
			h.sweep(time.Second)
			host := h.hostState("h1")
			if h.q.Mode == queue.ModeAuto && (host.State != queue.HostOffered || host.EntryID != next) {
				t.Fatalf("after wrap-up auto host = %s %s, want offered %s", host.State, host.EntryID, next)
			}
			if h.q.Mode == queue.ModePick && host.State != queue.HostAvailable {
				t.Fatalf("after wrap-up pick host = %s, want available", host.State)
			}
		}},
		{"abandon after grace", nil, modes, func(t *testing.T, h *harness) {
			h.host("h1")
			gone := h.join("c1", 0).Entry.ID
			stays := h.join("c2", 0).Entry.ID
			if err := h.eng.Disconnected(t.Context(), gone); err != nil {
				t.Fatal(err)
			}
			// A paused caller is skipped, not offered.
			if got := h.take("h1"); got != stays {
				t.Fatalf("served %s, want %s (paused caller skipped)", got, stays)
			}
			h.sweep(29 * time.Second)
			if st := h.entry(gone).State; st != queue.EntryWaiting {
				t.Fatalf("within grace: %s", st)
			}
			h.sweep(time.Second)
			en := h.entry(gone)
			if en.State != queue.EntryAbandoned || en.History[len(en.History)-1].Reason != "grace_over" {
				t.Fatalf("after grace: %v", reasons(en))
			}
		}},
		{"resume within grace keeps the place", nil, modes, func(t *testing.T, h *harness) {
			h.host("h1")
			j := h.join("c1", 0)
			second := h.join("c2", 0).Entry.ID
			if err := h.eng.Disconnected(t.Context(), j.Entry.ID); err != nil {
				t.Fatal(err)
			}
			h.sweep(20 * time.Second)
			if _, err := h.eng.Resume(t.Context(), j.Entry.ID, "wrong"); !errors.Is(err, queue.ErrResumeToken) {
				t.Fatalf("wrong token: %v", err)
			}
			en, err := h.eng.Resume(t.Context(), j.Entry.ID, j.ResumeToken)
			if err != nil || en.Paused || en.State != queue.EntryWaiting {
				t.Fatalf("resume: %v %+v", err, en)
			}
			h.sweep(time.Minute)
			if got := h.take("h1"); got != j.Entry.ID {
				t.Fatalf("served %s, want the resumed %s (kept its place ahead of %s)", got, j.Entry.ID, second)
			}
		}},
		{"resume after grace is refused", nil, modes, func(t *testing.T, h *harness) {
			j := h.join("c1", 0)
			if err := h.eng.Disconnected(t.Context(), j.Entry.ID); err != nil {
				t.Fatal(err)
			}
			h.sweep(31 * time.Second)
			if _, err := h.eng.Resume(t.Context(), j.Entry.ID, j.ResumeToken); !errors.Is(err, queue.ErrResumeToken) {
				t.Fatalf("resume after grace: %v", err)
			}
		}},
		{"closed: refused with next opening in the queue's zone", nil, modes, func(t *testing.T, h *harness) {
			h.env.Clock.Set(time.Date(2026, 6, 5, 17, 0, 0, 0, berlin)) // Friday 17:00
			_, err := h.eng.Join(t.Context(), h.q.ID, queue.JoinRequest{Caller: queue.Caller{ID: "c", Name: "C"}})
			r := wantRefusal(t, err, queue.ErrClosed, "closed")
			want := time.Date(2026, 6, 8, 9, 0, 0, 0, berlin)
			if !r.NextOpen.Equal(want) || r.NextOpen.Location().String() != "Europe/Berlin" {
				t.Fatalf("next open %s, want %s in Europe/Berlin", r.NextOpen, want)
			}
			h.env.Clock.Set(time.Date(2026, 6, 5, 16, 59, 59, 0, berlin))
			h.join("c", 0)
		}},
		{"stop admitting before close", func(q *queue.Queue) { q.Closing.StopAdmitting = 15 * time.Minute }, modes, func(t *testing.T, h *harness) {
			h.env.Clock.Set(time.Date(2026, 6, 1, 16, 44, 59, 0, berlin))
			h.join("early", 0)
			h.env.Clock.Set(time.Date(2026, 6, 1, 16, 45, 0, 0, berlin))
			_, err := h.eng.Join(t.Context(), h.q.ID, queue.JoinRequest{Caller: queue.Caller{ID: "late", Name: "L"}})
			r := wantRefusal(t, err, queue.ErrClosed, "closing_soon")
			if want := time.Date(2026, 6, 2, 9, 0, 0, 0, berlin); !r.NextOpen.Equal(want) {
				t.Fatalf("next open %s, want %s", r.NextOpen, want)
			}
		}},
		{"release at close", func(q *queue.Queue) { q.Closing.AtClose = queue.AtCloseRelease }, modes, func(t *testing.T, h *harness) {
			h.env.Clock.Set(time.Date(2026, 6, 1, 16, 50, 0, 0, berlin))
			id := h.join("c1", 0).Entry.ID
			h.sweep(9 * time.Minute)
			if st := h.entry(id).State; st != queue.EntryWaiting {
				t.Fatalf("before close: %s", st)
			}
			h.sweep(time.Minute)
			en := h.entry(id)
			if en.State != queue.EntryExpired || en.History[len(en.History)-1].Reason != "closed" {
				t.Fatalf("at close: %v", reasons(en))
			}
		}},
		{"serve at close", nil, modes, func(t *testing.T, h *harness) {
			h.host("h1")
			h.env.Clock.Set(time.Date(2026, 6, 1, 16, 50, 0, 0, berlin))
			id := h.join("c1", 0).Entry.ID
			h.sweep(time.Hour)
			if st := h.entry(id).State; st != queue.EntryWaiting {
				t.Fatalf("after close (serve): %s", st)
			}
			if got := h.take("h1"); got != id {
				t.Fatalf("served %s after close, want %s", got, id)
			}
		}},
		{"one entry per caller", func(q *queue.Queue) { q.Limits.OnePerCaller = true }, modes, func(t *testing.T, h *harness) {
			first := h.join("c1", 0).Entry.ID
			_, err := h.eng.Join(t.Context(), h.q.ID, queue.JoinRequest{Caller: queue.Caller{ID: "c1", Name: "C"}})
			r := wantRefusal(t, err, queue.ErrAlreadyQueued, "already_queued")
			if r.EntryID != first {
				t.Fatalf("refusal names %q, want %s", r.EntryID, first)
			}
			if err := h.eng.Leave(t.Context(), "other", first); !errors.Is(err, queue.ErrForbidden) {
				t.Fatalf("leave by someone else: %v", err)
			}
			if err := h.eng.Leave(t.Context(), "c1", first); err != nil {
				t.Fatal(err)
			}
			if st := h.entry(first).State; st != queue.EntryAbandoned {
				t.Fatalf("left entry = %s", st)
			}
			h.join("c1", 0)
		}},
		{"re-entry cooldown", func(q *queue.Queue) { q.Limits.Cooldown = 5 * time.Minute }, modes, func(t *testing.T, h *harness) {
			first := h.join("c1", 0).Entry.ID
			h.env.Clock.Advance(time.Minute)
			if err := h.eng.Leave(t.Context(), "c1", first); err != nil {
				t.Fatal(err)
			}
			left := h.env.Clock.Now()
			h.env.Clock.Advance(4*time.Minute + 59*time.Second)
			_, err := h.eng.Join(t.Context(), h.q.ID, queue.JoinRequest{Caller: queue.Caller{ID: "c1", Name: "C"}})
			r := wantRefusal(t, err, queue.ErrCooldown, "cooldown")
			if !r.RetryAfter.Equal(left.Add(5 * time.Minute)) {
				t.Fatalf("retry after %s, want %s", r.RetryAfter, left.Add(5*time.Minute))
			}
			h.join("c2", 0) // others are not affected
			h.env.Clock.Advance(time.Second)
			h.join("c1", 0)
		}},
		{"max waiting", func(q *queue.Queue) { q.Limits.MaxWaiting = 2 }, modes, func(t *testing.T, h *harness) {
			h.join("c1", 0)
			h.join("c2", 0)
			_, err := h.eng.Join(t.Context(), h.q.ID, queue.JoinRequest{Caller: queue.Caller{ID: "c3", Name: "C"}})
			wantRefusal(t, err, queue.ErrFull, "full")
		}},
		{"max wait expires", func(q *queue.Queue) { q.Limits.MaxWait = 10 * time.Minute }, modes, func(t *testing.T, h *harness) {
			id := h.join("c1", 0).Entry.ID
			h.sweep(9 * time.Minute)
			later := h.join("c2", 0).Entry.ID
			h.sweep(time.Minute)
			if en := h.entry(id); en.State != queue.EntryExpired || en.History[len(en.History)-1].Reason != "max_wait" {
				t.Fatalf("after max wait: %v", reasons(en))
			}
			if st := h.entry(later).State; st != queue.EntryWaiting {
				t.Fatalf("later caller: %s", st)
			}
		}},
		{"account required", func(q *queue.Queue) { q.Identity = queue.IdentityAccount }, modes, func(t *testing.T, h *harness) {
			_, err := h.eng.Join(t.Context(), h.q.ID, queue.JoinRequest{Caller: queue.Caller{ID: "g", Name: "G", Guest: true}})
			wantRefusal(t, err, queue.ErrForbidden, "account_required")
			h.join("acct", 0)
		}},
		{"intake", func(q *queue.Queue) {
			q.Intake = []queue.IntakeField{{Name: "topic", Label: "Topic", Required: true, Options: []string{"wifi", "email"}}}
		}, modes, func(t *testing.T, h *harness) {
			join := func(in map[string]string) error {
				_, err := h.eng.Join(t.Context(), h.q.ID, queue.JoinRequest{Caller: queue.Caller{ID: fmt.Sprint(in), Name: "C"}, Intake: in})
				return err
			}
			wantRefusal(t, join(nil), queue.ErrInvalid, "intake_missing")
			wantRefusal(t, join(map[string]string{"topic": "printer"}), queue.ErrInvalid, "intake_invalid")
			wantRefusal(t, join(map[string]string{"topic": "wifi", "extra": "x"}), queue.ErrInvalid, "intake_invalid")
			if err := join(map[string]string{"topic": "wifi"}); err != nil {
				t.Fatal(err)
			}
		}},
		{"room failure puts the caller back", nil, modes, func(t *testing.T, h *harness) {
			h.host("h1")
			id := h.join("c1", 0).Entry.ID
			h.env.Rooms.Fail = errors.New("janus down")
			host := h.available("h1")
			var err error
			if h.q.Mode == queue.ModeAuto {
				_, err = h.eng.Accept(t.Context(), "h1", host.EntryID)
			} else {
				_, err = h.eng.Next(t.Context(), "h1", h.q.ID)
			}
			if err == nil {
				t.Fatal("accept succeeded without a room")
			}
			if en := h.entry(id); en.State != queue.EntryWaiting && en.State != queue.EntryOffered {
				t.Fatalf("entry after failed accept: %s", en.State)
			}
			h.env.Rooms.Fail = nil
			h.sweep(time.Second)
			if h.q.Mode == queue.ModeAuto {
				host = h.hostState("h1")
				if host.EntryID != id {
					t.Fatalf("re-offered %q, want %s", host.EntryID, id)
				}
			} else if got := h.take("h1"); got != id {
				t.Fatalf("took %s, want %s", got, id)
			}
		}},
		{"longest idle host first", nil, []queue.Mode{queue.ModeAuto}, func(t *testing.T, h *harness) {
			for _, id := range []string{"h1", "h2", "h3"} {
				h.host(queue.HostID(id))
			}
			h.available("h2")
			h.env.Clock.Advance(time.Second)
			h.available("h3")
			h.env.Clock.Advance(time.Second)
			h.available("h1")
			var got []string
			for i := range 3 {
				en := h.join(fmt.Sprint("c", i), 0).Entry
				got = append(got, string(en.HostID))
			}
			if fmt.Sprint(got) != "[h2 h3 h1]" {
				t.Fatalf("offer order %v, want [h2 h3 h1]", got)
			}
		}},
	}
	// Each scenario runs in each of its modes, on a store with the
	// one-transaction offer (OfferStore) and on one without (three steps).
	stores := []struct {
		name string
		new  func() queue.Store
	}{
		{"offerstore", func() queue.Store { return queue.NewMemoryStore() }},
		{"threestep", func() queue.Store { return queuetest.Plain(queue.NewMemoryStore()) }},
	}
	for _, sc := range scenarios {
		for _, m := range sc.modes {
			for _, st := range stores {
				t.Run(sc.name+"/"+m.String()+"/"+st.name, func(t *testing.T) {
					sc.run(t, newHarnessOn(t, st.new(), m, sc.edit))
				})
			}
		}
	}
}
