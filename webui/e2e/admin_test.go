package e2e

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/queue/hours"
)

// adminZone is the browser's time zone in the admin tests: not UTC, and
// with a 45-minute offset, so a form that ignores the browser's zone or
// rounds hours shows it.
const adminZone = "Asia/Kathmandu"

// internalMessage matches messages written for programmers: package
// prefixes ("queue: ", "bolt: ") and Go error chains.
var internalMessage = regexp.MustCompile(`\b(auth|bolt|mongo|queue|queueapi|hours|store|echo|json|problem):|internal error|HTTP \d{3}`)

// feedback is what a form shows after an action: where the focus is, the
// error under each field and the message beside the submit button.
type feedback struct {
	Focus    string            `json:"focus"`
	Errors   map[string]string `json:"errors"`
	FormMsg  string            `json:"msg"`
	InView   bool              `json:"inView"`
	Invalid  []string          `json:"invalid"`
	MsgKinds []string          `json:"kinds"`
}

// feedbackExpr reads the feedback of the form with id form.
func feedbackExpr(form string) string {
	return fmt.Sprintf(`(() => {
  const f = document.getElementById(%q);
  const errors = {};
  let inView = true;
  for (const p of f.querySelectorAll('.field-error')) {
    errors[p.id.replace(/-error$/, '')] = p.textContent;
    const r = p.getBoundingClientRect();
    inView = inView && r.top >= 0 && r.bottom <= innerHeight && r.height > 0;
  }
  const m = f.querySelector('.form-msg');
  return {focus: document.activeElement ? document.activeElement.id : '', errors, msg: m ? m.textContent : '', inView,
    invalid: [...f.querySelectorAll('[aria-invalid=true]')].map((e) => e.id), kinds: m && m.dataset.kind ? [m.dataset.kind] : []};
})()`, form)
}

// read evaluates feedbackExpr(form) once the form shows an error or a
// message.
func (tb *tab) feedback(form string) feedback {
	tb.t.Helper()
	tb.poll("feedback in "+form, 10*time.Second, fmt.Sprintf(`(() => { const f = document.getElementById(%q);
  return !!f.querySelector('.field-error') || !!(f.querySelector('.form-msg') || {}).textContent; })()`, form))
	var fb feedback
	tb.eval(feedbackExpr(form), &fb)
	for id, msg := range fb.Errors {
		if internalMessage.MatchString(msg) || msg == "" {
			tb.t.Fatalf("%s: the error at %s is not for people: %q", tb.name, id, msg)
		}
	}
	if internalMessage.MatchString(fb.FormMsg) {
		tb.t.Fatalf("%s: the message of %s is not for people: %q", tb.name, form, fb.FormMsg)
	}
	return fb
}

// wantFieldError checks that the only error of form is at field, that it
// has the focus, is marked invalid, is on screen, and says want (a regexp).
func (tb *tab) wantFieldError(form, field, want string) string {
	tb.t.Helper()
	fb := tb.feedback(form)
	msg, ok := fb.Errors[field]
	if !ok || len(fb.Errors) != 1 || fb.Focus != field || !fb.InView || len(fb.Invalid) != 1 || fb.Invalid[0] != field {
		tb.t.Fatalf("%s: want one error at %s with the focus on it, on screen; got %+v", tb.name, field, fb)
	}
	if !regexp.MustCompile(want).MatchString(msg) {
		tb.t.Fatalf("%s: error at %s is %q, want %s", tb.name, field, msg, want)
	}
	return msg
}

