package check

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Status is the outcome of one check.
type Status int

// The outcomes of a check.
const (
	// Pass: the instance is configured as Frontdesk needs.
	Pass Status = iota
	// Fail: something is wrong; Result.Detail says what and Result.Fix how
	// to repair it.
	Fail
	// Skip: the check could not run because an earlier one failed or its
	// input is missing; Result.Detail says why. A skip is not a failure.
	Skip
)

// String returns "ok", "FAIL" or "skip".
func (s Status) String() string {
	switch s {
	case Pass:
		return "ok"
	case Fail:
		return "FAIL"
	case Skip:
		return "skip"
	}
	return "status(" + strconv.Itoa(int(s)) + ")"
}

// Name identifies a check.
type Name string

// The checks, in the order [Run] performs them.
const (
	AdminAPI       Name = "admin-api"           // Admin API answers ping
	Version        Name = "janus-version"       // Janus 1.1 or later (info)
	AdminSecret    Name = "admin-secret"        // get_status accepted with the configured admin_secret
	TokenAuth      Name = "token-auth"          // token_auth = true (info auth_token)
	VideoRoom      Name = "videoroom"           // janus.plugin.videoroom loaded (info plugins)
	SIPPlugin      Name = "sip-plugin"          // janus.plugin.sip loaded (info plugins); only with Target.SIP
	AdminKey       Name = "videoroom-admin-key" // create/destroy with admin_key works; without it, refused (433)
	EventHandlers  Name = "event-handlers"      // events.broadcast = true (info event_handlers)
	SampleEVH      Name = "sampleevh"           // janus.eventhandler.sampleevh loaded (info events)
	EventsDelivery Name = "events-delivery"     // a VideoRoom event reached Frontdesk (EventWitness)
)

// Result is the outcome of one check on one instance.
type Result struct {
	// Instance is the instance name from Frontdesk's config.
	Instance string
	// Check names the check.
	Check Name
	// Status is the outcome.
	Status Status
	// Detail says what was found, e.g. "Janus refused the admin_secret
	// (403 Unauthorized request)". Never contains a secret.
	Detail string
	// Fix says how to repair a failure ("" when passing).
	Fix string
}

// Failed reports whether any result is a failure.
func Failed(rs []Result) bool {
	for _, r := range rs {
		if r.Status == Fail {
			return true
		}
	}
	return false
}

// WriteTable writes rs as an aligned table (INSTANCE CHECK STATUS DETAIL),
// each failure followed by an indented "fix:" line, then a summary line.
func WriteTable(w io.Writer, rs []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INSTANCE\tCHECK\tSTATUS\tDETAIL")
	var failed, skipped int
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Instance, r.Check, r.Status, oneLine(r.Detail))
		switch r.Status {
		case Fail:
			failed++
			if r.Fix != "" {
				fmt.Fprintf(tw, "\t\t\t  fix: %s\n", oneLine(r.Fix))
			}
		case Skip:
			skipped++
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d checks: %d passed, %d failed, %d skipped\n", len(rs), len(rs)-failed-skipped, failed, skipped)
	return err
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
