package app_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/config"
	"github.com/frontdesk/frontdesk/problem"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
)

func sfuOff(c *config.Config) { c.SFU.Enabled = false }

// offerTo makes a queue on media (slug) with one available host (hostID)
// and one waiting caller, waits for the offer and has the host accept it.
func offerTo(ctx context.Context, t *testing.T, eng *queue.Engine, slug string, media queue.MediaEngine, hostID string) (queue.Accepted, error) {
	t.Helper()
	q, err := eng.CreateQueue(ctx, queue.Queue{Slug: slug, Name: slug, Mode: queue.ModeAuto, Hours: hours.AlwaysOpen(), Media: media})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.PutHost(ctx, queue.HostID(hostID), "Host "+hostID, []queue.QueueID{q.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.SetAvailability(ctx, queue.HostID(hostID), queue.HostAvailable); err != nil {
		t.Fatal(err)
	}
	joined, err := eng.Join(ctx, q.ID, queue.JoinRequest{Caller: queue.Caller{ID: "caller-" + slug, Name: "Cal " + slug}})
	if err != nil {
		t.Fatal(err)
	}
	entry := waitEntry(t, eng, string(joined.Entry.ID), queue.EntryOffered)
	return eng.Accept(ctx, queue.HostID(hostID), entry.ID)
}

// wantNoMediaEngine checks err is the 503 problem that names the setting.
func wantNoMediaEngine(t *testing.T, err error, detail string) {
	t.Helper()
	var p *problem.Details
	if !errors.As(err, &p) {
		t.Fatalf("Accept error %v (%T) carries no problem document", err, err)
	}
	if p.Status != http.StatusServiceUnavailable || p.Extensions["reason"] != app.ReasonNoMediaEngine ||
		!strings.Contains(p.Detail, "sfu.enabled is false") || !strings.Contains(p.Detail, detail) {
		t.Fatalf("problem = %d %v %q; want 503 %s naming sfu.enabled and %q", p.Status, p.Extensions, p.Detail, app.ReasonNoMediaEngine, detail)
	}
}

// TestSFUOffWithoutJanus: with sfu.enabled false there is no SFU listener,
// and with no Janus either a call cannot start; the host is told why.
func TestSFUOffWithoutJanus(t *testing.T) {
	a, _ := apptest.Start(t, sfuOff)
	if addr := a.BuiltinSFUAddr(); addr != "" {
		t.Fatalf("built-in SFU listens on %s although sfu.enabled is false", addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tests := []struct {
		media  queue.MediaEngine
		detail string
	}{
		{queue.MediaBuiltin, "This queue's calls use the built-in SFU"},
		{queue.MediaAuto, "no Janus instance is configured"},
	}
	for _, tt := range tests {
		t.Run(tt.media.String(), func(t *testing.T) {
			_, err := offerTo(ctx, t, a.Engine(), "off-"+tt.media.String(), tt.media, "host-"+tt.media.String())
			wantNoMediaEngine(t, err, tt.detail)
		})
	}
}

// TestSFUOffWithJanus: with sfu.enabled false and a Janus configured, an
// auto queue's calls go to Janus and a builtin-only queue's are refused.
func TestSFUOffWithJanus(t *testing.T) {
	a, _, inst := apptest.StartWithJanus(t, "janus-sfu-off", sfuOff)
	if addr := a.BuiltinSFUAddr(); addr != "" {
		t.Fatalf("built-in SFU listens on %s although sfu.enabled is false", addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	acc, err := offerTo(ctx, t, a.Engine(), "auto-desk", queue.MediaAuto, "host-auto")
	if err != nil {
		t.Fatalf("accept on an auto queue with Janus: %v", err)
	}
	if r := acc.Call.Room; r.Engine != queue.MediaJanus || r.Instance != inst.Name {
		t.Fatalf("call room on %v/%q, want janus/%q", r.Engine, r.Instance, inst.Name)
	}
	_, err = offerTo(ctx, t, a.Engine(), "builtin-desk", queue.MediaBuiltin, "host-builtin")
	wantNoMediaEngine(t, err, "This queue's calls use the built-in SFU")
}
