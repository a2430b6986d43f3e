package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/config"
)

// TestSignedStateSurvivesRestartWithoutAuthKeys: with auth.keys empty the
// key ring is kept in <data_dir>/frontdesk.keys, so what one run signed
// (sessions, call tickets) still verifies after a restart, and
// docs/configuration.md says so.
func TestSignedStateSurvivesRestartWithoutAuthKeys(t *testing.T) {
	dir := t.TempDir()
	useDir := func(c *config.Config) { c.Store.DataDir = dir; c.Auth.Keys = "" }
	var ticket string
	t.Run("first run", func(t *testing.T) {
		a, _ := apptest.Start(t, useDir)
		var err error
		ticket, _, err = a.Auth().IssueTicket(auth.Ticket{CallID: "c1", Room: 7, Instance: "builtin", Subject: "u1",
			ParticipantID: 9, Display: "Ann", Role: auth.CallCaller, TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
	})
	if fi, err := os.Stat(filepath.Join(dir, "frontdesk.keys")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v", fi, err)
	}
	t.Run("second run", func(t *testing.T) {
		a, _ := apptest.Start(t, useDir)
		if got, err := a.Auth().VerifyTicket(ticket); err != nil || got.CallID != "c1" {
			t.Fatalf("ticket of the first run after a restart: %+v, %v", got, err)
		}
	})

	doc, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	var row string
	for line := range strings.SplitSeq(string(doc), "\n") {
		if strings.HasPrefix(line, "| `auth.keys` |") {
			row = line
		}
	}
	if !strings.Contains(row, "frontdesk.keys") || strings.Contains(row, "do not survive a restart") {
		t.Errorf("docs/configuration.md's auth.keys row does not say what happens without keys: %s", row)
	}
}
