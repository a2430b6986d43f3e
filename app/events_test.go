package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/config"
	"github.com/frontdesk/frontdesk/queue"
)

// postEvent posts one sample-event-handler event to addr's webhook as user.
func postEvent(t *testing.T, addr, user, pwd, event string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/janus/events", strings.NewReader(event))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(user, pwd)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("post: %d %s", resp.StatusCode, body)
	}
	return string(body)
}

// leaving is a VideoRoom "leaving" event from emitter (Janus 1.1.2 shape).
func leaving(emitter string, room, feed uint64) string {
	return fmt.Sprintf(`{"emitter":%q,"type":64,"timestamp":%d,"event":{"plugin":"janus.plugin.videoroom","data":{"event":"leaving","room":%d,"id":%d}}}`,
		emitter, time.Now().UnixMicro(), room, feed)
}

// TestWebhookCannotEndABuiltinCall: the events password does not let a
// post speak for the built-in SFU: a forged "leaving" of the host of a
// call on the SFU is refused and the call goes on.
func TestWebhookCannotEndABuiltinCall(t *testing.T) {
	a, addr := apptest.Start(t, func(c *config.Config) { c.Events.User, c.Events.Password = "janus", "events-Pa55" })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	entry, acc := acceptCall(ctx, t, a.Engine(), queue.MediaBuiltin, nil)
	var hostFeed uint64
	for _, p := range acc.Call.Participants {
		if p.Role == queue.PartyHost {
			hostFeed = p.FeedID
		}
	}
	reply := postEvent(t, addr, "janus", "events-Pa55", leaving(app.BuiltinInstance, acc.Call.Room.ID, hostFeed))
	if !strings.Contains(reply, `"refused":1`) {
		t.Errorf("reply %s, want the event refused", reply)
	}
	for deadline := time.Now().Add(1500 * time.Millisecond); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		en, err := a.Engine().GetEntry(ctx, entry.ID)
		if err != nil || en.State != queue.EntryConnecting {
			t.Fatalf("entry after a forged leaving of the built-in SFU's host: %v, %v", en.State, err)
		}
	}
}

// TestWebhookBindsEachInstanceToItsEmitter: the configuration's
// credentials reach the webhook: an instance's own pair carries only its
// events, the shared pair only the single instance's, and nobody's the
// built-in SFU's.
func TestWebhookBindsEachInstanceToItsEmitter(t *testing.T) {
	inst := func(name, user, pwd string) config.JanusInstance {
		return config.JanusInstance{Name: name, WSURL: "ws://127.0.0.1:1/", AdminURL: "http://127.0.0.1:1/admin",
			EventsUser: user, EventsPassword: config.Secret(pwd)}
	}
	two := func(c *config.Config) {
		c.Janus.Instances = []config.JanusInstance{inst("janus-a", "evh-a", "pwd-a"), inst("janus-b", "evh-b", "pwd-b")}
	}
	one := func(c *config.Config) {
		c.Janus.Instances = []config.JanusInstance{inst("janus-a", "", "")}
		c.Events.User, c.Events.Password = "janus", "shared-pwd"
	}
	tests := []struct {
		name        string
		edit        func(*config.Config)
		user, pwd   string
		emitter     string
		wantRefused int
	}{
		{"instance's own events", two, "evh-a", "pwd-a", "janus-a", 0},
		{"another instance's events", two, "evh-a", "pwd-a", "janus-b", 1},
		{"the built-in SFU's events", two, "evh-b", "pwd-b", app.BuiltinInstance, 1},
		{"shared pair, the single instance", one, "janus", "shared-pwd", "janus-a", 0},
		{"shared pair, an unknown emitter", one, "janus", "shared-pwd", "janus-b", 1},
		{"shared pair, the built-in SFU", one, "janus", "shared-pwd", app.BuiltinInstance, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, addr := apptest.Start(t, tt.edit)
			reply := postEvent(t, addr, tt.user, tt.pwd, leaving(tt.emitter, 42, 7))
			if want := fmt.Sprintf(`"refused":%d`, tt.wantRefused); !strings.Contains(reply, want) {
				t.Fatalf("reply %s, want %s", reply, want)
			}
		})
	}
}
