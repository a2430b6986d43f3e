package turn

import (
	"testing"
	"time"
)

// BenchmarkICEServers measures issuing one ICE server list with a fresh
// TURN credential (one HMAC-SHA1), the work of GET /api/v1/ice-servers.
func BenchmarkICEServers(b *testing.B) {
	iss, err := New(testSecret, []string{"stun:t.example.com:3478", "turn:t.example.com:3478?transport=udp", "turn:t.example.com:3478?transport=tcp"}, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := iss.ICEServers("6f1c2a9e-0b7d-4c1e-9a55-2f4e1c0d9b11"); err != nil {
			b.Fatal(err)
		}
	}
}
