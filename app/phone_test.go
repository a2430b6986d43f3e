package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/config"
	"github.com/frontdesk/frontdesk/janus"
	"github.com/frontdesk/frontdesk/janus/admin"
	"github.com/frontdesk/frontdesk/janus/janustest"
	"github.com/frontdesk/frontdesk/proxy"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
	"github.com/frontdesk/frontdesk/sip/siptest"
)

// Phone numbers of the phone rig.
const (
	answeringNumber = "+15550001234" // a baresip phone that answers at once
	ringingNumber   = "+15550009999" // a baresip phone that rings and never answers
	deskAccount     = "frontdesk-desk"
)

// phoneRig is a Frontdesk whose only Janus runs the SIP plugin, a kamailio
// registrar with digest authentication holding the desk's account, and
// two baresip phones, each part in its own network namespace.
type phoneRig struct {
	a      *app.App
	addr   string
	janus  *janustest.Instance
	reg    *siptest.Registrar
	phone  *siptest.Phone
	ringer *siptest.Phone
	acct   siptest.Account
	q      queue.Queue
	log    *lockedBuffer // Frontdesk's log, debug level
}

// lockedBuffer is a bytes.Buffer safe for a logger and a test at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newPhoneRig(tb testing.TB, phone queue.PhoneSettings) *phoneRig {
	tb.Helper()
	siptest.Require(tb)
	events := &apptest.JanusEvents{}
	inst := janustest.Start(tb, janustest.Options{ServerName: "janus-sip", EventHandler: events, SIP: true})
	reg := siptest.StartRegistrar(tb, siptest.RegistrarOptions{Users: []string{deskAccount, answeringNumber, ringingNumber}, NoAnswerTimeout: 2 * time.Second})
	r := &phoneRig{janus: inst, reg: reg, acct: reg.Account(deskAccount), log: &lockedBuffer{}}
	r.phone = siptest.StartPhone(tb, reg, siptest.PhoneOptions{User: answeringNumber})
	r.ringer = siptest.StartPhone(tb, reg, siptest.PhoneOptions{User: ringingNumber, Answer: siptest.AnswerNever})
	r.a, r.addr = apptest.StartWithLog(tb, r.log, apptest.WithJanus(inst), func(c *config.Config) {
		c.Janus.Instances[0].SIP = true
		c.Phone.Accounts = []config.SIPAccount{{Queues: []string{"*"}, Username: r.acct.URI(), Secret: config.Secret(r.acct.Password),
			DisplayName: "Help desk", Proxy: reg.ProxyURI()}}
	})
	events.To(r.addr)
	ctx := tb.Context()
	q, err := r.a.Engine().CreateQueue(ctx, queue.Queue{Slug: "callbacks", Name: "Callbacks", Mode: queue.ModePick,
		Hours: hours.AlwaysOpen(), Media: queue.MediaJanus, Phone: phone})
	if err != nil {
		tb.Fatal(err)
	}
	r.q = q
	if _, err := r.a.Engine().PutHost(ctx, "host-1", "Hana Host", []queue.QueueID{q.ID}); err != nil {
		tb.Fatal(err)
	}
	return r
}

// callback joins a caller asking to be called back at number.
func (r *phoneRig) callback(tb testing.TB, caller, number string) queue.EntryID {
	tb.Helper()
	j, err := r.a.Engine().Join(tb.Context(), r.q.ID, queue.JoinRequest{Caller: queue.Caller{ID: caller, Name: "Cara " + caller, Guest: true},
		Phone: number, Callback: true})
	if err != nil {
		tb.Fatal(err)
	}
	return j.Entry.ID
}

// take makes host-1 take the next caller: the accepted callback's phone
// ticket.
func (r *phoneRig) take(tb testing.TB) queue.Accepted {
	tb.Helper()
	ctx := tb.Context()
	if _, err := r.a.Engine().SetAvailability(ctx, "host-1", queue.HostAvailable); err != nil {
		tb.Fatal(err)
	}
	acc, err := r.a.Engine().Next(ctx, "host-1", r.q.ID)
	if err != nil {
		tb.Fatal(err)
	}
	if acc.Call.Phone == nil || acc.Call.Room.ID != 0 {
		tb.Fatalf("accepted %+v, want a phone-only call", acc.Call)
	}
	return acc
}

// console is the host's phone console: the Janus SIP plugin reached
// through Frontdesk's /janus proxy with a phone ticket, and a Pion audio
// peer standing in for the browser's microphone and speaker.
type console struct {
	mu   sync.Mutex
	seen [][]byte // every plugin event's data, as the client got it
	c    *janus.Client
	h    *janus.Handle
	peer *siptest.AudioPeer
	evs  chan sipEv
}

