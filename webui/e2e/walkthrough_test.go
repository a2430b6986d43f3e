package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/queue"
)

// walkZone is the admin browser's time zone in the walkthrough: the new
// queue must be in it.
const walkZone = "Europe/Berlin"

// TestWalkthrough follows the README's "Your first ten minutes" on the
// built-in SFU through the pages only, as a person would: fields by their
// label, buttons by their text, no REST calls. With
// FRONTDESK_UPDATE_SCREENSHOTS=1 its screenshots go to
// docs/screenshots/walkthrough (the README's pictures).
func TestWalkthrough(t *testing.T) {
	a, addr := startApp(t)
	dir := ""
	if os.Getenv("FRONTDESK_UPDATE_SCREENSHOTS") == "1" {
		dir = filepath.Join("..", "..", "docs", "screenshots", "walkthrough")
		_ = os.RemoveAll(dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		// The README's pictures are numbered from 01 in every run.
		shotSeq.Lock()
		shotSeq.n = 0
		shotSeq.Unlock()
	}
	runWalkthrough(t, a, addr, queue.MediaBuiltin, dir)
}

// TestWalkthroughOnJanus is the same walkthrough with the queue's media on
// a real Janus.
func TestWalkthroughOnJanus(t *testing.T) {
	a, addr := startJanusApp(t)
	runWalkthrough(t, a, addr, queue.MediaJanus, "")
}

// labelled returns a JS expression for the visible form control whose
// label starts with text (within the element matching scope, a CSS
// selector, when scope is not empty).
func labelled(scope, text string) string {
	return fmt.Sprintf(`(() => { const root = %q ? document.querySelector(%q) : document; if (!root) return null;
	  const l = [...root.querySelectorAll('label')].find((l) => l.getClientRects().length && l.textContent.trim().startsWith(%q));
	  return l ? (l.control || document.getElementById(l.htmlFor)) : null; })()`, scope, scope, text)
}

// button returns a JS expression for the visible, enabled button or link
// whose text is text.
func button(text string) string {
	return fmt.Sprintf(`[...document.querySelectorAll('button, a')].find((b) => b.getClientRects().length && !b.disabled &&
	  b.textContent.trim() === %q) || null`, text)
}

// pick waits until the JS expression expr gives an element and returns a
// CSS selector for it (a data attribute set on it).
func (tb *tab) pick(what, expr string) chromedp.CSS {
	tb.t.Helper()
	pickSeq.Lock()
	pickSeq.n++
	n := pickSeq.n
	pickSeq.Unlock()
	js := fmt.Sprintf(`(() => { const e = %s; if (!e) return false; e.dataset.e2e = '%d'; return true; })()`, expr, n)
	// A navigation (a form that moves on to the next page) interrupts an
	// evaluation: try again until the deadline.
	var last error
	if !waitFor(15*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
		defer cancel()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		last = err
		return err == nil && ok
	}) {
		tb.t.Fatalf("%s: waiting for %s: %v", tb.name, what, last)
	}
	return chromedp.CSS(fmt.Sprintf(`[data-e2e="%d"]`, n))
}

var pickSeq struct {
	sync.Mutex
	n int
}

// fill types value into the field labelled label.
func (tb *tab) fill(label, value string) {
	tb.t.Helper()
	sel := tb.pick("field "+label, labelled("", label))
	var ok bool
	tb.eval(fmt.Sprintf(`(() => { document.querySelector(%q).value = ''; return true; })()`, string(sel)), &ok)
	tb.do("fill "+label, 10*time.Second, chromedp.SendKeys(sel, value))
}

// choose selects the option with value in the list labelled label, as
// picking it with the mouse would (a change event).
func (tb *tab) choose(label, value string) {
	tb.t.Helper()
	sel := tb.pick("list "+label, labelled("", label))
	var ok bool
	tb.eval(fmt.Sprintf(`(() => { const s = document.querySelector(%q); s.value = %q; s.dispatchEvent(new Event('change', {bubbles: true}));
	  return s.value === %q; })()`, string(sel), value, value), &ok)
	if !ok {
		tb.t.Fatalf("%s: %s has no option %q", tb.name, label, value)
	}
}

// press clicks the button with the text text.
func (tb *tab) press(text string) {
	tb.t.Helper()
	tb.do("press "+text, 10*time.Second, chromedp.Click(tb.pick("button "+text, button(text))))
}

