package proxy_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/janus/janustest"
	"github.com/frontdesk/frontdesk/janus/videoroom"
	"github.com/frontdesk/frontdesk/proxy"
	"github.com/frontdesk/frontdesk/sfu"
)

// The official janus.js and its webrtc-adapter dependency, from Debian's
// libjs-janus-gateway and libjs-webrtc-adapter packages.
const (
	officialJanusJS = "/usr/share/javascript/janus-gateway/janus.js"
	webrtcAdapterJS = "/usr/share/javascript/webrtc-adapter/adapter.min.js"
)

// thirdPartyPage joins ROOM as a publisher with the unmodified janus.js,
// talking to SERVER on another origin, publishes Chromium's fake camera and
// microphone and reports through window.state (joined, then webrtcup).
const thirdPartyPage = `<!doctype html><html><head>
<script src="/adapter.js"></script><script src="/janus.js"></script></head><body><script>
window.state = {log: []};
function log(s) { window.state.log.push(typeof s === "string" ? s : JSON.stringify(s)); }
Janus.init({debug: false, callback: function() {
  const janus = new Janus({server: SERVER, success: function() {
    let pub;
    janus.attach({plugin: "janus.plugin.videoroom",
      success: function(h) { pub = h; pub.send({message: {request: "join", ptype: "publisher", room: ROOM, display: "third party"}}); },
      error: log,
      webrtcState: function(on) { window.state.webrtcup = on; },
      onmessage: function(msg, jsep) {
        if (msg.videoroom === "joined") {
          window.state.joined = msg.id;
          pub.createOffer({tracks: [{type: "audio", capture: true, recv: false}, {type: "video", capture: true, recv: false}],
            success: function(j) { pub.send({message: {request: "publish"}, jsep: j}); }, error: log});
        } else if (msg.error) { log(msg.error); }
        if (jsep) pub.handleRemoteJsep({jsep: jsep});
      }});
  }, error: log});
}});
</script></body></html>`

