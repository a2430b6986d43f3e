package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
)

// TestFailoverInBrowsers: a call between the caller's page and the host's
// console on one of two real Janus instances; that Janus is killed
// (SIGKILL). Both pages say "Reconnecting…", fetch a new ticket and join
// the call's new room on the other Janus by themselves, without a click,
// and show the other side's video playing again; the entry stays in_call.
func TestFailoverInBrowsers(t *testing.T) {
	needChromium(t)
	j1, ev1 := apptest.StartJanus(t, "janus-fo-web-1")
	j2, ev2 := apptest.StartJanus(t, "janus-fo-web-2")
	a, addr := startApp(t, apptest.WithJanusInstances(j1, j2))
	ev1.To(addr)
	ev2.To(addr)
	base := "http://" + addr
	dir := artifacts(t)
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()
	eng := a.Engine()
	hostUser, err := a.Auth().AddUser(ctx, "host@example.com", "Hana Host", "host-password-1", auth.RoleHost)
	if err != nil {
		t.Fatal(err)
	}
	q, err := eng.CreateQueue(ctx, queue.Queue{Slug: "desk", Name: "Help desk", Mode: queue.ModeAuto,
		Hours: hours.AlwaysOpen(), Media: queue.MediaJanus})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.PutHost(ctx, queue.HostID(hostUser.ID), "Hana Host", []queue.QueueID{q.ID}); err != nil {
		t.Fatal(err)
	}
	// The call's first room goes to janus-fo-web-1.
	if err := a.Pool().Drain(ctx, j2.Name); err != nil {
		t.Fatal(err)
	}

	br := browser(t)
	caller := newTab(t, br, "caller", base, dir)
	host := newTab(t, br, "host", base, dir)
	caller.joinAsGuest(base+"/q/desk", "Cal Caller")
	host.hostAvailable(base, "host@example.com")
	host.acceptOffer()
	for _, tb := range []*tab{host, caller} {
		tb.poll("webrtcup", 20*time.Second, `(window.frontdesk && window.frontdesk.webrtcup || []).length >= 2`)
	}
	checkPlaying(t, host, caller)
	if err := a.Pool().Undrain(ctx, j2.Name); err != nil {
		t.Fatal(err)
	}
	var ids struct {
		Call string `json:"id"`
	}
	host.eval(`window.frontdesk.call.info`, &ids)
	before, err := eng.Store().GetCall(ctx, queue.CallID(ids.Call))
	if err != nil || before.Room.Instance != j1.Name {
		t.Fatalf("call on %q (%v), want %s", before.Room.Instance, err, j1.Name)
	}

	killed := time.Now()
	j1.Kill()
	for _, tb := range []*tab{host, caller} {
		tb.poll("reconnected and media up again", 30*time.Second, `(() => {
		  const c = window.frontdesk.call;
		  return c.marks.some(([l]) => l.startsWith('reconnecting')) && c.marks.some(([l]) => l === 'reconnected') &&
		    window.frontdesk.webrtcup.length >= 4; })()`)
	}
	checkPlaying(t, host, caller)
	t.Logf("both pages play the other's video again %v after the kill", time.Since(killed).Round(time.Millisecond))
	host.shot("after-failover")
	caller.shot("after-failover")
	var state string
	caller.eval(`document.getElementById('call-state').textContent`, &state)
	if state != "Connected" {
		t.Fatalf("caller's call state %q after the failover", state)
	}
	after, err := eng.Store().GetCall(ctx, queue.CallID(ids.Call))
	if err != nil || after.Room.Instance != j2.Name || after.Moves != 1 {
		t.Fatalf("call after the kill: on %q, moved %d times (%v)", after.Room.Instance, after.Moves, err)
	}
	en, err := eng.GetEntry(ctx, after.EntryID)
	if err != nil || en.State != queue.EntryInCall {
		t.Fatalf("entry %v (%v), want in_call", en.State, err)
	}
	for _, tr := range en.History {
		if tr.At.After(killed) && tr.State != queue.EntryInCall {
			t.Fatalf("the entry left in_call during the failover: %+v", en.History)
		}
	}
	caller.do("hang up", 10*time.Second, chromedp.Click(chromedp.ID("btn-hangup")))
	caller.poll("thank-you", 15*time.Second, `!document.querySelector('[data-screen=thanks]').hidden`)
}
