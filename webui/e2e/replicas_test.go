package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
)

// TestCallAcrossReplicas: two replicas on one MongoDB-wire store and one
// NATS cluster, as behind a load balancer that sent the caller's page to
// replica A and the host's to replica B. The caller joins on A; B's
// console gets the offer; the host accepts on B, so the room is made by B
// (on B's built-in SFU, or on the Janus both replicas use); both pages
// reach two-way media, each through its own replica's /janus proxy; the
// caller hangs up on A and B's console goes to wrap-up.
func TestCallAcrossReplicas(t *testing.T) {
	for _, media := range []queue.MediaEngine{queue.MediaBuiltin, queue.MediaJanus} {
		t.Run(media.String(), func(t *testing.T) {
			needChromium(t)
			cfgs := apptest.Replicas(t, 2)
			var a, b *app.App
			var addrA, addrB string
			if media == queue.MediaJanus {
				inst, events := apptest.StartJanus(t, "janus-replicas")
				a, addrA = startApp(t, cfgs[0], apptest.WithJanus(inst))
				b, addrB = startApp(t, cfgs[1], apptest.WithJanus(inst))
				events.To(addrA) // Janus's events land on the replica that did not make the room
			} else {
				a, addrA = startApp(t, cfgs[0])
				b, addrB = startApp(t, cfgs[1])
			}
			runCallAcrossReplicas(t, a, b, "http://"+addrA, "http://"+addrB, media)
		})
	}
}

func runCallAcrossReplicas(t *testing.T, a, b *app.App, baseA, baseB string, media queue.MediaEngine) {
	dir := artifacts(t)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	hostUser, err := a.Auth().AddUser(ctx, "host@example.com", "Hana Host", "host-password-1", auth.RoleHost)
	if err != nil {
		t.Fatal(err)
	}
	q, err := a.Engine().CreateQueue(ctx, queue.Queue{Slug: "desk", Name: "Help desk", Mode: queue.ModeAuto,
		Hours: hours.AlwaysOpen(), Media: media, Timeouts: queue.Timeouts{WrapUp: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Engine().PutHost(ctx, queue.HostID(hostUser.ID), "Hana Host", []queue.QueueID{q.ID}); err != nil {
		t.Fatal(err)
	}
	br := browser(t)
	caller := newTab(t, br, "caller", baseA, dir)
	host := newTab(t, br, "host", baseB, dir)

	caller.joinAsGuest(baseA+"/q/desk", "Cal Caller")
	host.do("debug log", 10*time.Second, chromedp.Navigate(baseB+"/host"),
		chromedp.Evaluate[chromedp.Void](`localStorage.setItem('frontdesk.debug', '1')`))
	host.hostAvailable(baseB, "host@example.com")
	host.poll("the offer of A's caller on B", 15*time.Second, `!document.getElementById('offer').hidden &&
	  document.getElementById('offer-name').textContent === 'Cal Caller'`)
	host.acceptOffer()

	for _, tb := range []*tab{host, caller} {
		tb.poll("webrtcup", 20*time.Second, `(window.frontdesk && window.frontdesk.webrtcup || []).length >= 2`)
	}
	checkPlaying(t, host, caller)
	caller.shot("call-on-A")
	host.shot("call-on-B")

	// The room is where B put it: B's own SFU, or the shared Janus.
	var ids struct {
		Call string `json:"id"`
		Feed uint64 `json:"feed_id"`
	}
	host.eval(`window.frontdesk.call.info`, &ids)
	room, _, err := a.Engine().CallCredentials(ctx, queue.CallID(ids.Call), ids.Feed)
	if err != nil {
		t.Fatal(err)
	}
	wantAddr := ""
	if media == queue.MediaBuiltin {
		wantAddr = "http://" + b.BuiltinSFUAddr()
	}
	if room.Engine != media || room.Addr != wantAddr {
		t.Fatalf("room on %v at %q, want %v at %q", room.Engine, room.Addr, media, wantAddr)
	}

	caller.do("hang up on A", 10*time.Second, chromedp.Click(chromedp.ID("btn-hangup")))
	caller.poll("thank-you", 15*time.Second, `!document.querySelector('[data-screen=thanks]').hidden`)
	host.poll("wrap-up on B", 15*time.Second, `document.getElementById('host-state').dataset.state === 'wrap_up'`)
	host.shot("wrapup-on-B")
	st, err := b.Engine().Stats(ctx, q.ID, time.Now().Add(-time.Hour), time.Now().Add(time.Second))
	if err != nil || st.Joined != 1 || st.Answered != 1 || st.Completed != 1 {
		t.Fatalf("stats on B: joined=%d answered=%d completed=%d, %v; want 1 each", st.Joined, st.Answered, st.Completed, err)
	}
}
