package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/config"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
)

// chromiumPath is Debian's Chromium.
const chromiumPath = "/usr/bin/chromium"

// needChromium returns Chromium's path; without it the test fails under
// CI=true and is skipped elsewhere.
func needChromium(t testing.TB) string {
	t.Helper()
	p := os.Getenv("FRONTDESK_CHROMIUM")
	if p == "" {
		p = chromiumPath
	}
	if _, err := exec.LookPath(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium not found at %s (install Debian's chromium): %v", p, err)
		}
		t.Skipf("Chromium not found at %s: %v", p, err)
	}
	return p
}

// artifacts is the screenshot directory: $FRONTDESK_ARTIFACTS/<test> or a
// temp dir (logged).
func artifacts(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("FRONTDESK_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	} else {
		dir = filepath.Join(dir, t.Name())
		_ = os.RemoveAll(dir) // only this test's own screenshots of an earlier run
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// e2eTURNSecret is the TURN REST shared secret of the test server.
const e2eTURNSecret = "e2e-turn-shared-secret"

// withTURN names a TURN server nobody runs: the browser must still get its
// entry with a short-lived credential (and never the shared secret). The
// config sets no allowed_origins: pages and proxy share a host, which the
// default (same-host) Origin check accepts.
func withTURN(c *config.Config) {
	c.TURN.URLs = []string{"turn:127.0.0.1:3479"}
	c.TURN.SharedSecret = e2eTURNSecret
}

// startApp runs a whole Frontdesk (web UI included) on the built-in SFU.
func startApp(t testing.TB, edit ...func(*config.Config)) (*app.App, string) {
	t.Helper()
	return apptest.Start(t, append([]func(*config.Config){withTURN}, edit...)...)
}

// browser starts headless Chromium with a fake camera and microphone and
// returns a context whose children are tabs of that browser.
func browser(t testing.TB) context.Context {
	t.Helper()
	exe := needChromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("disable-features", "WebRtcHideLocalIpsWithMdns"),
		chromedp.WindowSize(1100, 850),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(func() { bcancel(); acancel() })
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return bctx
}

// waitFor polls cond every 50 ms until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// tab is one page in its own browser context (own cookies).
type tab struct {
	t    testing.TB
	name string
	ctx  context.Context
	dir  string
	base string

	mu   sync.Mutex
	logs []string
}

func newTab(t testing.TB, b context.Context, name, base, dir string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tb := &tab{t: t, name: name, ctx: ctx, dir: dir, base: base}
	// Collect the page's console: the goroutine ends when the tab's
	// context does (cancel, registered above, runs after the wait below).
	msgs := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range msgs {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.logs = append(tb.logs, m.String())
			tb.mu.Unlock()
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	t.Cleanup(func() {
		if t.Failed() {
			tb.shot("failed")
			var status string
			if raw, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`(document.getElementById('status') || {}).textContent + ' | ' + ((document.getElementById('call-state') || {}).textContent || '')`)); err == nil {
				status = raw
			}
			t.Logf("%s status: %s", name, status)
			tb.mu.Lock()
			defer tb.mu.Unlock()
			for _, l := range tb.logs {
				t.Logf("%s %s", name, l)
			}
		}
	})
	return tb
}

// do runs actions with a deadline.
func (tb *tab) do(what string, d time.Duration, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, d)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %s: %v", tb.name, what, err)
	}
}

// joinAsGuest opens the queue page at url as a new guest named name and
// joins the queue (a queue without intake questions), then waits for
// position 1.
func (tb *tab) joinAsGuest(url, name string) {
	tb.t.Helper()
	tb.do("join as "+name, 20*time.Second,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.ID("name-form")),
		chromedp.SendKeys(chromedp.ID("guest-name"), name),
		chromedp.Click(chromedp.CSS(`#name-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("join-form")),
		chromedp.Click(chromedp.ID("btn-join")),
	)
	tb.poll("waiting", 10*time.Second, `document.getElementById('position').textContent === '1'`)
}

// acceptOffer waits for an offer on the host console, and for the media
// side it prepares while the offer rings, and accepts it.
func (tb *tab) acceptOffer() {
	tb.t.Helper()
	tb.poll("offer", 15*time.Second, `!document.getElementById('offer').hidden`)
	tb.poll("the offer's media side ready", 10*time.Second, `window.frontdesk && window.frontdesk.prepared === true`)
	tb.do("accept", 10*time.Second, chromedp.Click(chromedp.ID("btn-accept")))
}

// poll waits until the JavaScript expression is truthy.
// hostAvailable signs in to the host console at base as email (password
// "host-password-1") and presses Go available.
func (tb *tab) hostAvailable(base, email string) {
	tb.do("sign in and go available", 20*time.Second,
		chromedp.Navigate(base+"/host"),
		chromedp.WaitVisible(chromedp.ID("login-form")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), "host-password-1"),
		chromedp.Click(chromedp.CSS(`#login-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("btn-available")),
		chromedp.Click(chromedp.ID("btn-available")),
	)
}

func (tb *tab) poll(what string, d time.Duration, expr string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, d+time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(d), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		tb.t.Fatalf("%s: waiting for %s: %v", tb.name, what, err)
	}
}

// eval evaluates expr (awaiting a promise) into v.
func (tb *tab) eval(expr string, v any) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("%s: eval %s: %v", tb.name, expr, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		tb.t.Fatalf("%s: eval %s: %v (%s)", tb.name, expr, err, raw)
	}
}