// TestOfficialJanusJSFromAnotherOrigin runs the unmodified janus.js in
// headless Chromium, on a page served from an allowed origin other than the
// proxy's, through the proxy over HTTP long-poll and over WebSocket, with
// the ticket in the path (server "<proxy>/janus/t/<ticket>"), against a
// real Janus and against the built-in SFU: the publisher joins its room and
// its PeerConnection comes up (webrtcup).
func TestOfficialJanusJSFromAnotherOrigin(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	_, jsErr := os.Stat(officialJanusJS)
	_, adErr := os.Stat(webrtcAdapterJS)
	if err != nil || jsErr != nil || adErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium, janus.js and adapter.js are needed under CI=true (%v; %v; %v)", err, jsErr, adErr)
		}
		t.Skipf("needs chromium, janus.js and adapter.js (%v; %v; %v)", err, jsErr, adErr)
	}
	log := slog.New(slog.DiscardHandler)
	keys, err := auth.GenerateKeyRing()
	if err != nil {
		t.Fatal(err)
	}
	as, err := auth.New(auth.NewMemoryStore(), keys, auth.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// The two backends, each with a room.
	type backend struct {
		target proxy.Target
		room   uint64
	}
	backends := map[string]backend{}
	inst := janustest.Start(t, janustest.Options{ServerName: "janus-js"})
	const janusRoom = 4242
	if _, err := videoroom.Create(ctx, inst.Admin().PluginRequester(videoroom.Plugin), videoroom.CreateRequest{
		Room: janusRoom, Pin: "pin-4242", Secret: "room-secret", AdminKey: inst.AdminKey}); err != nil {
		t.Fatal(err)
	}
	backends[inst.Name] = backend{room: janusRoom, target: proxy.Target{Instance: inst.Name, WSURL: inst.WSURL,
		HTTPURL: inst.HTTPURL, Pin: "pin-4242"}}
	// Chromium never uses loopback candidates: the SFU gathers on every
	// interface.
	sfuSrv, err := sfu.New(sfu.Config{}, sfu.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	sfuRoom, err := sfuSrv.CreateRoom(ctx, sfu.RoomConfig{Description: "janus.js"})
	if err != nil {
		t.Fatal(err)
	}
	sfuHTTP := httptest.NewServer(sfuSrv.Handler())
	t.Cleanup(func() { sfuHTTP.CloseClientConnections(); _ = sfuSrv.Close(); sfuHTTP.Close() })
	backends["builtin"] = backend{room: sfuRoom, target: proxy.Target{Instance: "builtin",
		WSURL: "ws" + strings.TrimPrefix(sfuHTTP.URL, "http") + "/janus", HTTPURL: sfuHTTP.URL + "/janus"}}

	// The page's origin, and the proxy on another one that allows it.
	pageMux := http.NewServeMux()
	pageMux.HandleFunc("/janus.js", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, officialJanusJS) })
	pageMux.HandleFunc("/adapter.js", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, webrtcAdapterJS) })
	pageMux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		page := strings.NewReplacer("SERVER", fmt.Sprintf("%q", r.URL.Query().Get("server")), "ROOM", r.URL.Query().Get("room")).Replace(thirdPartyPage)
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(page))
	})
	pages := httptest.NewServer(pageMux)
	t.Cleanup(pages.Close)
	px, err := proxy.New(as, proxy.ResolverFunc(func(_ context.Context, tk auth.Ticket) (proxy.Target, error) {
		b, ok := backends[tk.Instance]
		if !ok {
			return proxy.Target{}, proxy.ErrRoomUnavailable
		}
		tg := b.target
		if tk.Instance == inst.Name {
			// The participant's Janus stored token, as the app mints it.
			tg.Token = "jt-" + tk.ID
			if err := inst.Admin().AddToken(context.Background(), tg.Token, videoroom.Plugin); err != nil {
				return proxy.Target{}, err
			}
		}
		return tg, nil
	}), proxy.WithAllowedOrigins(pages.URL), proxy.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	pmux := http.NewServeMux()
	pmux.Handle("/janus", px)
	pmux.Handle("/janus/", px)
	proxySrv := httptest.NewServer(pmux)
	t.Cleanup(func() { _ = px.Close(); proxySrv.CloseClientConnections(); proxySrv.Close() })
	if pages.URL == proxySrv.URL {
		t.Fatal("the page and the proxy share an origin")
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("disable-features", "WebRtcHideLocalIpsWithMdns"),
	)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	if err := chromedp.Do(bctx); err != nil { // start the browser once
		t.Fatal(err)
	}
	pid := uint64(100)
	for _, engine := range []string{inst.Name, "builtin"} {
		for _, transport := range []string{"http", "websocket"} {
			t.Run(engine+"/"+transport, func(t *testing.T) {
				pid++
				b := backends[engine]
				raw, _, err := as.IssueTicket(auth.Ticket{CallID: "call-" + engine, Room: b.room, Instance: engine,
					Subject: fmt.Sprintf("user-%d", pid), ParticipantID: pid, Display: "Caller", Role: auth.CallCaller})
				if err != nil {
					t.Fatal(err)
				}
				server := proxySrv.URL + "/janus/t/" + raw
				if transport == "websocket" {
					server = "ws" + strings.TrimPrefix(server, "http")
				}
				tctx, cancel := chromedp.NewContext(bctx)
				defer cancel()
				tctx, tcancel := context.WithTimeout(tctx, 40*time.Second)
				defer tcancel()
				page := pages.URL + "/page?room=" + fmt.Sprint(b.room) + "&server=" + url.QueryEscape(server)
				if err := chromedp.Do(tctx, chromedp.Navigate(page)); err != nil {
					t.Fatal(err)
				}
				ok, err := chromedp.Run(tctx, chromedp.Poll[bool](fmt.Sprintf(`window.state.joined === %d && window.state.webrtcup === true`, pid),
					chromedp.WithPollingTimeout(30*time.Second)))
				if err != nil || !ok {
					state, _ := chromedp.Run(tctx, chromedp.Evaluate[string](`JSON.stringify(window.state)`))
					t.Fatalf("janus.js on %s did not join and reach webrtcup through %s: %v; page state %s", pages.URL, server[:strings.Index(server, "/t/")+3]+"…", err, state)
				}
			})
		}
	}
}
