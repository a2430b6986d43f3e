package queueapi_test

import (
	"strings"
	"testing"
)

// TestServiceLevelThresholdName: a queue's service-level threshold is
// "service_level_threshold"; the former "service_level" is still read when
// the new name is absent, and never written.
func TestServiceLevelThresholdName(t *testing.T) {
	a := newAPIEnv(t)
	tests := []struct {
		name, fields string
		want         float64
	}{
		{"new name", `"service_level_threshold":20`, 20},
		{"former name", `"service_level":45`, 45},
		{"both: the new name wins", `"service_level_threshold":30,"service_level":45`, 30},
		{"neither: the default", ``, 60},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"slug":"sl` + string(rune('a'+i)) + `","name":"SL","hours":{"zone":"UTC","manual":"open"}`
			if tc.fields != "" {
				body += "," + tc.fields
			}
			body += "}"
			var q map[string]any
			raw := a.mustDo("POST", "/queues", "boss", "admin", body, &q, 201)
			if got, _ := q["service_level_threshold"].(float64); got != tc.want && !(tc.want == 60 && got == 0) {
				t.Errorf("service_level_threshold = %v, want %v (%s)", q["service_level_threshold"], tc.want, raw)
			}
			if strings.Contains(raw, `"service_level"`) {
				t.Errorf("the answer still writes the former name: %s", raw)
			}
			var st map[string]any
			a.mustDo("GET", "/queues/"+q["id"].(string)+"/stats", "boss", "admin", nil, &st, 200)
			if st["service_level_threshold"] != tc.want {
				t.Errorf("stats threshold = %v, want %v", st["service_level_threshold"], tc.want)
			}
		})
	}
}