// shot saves a full-page screenshot as <dir>/<n>-<tab>-<label>.png.
func (tb *tab) shot(label string) string {
	return tb.save(label, chromedp.FullScreenshot(100))
}

// shotOf saves a screenshot of the element matching the CSS selector sel
// as <dir>/<n>-<tab>-<label>.png (for the README: one part of a long page).
func (tb *tab) shotOf(label, sel string) string {
	return tb.save(label, chromedp.Screenshot(chromedp.CSS(sel)))
}

// save runs the screenshot action shoot and writes its PNG.
func (tb *tab) save(label string, shoot chromedp.Action[[]byte]) string {
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, shoot)
	if err != nil {
		tb.t.Logf("%s: screenshot %s: %v", tb.name, label, err)
		return ""
	}
	shotSeq.Lock()
	shotSeq.n++
	n := shotSeq.n
	shotSeq.Unlock()
	p := filepath.Join(tb.dir, fmt.Sprintf("%02d-%s-%s.png", n, tb.name, label))
	if err := os.WriteFile(p, png, 0o644); err != nil {
		tb.t.Errorf("write %s: %v", p, err)
	}
	return p
}

var shotSeq struct {
	sync.Mutex
	n int
}

// mediaState is what a page reports about the remote video.
type mediaState struct {
	Width   int     `json:"w"`
	Height  int     `json:"h"`
	Time    float64 `json:"t"`
	Audio   int     `json:"audio"`
	Video   int     `json:"video"`
	UpCount int     `json:"up"`
}

const mediaExpr = `(async () => {
  const v = document.getElementById('remote-video');
  const c = window.frontdesk && window.frontdesk.call;
  const s = c && c.inboundStats ? await c.inboundStats() : {audio: 0, video: 0};
  return {w: v.videoWidth, h: v.videoHeight, t: v.currentTime, audio: s.audio || 0, video: s.video || 0,
    up: (window.frontdesk && window.frontdesk.webrtcup || []).length};
})()`

// playing is true once the remote video has frames and is advancing.
const playing = `(() => { const v = document.getElementById('remote-video');
  return !!v && v.videoWidth > 0 && v.currentTime > 0.3 && !v.paused; })()`

// checkPlaying asserts that every tab shows the other side's video
// playing: the video element has a size, its time advances, and inbound
// RTP packet counters (getStats) grow for audio and video.
func checkPlaying(t testing.TB, tabs ...*tab) {
	t.Helper()
	for _, tb := range tabs {
		tb.poll("remote video playing", 20*time.Second, playing)
	}
	first := make([]mediaState, len(tabs))
	for i, tb := range tabs {
		tb.eval(mediaExpr, &first[i])
	}
	time.Sleep(1500 * time.Millisecond)
	for i, tb := range tabs {
		var now mediaState
		tb.eval(mediaExpr, &now)
		t.Logf("%s: remote video %dx%d, time %.2f→%.2f s, inbound packets audio %d→%d video %d→%d",
			tb.name, now.Width, now.Height, first[i].Time, now.Time, first[i].Audio, now.Audio, first[i].Video, now.Video)
		if now.Width == 0 || now.Height == 0 {
			t.Errorf("%s: remote video has no size", tb.name)
		}
		if now.Time <= first[i].Time {
			t.Errorf("%s: remote video time did not advance (%.2f→%.2f)", tb.name, first[i].Time, now.Time)
		}
		if now.Video <= first[i].Video || now.Audio <= first[i].Audio {
			t.Errorf("%s: inbound RTP did not grow: audio %d→%d, video %d→%d", tb.name, first[i].Audio, now.Audio, first[i].Video, now.Video)
		}
	}
}

func TestCallOnBuiltinSFU(t *testing.T) {
	a, addr := startApp(t)
	runCall(t, a, addr, queue.MediaBuiltin)
}

// TestCallOnJanus is the same call on a real Janus in its own network
// namespace (janustest): Chromium gathers candidates on every host
// interface, the veth's host side among them, and reaches Janus there.
func TestCallOnJanus(t *testing.T) {
	a, addr := startJanusApp(t)
	runCall(t, a, addr, queue.MediaJanus)
}

// startJanusApp starts a Janus in its own namespace and a Frontdesk using it.
func startJanusApp(t testing.TB) (*app.App, string) {
	needChromium(t)
	a, addr, _ := apptest.StartWithJanus(t, "janus-webui", withTURN)
	return a, addr
}

