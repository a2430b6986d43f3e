package queue_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/queuetest"
)

func TestE164(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"+15550102030", "+15550102030", true},
		{"+1 (555) 010-2030", "+15550102030", true},
		{" +44 20 7946 0958 ", "+442079460958", true},
		{"+491", "+491", true},
		{"15550102030", "15550102030", false},             // no +
		{"+05550102030", "+05550102030", false},           // country code 0
		{"+1234567890123456", "+1234567890123456", false}, // 16 digits
		{"+1", "+1", false},
		{"+1555abc", "+1555abc", false},
		{"+1555\n0102", "+1555\n0102", false},
		{"", "", false},
	} {
		got, ok := queue.NormalizeE164(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("NormalizeE164(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestPhoneAllows(t *testing.T) {
	p := queue.PhoneSettings{Allow: []string{"+1555*", "+442079460958"}}
	for _, c := range []struct {
		number string
		want   bool
	}{
		{"+15550102030", true},
		{"+442079460958", true},
		{"+442079460959", false},
		{"+15560102030", false},
		{"+1555", true},
		{"+1555*", false}, // not a number
	} {
		if got := p.Allows(c.number); got != c.want {
			t.Errorf("Allows(%q) = %v", c.number, got)
		}
	}
	if (queue.PhoneSettings{}).Allows("+15550102030") {
		t.Error("an empty allow-list allowed a number")
	}
	if !(queue.PhoneSettings{Allow: []string{"+*"}}).Allows("+819012345678") {
		t.Error(`"+*" did not allow a number`)
	}
}

func TestPhoneSettingsValidation(t *testing.T) {
	for _, c := range []struct {
		name  string
		phone queue.PhoneSettings
		field string
	}{
		{"good", queue.PhoneSettings{Allow: []string{"+1555*", "+*", "+442079460958"}, Retries: 2}, ""},
		{"pattern without plus", queue.PhoneSettings{Allow: []string{"1555*"}}, "phone.allow[0]"},
		{"pattern with letters", queue.PhoneSettings{Allow: []string{"+12", "+1a*"}}, "phone.allow[1]"},
		{"too many retries", queue.PhoneSettings{Retries: 6}, "phone.retries"},
		{"negative ring timeout", queue.PhoneSettings{RingTimeout: -time.Second}, "phone.ring_timeout"},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := queue.Queue{Slug: "q", Name: "Q", Phone: c.phone}
			err := q.Validate()
			var fe *queue.FieldError
			switch {
			case c.field == "" && err != nil:
				t.Fatalf("valid settings refused: %v", err)
			case c.field != "" && (!errors.As(err, &fe) || fe.Field != c.field):
				t.Fatalf("err = %v, want a field error on %s", err, c.field)
			}
		})
	}
}

// newPhoneHarness is a harness whose engine has phone lines, over a queue
// offering callbacks to +1555 numbers.
func newPhoneHarness(t *testing.T, mode queue.Mode, edit func(*queue.PhoneSettings)) (*harness, *queuetest.Lines) {
	t.Helper()
	lines := queuetest.NewLines()
	env := queuetest.NewEnv(t, queue.NewMemoryStore(), monday10, queue.WithPhoneLines(lines))
	q := queue.Queue{Slug: "help", Name: "Help", Mode: mode, Hours: officeHours(),
		Timeouts: queue.Timeouts{Offer: 20 * time.Second, NoShow: time.Minute, Grace: 30 * time.Second, WrapUp: 10 * time.Second},
		Phone:    queue.PhoneSettings{Callback: true, Allow: []string{"+1555*"}, RingTimeout: 25 * time.Second, RetryDelay: time.Minute}}
	if edit != nil {
		edit(&q.Phone)
	}
	q, err := env.Engine.CreateQueue(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, env: env, eng: env.Engine, q: q}, lines
}

func (h *harness) joinCallback(caller, number string) queue.EntryID {
	h.t.Helper()
	j, err := h.eng.Join(h.t.Context(), h.q.ID, queue.JoinRequest{Caller: queue.Caller{ID: caller, Name: "Caller " + caller},
		Phone: number, Callback: true})
	if err != nil {
		h.t.Fatalf("join %s for a callback: %v", caller, err)
	}
	return j.Entry.ID
}