// fitsExpr measures the page: sideways overflow, and whether the call
// controls (when shown) are inside the viewport.
const fitsExpr = `(() => { const d = document.documentElement;
  const hang = document.getElementById('btn-hangup');
  const inCall = !!hang && hang.getClientRects().length > 0;
  const r = inCall ? hang.getBoundingClientRect() : null;
  const mute = document.getElementById('btn-mute');
  const m = inCall ? mute.getBoundingClientRect() : null;
  return {wide: d.scrollWidth > d.clientWidth, w: d.scrollWidth, vw: d.clientWidth, inCall,
    controls: !inCall || (r.top >= 0 && r.bottom <= innerHeight && r.right <= d.clientWidth && m.top >= 0 && m.bottom <= innerHeight)}; })()`

type fit struct {
	Wide     bool `json:"wide"`
	W        int  `json:"w"`
	VW       int  `json:"vw"`
	InCall   bool `json:"inCall"`
	Controls bool `json:"controls"`
}

// fits checks the page at 390×844 and 1280×800 CSS px (the walkthrough's
// own size, where it stays): nothing scrolls sideways and, during a call
// (inCall), Mute and Hang up are on screen without scrolling.
func (tb *tab) fits(step string, inCall bool) {
	tb.t.Helper()
	for _, vp := range [][2]int64{{390, 844}, {1280, 800}} {
		tb.do("viewport", 5*time.Second, chromedp.EmulateViewport(vp[0], vp[1]))
		var f fit
		ok := waitFor(2*time.Second, func() bool {
			tb.eval(fitsExpr, &f)
			return !f.Wide && f.Controls && f.InCall == inCall
		})
		if !ok {
			tb.shot(fmt.Sprintf("%s-%dx%d", step, vp[0], vp[1]))
			tb.t.Errorf("%s: %s at %d×%d: page %d px wide in %d px, in a call %v (want %v), call controls in view %v",
				tb.name, step, vp[0], vp[1], f.W, f.VW, f.InCall, inCall, f.Controls)
		}
	}
}

// noInternals fails when a message on the page reads like a program's
// error (a package prefix such as "queue:" or "bolt:").
func (tb *tab) noInternals(step string) {
	tb.t.Helper()
	var msgs []string
	tb.eval(`[...document.querySelectorAll('[role=status], [role=alert], .form-msg, .field-error, .error')].map((e) => e.textContent.trim()).filter(Boolean)`, &msgs)
	for _, m := range msgs {
		if internalMessage.MatchString(m) {
			tb.t.Errorf("%s: %s: a message for programmers: %q", tb.name, step, m)
		}
	}
}