// BenchmarkTimeToMedia reports the time from the host's accept click to the
// last webrtcup of both browsers' publisher and subscriber handles, in ms
// (target ≤ 1,000 ms on loopback), on each media engine. Each iteration is
// a whole E2E call (about 20 s), so the default -benchtime runs one. The
// host clicks accept once the console has opened the camera and made the
// call's offer, which it does while the offer rings (a person reading the
// offer gives it that time); the camera's opening is not measured.
func BenchmarkTimeToMedia(b *testing.B) {
	for _, media := range []queue.MediaEngine{queue.MediaBuiltin, queue.MediaJanus} {
		b.Run(media.String(), func(b *testing.B) {
			var total float64
			for range b.N {
				var a *app.App
				var addr string
				if media == queue.MediaJanus {
					a, addr = startJanusApp(b)
				} else {
					a, addr = startApp(b)
				}
				total += runCall(b, a, addr, media)
			}
			b.ReportMetric(total/float64(b.N), "ms-to-media")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// runCall drives one caller-to-host call through the web UI.
func runCall(t testing.TB, a *app.App, addr string, media queue.MediaEngine) (timeToMedia float64) {
	base := "http://" + addr
	dir := artifacts(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	if _, err := a.Auth().AddUser(ctx, "admin@example.com", "Ada Admin", "admin-password-1", auth.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	hostUser, err := a.Auth().AddUser(ctx, "host@example.com", "Hana Host", "host-password-1", auth.RoleHost)
	if err != nil {
		t.Fatal(err)
	}
	eng := a.Engine()
	b := browser(t)
	admin := newTab(t, b, "admin", base, dir)
	host := newTab(t, b, "host", base, dir)
	caller := newTab(t, b, "caller", base, dir)

	// The admin signs in, creates the queue (always open in UTC, closed on
	// a holiday next year) and makes the host serve it.
	admin.do("admin sign in", 20*time.Second,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("login-form")),
		chromedp.SendKeys(chromedp.ID("email"), "admin@example.com"),
		chromedp.SendKeys(chromedp.ID("password"), "admin-password-1"),
		chromedp.Click(chromedp.CSS(`#login-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("links")),
	)
	admin.shot("start")
	holiday := fmt.Sprintf("%d-12-25", time.Now().Year()+1)
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(base + "/admin"),
		chromedp.WaitVisible(chromedp.ID("queue-form")),
		chromedp.SendKeys(chromedp.ID("q-name"), "Help desk"),
		chromedp.SetValue(chromedp.ID("q-slug"), "desk"), // replaces the address made from the name
		chromedp.SendKeys(chromedp.ID("q-desc"), "Ask us anything."),
		chromedp.SetValue(chromedp.ID("q-media"), media.String()),
		chromedp.Click(chromedp.ID("q-intake-add")),
		chromedp.SendKeys(chromedp.CSS(`#q-intake .intake-row input[id^=q-intake-label-]`), "What do you need help with?"),
		chromedp.SetValue(chromedp.CSS(`#q-intake .intake-row input[id^=q-intake-name-]`), "topic"), // replaces the key made from the question
		chromedp.Click(chromedp.CSS(`#q-intake .intake-row input[id^=q-intake-req-]`)),
		chromedp.SetValue(chromedp.ID("q-zone"), "UTC"),
		chromedp.SetValue(chromedp.ID("q-wrapup"), "60"),
		chromedp.SetValue(chromedp.ID("q-holidays"), holiday+" closed"),
	}
	admin.do("create the queue", 20*time.Second, steps...)
	admin.shot("queue-form")
	admin.do("save the queue", 10*time.Second, chromedp.Click(chromedp.ID("q-save")))
	admin.poll("the new queue in the list", 10*time.Second, `document.querySelector('#queue-table tbody').textContent.includes('/q/desk')`)
	q, err := eng.GetQueue(ctx, "desk")
	if err != nil {
		t.Fatal(err)
	}
	if q.Media != media || q.Timeouts.WrapUp != time.Minute || len(q.Intake) != 1 || len(q.Hours.Overrides) != 1 || q.Hours.Overrides[0].Date != holiday {
		t.Fatalf("queue from the admin console: media %v, intake %+v, overrides %+v", q.Media, q.Intake, q.Hours.Overrides)
	}
	hostBox := fmt.Sprintf("hq-%s-%s", hostUser.ID, q.ID)
	admin.poll("the host's queue checkbox", 10*time.Second, fmt.Sprintf(`!!document.getElementById(%q)`, hostBox))
	admin.do("make the host serve the queue", 10*time.Second, chromedp.Click(chromedp.ID("tab-users")),
		chromedp.WaitVisible(chromedp.ID(hostBox)), chromedp.Click(chromedp.ID(hostBox)))
	if !waitFor(10*time.Second, func() bool {
		h, err := eng.GetHost(ctx, queue.HostID(hostUser.ID))
		return err == nil && len(h.Queues) == 1 && h.Queues[0] == q.ID
	}) {
		t.Fatal("the admin console did not make the user a host of the queue")
	}
	admin.shot("admin")

	// The host signs in and goes available.
	host.do("sign in", 20*time.Second,
		chromedp.Navigate(base+"/host"),
		chromedp.Evaluate[chromedp.Void](`localStorage.setItem('frontdesk.debug', '1')`),
		chromedp.Navigate(base+"/host"),
		chromedp.WaitVisible(chromedp.ID("login-form")),
		chromedp.SendKeys(chromedp.ID("email"), "host@example.com"),
		chromedp.SendKeys(chromedp.ID("password"), "host-password-1"),
		chromedp.Click(chromedp.CSS(`#login-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("btn-available")),
	)
	host.poll("the host's queue", 10*time.Second, `document.querySelectorAll('#queues .queue-card').length === 1`)
	host.shot("signed-in")

	// The caller joins as a guest.
	caller.do("open the queue", 20*time.Second,
		chromedp.Navigate(base+"/q/desk"),
		chromedp.Evaluate[chromedp.Void](`localStorage.setItem('frontdesk.debug', '1')`),
		chromedp.Navigate(base+"/q/desk"),
		chromedp.WaitVisible(chromedp.ID("name-form")),
		chromedp.SendKeys(chromedp.ID("guest-name"), "Cal Caller"),
		chromedp.Click(chromedp.CSS(`#name-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("join-form")),
		chromedp.SendKeys(chromedp.ID("intake-topic"), "My printer is on fire"),
		chromedp.Click(chromedp.ID("btn-check")),
	)
	caller.poll("camera preview", 10*time.Second, `document.getElementById('preview').videoWidth > 0`)
	caller.shot("intake")
	caller.do("join", 10*time.Second, chromedp.Click(chromedp.ID("btn-join")))
	caller.poll("queued", 10*time.Second, `!document.querySelector('[data-screen=waiting]').hidden || !document.querySelector('[data-screen=call]').hidden`)
	caller.poll("position 1 and the you're-next notice", 10*time.Second,
		`document.getElementById('position').textContent === '1' && !document.getElementById('next-notice').hidden`)
	caller.shot("waiting")

	// A reload keeps the caller's place.
	caller.do("reload", 20*time.Second, chromedp.Reload())
	caller.poll("waiting again after the reload", 15*time.Second, `!document.querySelector('[data-screen=waiting]').hidden &&
	  document.getElementById('status').textContent.includes('kept your place') && document.getElementById('position').textContent === '1'`)
	caller.shot("after-reload")
	if waiting, err := eng.Waiting(ctx, q.ID); err != nil || len(waiting) != 1 {
		t.Fatalf("waiting after the reload: %d entries, %v", len(waiting), err)
	}

	// The host goes available.
	host.do("go available", 10*time.Second, chromedp.Click(chromedp.ID("btn-available")))
	host.poll("available", 10*time.Second, `['available', 'offered'].includes(document.getElementById('host-state').dataset.state)`)

	// The host gets the offer and accepts.
	host.poll("offer", 15*time.Second, `!document.getElementById('offer').hidden`)
	host.shot("offer")
	var name string
	host.eval(`document.getElementById('offer-name').textContent`, &name)
	if name != "Cal Caller" {
		t.Fatalf("offer shows %q", name)
	}
	// A person takes a moment to read an offer; the console uses it to
	// open the camera and make the call's offer (window.frontdesk.prepared).
	// The measured time starts at the click, once that is done.
	host.poll("the offer's media side ready", 10*time.Second, `window.frontdesk && window.frontdesk.prepared === true`)
	var acceptedAt float64 // ms since the epoch, by the browser's clock
	host.eval(`Date.now()`, &acceptedAt)
	t.Logf("accept at %s", time.UnixMilli(int64(acceptedAt)).Format("15:04:05.000"))
	host.do("accept", 10*time.Second, chromedp.Click(chromedp.ID("btn-accept")))

	// Both pages reach webrtcup (publisher and subscriber handles).
	var upAt float64
	for _, tb := range []*tab{host, caller} {
		tb.poll("webrtcup", 20*time.Second, `(window.frontdesk && window.frontdesk.webrtcup || []).length >= 2`)
		var last float64
		tb.eval(`Math.max(...window.frontdesk.webrtcup.map((u) => u.at))`, &last)
		upAt = max(upAt, last)
		var marks [][2]any
		tb.eval(`window.frontdesk.call.marks`, &marks)
		var b strings.Builder
		for _, m := range marks {
			at, _ := m[1].(float64)
			fmt.Fprintf(&b, " %v=+%.0f", m[0], at-acceptedAt)
		}
		t.Logf("%s call milestones (ms after accept):%s", tb.name, b.String())
		if tb == caller {
			var ups [][2]any
			tb.eval(`(window.frontdesk.updates || [])`, &ups)
			b.Reset()
			for _, m := range ups {
				at, _ := m[1].(float64)
				fmt.Fprintf(&b, " %v=%+.0f", m[0], at-acceptedAt)
			}
			t.Logf("caller live updates (ms after accept):%s", b.String())
		}
	}
	// Both tabs share one browser process and clock.
	t.Logf("time to media on %v (the host's accept click to the last webrtcup of both pages' publisher and subscriber): %.0f ms", media, upAt-acceptedAt)

	// Both pages show the other's video playing, with growing counters.
	checkPlaying(t, host, caller)
	host.shot("call")
	caller.shot("call")

	// The room's secret and pin and the participants' Janus tokens never
	// reach a browser: not in any Janus message either page sent or got.
	var ids struct {
		Call string `json:"id"`
		Feed uint64 `json:"feed_id"`
		Peer uint64 `json:"peer_feed_id"`
	}
	host.eval(`window.frontdesk.call.info`, &ids)

	// Both pages' peer connections got Frontdesk's TURN server with a
	// credential, and no page ever saw the shared secret.
	for _, tb := range []*tab{host, caller} {
		var servers []struct {
			URLs       []string `json:"urls"`
			Username   string   `json:"username"`
			Credential string   `json:"credential"`
		}
		tb.eval(`window.frontdesk.call.iceServers`, &servers)
		found := false
		for _, s := range servers {
			if len(s.URLs) > 0 && s.URLs[0] == "turn:127.0.0.1:3479" && s.Username != "" && s.Credential != "" && s.Credential != e2eTURNSecret {
				found = true
			}
		}
		if !found {
			t.Fatalf("%s: ICE servers %+v lack the TURN entry", tb.name, servers)
		}
	}
	room, hostPart, err := eng.CallCredentials(ctx, queue.CallID(ids.Call), ids.Feed)
	if err != nil {
		t.Fatal(err)
	}
	_, callerPart, err := eng.CallCredentials(ctx, queue.CallID(ids.Call), ids.Peer)
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{"room secret": room.Secret, "room pin": room.PIN, "host token": hostPart.Token, "caller token": callerPart.Token}
	defer func() {
		for _, tb := range []*tab{host, caller} {
			tb.mu.Lock()
			all := strings.Join(tb.logs, "\n")
			tb.mu.Unlock()
			if !strings.Contains(all, `"janus":"create"`) {
				t.Errorf("%s: no Janus traffic logged to check for secrets", tb.name)
			}
			for what, v := range secrets {
				if v != "" && strings.Contains(all, v) {
					t.Errorf("the %s reached the %s's browser", what, tb.name)
				}
			}
		}
	}()
	if t.Failed() {
		t.FailNow()
	}

	// Mute and camera off act on the caller's own tracks.
	caller.do("mute and camera off", 10*time.Second, chromedp.Click(chromedp.ID("btn-mute")), chromedp.Click(chromedp.ID("btn-camera")))
	var tracks struct {
		Audio, Video bool
		Pressed      string
	}
	caller.eval(`(() => { const s = window.frontdesk.call.localStream;
	  return {Audio: s.getAudioTracks().some((t) => t.enabled), Video: s.getVideoTracks().some((t) => t.enabled),
	    Pressed: document.getElementById('btn-mute').getAttribute('aria-pressed') + document.getElementById('btn-camera').getAttribute('aria-pressed')}; })()`, &tracks)
	if tracks.Audio || tracks.Video || tracks.Pressed != "truetrue" {
		t.Errorf("after mute and camera off: %+v", tracks)
	}
	caller.shot("muted")

	// The caller hangs up and sees the thank-you screen.
	caller.do("hang up", 10*time.Second, chromedp.Click(chromedp.ID("btn-hangup")))
	caller.poll("thank-you", 15*time.Second, `!document.querySelector('[data-screen=thanks]').hidden`)
	caller.shot("thanks")

	// The host is in wrap-up, passes it and is available again.
	host.poll("wrap-up", 15*time.Second, `!document.querySelector('[data-screen=console]').hidden && document.getElementById('host-state').dataset.state === 'wrap_up' && !document.getElementById('wrapup').hidden`)
	host.shot("wrapup")
	host.do("ready", 10*time.Second, chromedp.Click(chromedp.ID("btn-ready")))
	host.poll("available after wrap-up", 10*time.Second, `document.getElementById('host-state').dataset.state === 'available'`)
	host.poll("personal statistics", 15*time.Second, `(() => { const t = document.getElementById('my-stats-table');
	  return !!t && t.querySelector('tbody td') && t.querySelector('tbody td').textContent === '1'; })()`)
	host.shot("available-again")

	// The statistics count the call.
	st, err := eng.Stats(ctx, q.ID, time.Now().Add(-time.Hour), time.Now().Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if st.Joined != 1 || st.Answered != 1 || st.Completed != 1 {
		t.Fatalf("stats joined=%d answered=%d completed=%d, want 1 each", st.Joined, st.Answered, st.Completed)
	}
	// The caller waited (before the host went available) and was answered:
	// some hour has a service level and a peak of one waiting.
	var slHours, waitedHours int
	for _, h := range st.Hourly {
		if h.ServiceLevel != nil {
			slHours++
		}
		if h.MaxWaiting == 1 && h.AvgWaiting > 0 {
			waitedHours++
		}
	}
	if slHours != 1 || waitedHours < 1 {
		t.Fatalf("hourly stats %+v: want one hour with a service level and one with a caller waiting", st.Hourly)
	}

	// The admin's live dashboard counts it too, and charts it: a service
	// level bar in [0, 1] and a peak of one caller waiting in the current
	// hour or the one before (the call may straddle the hour), each chart
	// with its numbers in a hidden table for screen readers.
	admin.do("the dashboard tab", 10*time.Second, chromedp.Click(chromedp.ID("tab-dashboard")), chromedp.WaitVisible(chromedp.ID("dash")))
	admin.poll("dashboard", 15*time.Second, `(() => { const d = document.querySelector('#dash [data-queue] .completed');
	  return !!d && d.textContent === '1'; })()`)
	admin.poll("dashboard charts", 15*time.Second, `(() => {
	  const card = document.querySelector('#dash [data-queue]');
	  const chart = (name) => card.querySelector('[data-chart="' + name + '"]');
	  const recent = (name, series) => [...chart(name).querySelectorAll('.col')].slice(-2)
	    .flatMap((c) => [...c.querySelectorAll('.bar[data-series="' + series + '"]')]).map((b) => Number(b.dataset.value));
	  const sl = recent('service-level', 'service_level');
	  const peak = recent('waiting', 'max_waiting');
	  const charts = ['waiting', 'wait', 'service-level', 'abandoned', 'joined'];
	  return charts.every((n) => chart(n) && chart(n).querySelectorAll('.col').length === 24 &&
	      chart(n).querySelector('.summary').textContent.length > 10) &&
	    sl.length === 1 && sl[0] >= 0 && sl[0] <= 1 && peak.includes(1) &&
	    chart('service-level').querySelectorAll('.sr table tbody tr').length >= 1 &&
	    chart('service-level').querySelector('figcaption').textContent.includes('answered within');
	})()`)
	admin.shot("dashboard")
	admin.shotOf("dashboard-charts", "#dash")

	if media == queue.MediaJanus {
		// The admin sees the Janus instance and drains it.
		admin.do("the instances tab", 10*time.Second, chromedp.Click(chromedp.ID("tab-instances")), chromedp.WaitVisible(chromedp.ID("instance-list")))
		admin.poll("the Janus instance", 15*time.Second, `document.getElementById('instance-list').textContent.includes('janus-webui') &&
		  document.getElementById('instance-list').textContent.includes('healthy')`)
		admin.do("drain", 10*time.Second, chromedp.Click(chromedp.CSS(`#instance-list button`)))
		admin.poll("draining", 10*time.Second, `document.getElementById('instance-list').textContent.includes('draining') &&
		  document.querySelector('#instance-list button').textContent.startsWith('Undrain')`)
		admin.shot("instances")
	}
	return upAt - acceptedAt
}

// TestPickMode: in a pick-mode queue the host sees the waiting caller with
// their intake answers and takes them from the list.
func TestPickMode(t *testing.T) {
	a, addr := startApp(t)
	base := "http://" + addr
	dir := artifacts(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	hostUser, err := a.Auth().AddUser(ctx, "picker@example.com", "Pia Picker", "host-password-1", auth.RoleHost)
	if err != nil {
		t.Fatal(err)
	}
	eng := a.Engine()
	q, err := eng.CreateQueue(ctx, queue.Queue{Slug: "office-hours", Name: "Office hours", Mode: queue.ModePick,
		Hours: hours.AlwaysOpen(), Media: queue.MediaBuiltin,
		Intake: []queue.IntakeField{{Name: "course", Label: "Course", Options: []string{"Go 101", "WebRTC 201"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.PutHost(ctx, queue.HostID(hostUser.ID), "Pia Picker", []queue.QueueID{q.ID}); err != nil {
		t.Fatal(err)
	}
	b := browser(t)
	host := newTab(t, b, "host", base, dir)
	caller := newTab(t, b, "caller", base, dir)

	// A closed queue says when it opens next, in the caller's zone.
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
	from, _ := hours.ParseMinute("10:00")
	to, _ := hours.ParseMinute("12:00")
	if _, err := eng.CreateQueue(ctx, queue.Queue{Slug: "evening", Name: "Evening desk", Mode: queue.ModeAuto, Media: queue.MediaBuiltin,
		Hours: hours.Schedule{Zone: "UTC", Overrides: []hours.DateOverride{{Date: tomorrow, Ranges: []hours.Range{{From: from, To: to}}}}}}); err != nil {
		t.Fatal(err)
	}
	caller.do("open a closed queue", 20*time.Second,
		chromedp.Navigate(base+"/q/evening"),
		chromedp.WaitVisible(chromedp.ID("name-form")),
		chromedp.SendKeys(chromedp.ID("guest-name"), "Stu Student"),
		chromedp.Click(chromedp.CSS(`#name-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("next-open")),
	)
	var next string
	caller.eval(`document.getElementById('next-open').textContent`, &next)
	if !strings.Contains(next, "opens next on") {
		t.Fatalf("closed queue says %q", next)
	}
	caller.shot("closed")

	caller.do("join", 20*time.Second,
		chromedp.Navigate(base+"/q/office-hours"),
		chromedp.WaitVisible(chromedp.ID("join-form")),
		chromedp.SetValue(chromedp.ID("intake-course"), "WebRTC 201"),
		chromedp.Click(chromedp.ID("btn-join")),
	)
	caller.poll("waiting", 10*time.Second, `document.getElementById('position').textContent === '1'`)

	host.hostAvailable(base, "picker@example.com")
	host.poll("the waiting list with the caller's intake", 10*time.Second, `(() => {
	  const li = document.querySelector('#queues ol.waiting li');
	  return !!li && li.textContent.includes('Stu Student') && li.textContent.includes('Course: WebRTC 201') && !li.querySelector('button').disabled; })()`)
	host.shot("waiting-list")
	if st, _ := eng.GetHost(ctx, queue.HostID(hostUser.ID)); st.State != queue.HostAvailable {
		t.Fatalf("pick mode offered the caller: host is %v", st.State)
	}
	host.do("take the caller", 10*time.Second, chromedp.Click(chromedp.CSS(`#queues ol.waiting li button`)))
	for _, tb := range []*tab{host, caller} {
		tb.poll("webrtcup", 20*time.Second, `(window.frontdesk && window.frontdesk.webrtcup || []).length >= 2`)
		tb.poll("remote video playing", 20*time.Second, playing)
	}
	host.shot("call")
	host.do("the host hangs up", 10*time.Second, chromedp.Click(chromedp.ID("btn-hangup")))
	caller.poll("thank-you", 15*time.Second, `!document.querySelector('[data-screen=thanks]').hidden`)
	host.poll("back at the desk", 15*time.Second, `!document.querySelector('[data-screen=console]').hidden`)
	en, err := eng.Waiting(ctx, q.ID)
	if err != nil || len(en) != 0 {
		t.Fatalf("still waiting: %d, %v", len(en), err)
	}
	st, err := eng.Stats(ctx, q.ID, time.Now().Add(-time.Hour), time.Now().Add(time.Second))
	if err != nil || st.Completed != 1 {
		t.Fatalf("completed %d, %v", st.Completed, err)
	}
}

// TestServingQueues: a host assigned two queues unticks one in the console;
// a caller joining that queue is not offered to them; once they tick it
// again, the offer comes.
func TestServingQueues(t *testing.T) {
	a, addr := startApp(t)
	base := "http://" + addr
	dir := artifacts(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	hostUser, err := a.Auth().AddUser(ctx, "server@example.com", "Sam Server", "host-password-1", auth.RoleHost)
	if err != nil {
		t.Fatal(err)
	}
	eng := a.Engine()
	var qs []queue.Queue
	for _, n := range []struct{ slug, name string }{{"billing", "Billing"}, {"tech", "Technical support"}} {
		q, err := eng.CreateQueue(ctx, queue.Queue{Slug: n.slug, Name: n.name, Mode: queue.ModeAuto, Hours: hours.AlwaysOpen(), Media: queue.MediaBuiltin})
		if err != nil {
			t.Fatal(err)
		}
		qs = append(qs, q)
	}
	if _, err := eng.PutHost(ctx, queue.HostID(hostUser.ID), "Sam Server", []queue.QueueID{qs[0].ID, qs[1].ID}); err != nil {
		t.Fatal(err)
	}
	b := browser(t)
	host := newTab(t, b, "host", base, dir)
	caller := newTab(t, b, "caller", base, dir)

	host.hostAvailable(base, "server@example.com")
	techBox := "serve-" + qs[1].ID
	host.poll("both queues ticked, labelled by name", 10*time.Second, fmt.Sprintf(`(() => {
	  const boxes = [...document.querySelectorAll('#serving-boxes input[type=checkbox]')];
	  const tech = document.getElementById(%q);
	  return boxes.length === 2 && boxes.every((b) => b.checked) && !!tech &&
	    document.querySelector('label[for=' + CSS.escape(tech.id) + ']').textContent === 'Technical support'; })()`, techBox))
	host.poll("available", 10*time.Second, `document.getElementById('host-state').dataset.state === 'available'`)

	// Untick "Technical support" with the keyboard (focus, space).
	host.do("untick a queue", 10*time.Second, chromedp.Focus(chromedp.ID(techBox)), chromedp.KeyEvent(" "))
	if !waitFor(10*time.Second, func() bool {
		h, err := eng.GetHost(ctx, queue.HostID(hostUser.ID))
		return err == nil && h.Serving != nil && len(h.Serving) == 1 && h.Serving[0] == qs[0].ID
	}) {
		h, _ := eng.GetHost(ctx, queue.HostID(hostUser.ID))
		t.Fatalf("serving after unticking: %v", h.Serving)
	}
	host.poll("the unticked queue marked", 10*time.Second, fmt.Sprintf(`!document.getElementById(%q).checked &&
	  document.querySelector('#queues [data-queue=%q]').textContent.includes('not serving now')`, techBox, qs[1].ID))
	host.shot("unticked")

	// A caller joins the unticked queue: no offer.
	caller.joinAsGuest(base+"/q/tech", "Tia Tester")
	host.poll("the caller counted in the unticked queue", 10*time.Second, fmt.Sprintf(`document.querySelector('#queues [data-queue=%q]').textContent.includes('1 waiting')`, qs[1].ID))
	time.Sleep(time.Second) // matching runs on every change; give it a chance to misbehave
	var offerShown bool
	host.eval(`!document.getElementById('offer').hidden`, &offerShown)
	if h, _ := eng.GetHost(ctx, queue.HostID(hostUser.ID)); h.State != queue.HostAvailable || offerShown {
		t.Fatalf("a caller in an unticked queue was offered: host %v, offer shown %v", h.State, offerShown)
	}

	// Tick it again: the offer comes.
	host.do("tick the queue again", 10*time.Second, chromedp.Click(chromedp.ID(techBox)))
	host.poll("offer", 15*time.Second, `!document.getElementById('offer').hidden && document.getElementById('offer-name').textContent === 'Tia Tester'`)
	host.shot("offer-after-ticking")
	host.do("decline", 10*time.Second, chromedp.Click(chromedp.ID("btn-decline")))
}

// TestReloadDuringCall: mid-call the caller's page reloads and rejoins the
// same call (same entry, still in_call), both pages play the other's video
// again; then the caller leaves the page for a moment and the host sees
// the "disconnected" notice with a countdown until the caller is back;
// then the host reloads and rejoins too; finally the caller hangs up and
// the host goes through wrap-up.
func TestReloadDuringCall(t *testing.T) {
	a, addr := startApp(t)
	runReload(t, a, addr, queue.MediaBuiltin, false)
}

// TestReloadDuringCallOnJanus is the same on a real Janus through the
// proxy, except that at the end the caller leaves the page and the host
// ends the call with Hang up while the caller is away.
func TestReloadDuringCallOnJanus(t *testing.T) {
	a, addr := startJanusApp(t)
	runReload(t, a, addr, queue.MediaJanus, true)
}

// runReload drives TestReloadDuringCall on media; endByHost ends the call
// with the host's Hang up while the caller is away instead of the
// caller's hang-up.
func runReload(t *testing.T, a *app.App, addr string, media queue.MediaEngine, endByHost bool) {
	base := "http://" + addr
	dir := artifacts(t)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	hostUser, err := a.Auth().AddUser(ctx, "rejoin@example.com", "Rita Rejoin", "host-password-1", auth.RoleHost)
	if err != nil {
		t.Fatal(err)
	}
	eng := a.Engine()
	q, err := eng.CreateQueue(ctx, queue.Queue{Slug: "rejoin", Name: "Rejoin desk", Mode: queue.ModeAuto,
		Hours: hours.AlwaysOpen(), Media: media, Timeouts: queue.Timeouts{WrapUp: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.PutHost(ctx, queue.HostID(hostUser.ID), "Rita Rejoin", []queue.QueueID{q.ID}); err != nil {
		t.Fatal(err)
	}
	b := browser(t)
	host := newTab(t, b, "host", base, dir)
	caller := newTab(t, b, "caller", base, dir)
	host.hostAvailable(base, "rejoin@example.com")
	caller.do("join", 20*time.Second,
		chromedp.Navigate(base+"/q/rejoin"),
		chromedp.WaitVisible(chromedp.ID("name-form")),
		chromedp.SendKeys(chromedp.ID("guest-name"), "Rex Reloader"),
		chromedp.Click(chromedp.CSS(`#name-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("join-form")),
		chromedp.Click(chromedp.ID("btn-join")),
	)
	host.poll("offer", 15*time.Second, `!document.getElementById('offer').hidden`)
	host.do("accept", 10*time.Second, chromedp.Click(chromedp.ID("btn-accept")))
	checkPlaying(t, host, caller)
	if t.Failed() {
		t.FailNow()
	}
	var entryID string
	host.eval(`(async () => (await (await fetch('/api/v1/hosts/me')).json()).entry_id)()`, &entryID)

	// The caller's page reloads: it finds the entry, gets a fresh ticket
	// and rejoins the room; the host resubscribes to the returning feed.
	caller.do("reload", 20*time.Second, chromedp.Reload())
	caller.poll("back in the call view", 15*time.Second, `!document.querySelector('[data-screen=call]').hidden`)
	caller.poll("webrtcup after the reload", 20*time.Second, `(window.frontdesk && window.frontdesk.webrtcup || []).length >= 2`)
	checkPlaying(t, host, caller)
	var hostMarks []string
	host.eval(`window.frontdesk.call.marks.map((m) => m[0])`, &hostMarks)
	if !slices.Contains(hostMarks, "peer-left") {
		t.Errorf("the host page did not notice the caller leave: marks %v", hostMarks)
	}
	en, err := eng.GetEntry(ctx, queue.EntryID(entryID))
	if err != nil || en.State != queue.EntryInCall {
		t.Fatalf("after the caller's reload the entry is %v (%v), want the same entry in_call", en.State, err)
	}
	host.shot("call-after-caller-reload")
	caller.shot("call-after-reload")

	// The caller leaves the page for a moment: the host sees who is away
	// and a countdown, and can end the call; the caller comes back.
	caller.do("leave the page", 10*time.Second, chromedp.Navigate("about:blank"))
	host.poll("the away notice with a countdown", 15*time.Second, `!document.getElementById('peer-away').hidden &&
	  document.getElementById('peer-away-text').textContent.startsWith('The caller disconnected') &&
	  /ends in \d+ s/.test(document.getElementById('peer-away-countdown').textContent) &&
	  !document.getElementById('btn-hangup').disabled && document.activeElement.id === 'btn-hangup' &&
	  !document.getElementById('btn-end-call')`)
	host.shot("caller-away")
	caller.do("come back", 20*time.Second, chromedp.Navigate(base+"/q/rejoin"))
	caller.poll("back in the call view", 15*time.Second, `!document.querySelector('[data-screen=call]').hidden`)
	host.poll("the away notice gone", 20*time.Second, `document.getElementById('peer-away').hidden`)

	// The host reloads: the console rejoins the call by itself.
	host.do("host reload", 20*time.Second, chromedp.Reload())
	host.poll("the host back in the call view", 20*time.Second, `!document.querySelector('[data-screen=call]').hidden`)
	checkPlaying(t, host, caller)
	if en, err := eng.GetEntry(ctx, queue.EntryID(entryID)); err != nil || en.State != queue.EntryInCall {
		t.Fatalf("after the host's reload the entry is %v (%v), want in_call", en.State, err)
	}

	if endByHost {
		// The caller is gone again and the host does not wait: Hang up.
		caller.do("leave the page", 10*time.Second, chromedp.Navigate("about:blank"))
		host.poll("the away notice", 15*time.Second, `!document.getElementById('peer-away').hidden`)
		host.do("end call", 10*time.Second, chromedp.Click(chromedp.ID("btn-hangup")))
	} else {
		// Hang up ends the call at once; the host goes through wrap-up.
		caller.do("hang up", 10*time.Second, chromedp.Click(chromedp.ID("btn-hangup")))
		caller.poll("thank-you", 15*time.Second, `!document.querySelector('[data-screen=thanks]').hidden`)
	}
	host.poll("wrap-up", 15*time.Second, `!document.querySelector('[data-screen=console]').hidden && document.getElementById('host-state').dataset.state === 'wrap_up'`)
	host.do("ready", 10*time.Second, chromedp.Click(chromedp.ID("btn-ready")))
	host.poll("available after wrap-up", 10*time.Second, `document.getElementById('host-state').dataset.state === 'available'`)
	if en, err := eng.GetEntry(ctx, queue.EntryID(entryID)); err != nil || en.State != queue.EntryCompleted {
		t.Fatalf("after the hang-up the entry is %v (%v), want completed", en.State, err)
	}
}
