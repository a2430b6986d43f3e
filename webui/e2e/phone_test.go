package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
)

// TestPhoneWidth: on a phone-sized viewport (390×844 CSS px) no page
// scrolls sideways; wide tables scroll inside their own region instead.
func TestPhoneWidth(t *testing.T) {
	a, addr := startApp(t)
	base := "http://" + addr
	dir := artifacts(t)
	ctx := context.Background()
	if _, err := a.Auth().AddUser(ctx, "admin@example.com", "Ada Admin", "admin-password-1", auth.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	host, err := a.Auth().AddUser(ctx, "host@example.com", "Hana Host", "host-password-1", auth.RoleHost)
	if err != nil {
		t.Fatal(err)
	}
	q, err := a.Engine().CreateQueue(ctx, queue.Queue{Slug: "printers", Name: "Help desk for printers and scanners",
		Mode: queue.ModeAuto, Hours: hours.AlwaysOpen()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Engine().PutHost(ctx, queue.HostID(host.ID), "Hana Host", []queue.QueueID{q.ID}); err != nil {
		t.Fatal(err)
	}
	b := browser(t)
	type steps = []chromedp.Action[chromedp.Void]
	signIn := func(email, password, page, ready string) steps {
		return steps{
			chromedp.Navigate(base + page),
			chromedp.WaitVisible(chromedp.ID("login-form")),
			chromedp.SendKeys(chromedp.ID("email"), email),
			chromedp.SendKeys(chromedp.ID("password"), password),
			chromedp.Click(chromedp.CSS(`#login-form button[type=submit]`)),
			chromedp.WaitVisible(chromedp.ID(ready)),
		}
	}
	for _, tc := range []struct {
		name  string
		steps steps
		ready string // a JS condition for the page's content being there
	}{
		{"admin", append(signIn("admin@example.com", "admin-password-1", "/", "links"),
			chromedp.Navigate(base+"/admin"), chromedp.WaitVisible(chromedp.ID("queue-table"))),
			`document.querySelector('#queue-table tbody').children.length > 0 && !!document.querySelector('#dash [data-queue]')`},
		{"host", signIn("host@example.com", "host-password-1", "/host", "btn-available"),
			`!!document.getElementById('my-stats-table')`},
		{"caller", steps{chromedp.Navigate(base + "/q/printers"), chromedp.WaitVisible(chromedp.ID("name-form"))}, `true`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := newTab(t, b, tc.name, base, dir)
			tb.do("open the page", 20*time.Second, append(steps{chromedp.EmulateViewport(390, 844)}, tc.steps...)...)
			tb.poll("its content", 10*time.Second, tc.ready)
			var w [2]float64
			tb.eval(`[document.documentElement.scrollWidth, document.documentElement.clientWidth]`, &w)
			tb.shot("phone")
			if w[0] > w[1] {
				var wide []string
				tb.eval(`[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
				  .slice(0, 10).map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : ''))`, &wide)
				t.Fatalf("the page is %v px wide in a %v px viewport; too wide: %v", w[0], w[1], fmt.Sprint(wide))
			}
		})
	}
}