// acceptCallback makes host h1 take the next callback and checks the
// call it gets: no room, a phone leg, a phone ticket.
func (h *harness) acceptCallback(number string) queue.Accepted {
	h.t.Helper()
	h.available("h1")
	acc, err := h.eng.Next(h.t.Context(), "h1", h.q.ID)
	if err != nil {
		h.t.Fatalf("next: %v", err)
	}
	c := acc.Call
	if acc.Entry.State != queue.EntryConnecting || c.Room.ID != 0 || c.Phone == nil || c.Phone.Number != number ||
		c.Phone.Token == "" || len(c.Participants) != 1 || acc.HostTicket == "" {
		h.t.Fatalf("accepted callback: entry %s, call %+v", acc.Entry.State, c)
	}
	last := h.env.Tickets.Issued[len(h.env.Tickets.Issued)-1]
	if last.Phone != number || last.RoomID != 0 || last.Role != queue.PartyHost {
		h.t.Fatalf("ticket request %+v, want a host phone ticket to %s", last, number)
	}
	return acc
}

func (h *harness) phone(call queue.CallID, number string, kind queue.PhoneEventKind, code int) {
	h.t.Helper()
	if err := h.eng.PhoneProgress(h.t.Context(), call, number, queue.PhoneEvent{Kind: kind, Code: code}); err != nil {
		h.t.Fatalf("phone progress: %v", err)
	}
}

// TestCallbackAnswered: a queued callback is accepted in both modes, the
// phone rings and answers (entry in_call), a hang-up completes it, the
// host wraps up, the line is closed and the statistics count it apart.
func TestCallbackAnswered(t *testing.T) {
	for _, m := range modes {
		t.Run(m.String(), func(t *testing.T) {
			h, lines := newPhoneHarness(t, queue.ModePick, nil)
			h.q.Mode = m
			h.host("h1")
			id := h.joinCallback("c1", "+1 555 010 2030")
			if en := h.entry(id); en.Phone != "+15550102030" || en.Callback == nil {
				t.Fatalf("entry phone %q callback %v", en.Phone, en.Callback)
			}
			// A callback needs no page: a dropped connection does not pause it.
			if err := h.eng.Disconnected(t.Context(), id); err != nil || h.entry(id).Paused {
				t.Fatalf("disconnected callback paused (%v)", err)
			}
			acc := h.acceptCallback("+15550102030")
			call := acc.Call.ID
			if _, _, err := h.eng.PhoneTicket(t.Context(), "h1", id); !errors.Is(err, queue.ErrState) {
				t.Fatalf("a second phone leg on a callback: %v", err)
			}
			h.env.Clock.Advance(2 * time.Second)
			h.phone(call, "+15550102030", queue.PhoneEventCalling, 0)
			if en := h.entry(id); en.Callback.Attempts != 1 || !en.Deadline.Equal(h.env.Clock.Now().Add(25*time.Second)) {
				t.Fatalf("after calling: attempts %d deadline %s", en.Callback.Attempts, en.Deadline)
			}
			// Events of another number (a forged or stale leg) change nothing.
			h.phone(call, "+15559999999", queue.PhoneEventAnswered, 0)
			if en := h.entry(id); en.State != queue.EntryConnecting {
				t.Fatalf("an event for another number moved the entry to %s", en.State)
			}
			h.phone(call, "+15550102030", queue.PhoneEventRinging, 0)
			h.env.Clock.Advance(3 * time.Second)
			h.phone(call, "+15550102030", queue.PhoneEventAnswered, 0)
			answered := h.env.Clock.Now()
			if en := h.entry(id); en.State != queue.EntryInCall || !en.StartedAt.Equal(answered) || !en.Deadline.IsZero() {
				t.Fatalf("after the answer: %s started %s deadline %s", en.State, en.StartedAt, en.Deadline)
			}
			h.sweep(10 * time.Minute) // no timer ends an answered callback
			if en := h.entry(id); en.State != queue.EntryInCall {
				t.Fatalf("answered callback swept to %s", en.State)
			}
			h.phone(call, "+15550102030", queue.PhoneEventHangup, 200)
			en := h.entry(id)
			if en.State != queue.EntryCompleted || en.History[len(en.History)-1].Reason != "phone_hangup" {
				t.Fatalf("after the hang-up: %s %v", en.State, reasons(en))
			}
			if st := h.hostState("h1").State; st != queue.HostWrapUp {
				t.Fatalf("host %s after the callback, want wrap_up", st)
			}
			if lines.Live() != 0 {
				t.Fatalf("%d lines still open", lines.Live())
			}
			c, _ := h.eng.Store().GetCall(t.Context(), call)
			if c.State != queue.CallEnded || c.Phone.State != queue.PhoneEnded || c.Phone.Code != 200 {
				t.Fatalf("call %s, leg %+v", c.State, c.Phone)
			}
			st, err := h.eng.Stats(t.Context(), h.q.ID, monday10.Add(-time.Hour), h.env.Clock.Now().Add(time.Second))
			if err != nil {
				t.Fatal(err)
			}
			cb := st.Callbacks
			if cb.Requested != 1 || cb.Completed != 1 || cb.Attempts != 1 || st.Joined != 0 || st.Answered != 0 || st.Completed != 0 ||
				time.Duration(cb.AvgTimeToAnswer) != answered.Sub(en.CreatedAt) {
				t.Fatalf("stats: callbacks %+v, joined %d answered %d completed %d", cb, st.Joined, st.Answered, st.Completed)
			}
		})
	}
}

