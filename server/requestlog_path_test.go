package server

import (
	"strings"
	"testing"
)

// TestLogPathHidesTicketsAndClips: the request log never carries a call
// ticket from a /janus/t/<ticket> path, nor an unbounded client path.
func TestLogPathHidesTicketsAndClips(t *testing.T) {
	tests := []struct {
		name, path, want string
	}{
		{"plain", "/api/v1/queues", "/api/v1/queues"},
		{"ticket only", "/janus/t/eyJhbGc.secret.sig", "/janus/t/REDACTED"},
		{"ticket and session", "/janus/t/eyJhbGc.secret.sig/123/456", "/janus/t/REDACTED/123/456"},
		{"long", "/" + strings.Repeat("a", 5000), "/" + strings.Repeat("a", maxLoggedPath-1) + "…"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := logPath(tc.path); got != tc.want {
				t.Fatalf("logPath(%.40q) = %.60q, want %.60q", tc.path, got, tc.want)
			}
		})
	}
}