// sipEv is one message on the console's handle.
type sipEv struct {
	janus string
	event string
	code  int
	jsep  *janus.JSEP
	raw   json.RawMessage
}

// dial connects a console with ticket, registers (the proxy supplies the
// account) and calls the ticket's number.
func (r *phoneRig) dial(ctx context.Context, tb testing.TB, ticket string) *console {
	tb.Helper()
	c, err := janus.Dial(ctx, "ws://"+r.addr+"/janus", janus.WithHeader(http.Header{proxy.TicketHeader: {ticket}}))
	if err != nil {
		tb.Fatalf("dial the proxy: %v", err)
	}
	con := &console{c: c, evs: make(chan sipEv, 64)}
	tb.Cleanup(con.close)
	s, err := c.CreateSession(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	if con.h, err = s.Attach(ctx, proxy.SIPPlugin); err != nil {
		tb.Fatalf("attach the SIP plugin: %v", err)
	}
	go func() {
		defer close(con.evs)
		for m := range con.h.Events() {
			ev := toSIPEv(m)
			con.mu.Lock()
			con.seen = append(con.seen, ev.raw)
			con.mu.Unlock()
			con.evs <- ev
		}
	}()
	if _, err := con.h.Message(ctx, map[string]any{"request": "register"}, nil); err != nil {
		tb.Fatalf("register: %v", err)
	}
	con.wait(tb, "registered", 10*time.Second)
	if con.peer, err = siptest.NewAudioPeer(r.janus.HostInterface); err != nil {
		tb.Fatal(err)
	}
	offer, err := con.peer.Offer(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := con.h.Message(ctx, map[string]any{"request": "call"}, offer); err != nil {
		tb.Fatalf("call: %v", err)
	}
	return con
}

func toSIPEv(m *janus.Message) sipEv {
	ev := sipEv{janus: m.Janus, jsep: m.JSEP}
	if m.PluginData != nil {
		ev.raw = m.PluginData.Data
		var d struct {
			Result struct {
				Event string `json:"event"`
				Code  int    `json:"code"`
			} `json:"result"`
		}
		_ = json.Unmarshal(m.PluginData.Data, &d)
		ev.event, ev.code = d.Result.Event, d.Result.Code
	}
	return ev
}

// wait returns the next plugin event named name; a hangup or a failed
// registration on the way fails the test.
func (con *console) wait(tb testing.TB, name string, d time.Duration) sipEv {
	tb.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-con.evs:
			if !ok {
				tb.Fatalf("the console's handle ended waiting for %q", name)
			}
			if ev.event == name {
				return ev
			}
			if ev.event == "hangup" || ev.event == "registration_failed" {
				tb.Fatalf("%s (%d) while waiting for %q: %s", ev.event, ev.code, name, ev.raw)
			}
		case <-timer.C:
			tb.Fatalf("no %q event within %s", name, d)
		}
	}
}

func (con *console) close() {
	if con.peer != nil {
		con.peer.Close()
	}
	if con.c != nil {
		con.c.Close()
	}
}

// entryState polls the entry until it is in want.
func (r *phoneRig) entryState(tb testing.TB, id queue.EntryID, want queue.EntryState) queue.Entry {
	tb.Helper()
	var en queue.Entry
	if !janustest.WaitFor(15*time.Second, func() bool {
		var err error
		en, err = r.a.Engine().GetEntry(tb.Context(), id)
		return err == nil && en.State == want
	}) {
		tb.Fatalf("entry %s is %s, want %s; history %v", id, en.State, want, en.History)
	}
	return en
}

