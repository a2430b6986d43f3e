package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/config"
	"github.com/frontdesk/frontdesk/janus/janustest"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
	"github.com/frontdesk/frontdesk/sip/siptest"
)

// The caller's number in the callback tests: a baresip phone that
// answers at once (written as people type it on the page).
const (
	callbackNumber  = "+15550102030"
	callbackTyped   = "+1 555 010 2030"
	callbackAccount = "frontdesk-desk"
)

// phoneApp is a Frontdesk whose only Janus runs the SIP plugin, with a
// kamailio registrar holding the desk's SIP account and an answering
// baresip phone (see app/phone_test.go, newPhoneRig), and an automatic
// queue offering callbacks to +1555 numbers, retried once after a second.
type phoneApp struct {
	a     *app.App
	base  string
	phone *siptest.Phone
	q     queue.Queue
}

func startPhoneApp(t *testing.T) *phoneApp {
	t.Helper()
	needChromium(t)
	siptest.Require(t)
	events := &apptest.JanusEvents{}
	inst := janustest.Start(t, janustest.Options{ServerName: "janus-sip-webui", EventHandler: events, SIP: true})
	reg := siptest.StartRegistrar(t, siptest.RegistrarOptions{Users: []string{callbackAccount, callbackNumber}})
	acct := reg.Account(callbackAccount)
	p := &phoneApp{phone: siptest.StartPhone(t, reg, siptest.PhoneOptions{User: callbackNumber})}
	var addr string
	p.a, addr = apptest.Start(t, apptest.WithJanus(inst), func(c *config.Config) {
		c.Janus.Instances[0].SIP = true
		c.Phone.Accounts = []config.SIPAccount{{Queues: []string{"*"}, Username: acct.URI(), Secret: config.Secret(acct.Password),
			DisplayName: "Help desk", Proxy: reg.ProxyURI()}}
	})
	events.To(addr)
	p.base = "http://" + addr
	ctx := t.Context()
	q, err := p.a.Engine().CreateQueue(ctx, queue.Queue{Slug: "callbacks", Name: "Phone desk", Mode: queue.ModeAuto,
		Hours: hours.AlwaysOpen(), Media: queue.MediaJanus,
		Phone: queue.PhoneSettings{Callback: true, Allow: []string{"+1555*"}, Retries: 1, RetryDelay: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	p.q = q
	u, err := p.a.Auth().AddUser(ctx, "phoner@example.com", "Pat Phoner", "host-password-1", auth.RoleHost)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.a.Engine().PutHost(ctx, queue.HostID(u.ID), "Pat Phoner", []queue.QueueID{q.ID}); err != nil {
		t.Fatal(err)
	}
	return p
}

// tabs opens the host's and the caller's tabs in one browser.
func (p *phoneApp) tabs(t *testing.T) (host, caller *tab) {
	t.Helper()
	dir := artifacts(t)
	b := browser(t)
	return newTab(t, b, "host", p.base, dir), newTab(t, b, "caller", p.base, dir)
}

// openDesk opens the phone desk's caller page as the guest name, up to
// the join form.
func (tb *tab) openDesk(p *phoneApp, name string) {
	tb.t.Helper()
	tb.do("open the desk", 20*time.Second,
		chromedp.Navigate(p.base+"/q/callbacks"),
		chromedp.WaitVisible(chromedp.ID("name-form")),
		chromedp.SendKeys(chromedp.ID("guest-name"), name),
		chromedp.Click(chromedp.CSS(`#name-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("join-form")),
	)
}

// askCallback fills the caller's join form with number (as typed) and
// the callback box, and sends it.
func (tb *tab) askCallback(number string) {
	tb.t.Helper()
	tb.do("the phone field", 10*time.Second, chromedp.WaitVisible(chromedp.ID("phone")))
	var cleared string
	tb.eval(`document.getElementById('phone').value = ''`, &cleared)
	tb.do("ask for a callback", 10*time.Second,
		chromedp.SendKeys(chromedp.ID("phone"), number),
		chromedp.Click(chromedp.ID("btn-join")),
	)
}

// callerEntry is the entry of the caller page's visitor in the queue.
func (p *phoneApp) callerEntry(t *testing.T, caller *tab) queue.EntryID {
	t.Helper()
	var id string
	caller.eval(fmt.Sprintf(`(async () => ((await (await fetch('/api/v1/entries')).json()) || []).filter((e) => e.queue_id === %q).map((e) => e.id)[0] || '')()`, p.q.ID), &id)
	if id == "" {
		t.Fatal("the caller has no entry")
	}
	return queue.EntryID(id)
}

// entryState waits until the entry is in want.
func (p *phoneApp) entryState(t *testing.T, id queue.EntryID, want queue.EntryState) queue.Entry {
	t.Helper()
	var en queue.Entry
	if !waitFor(15*time.Second, func() bool {
		var err error
		en, err = p.a.Engine().GetEntry(t.Context(), id)
		return err == nil && en.State == want
	}) {
		t.Fatalf("entry %s is %s, want %s; history %v", id, en.State, want, en.History)
	}
	return en
}

// phoneStats is what the host page reports of its phone call.
type phoneStats struct {
	State  string `json:"state"`
	Code   int    `json:"code"`
	Audio  int    `json:"audio"`
	Bytes  int    `json:"bytes"`
	Played bool   `json:"played"`
}

const phoneStatsExpr = `(async () => {
  const p = window.frontdesk && window.frontdesk.phone;
  if (!p) return {state: '', code: 0, audio: 0, bytes: 0, played: false};
  const s = await p.inboundStats();
  const a = document.getElementById('phone-audio');
  return {state: p.state, code: p.code, audio: s.audio, bytes: s.bytes, played: !!a.srcObject && !a.paused};
})()`

// acceptPhoneOffer accepts the offer of a callback on the host console.
func (tb *tab) acceptPhoneOffer() {
	tb.t.Helper()
	tb.poll("the callback's offer", 15*time.Second, `!document.getElementById('offer').hidden &&
	  document.getElementById('offer-intake').textContent.includes('Call back at +1 555')`)
	tb.do("accept", 10*time.Second, chromedp.Click(chromedp.ID("btn-accept")))
}

// TestCallbackInBrowsers: a guest asks to be called back; the host's
// console accepts and its phone panel dials the number through the Janus
// SIP plugin (kamailio, baresip); audio flows both ways; the phone's
// hang-up completes the entry. A second callback ends with the console's
// Hang up. A third, to a busy line, is retried once and ends busy, which
// the caller's page says in words.
func TestCallbackInBrowsers(t *testing.T) {
	p := startPhoneApp(t)
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()
	host, caller := p.tabs(t)
	caller.openDesk(p, "Cal Caller")
	caller.poll("the callback offer on the form", 5*time.Second, `!document.getElementById('phone-box').hidden &&
	  !document.getElementById('callback-row').hidden && document.getElementById('phone').type === 'tel' &&
	  document.getElementById('phone').autocomplete === 'tel' && document.getElementById('phone-hint').textContent.includes('+1 555 010 2030')`)
	caller.do("tick call me back", 5*time.Second, chromedp.Click(chromedp.ID("callback")))
	caller.poll("the number required and the camera check gone", 5*time.Second, `document.getElementById('phone').required &&
	  document.getElementById('camera-check').hidden`)
	// A number the queue does not allow: the server's refusal at the field, with the focus.
	caller.askCallback("+44 20 7946 0000")
	caller.poll("the refusal at the phone field", 10*time.Second, `document.activeElement.id === 'phone' &&
	  document.getElementById('phone').getAttribute('aria-invalid') === 'true' &&
	  (document.getElementById('phone-error') || {}).textContent.length > 10`)
	caller.shot("callback-refused")
	caller.askCallback(callbackTyped)
	caller.poll("the callback status", 10*time.Second, `(() => { const n = document.getElementById('callback-notice');
	  return !n.hidden && n.textContent === 'We will call you at +1 555 010 2030 when it is your turn. You can close this page.' &&
	    document.getElementById('position').textContent === '1'; })()`)
	caller.shot("callback-waiting")
	id := p.callerEntry(t, caller)
	if en, err := p.a.Engine().GetEntry(ctx, id); err != nil || en.Phone != callbackNumber || en.Callback == nil {
		t.Fatalf("the callback entry %+v, %v", en, err)
	}

	// The host accepts; the phone rings and answers; audio both ways.
	host.hostAvailable(p.base, "phoner@example.com")
	start := time.Now()
	host.acceptPhoneOffer()
	host.poll("connected", 20*time.Second, `document.getElementById('phone-state').textContent === 'Connected' &&
	  !document.getElementById('phone-panel').hidden`)
	pc, err := p.phone.WaitCall(ctx, start, func(c siptest.Call) bool { return !c.EstablishedAt.IsZero() })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("accept → phone INVITE %s, → answered %s", pc.IncomingAt.Sub(start).Round(time.Millisecond), pc.EstablishedAt.Sub(start).Round(time.Millisecond))
	p.entryState(t, id, queue.EntryInCall)
	caller.poll("on the phone", 10*time.Second, `document.getElementById('callback-notice').textContent.startsWith('You are on the phone with a host')`)
	var st phoneStats
	var heard siptest.Audio
	if !waitFor(15*time.Second, func() bool {
		host.eval(phoneStatsExpr, &st)
		heard, _ = p.phone.Received(pc)
		return st.Audio >= 50 && heard.Packets >= 50
	}) {
		t.Fatalf("audio did not flow both ways: the host page received %+v, the phone %+v", st, heard)
	}
	first := heard
	time.Sleep(time.Second)
	host.eval(phoneStatsExpr, &st)
	heard, _ = p.phone.Received(pc)
	t.Logf("audio: host page received %d RTP packets (%d bytes), playing %v; phone received %+v", st.Audio, st.Bytes, st.Played, heard)
	if heard.Packets <= first.Packets || heard.RMS < 100 {
		t.Errorf("the phone's received audio did not grow or is silence: %+v then %+v", first, heard)
	}
	if !st.Played {
		t.Errorf("the host page does not play the phone's audio: %+v", st)
	}
	host.poll("the timer", 5*time.Second, `/^0:0[1-9]/.test(document.getElementById('phone-timer').textContent)`)
	host.shot("phone-connected")
	host.shotOf("phone-panel-connected", "#phone-panel")

	// The phone hangs up: the entry completes by itself.
	if err := p.phone.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	p.entryState(t, id, queue.EntryCompleted)
	host.poll("call ended", 10*time.Second, `document.getElementById('phone-state').textContent === 'Call ended' &&
	  document.getElementById('phone-code').textContent.startsWith('SIP 200') && !document.getElementById('btn-phone-close').hidden &&
	  !document.getElementById('btn-phone-close').disabled && document.getElementById('btn-phone-hangup').hidden`)
	caller.poll("the end in words", 10*time.Second, `!document.querySelector('[data-screen=thanks]').hidden &&
	  document.getElementById('thanks-text').textContent.startsWith('Your phone call has ended')`)
	host.shot("phone-ended")
	host.do("close the panel", 5*time.Second, chromedp.Click(chromedp.ID("btn-phone-close")))

	// A second callback, ended with the console's Hang up.
	caller.do("join again", 10*time.Second, chromedp.Click(chromedp.ID("btn-again")), chromedp.WaitVisible(chromedp.ID("join-form")))
	caller.do("tick call me back", 5*time.Second, chromedp.Click(chromedp.ID("callback")))
	caller.askCallback(callbackTyped)
	host.acceptPhoneOffer()
	host.poll("connected again", 20*time.Second, `document.getElementById('phone-state').textContent === 'Connected'`)
	id2 := p.callerEntry(t, caller)
	p.entryState(t, id2, queue.EntryInCall)
	host.do("hang up", 5*time.Second, chromedp.Click(chromedp.ID("btn-phone-hangup")))
	p.entryState(t, id2, queue.EntryCompleted)
	host.poll("call ended", 10*time.Second, `document.getElementById('phone-state').textContent === 'Call ended' && !document.getElementById('btn-phone-close').disabled`)
	caller.poll("the end in words", 10*time.Second, `document.getElementById('thanks-text').textContent.startsWith('Your phone call has ended')`)
	var errs string
	host.eval(`document.getElementById('status').dataset.kind === 'error' ? document.getElementById('status').textContent : ''`, &errs)
	if errs != "" {
		t.Errorf("the host page shows an error after hanging up: %q", errs)
	}
	host.do("close the panel", 5*time.Second, chromedp.Click(chromedp.ID("btn-phone-close")))

	// A busy line: retried once, then busy for good.
	caller.do("join again", 10*time.Second, chromedp.Click(chromedp.ID("btn-again")), chromedp.WaitVisible(chromedp.ID("join-form")))
	caller.do("tick call me back", 5*time.Second, chromedp.Click(chromedp.ID("callback")))
	caller.askCallback(siptest.BusyNumber)
	host.acceptPhoneOffer()
	host.poll("busy", 15*time.Second, `document.getElementById('phone-state').textContent === 'Busy' &&
	  document.getElementById('phone-code').textContent.startsWith('SIP 486')`)
	id3 := p.callerEntry(t, caller)
	en := p.entryState(t, id3, queue.EntryWaiting)
	if en.Callback.LastResult != "busy" || !en.Paused {
		t.Fatalf("after the busy attempt %+v paused %v", en.Callback, en.Paused)
	}
	caller.poll("the busy attempt and the retry", 10*time.Second, `(() => { const a = document.getElementById('callback-attempt');
	  return !a.hidden && a.textContent.includes('the line was busy (code 486)') && a.textContent.includes('We will try again at'); })()`)
	caller.poll("the position kept, not connecting", 5*time.Second, `document.getElementById('position').textContent === '1'`)
	caller.shot("callback-busy-retry")
	host.poll("the line free", 10*time.Second, `!document.getElementById('btn-phone-close').disabled`)
	host.shotOf("phone-panel-busy", "#phone-panel")
	time.Sleep(time.Until(en.Callback.RetryAt) + 50*time.Millisecond)
	if err := p.a.Engine().Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	host.acceptPhoneOffer()
	p.entryState(t, id3, queue.EntryBusy)
	host.poll("busy again", 15*time.Second, `document.getElementById('phone-state').textContent === 'Busy'`)
	caller.poll("busy in words", 10*time.Second, `!document.querySelector('[data-screen=thanks]').hidden &&
	  document.getElementById('thanks-title').textContent === 'We could not reach you' &&
	  document.getElementById('thanks-text').textContent.includes('the line was busy') && document.getElementById('thanks-text').textContent.includes('2 times')`)
	caller.shot("callback-busy-final")
	if calls := p.phone.Calls(); len(calls) != 2 {
		t.Errorf("the phone got %d calls, want 2", len(calls))
	}
	var text string
	host.eval(`document.body.innerText`, &text)
	if strings.Contains(text, callbackAccount) {
		t.Errorf("the host page names the SIP account")
	}
}

// TestCallByPhoneBesideVideo: in a video call on Janus, the caller gave a
// number; the host's "Call by phone" places a phone call to it beside
// the video (the phone rings, answers, audio reaches the host's page),
// the phone's hang-up ends only the phone call, and the entry stays in
// its video call.
func TestCallByPhoneBesideVideo(t *testing.T) {
	p := startPhoneApp(t)
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()
	host, caller := p.tabs(t)
	caller.openDesk(p, "Vic Video")
	caller.do("join with a number", 20*time.Second,
		chromedp.WaitVisible(chromedp.ID("phone")),
		chromedp.SendKeys(chromedp.ID("phone"), callbackTyped),
		chromedp.Click(chromedp.ID("btn-join")),
	)
	caller.poll("waiting", 10*time.Second, `document.getElementById('position').textContent === '1'`)
	id := p.callerEntry(t, caller)
	if en, err := p.a.Engine().GetEntry(ctx, id); err != nil || en.Phone != callbackNumber || en.Callback != nil {
		t.Fatalf("the video entry %+v, %v", en, err)
	}
	host.hostAvailable(p.base, "phoner@example.com")
	host.acceptOffer()
	checkPlaying(t, host, caller)
	p.entryState(t, id, queue.EntryInCall)

	start := time.Now()
	host.poll("the Call by phone button", 10*time.Second, `!document.getElementById('btn-phone-call').hidden`)
	host.do("call by phone", 10*time.Second, chromedp.Click(chromedp.ID("btn-phone-call")))
	host.poll("connected", 20*time.Second, `document.getElementById('phone-state').textContent === 'Connected'`)
	pc, err := p.phone.WaitCall(ctx, start, func(c siptest.Call) bool { return !c.EstablishedAt.IsZero() })
	if err != nil {
		t.Fatal(err)
	}
	var st phoneStats
	if !waitFor(15*time.Second, func() bool {
		host.eval(phoneStatsExpr, &st)
		return st.Audio >= 50
	}) {
		t.Fatalf("the host's page received %+v from the phone", st)
	}
	if heard, _ := p.phone.Received(pc); heard.Packets < 25 {
		t.Fatalf("the phone received %+v from the host's page", heard)
	}
	host.shot("video-and-phone")
	if err := p.phone.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	host.poll("the phone call ended", 15*time.Second, `document.getElementById('phone-state').textContent === 'Call ended'`)
	checkPlaying(t, host, caller) // the video call goes on
	if en := p.entryState(t, id, queue.EntryInCall); en.Callback != nil {
		t.Fatalf("entry %+v", en)
	}
	c, err := p.a.Engine().Store().GetCall(ctx, mustCallID(t, p, id))
	if err != nil || c.Phone == nil || c.Phone.State != queue.PhoneEnded || c.Phone.Code != 200 || c.Room.ID == 0 {
		t.Fatalf("call %+v, %v", c, err)
	}
}

func mustCallID(t *testing.T, p *phoneApp, id queue.EntryID) queue.CallID {
	t.Helper()
	en, err := p.a.Engine().GetEntry(t.Context(), id)
	if err != nil || en.CallID == "" {
		t.Fatalf("entry %+v, %v", en, err)
	}
	return en.CallID
}