// clearInput empties the input with id as a person would (select all,
// delete): the value becomes "" and an input event fires.
func clearInput(id string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const i = document.getElementById(%q); i.value = '';
  i.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`, id))(ctx, t)
		return err
	})
}

// TestAdminFirstMinutes drives the first-admin setup and the admin console
// as a new admin would, in a browser whose time zone is not UTC: the setup
// page with the logged code, the sign-in form on /admin, an always-open
// queue in the browser's zone, the slug pattern under Chromium's v-flag
// regular expressions, errors at their field with the focus on them,
// human messages for a taken address, hours in common formats with the
// live preview, and the dashboard in its own view.
func TestAdminFirstMinutes(t *testing.T) {
	a, addr := startApp(t)
	base := "http://" + addr
	dir := artifacts(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b := browser(t)
	admin := newTab(t, b, "admin", base, dir)
	admin.do("browser zone", 5*time.Second, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: adminZone})
		return err
	}))

	// /admin with no admin: a sign-in form and the way to the setup page.
	admin.do("open /admin", 15*time.Second, chromedp.Navigate(base+"/admin"), chromedp.WaitVisible(chromedp.ID("login-form")),
		chromedp.WaitVisible(chromedp.ID("setup-note")))
	admin.shot("signin-no-admin")
	admin.do("go to setup", 15*time.Second, chromedp.Click(chromedp.ID("setup-link")), chromedp.WaitVisible(chromedp.ID("setup-form")))

	// A wrong code: the error is at the code field, which has the focus.
	admin.do("wrong code", 10*time.Second,
		chromedp.SendKeys(chromedp.ID("setup-code"), "AAAA-BBBB-CCCC"),
		chromedp.SendKeys(chromedp.ID("setup-name"), "Ada Admin"),
		chromedp.SendKeys(chromedp.ID("setup-email"), "admin@example.com"),
		chromedp.SendKeys(chromedp.ID("setup-password"), "admin-password-1"),
		chromedp.Click(chromedp.ID("setup-submit")))
	admin.wantFieldError("setup-form", "setup-code", `setup code is not right`)
	admin.shot("setup-wrong-code")
	admin.do("right code", 15*time.Second,
		clearInput("setup-code"),
		chromedp.SendKeys(chromedp.ID("setup-code"), a.Setup().Code()),
		chromedp.Click(chromedp.ID("setup-submit")),
		chromedp.WaitVisible(chromedp.ID("queue-form")))
	if n, err := a.Setup().Needed(ctx); err != nil || n {
		t.Fatalf("after the setup page, setup still needed: %v %v", n, err)
	}
	admin.do("setup once only", 10*time.Second, chromedp.Navigate(base+"/setup"), chromedp.WaitVisible(chromedp.ID("setup-admin-link")),
		chromedp.Click(chromedp.ID("setup-admin-link")), chromedp.WaitVisible(chromedp.ID("queue-form")))

	// Signed out, /admin's own form signs in; a wrong password is said at
	// the password field.
	admin.do("sign out", 10*time.Second, chromedp.Click(chromedp.ID("btn-logout")), chromedp.WaitVisible(chromedp.ID("login-form")))
	var noteHidden bool
	admin.eval(`document.getElementById('setup-note').hidden`, &noteHidden)
	if !noteHidden {
		t.Fatal("the sign-in form still offers the setup page after the first admin")
	}
	admin.do("wrong password", 10*time.Second,
		chromedp.SendKeys(chromedp.ID("email"), "admin@example.com"),
		chromedp.SendKeys(chromedp.ID("password"), "not-the-password"),
		chromedp.Click(chromedp.ID("login-submit")))
	admin.wantFieldError("login-form", "password", `Wrong email or password`)
	admin.do("sign in", 15*time.Second,
		clearInput("password"),
		chromedp.SendKeys(chromedp.ID("password"), "admin-password-1"),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("queue-form")))

	// A new queue: always open, in the browser's zone, wrap-up 30 s, and
	// the preview says it is open now.
	// Chromium's ICU may name the zone by an older alias (Asia/Katmandu):
	// the form takes the browser's own name.
	var browserZone string
	admin.eval(`Intl.DateTimeFormat().resolvedOptions().timeZone`, &browserZone)
	if !regexp.MustCompile(`^Asia/Kath?mandu$`).MatchString(browserZone) {
		t.Fatalf("the browser's zone is %q, want %s", browserZone, adminZone)
	}
	var form struct {
		Zone    string `json:"zone"`
		Always  bool   `json:"always"`
		Wrap    string `json:"wrap"`
		Preview string `json:"preview"`
		Reset   string `json:"reset"`
	}
	admin.eval(`({zone: document.getElementById('q-zone').value, always: document.getElementById('q-always').checked,
	  wrap: document.getElementById('q-wrapup').value, preview: document.getElementById('q-preview').textContent,
	  reset: document.getElementById('q-reset').textContent})`, &form)
	if form.Zone != browserZone || !form.Always || form.Wrap != "30" || !regexp.MustCompile(`Open now`).MatchString(form.Preview) || form.Reset != "Clear form" {
		t.Fatalf("a new queue's form: %+v, want always open in %s, wrap-up 30, an open preview and a Clear form button", form, browserZone)
	}

	// The slug pattern compiles under the v flag Chromium uses for pattern
	// attributes, and rejects what the server rejects.
	var pat struct {
		Compiles bool `json:"compiles"`
		Bad      bool `json:"bad"`
		Good     bool `json:"good"`
	}
	admin.eval(`(() => { const i = document.getElementById('q-slug'); let compiles = true;
	  try { new RegExp('^(?:' + i.pattern + ')$', 'v'); } catch { compiles = false; }
	  i.value = 'Help Desk!'; const bad = i.validity.patternMismatch;
	  i.value = 'help-desk-2'; const good = i.validity.valid; i.value = ''; return {compiles, bad, good}; })()`, &pat)
	if !pat.Compiles || !pat.Bad || !pat.Good {
		t.Fatalf("slug pattern: %+v, want it to compile with the v flag, refuse \"Help Desk!\" and accept \"help-desk-2\"", pat)
	}
	admin.do("a bad slug", 10*time.Second,
		chromedp.SendKeys(chromedp.ID("q-name"), "Help desk"),
		clearInput("q-slug"),
		chromedp.SendKeys(chromedp.ID("q-slug"), "Help Desk"),
		chromedp.Click(chromedp.ID("q-save")))
	admin.wantFieldError("queue-form", "q-slug", `lower-case letters, digits and -`)
	admin.shot("queue-bad-slug")

	// Fixed, with an intake question: the queue is stored always open in
	// the browser's zone, with wrap-up 30 s, and the confirmation is beside
	// Save.
	admin.do("save the queue", 15*time.Second,
		clearInput("q-slug"),
		chromedp.SendKeys(chromedp.ID("q-slug"), "desk"),
		chromedp.Click(chromedp.ID("q-intake-add")),
		chromedp.SendKeys(chromedp.ID("q-intake-label-0"), "What do you need help with?"),
		chromedp.Click(chromedp.ID("q-intake-req-0")),
		chromedp.Click(chromedp.ID("q-save")))
	fb := admin.feedback("queue-form")
	if len(fb.Errors) != 0 || fb.Focus != "queue-form-msg" || len(fb.MsgKinds) != 1 || fb.MsgKinds[0] != "ok" || !regexp.MustCompile(`saved.*/q/desk.*open now`).MatchString(fb.FormMsg) {
		t.Fatalf("after saving: %+v", fb)
	}
	admin.shot("queue-saved")
	q, err := a.Engine().GetQueue(ctx, "desk")
	if err != nil {
		t.Fatal(err)
	}
	always := hours.AlwaysOpen().Weekly
	if q.Hours.Zone != browserZone || !reflect.DeepEqual(q.Hours.Weekly, always) || !q.Hours.Open(time.Now()) || q.Timeouts.WrapUp != 30*time.Second ||
		len(q.Intake) != 1 || q.Intake[0].Name != "what_do_you_need_help_with" || !q.Intake[0].Required {
		t.Fatalf("stored queue: zone %q weekly %v wrap-up %v intake %+v", q.Hours.Zone, q.Hours.Weekly, q.Timeouts.WrapUp, q.Intake)
	}

	// The same address again: the server's refusal is a sentence at the
	// slug field.
	admin.do("a taken address", 15*time.Second,
		chromedp.SendKeys(chromedp.ID("q-name"), "Second desk"),
		clearInput("q-slug"),
		chromedp.SendKeys(chromedp.ID("q-slug"), "desk"),
		chromedp.Click(chromedp.ID("q-save")))
	admin.wantFieldError("queue-form", "q-slug", `(?i)taken`)
	admin.shot("queue-slug-taken")

	// Hours in common formats, read back in 24-hour form, with the preview;
	// an unreadable day is said at that day's field; an unknown zone at the
	// zone field. Typing clears the stale error.
	admin.do("hours", 15*time.Second,
		clearInput("q-slug"),
		chromedp.SendKeys(chromedp.ID("q-slug"), "office-hours"),
		chromedp.Click(chromedp.ID("q-always")),
		clearInput("q-day-1"),
		chromedp.SendKeys(chromedp.ID("q-day-1"), "9-5"),
		clearInput("q-day-2"),
		chromedp.SendKeys(chromedp.ID("q-day-2"), "9:00 AM - 12:30 PM, 1:30 PM - 5 PM"),
		chromedp.Click(chromedp.ID("q-day-3")))
	var days struct {
		Mon, Tue, Preview string
	}
	admin.eval(`({Mon: document.getElementById('q-day-1').value, Tue: document.getElementById('q-day-2').value,
	  Preview: document.getElementById('q-preview').textContent})`, &days)
	if days.Mon != "09:00-17:00" || days.Tue != "09:00-12:30, 13:30-17:00" || !regexp.MustCompile(`^If saved: (Open now · closes|Closed now · opens) `).MatchString(days.Preview) {
		t.Fatalf("hours as read: %+v", days)
	}
	admin.shot("queue-hours")
	admin.do("an unreadable day", 10*time.Second,
		clearInput("q-day-4"),
		chromedp.SendKeys(chromedp.ID("q-day-4"), "after lunch"),
		chromedp.Click(chromedp.ID("q-save")))
	admin.wantFieldError("queue-form", "q-day-4", `^Thursday: "after lunch" is not a time range`)
	admin.do("fix the day, break the zone", 10*time.Second,
		clearInput("q-day-4"),
		chromedp.SendKeys(chromedp.ID("q-day-4"), "closed"))
	var stale int
	admin.eval(`document.querySelectorAll('#queue-form .field-error').length`, &stale)
	if stale != 0 {
		t.Fatal("the error stayed after the field was edited")
	}
	admin.do("an unknown zone", 10*time.Second,
		clearInput("q-zone"),
		chromedp.SendKeys(chromedp.ID("q-zone"), "Mars/Olympus"),
		chromedp.Click(chromedp.ID("q-save")))
	admin.wantFieldError("queue-form", "q-zone", `^Unknown time zone`)
	admin.do("a phone number pattern without +", 10*time.Second,
		clearInput("q-zone"),
		chromedp.SendKeys(chromedp.ID("q-zone"), "Europe/Berlin"),
		chromedp.SendKeys(chromedp.ID("q-phone-allow"), "+44*, 1555*"),
		chromedp.Click(chromedp.ID("q-save")))
	admin.wantFieldError("queue-form", "q-phone-allow", `E\.164`)
	admin.do("clear the form", 5*time.Second, chromedp.Click(chromedp.ID("q-reset")))
	admin.eval(`document.querySelectorAll('#queue-form .field-error').length + (document.getElementById('queue-form-msg').textContent ? 1 : 0)`, &stale)
	if stale != 0 {
		t.Fatal("Clear form left messages behind")
	}

	// Users: a taken email is said at the email field.
	admin.do("users view", 10*time.Second, chromedp.Click(chromedp.ID("tab-users")), chromedp.WaitVisible(chromedp.ID("user-form")),
		chromedp.SendKeys(chromedp.ID("u-name"), "Ada again"),
		chromedp.SendKeys(chromedp.ID("u-email"), "admin@example.com"),
		chromedp.SendKeys(chromedp.ID("u-password"), "another-password-1"),
		chromedp.Click(chromedp.ID("u-save")))
	admin.wantFieldError("user-form", "u-email", `(?i)exists|taken`)
	admin.shot("user-email-taken")

	// The dashboard is its own view: the forms are hidden, and a queue
	// with no calls has no service level ("–", not 100 %).
	admin.do("dashboard", 10*time.Second, chromedp.Click(chromedp.ID("tab-dashboard")), chromedp.WaitVisible(chromedp.ID("dash")))
	admin.poll("the queue's card", 15*time.Second, `!!document.querySelector('#dash [data-queue] .service-level')`)
	var dash struct {
		Level, Abandon string
		FormShown      bool
	}
	admin.eval(`({Level: document.querySelector('#dash [data-queue] .service-level').textContent,
	  Abandon: document.querySelector('#dash [data-queue] .abandonment').textContent,
	  FormShown: !document.getElementById('queue-form').closest('[hidden]')})`, &dash)
	if dash.Level != "–" || dash.Abandon != "–" || dash.FormShown {
		t.Fatalf("dashboard with no calls: %+v", dash)
	}
	admin.shot("dashboard")
}
