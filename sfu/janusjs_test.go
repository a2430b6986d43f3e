package sfu

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// janusJS and adapterJS are the official janus.js and its webrtc-adapter
// dependency, from Debian's janus and libjs-webrtc-adapter packages.
const (
	janusJS   = "/usr/share/javascript/janus-gateway/janus.js"
	adapterJS = "/usr/share/javascript/webrtc-adapter/adapter.min.js"
)

// janusJSPage publishes Chromium's fake camera and microphone with the
// official janus.js, subscribes to itself on a second handle and reports
// through window.state.
const janusJSPage = `<!doctype html><html><head>
<script src="/adapter.js"></script><script src="/janus.js"></script></head><body><script>
window.state = {log: []};
function log(s) { window.state.log.push(String(s)); }
Janus.init({debug: false, callback: function() {
  const janus = new Janus({server: SERVER, success: function() {
    let pub, sub, myid;
    janus.attach({plugin: "janus.plugin.videoroom",
      success: function(h) { pub = h; pub.send({message: {request: "join", ptype: "publisher", room: ROOM, display: "janus.js"}}); },
      error: log,
      webrtcState: function(on) { window.state.pubUp = on; if (on) subscribe(); },
      onmessage: function(msg, jsep) {
        if (msg.videoroom === "joined") {
          myid = msg.id; window.state.joined = true;
          pub.createOffer({tracks: [{type: "audio", capture: true, recv: false}, {type: "video", capture: true, recv: false}],
            success: function(j) { pub.send({message: {request: "publish"}, jsep: j}); }, error: log});
        } else if (msg.error) { log(msg.error); }
        if (jsep) pub.handleRemoteJsep({jsep: jsep});
      }});
    function subscribe() {
      janus.attach({plugin: "janus.plugin.videoroom",
        success: function(h) { sub = h; sub.send({message: {request: "join", ptype: "subscriber", room: ROOM, streams: [{feed: myid}]}}); },
        error: log,
        webrtcState: function(on) { window.state.subUp = on; },
        onremotetrack: function(track, mid, on) { if (on) window.state.tracks = (window.state.tracks || 0) + 1; },
        onmessage: function(msg, jsep) {
          if (msg.error) log(msg.error);
          if (jsep) sub.createAnswer({jsep: jsep, tracks: [{type: "audio", capture: false, recv: true}, {type: "video", capture: false, recv: true}],
            success: function(a) { sub.send({message: {request: "start"}, jsep: a}); }, error: log});
        }});
    }
    setInterval(async function() {
      if (!sub || !sub.webrtcStuff.pc) return;
      let n = 0;
      (await sub.webrtcStuff.pc.getStats()).forEach(function(r) { if (r.type === "inbound-rtp") n += r.packetsReceived || 0; });
      window.state.received = n;
    }, 250);
  }, error: log});
}});
</script></body></html>`

// TestJanusJSAgainstSFU runs the official janus.js in headless Chromium
// against the SFU over both transports: join, publish, subscribe and
// media flowing, with no change to janus.js.
func TestJanusJSAgainstSFU(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	_, jsErr := os.Stat(janusJS)
	if err != nil || jsErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium and janus.js are needed under CI=true (chromium: %v, janus.js: %v)", err, jsErr)
		}
		t.Skipf("needs chromium and janus.js (chromium: %v, janus.js: %v)", err, jsErr)
	}
	// Chromium never uses loopback candidates: gather on every interface.
	srv, err := New(Config{}, WithLogger(testLogger(t)))
	if err != nil {
		t.Fatal(err)
	}
	room, err := srv.CreateRoom(context.Background(), RoomConfig{Description: "janus.js"})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/sfu/", http.StripPrefix("/sfu", srv.Handler()))
	mux.HandleFunc("/janus.js", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, janusJS) })
	mux.HandleFunc("/adapter.js", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, adapterJS) })
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		page := strings.NewReplacer("SERVER", fmt.Sprintf("%q", r.URL.Query().Get("server")), "ROOM", fmt.Sprint(room)).Replace(janusJSPage)
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(page))
	})
	hs := httptest.NewServer(mux)
	t.Cleanup(func() { hs.CloseClientConnections(); _ = srv.Close(); hs.Close() })

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
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer acancel()
	for _, tc := range []struct{ name, server string }{
		{"websocket", wsURLOf(hs.URL) + "/sfu/"},
		{"http", hs.URL + "/sfu/janus"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := chromedp.NewContext(actx)
			defer cancel()
			ctx, tcancel := context.WithTimeout(ctx, 45*time.Second)
			defer tcancel()
			if err := chromedp.Do(ctx, chromedp.Navigate(hs.URL+"/page?server="+tc.server)); err != nil {
				t.Fatal(err)
			}
			ok, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.state.pubUp === true && window.state.subUp === true && window.state.received > 50`, chromedp.WithPollingTimeout(30*time.Second)))
			if err != nil || !ok {
				state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(window.state)`))
				t.Fatalf("janus.js did not publish and receive through the SFU: %v; page state %s", err, state)
			}
			parts, err := srv.Participants(ctx, room)
			if err != nil || len(parts) == 0 {
				t.Fatalf("participants: %v %v", parts, err)
			}
		})
	}
}