// TestCallbackRetries: attempts that end busy or unanswered put the
// callback back in its place, paused until the retry delay passes, and
// the last allowed attempt ends it as busy or no_answer by the SIP code.
func TestCallbackRetries(t *testing.T) {
	cases := []struct {
		name    string
		retries int
		// attempt ends one attempt of call; "" ends it by the ring timeout.
		codes     []int // SIP codes of the attempts; -1: the ring timeout (sweep)
		want      queue.EntryState
		result    string
		lastCode  int
		wantStats func(queue.CallbackStats) bool
	}{
		{"busy, no retries", 0, []int{486}, queue.EntryBusy, "busy", 486,
			func(cb queue.CallbackStats) bool { return cb.Busy == 1 && cb.Attempts == 1 }},
		{"declined counts as busy", 0, []int{603}, queue.EntryBusy, "busy", 603,
			func(cb queue.CallbackStats) bool { return cb.Busy == 1 }},
		{"busy then ring timeout", 1, []int{486, -1}, queue.EntryNoAnswer, "no_answer", 0,
			func(cb queue.CallbackStats) bool { return cb.NoAnswer == 1 && cb.Attempts == 2 }},
		{"unavailable twice then busy", 2, []int{480, 408, 486}, queue.EntryBusy, "busy", 486,
			func(cb queue.CallbackStats) bool { return cb.Busy == 1 && cb.Attempts == 3 }},
		{"not found is a failure", 0, []int{404}, queue.EntryNoAnswer, "failed", 404,
			func(cb queue.CallbackStats) bool { return cb.NoAnswer == 1 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, lines := newPhoneHarness(t, queue.ModePick, func(p *queue.PhoneSettings) { p.Retries = c.retries })
			h.host("h1")
			id := h.joinCallback("c1", "+15550102030")
			for i, code := range c.codes {
				if i > 0 {
					other := h.join(fmt.Sprint("other", i), 0).Entry.ID
					// Waiting for the retry: paused, in its place, not taken.
					en := h.entry(id)
					if en.State != queue.EntryWaiting || !en.Paused || en.Callback.RetryAt.IsZero() {
						t.Fatalf("attempt %d: entry %s paused %v retry %s", i, en.State, en.Paused, en.Callback.RetryAt)
					}
					h.sweep(10 * time.Second) // the host's wrap-up ends; the retry is not due
					if acc, err := h.eng.Next(t.Context(), "h1", h.q.ID); err != nil || acc.Entry.ID != other {
						t.Fatalf("before the retry delay: next = %v, %v; want the other caller", acc.Entry.ID, err)
					}
					h.finish("h1", other)
					h.sweep(time.Minute)
					if en := h.entry(id); en.Paused || !en.Callback.RetryAt.IsZero() {
						t.Fatalf("retry due but entry still paused: %+v", en.Callback)
					}
				}
				acc := h.acceptCallback("+15550102030")
				h.phone(acc.Call.ID, "+15550102030", queue.PhoneEventCalling, 0)
				if code < 0 {
					h.sweep(26 * time.Second) // the ring timeout
				} else {
					h.phone(acc.Call.ID, "+15550102030", queue.PhoneEventHangup, code)
				}
				if lines.Live() != 0 {
					t.Fatalf("attempt %d left %d lines open", i, lines.Live())
				}
				if c, _ := h.eng.Store().GetCall(t.Context(), acc.Call.ID); c.State != queue.CallEnded || c.Phone.State != queue.PhoneEnded {
					t.Fatalf("attempt %d: call %s leg %s", i, c.State, c.Phone.State)
				}
			}
			en := h.entry(id)
			if en.State != c.want || en.Callback.LastResult != c.result || en.Callback.LastCode != c.lastCode || en.Callback.Attempts != len(c.codes) {
				t.Fatalf("final: %s %+v %v", en.State, en.Callback, reasons(en))
			}
			st, err := h.eng.Stats(t.Context(), h.q.ID, monday10.Add(-time.Hour), h.env.Clock.Now().Add(time.Second))
			if err != nil || st.Callbacks.Requested != 1 || !c.wantStats(st.Callbacks) {
				t.Fatalf("callback stats %+v, %v", st.Callbacks, err)
			}
		})
	}
}

