package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/config"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
	"github.com/frontdesk/frontdesk/webhookout"
)

// TestExportWebhook: with export.webhooks configured, a caller joining
// reaches the receiver as a signed entry.joined event, and kinds the
// receiver did not ask for do not.
func TestExportWebhook(t *testing.T) {
	const secret = "export-secret-0123456789"
	got := make(chan queue.Event, 16)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhookout.Verify(secret, r.Header.Get(webhookout.SignatureHeader), body, time.Now(), time.Minute); err != nil {
			t.Errorf("delivery does not verify: %v", err)
		}
		var ev queue.Event
		if err := json.Unmarshal(body, &ev); err != nil || ev.ID != r.Header.Get(webhookout.EventIDHeader) {
			t.Errorf("body %s, id header %q", body, r.Header.Get(webhookout.EventIDHeader))
		}
		got <- ev
	}))
	defer recv.Close()
	a, _ := apptest.Start(t, func(c *config.Config) {
		c.Export.Webhooks = []config.ExportWebhook{{Name: "crm", URL: config.Secret(recv.URL), Secret: secret, Events: []string{"entry.joined"}}}
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
	})
	ctx := t.Context()
	q, err := a.Engine().CreateQueue(ctx, queue.Queue{Slug: "x", Name: "X", Mode: queue.ModeAuto, Hours: hours.AlwaysOpen()})
	if err != nil {
		t.Fatal(err)
	}
	j, err := a.Engine().Join(ctx, q.ID, queue.JoinRequest{Caller: queue.Caller{ID: "c1", Name: "Caller"}})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-got:
		if ev.Kind != queue.EventEntryJoined || ev.Entry != j.Entry.ID || ev.Queue != q.ID {
			t.Fatalf("received %+v, want entry.joined of %s", ev, j.Entry.ID)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the receiver got nothing")
	}
	select {
	case ev := <-got:
		t.Fatalf("received %s, which the receiver did not ask for", ev.Kind)
	case <-time.After(200 * time.Millisecond):
	}
}
