package server

import (
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
)

// TestIPExtractor: X-Forwarded-For counts only when the TCP peer is a
// trusted proxy, and then the client is the last address in it that is
// not a trusted proxy.
func TestIPExtractor(t *testing.T) {
	tests := []struct {
		name    string
		trusted []string
		peer    string
		xff     string
		want    string
	}{
		{"no proxies: the peer, whatever the header says", nil, "203.0.113.9:5000", "198.51.100.1", "203.0.113.9"},
		{"trusted balancer: the forwarded client", []string{"172.28.0.0/24"}, "172.28.0.5:5000", "198.51.100.1", "198.51.100.1"},
		{"spoofed chain through the balancer: the address it saw", []string{"172.28.0.0/24"}, "172.28.0.5:5000", "6.6.6.6, 198.51.100.1", "198.51.100.1"},
		{"untrusted peer: the header is ignored", []string{"172.28.0.0/24"}, "203.0.113.9:5000", "198.51.100.1", "203.0.113.9"},
		{"private peer not listed: not trusted", []string{"172.28.0.0/24"}, "10.0.0.7:5000", "198.51.100.1", "10.0.0.7"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.peer
			if tc.xff != "" {
				r.Header.Set(echo.HeaderXForwardedFor, tc.xff)
			}
			if got := ipExtractor(tc.trusted)(r); got != tc.want {
				t.Fatalf("client %q, want %q", got, tc.want)
			}
		})
	}
}