// TestCallbackOnRealPhone: a caller leaves a callback number, the host's
// console dials it through the proxy (SIP plugin, kamailio with digest
// authentication, baresip), the phone rings and answers, audio flows both
// ways, and the phone's hang-up completes the entry. The proxy refuses
// every request outside the phone ticket's grant and nothing reveals the
// SIP account.
func TestCallbackOnRealPhone(t *testing.T) {
	r := newPhoneRig(t, queue.PhoneSettings{Callback: true, Allow: []string{"+1555*"}})
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	id := r.callback(t, "guest:cara", answeringNumber)
	acc := r.take(t)
	start := time.Now()
	con := r.dial(ctx, t, acc.HostTicket)

	// Refused before Janus: the phone gets no second call, Janus sees no
	// transfer or recording, and the replies name no account.
	for _, body := range []map[string]any{
		{"request": "call", "uri": "sip:" + ringingNumber + "@" + r.acct.Domain},
		{"request": "register", "username": "sip:mallory@" + r.acct.Domain, "secret": "guess"},
		{"request": "transfer", "uri": "sip:" + ringingNumber + "@" + r.acct.Domain},
		{"request": "recording", "action": "start", "audio": true},
		{"request": "message", "content": "hi"},
	} {
		_, err := con.h.Message(ctx, body, nil)
		var je *janus.Error
		if !errors.As(err, &je) || je.Code != 403 {
			t.Fatalf("%v: %v, want the proxy's 403", body, err)
		}
		if strings.Contains(je.Reason, r.acct.Password) || strings.Contains(je.Reason, deskAccount) {
			t.Fatalf("a refusal names the account: %s", je.Reason)
		}
	}

	acceptedEv := con.wait(t, "accepted", 15*time.Second)
	if err := con.peer.SetAnswer(acceptedEv.jsep); err != nil {
		t.Fatal(err)
	}
	pc, err := r.phone.WaitCall(ctx, start, func(c siptest.Call) bool { return !c.EstablishedAt.IsZero() })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("host accept → phone INVITE %s, → answered %s", pc.IncomingAt.Sub(start).Round(time.Millisecond), pc.EstablishedAt.Sub(start).Round(time.Millisecond))
	if strings.Contains(pc.Peer, "mallory") || !strings.Contains(pc.Peer, deskAccount) {
		t.Fatalf("the phone was called from %q, want the desk's account", pc.Peer)
	}
	en := r.entryState(t, id, queue.EntryInCall)
	if en.Callback.Attempts != 1 || en.StartedAt.IsZero() {
		t.Fatalf("in-call callback %+v started %s", en.Callback, en.StartedAt)
	}
	var heard siptest.Audio
	if !janustest.WaitFor(10*time.Second, func() bool {
		cs := r.phone.Calls()
		heard, _ = r.phone.Received(cs[len(cs)-1])
		return con.peer.LoudPackets.Load() >= 25 && heard.Packets >= 25
	}) {
		t.Fatalf("audio did not flow both ways: console got %d tone packets, phone %+v", con.peer.LoudPackets.Load(), heard)
	}
	t.Logf("audio: console received %d RTP packets (%d with the phone's tone); phone received %+v",
		con.peer.Packets.Load(), con.peer.LoudPackets.Load(), heard)
	if calls := r.ringer.Calls(); len(calls) != 0 {
		t.Fatalf("the refused call reached the other phone: %+v", calls)
	}

	if err := r.phone.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	en = r.entryState(t, id, queue.EntryCompleted)
	if last := en.History[len(en.History)-1]; last.Reason != "phone_hangup" {
		t.Fatalf("completed with %v", last)
	}
	c, err := r.a.Engine().Store().GetCall(ctx, acc.Call.ID)
	if err != nil || c.Phone.State != queue.PhoneEnded || c.Phone.Code != 200 {
		t.Fatalf("phone leg %+v, %v", c.Phone, err)
	}
	// The SIP password reached no log line and nothing the console got;
	// the account's name neither (the proxy hides it).
	if log := r.log.String(); strings.Contains(log, r.acct.Password) || !strings.Contains(log, "queue: phone") {
		t.Fatalf("the SIP password is in Frontdesk's log, or the log is not the app's (%d bytes)", len(log))
	}
	con.mu.Lock()
	seen := slices.Clone(con.seen)
	con.mu.Unlock()
	for _, raw := range seen {
		if strings.Contains(string(raw), r.acct.Password) || strings.Contains(string(raw), deskAccount) {
			t.Fatalf("the console got the account: %s", raw)
		}
	}
	if len(seen) < 4 {
		t.Fatalf("the console saw only %d events", len(seen))
	}
	// The leg's token is gone from Janus.
	toks, err := r.janus.Admin().ListTokens(ctx)
	if err != nil || slices.ContainsFunc(toks, func(tk admin.StoredToken) bool { return tk.Token == acc.Call.Phone.Token }) {
		t.Fatalf("the ended leg's token is still on Janus (%v)", err)
	}
}