// TestCallbackNotDialled: a host who accepts a callback and never dials
// loses it at the no-show timeout; it counts as an unanswered attempt.
func TestCallbackNotDialled(t *testing.T) {
	h, lines := newPhoneHarness(t, queue.ModePick, func(p *queue.PhoneSettings) { p.Retries = 1 })
	h.host("h1")
	id := h.joinCallback("c1", "+15550102030")
	h.acceptCallback("+15550102030")
	h.sweep(61 * time.Second)
	en := h.entry(id)
	if en.State != queue.EntryWaiting || !en.Paused || en.Callback.Attempts != 1 || en.Callback.LastResult != "no_answer" || lines.Live() != 0 {
		t.Fatalf("entry %s paused %v %+v; %d lines", en.State, en.Paused, en.Callback, lines.Live())
	}
}

func TestJoinPhoneRefusals(t *testing.T) {
	for _, c := range []struct {
		name     string
		phone    string
		callback bool
		noCB     bool
		err      error
		reason   string
	}{
		{"callback without a number", "", true, false, queue.ErrInvalid, "phone_required"},
		{"not E.164", "0555 0102", true, false, queue.ErrInvalid, "phone_invalid"},
		{"letters", "+1555CALLME", false, false, queue.ErrInvalid, "phone_invalid"},
		{"outside the allow-list", "+442079460958", true, false, queue.ErrInvalid, "phone_not_allowed"},
		{"queue offers no callback", "+15550102030", true, true, queue.ErrForbidden, "callback_unavailable"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, _ := newPhoneHarness(t, queue.ModePick, func(p *queue.PhoneSettings) { p.Callback = !c.noCB })
			_, err := h.eng.Join(t.Context(), h.q.ID, queue.JoinRequest{Caller: queue.Caller{ID: "c", Name: "C"}, Phone: c.phone, Callback: c.callback})
			r := wantRefusal(t, err, c.err, c.reason)
			if r.Field == "" {
				t.Fatal("refusal names no field")
			}
			if n, _ := h.eng.Store().CountEntries(t.Context(), queue.EntryFilter{QueueID: h.q.ID}); n != 0 {
				t.Fatalf("a refused join left %d entries", n)
			}
		})
	}
}

// TestPhoneTicketBesideVideo: during a video call the host may call the
// caller's number; the leg's events do not move the entry; another host,
// or a number the queue does not allow, gets no ticket.
func TestPhoneTicketBesideVideo(t *testing.T) {
	h, lines := newPhoneHarness(t, queue.ModePick, nil)
	h.host("h1")
	h.host("h2")
	j, err := h.eng.Join(t.Context(), h.q.ID, queue.JoinRequest{Caller: queue.Caller{ID: "c1", Name: "C"}, Phone: "+15550102030"})
	if err != nil {
		t.Fatal(err)
	}
	id := h.take("h1")
	if id != j.Entry.ID {
		t.Fatal("took another entry")
	}
	if _, _, err := h.eng.PhoneTicket(t.Context(), "h2", id); !errors.Is(err, queue.ErrForbidden) {
		t.Fatalf("another host's phone ticket: %v", err)
	}
	tk, c, err := h.eng.PhoneTicket(t.Context(), "h1", id)
	if err != nil || tk == "" || c.Phone == nil || c.Phone.Number != "+15550102030" || lines.Live() != 1 {
		t.Fatalf("phone ticket %q, leg %+v, %v", tk, c.Phone, err)
	}
	h.phone(c.ID, "+15550102030", queue.PhoneEventCalling, 0)
	h.phone(c.ID, "+15550102030", queue.PhoneEventHangup, 486)
	if en := h.entry(id); en.State != queue.EntryConnecting {
		t.Fatalf("a side phone call moved the entry to %s", en.State)
	}
	if lines.Live() != 0 {
		t.Fatal("the ended leg's line is still open")
	}
	// After the video call, during wrap-up, the host may still call.
	h.finish("h1", id)
	if _, _, err := h.eng.PhoneTicket(t.Context(), "h1", id); err != nil {
		t.Fatalf("phone ticket in wrap-up: %v", err)
	}
	h.sweep(11 * time.Second) // wrap-up over
	if _, _, err := h.eng.PhoneTicket(t.Context(), "h1", id); !errors.Is(err, queue.ErrState) {
		t.Fatalf("phone ticket after wrap-up: %v", err)
	}

	// A caller who gave no number cannot be called.
	id2 := h.join("c2", 0).Entry.ID
	if got := h.take("h1"); got != id2 {
		t.Fatal("took another entry")
	}
	if _, _, err := h.eng.PhoneTicket(t.Context(), "h1", id2); !errors.Is(err, queue.ErrNoPhone) {
		t.Fatalf("phone ticket with no number: %v", err)
	}
}
