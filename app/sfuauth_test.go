package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/queue"
)

// TestBuiltinSFUListenerNeedsCredentials: a local process that finds the
// built-in SFU's loopback port can neither open a session (to list rooms
// with their call ids, or create rooms) without a token, nor with a
// made-up one, while a call through the proxy still works
// (TestCallOnBuiltinSFU).
func TestBuiltinSFUListenerNeedsCredentials(t *testing.T) {
	a, _ := apptest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	acceptCall(ctx, t, a.Engine(), queue.MediaBuiltin, nil) // a live room exists
	sfuURL := "http://" + a.BuiltinSFUAddr() + "/janus"
	for _, body := range []string{
		`{"janus":"create","transaction":"t1"}`,
		`{"janus":"create","transaction":"t2","token":"guessed"}`,
		`{"janus":"create","transaction":"t3","token":""}`,
	} {
		resp, err := http.Post(sfuURL, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var reply struct {
			Janus string `json:"janus"`
			Error struct {
				Code int `json:"code"`
			} `json:"error"`
		}
		err = json.NewDecoder(resp.Body).Decode(&reply)
		resp.Body.Close()
		if err != nil || reply.Janus != "error" || reply.Error.Code != 403 {
			t.Fatalf("%s on the SFU's listener: %+v (%v), want error 403", body, reply, err)
		}
	}
}