// runWalkthrough is TestWalkthrough on media; dir, when set, receives the
// screenshots instead of the test's artifacts directory.
func runWalkthrough(t *testing.T, a *app.App, addr string, media queue.MediaEngine, dir string) {
	base := "http://" + addr
	if dir == "" {
		dir = artifacts(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	b := browser(t)
	admin := newTab(t, b, "admin", base, dir)
	host := newTab(t, b, "host", base, dir)
	caller := newTab(t, b, "caller", base, dir)
	for _, tb := range []*tab{admin, host, caller} {
		tb.do("window size", 5*time.Second, chromedp.EmulateViewport(1280, 800))
	}
	admin.do("browser zone", 5*time.Second, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: walkZone})
		return err
	}))

	// 1. The first admin, on the setup page with the code from the log.
	admin.do("open /setup", 15*time.Second, chromedp.Navigate(base+"/setup"))
	admin.fill("Setup code", a.Setup().Code())
	admin.fill("Your name", "Ada Admin")
	admin.fill("Email", "admin@example.com")
	admin.fill("Password", "admin-password-1")
	admin.fits("setup", false)
	admin.shot("setup")
	admin.press("Create admin")
	admin.pick("the queue form", labelled("#queue-form", "Name"))
	admin.noInternals("after setup")

	// 2. Queues: name, address, mode, media; always open in the browser's
	// zone; one intake question. A taken address is said in words.
	admin.fill("Name", "Help desk")
	admin.fill("Address", "desk")
	admin.choose("Media engine", media.String())
	admin.press("Add question")
	admin.fill("Question", "What do you need help with?")
	var form struct {
		Always  bool   `json:"always"`
		Zone    string `json:"zone"`
		Preview string `json:"preview"`
		Wrap    string `json:"wrap"`
	}
	admin.eval(fmt.Sprintf(`({always: %s.checked, zone: %s.value, preview: document.getElementById('q-preview').textContent,
	  wrap: %s.value})`, labelled("", "Always open"), labelled("", "Time zone"), labelled("", "Wrap-up time")), &form)
	if !form.Always || form.Zone != walkZone || !strings.Contains(form.Preview, "Open now") || form.Wrap != "30" {
		t.Errorf("a new queue: %+v, want always open in %s, previewed as open now, wrap-up 30 s", form, walkZone)
	}
	admin.fits("queue-form", false)
	admin.shot("queue-form")
	admin.press("Save queue")
	admin.poll("the new queue in the list", 10*time.Second, `document.querySelector('#queue-table tbody').textContent.includes('/q/desk')`)
	admin.noInternals("queue saved")
	admin.press("Clear form")
	admin.fill("Name", "Second desk")
	admin.fill("Address", "desk")
	admin.press("Save queue")
	admin.poll("the taken address said", 10*time.Second, `/taken/i.test(document.getElementById('queue-form').textContent)`)
	admin.noInternals("taken address")
	admin.shot("queue-address-taken")
	q, err := a.Engine().GetQueue(ctx, "desk")
	if err != nil {
		t.Fatal(err)
	}
	if q.Hours.Zone != walkZone || q.Media != media || q.Timeouts.WrapUp != 30*time.Second || len(q.Intake) != 1 {
		t.Fatalf("the queue made in the form: zone %q, media %v, wrap-up %v, intake %+v", q.Hours.Zone, q.Media, q.Timeouts.WrapUp, q.Intake)
	}

	// 3. Users: a host, with the queue ticked next to them.
	admin.press("Users")
	admin.fill("Display name", "Hana Host")
	admin.fill("Email", "host@example.com")
	admin.fill("Password", "host-password-1")
	admin.choose("Role", "host")
	admin.press("Create user")
	box := admin.pick("the host's queue box", fmt.Sprintf(`(() => { const tr = [...document.querySelectorAll('#user-table tr')].find((r) => r.textContent.includes('host@example.com'));
	  if (!tr) return null; const l = [...tr.querySelectorAll('label')].find((l) => l.textContent.trim() === %q); return l ? l.control : null; })()`, "Help desk"))
	admin.do("tick the queue", 5*time.Second, chromedp.Click(box))
	admin.poll("the host serves the queue", 10*time.Second, fmt.Sprintf(`document.querySelector(%q).checked`, string(box)))
	if !waitFor(5*time.Second, func() bool {
		hs, err := a.Engine().ListHosts(ctx, q.ID)
		return err == nil && len(hs) == 1 && len(hs[0].Queues) == 1 && hs[0].Queues[0] == q.ID
	}) {
		t.Fatal("ticking the queue next to the host did not make them its host")
	}
	admin.noInternals("users")
	admin.fits("users", false)
	admin.shot("users")

	// 4. The host signs in, sees the queue ticked and goes available.
	host.do("open /host", 15*time.Second, chromedp.Navigate(base+"/host"))
	host.fill("Email", "host@example.com")
	host.fill("Password", "host-password-1")
	host.press("Sign in")
	host.poll("the queue ticked", 15*time.Second, labelled("#serving", "Help desk")+`?.checked === true`)
	host.press("Go available")
	host.poll("available", 10*time.Second, `document.getElementById('host-state').textContent === 'Available'`)
	host.fits("console", false)
	host.shot("available")

	// 5. The caller: the desk and that it is open come first, then the
	// name, the camera check, the intake answer and Join.
	caller.do("a mistyped address", 15*time.Second, chromedp.Navigate(base+"/q/dsek"))
	caller.poll("No such desk", 10*time.Second, `!document.querySelector('[data-screen=nodesk]').hidden &&
	  document.querySelector('[data-screen=nodesk] h2').textContent === 'No such desk' && !/bolt|queue:|wrong/i.test(document.body.innerText)`)
	caller.shot("no-such-desk")
	caller.do("open /q/desk", 15*time.Second, chromedp.Navigate(base+"/q/desk"))
	caller.pick("the name field", labelled("", "Your name"))
	var first struct {
		Heading string `json:"h"`
		Open    string `json:"open"`
	}
	caller.eval(`({h: document.getElementById('queue-name').textContent, open: document.getElementById('name-open').hidden ? '' : document.getElementById('name-open').textContent})`, &first)
	if first.Heading != "Help desk" || first.Open != "Open now" {
		t.Errorf("before the caller's name the page shows %+v, want the desk's name and Open now", first)
	}
	caller.fits("name", false)
	caller.shot("name")
	caller.fill("Your name", "Carla Caller")
	caller.press("Continue")
	caller.press("Check camera and microphone")
	caller.poll("the check", 10*time.Second, `document.getElementById('check-result').textContent.includes('work')`)
	caller.fill("What do you need help with?", "My printer jams")
	caller.fits("intake", false)
	caller.shot("intake")
	caller.press("Join the queue")
	// An available host: no dash and no minutes.
	caller.poll("connecting shown", 15*time.Second, `document.getElementById('position').textContent === 'A host is being connected' &&
	  document.getElementById('estimate').textContent === 'now'`)
	caller.shot("connecting")
	caller.fits("waiting", false)

	// The host gets the offer with the caller's answer and accepts.
	host.poll("the offer", 15*time.Second, `!document.getElementById('offer').hidden && document.getElementById('offer-intake').textContent.includes('My printer jams')`)
	var beeps int
	host.eval(`(window.frontdesk && window.frontdesk.beeps) || 0`, &beeps)
	if beeps < 1 {
		t.Errorf("the offer did not ring (beeps %d)", beeps)
	}
	host.shot("offer")
	// The offer says its shortcuts; the host answers with the key A.
	host.poll("the shortcuts shown", 5*time.Second, `/A accepts, D declines/.test(document.getElementById('offer').innerText)`)
	host.do("accept with A", 10*time.Second, chromedp.KeyEvent("a"))
	checkPlaying(t, host, caller)
	if t.Failed() {
		t.FailNow()
	}
	host.fits("call", true)
	caller.fits("call", true)
	host.shot("call")
	caller.shot("call")

	// Reloading either page rejoins the call.
	caller.do("caller reload", 20*time.Second, chromedp.Reload())
	caller.poll("caller back in the call", 20*time.Second, `!document.querySelector('[data-screen=call]').hidden`)
	host.do("host reload", 20*time.Second, chromedp.Reload())
	host.poll("host back in the call", 20*time.Second, `!document.querySelector('[data-screen=call]').hidden`)
	checkPlaying(t, host, caller)
	if t.Failed() {
		t.FailNow()
	}
	host.shot("call-after-reloads")

	// The host hangs up: the caller thanks without a call problem, and
	// the host passes wrap-up with its countdown.
	host.press("Hang up")
	caller.poll("thank-you", 15*time.Second, `!document.querySelector('[data-screen=thanks]').hidden`)
	host.poll("wrap-up with a countdown", 15*time.Second, `!document.getElementById('wrapup').hidden &&
	  /^\d+ s$/.test(document.getElementById('wrapup-countdown').textContent)`)
	host.shot("wrap-up")
	host.fits("wrap-up", false)
	time.Sleep(3500 * time.Millisecond) // a late "media connection hung up" would show by now
	var status struct {
		Text string `json:"text"`
		Kind string `json:"kind"`
	}
	caller.eval(`({text: document.getElementById('status').textContent, kind: document.getElementById('status').dataset.kind || ''})`, &status)
	if status.Kind == "error" || strings.Contains(status.Text, "problem") {
		t.Errorf("the caller's thank-you page after the host's hang-up says %+v, want no error", status)
	}
	caller.fits("thanks", false)
	caller.shot("thanks")
	host.press("Ready for the next caller")
	host.poll("available after wrap-up", 10*time.Second, `document.getElementById('host-state').dataset.state === 'available'`)

	// 6. The dashboard counts the call.
	admin.press("Dashboard")
	admin.poll("one completed call on the dashboard", 20*time.Second, fmt.Sprintf(`(() => { const c = document.querySelector('#dash [data-queue=%q] .completed'); return !!c && c.textContent === '1'; })()`, q.ID))
	admin.noInternals("dashboard")
	admin.fits("dashboard", false)
	admin.shot("dashboard")
}