// TestCallbackBusyAndNoAnswer: a busy line is retried as the queue says
// and ends busy; a phone that never answers ends no_answer; both count in
// the queue's callback statistics and nowhere else.
func TestCallbackBusyAndNoAnswer(t *testing.T) {
	r := newPhoneRig(t, queue.PhoneSettings{Callback: true, Allow: []string{"+1555*"}, Retries: 1, RetryDelay: time.Second})
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	eng := r.a.Engine()

	busy := r.callback(t, "guest:busy", siptest.BusyNumber)
	for attempt := 1; attempt <= 2; attempt++ {
		acc := r.take(t)
		if acc.Entry.ID != busy {
			t.Fatalf("attempt %d took %s", attempt, acc.Entry.ID)
		}
		con := r.dial(ctx, t, acc.HostTicket)
		if hu := con.wait(t, "hangup", 10*time.Second); hu.code != 486 {
			t.Fatalf("attempt %d ended %d, want 486", attempt, hu.code)
		}
		con.close()
		if attempt == 1 {
			en := r.entryState(t, busy, queue.EntryWaiting)
			if !en.Paused || en.Callback.LastResult != "busy" || en.Callback.LastCode != 486 {
				t.Fatalf("after a busy attempt: paused %v %+v", en.Paused, en.Callback)
			}
			time.Sleep(1100 * time.Millisecond) // the retry delay
			if err := eng.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if en := r.entryState(t, busy, queue.EntryBusy); en.Callback.Attempts != 2 {
		t.Fatalf("busy entry %+v", en.Callback)
	}

	r2 := r.callback(t, "guest:ring", ringingNumber)
	if _, err := eng.SetAvailability(ctx, "host-1", queue.HostAvailable); err != nil {
		t.Fatal(err)
	}
	// No retries, and a ring timeout shorter than the registrar's: the
	// queue's own timer ends the attempt and the proxy hangs the phone up.
	q, _ := eng.GetQueue(ctx, string(r.q.ID))
	q.Phone.Retries, q.Phone.RingTimeout = 0, time.Second
	if _, err := eng.UpdateQueue(ctx, q); err != nil {
		t.Fatal(err)
	}
	acc := r.take(t)
	if acc.Entry.ID != r2 {
		t.Fatalf("took %s, want the ringing caller", acc.Entry.ID)
	}
	dialled := time.Now()
	con := r.dial(ctx, t, acc.HostTicket)
	con.wait(t, "ringing", 10*time.Second)
	time.Sleep(1100 * time.Millisecond)
	if err := eng.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	en := r.entryState(t, r2, queue.EntryNoAnswer)
	if en.Callback.LastCode != 0 || en.Callback.LastResult != "no_answer" {
		t.Fatalf("no-answer entry %+v", en.Callback)
	}
	closed, err := r.ringer.WaitCall(ctx, dialled, func(c siptest.Call) bool { return c.ClosedBy != siptest.SideNone })
	if err != nil || closed.ClosedBy != siptest.SideRemote || closed.ClosedAt.Sub(dialled) > 1900*time.Millisecond {
		t.Fatalf("the ringing phone's call %+v (%v): want it cancelled by Frontdesk before the registrar's 2 s timeout", closed, err)
	}
	st, err := eng.Stats(ctx, r.q.ID, time.Now().Add(-time.Hour), time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if cb := st.Callbacks; cb.Requested != 2 || cb.Busy != 1 || cb.NoAnswer != 1 || cb.Attempts != 3 || st.Joined != 0 || st.Abandoned != 0 {
		t.Fatalf("stats: callbacks %+v, joined %d abandoned %d", cb, st.Joined, st.Abandoned)
	}
}

// BenchmarkTimeToRing measures, with real parts, the time from the host's
// accept (Next) until the phone receives the INVITE: the phone ticket,
// the console's WebSocket through the proxy, the SIP plugin's register at
// the registrar and the call. Reports p50-ms and max-ms.
func BenchmarkTimeToRing(b *testing.B) {
	r := newPhoneRig(b, queue.PhoneSettings{Callback: true, Allow: []string{"+1555*"}})
	ctx := b.Context()
	var ms []float64
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		id := r.callback(b, fmt.Sprintf("guest:b%d", i), answeringNumber)
		if _, err := r.a.Engine().SetAvailability(ctx, "host-1", queue.HostAvailable); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		acc, err := r.a.Engine().Next(ctx, "host-1", r.q.ID)
		if err != nil {
			b.Fatal(err)
		}
		con := r.dial(ctx, b, acc.HostTicket)
		pc, err := r.phone.WaitCall(ctx, start, func(c siptest.Call) bool { return !c.IncomingAt.IsZero() })
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		ms = append(ms, float64(pc.IncomingAt.Sub(start).Microseconds())/1000)
		acceptedEv := con.wait(b, "accepted", 10*time.Second)
		_ = con.peer.SetAnswer(acceptedEv.jsep)
		r.entryState(b, id, queue.EntryInCall)
		if err := r.phone.Hangup(ctx); err != nil {
			b.Fatal(err)
		}
		r.entryState(b, id, queue.EntryCompleted)
		con.close()
		if _, err := r.a.Engine().SetAvailability(ctx, "host-1", queue.HostAvailable); err != nil && !errors.Is(err, queue.ErrState) {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	slices.Sort(ms)
	b.ReportMetric(ms[len(ms)/2], "p50-ms")
	b.ReportMetric(ms[len(ms)-1], "max-ms")
}
