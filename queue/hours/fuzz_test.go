package hours

import (
	"encoding/json"
	"testing"
	"time"
)

// FuzzSchedule decodes untrusted schedule JSON (as sent to the queues API)
// and checks that a schedule that validates never panics and that
// NextOpen's answer is open.
func FuzzSchedule(f *testing.F) {
	f.Add([]byte(`{"zone":"Europe/Berlin","weekly":[[],[{"from":"09:00","to":"12:00"},{"from":"13:00","to":"17:00"}],[],[],[],[],[]],"overrides":[{"date":"2026-12-25","closed":true}],"manual":"none"}`), int64(1790000000))
	f.Add([]byte(`{"zone":"America/New_York","weekly":[[{"from":"02:30","to":"05:00"}],[],[],[],[],[],[]]}`), int64(1772953200))
	f.Add([]byte(`{"zone":"","weekly":[[{"from":"00:00","to":"24:00"}]],"manual":"open"}`), int64(0))
	f.Fuzz(func(t *testing.T, data []byte, unix int64) {
		var s Schedule
		if json.Unmarshal(data, &s) != nil || s.Validate() != nil {
			return
		}
		at := time.Unix(unix%(1<<34), 0)
		if next, ok := s.NextOpen(at); ok && !s.Open(next) {
			t.Fatalf("NextOpen(%s) = %s which is closed", at, next)
		}
		if end, ok := s.NextClose(at); ok && (s.Open(end) || end.Before(at)) {
			t.Fatalf("NextClose(%s) = %s which is open or earlier", at, end)
		}
	})
}
