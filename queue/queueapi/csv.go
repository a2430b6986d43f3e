package queueapi

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/queue"
)

// csvHeader is the column list of WriteCSV.
var csvHeader = []string{"id", "queue_id", "seq", "state", "reason", "caller_id", "caller_name", "guest", "priority",
	"host_id", "created_at", "offered_at", "answered_at", "started_at", "ended_at", "wait_s", "handle_s", "intake"}

// csvSafe defuses spreadsheet formula injection (OWASP "CSV injection"):
// a cell whose first character after any leading whitespace, control or
// format characters (spreadsheets skip them) is = + - @ (or their
// full-width forms), or that starts with a tab or CR, gets a leading
// apostrophe, so it is read as text.
func csvSafe(s string) string {
	rest := strings.TrimLeftFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
	})
	if rest == "" {
		return s
	}
	r, _ := utf8.DecodeRuneInString(rest)
	if strings.ContainsRune("=+-@＝＋－＠", r) || strings.ContainsAny(s[:1], "\t\r") {
		return "'" + s
	}
	return s
}

// WriteCSV writes entries as CSV (RFC 4180) with a header row; times are
// RFC 3339 in loc, durations in seconds, intake as a JSON object. Cells
// from callers are defused against formula injection.
func WriteCSV(w io.Writer, entries []queue.Entry, loc *time.Location) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return fmt.Errorf("queueapi: csv: %w", err)
	}
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format(time.RFC3339)
	}
	for i := range entries {
		en := &entries[i]
		reason := ""
		if n := len(en.History); n > 0 {
			reason = en.History[n-1].Reason
		}
		wait, handle := "", ""
		if d, ok := en.WaitTime(); ok {
			wait = strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
		}
		if !en.AnsweredAt.IsZero() && !en.EndedAt.IsZero() {
			handle = strconv.FormatFloat(en.EndedAt.Sub(en.AnsweredAt).Seconds(), 'f', 3, 64)
		}
		intake := ""
		if len(en.Intake) > 0 {
			b, _ := json.Marshal(en.Intake) // map[string]string always marshals
			intake = string(b)
		}
		row := []string{string(en.ID), string(en.QueueID), strconv.FormatInt(en.Seq, 10), en.State.String(), csvSafe(reason),
			csvSafe(en.CallerID), csvSafe(en.CallerName), strconv.FormatBool(en.Guest), strconv.Itoa(en.Priority),
			csvSafe(string(en.HostID)), ts(en.CreatedAt), ts(en.OfferedAt), ts(en.AnsweredAt), ts(en.StartedAt), ts(en.EndedAt),
			wait, handle, csvSafe(intake)}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("queueapi: csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("queueapi: csv: %w", err)
	}
	return nil
}
