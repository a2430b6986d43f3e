package turn

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pion/logging"
	pionturn "github.com/pion/turn/v5"
	"go.uber.org/goleak"
)

// TestAllocateWithPionTURNServer checks the credentials against an
// independent TURN REST API verifier: a pion/turn server on loopback with
// LongTermTURNRESTAuthHandler (the same check coturn's use-auth-secret
// makes). A fresh credential allocates a relay; one signed with another
// secret, or expired, is refused.
func TestAllocateWithPionTURNServer(t *testing.T) {
	defer goleak.VerifyNone(t)
	quiet := logging.NewDefaultLoggerFactory()
	quiet.DefaultLogLevel = logging.LogLevelDisabled
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := pionturn.NewServer(pionturn.ServerConfig{
		Realm:         "frontdesk",
		AuthHandler:   pionturn.LongTermTURNRESTAuthHandler(testSecret, quiet.NewLogger("turn")),
		LoggerFactory: quiet,
		PacketConnConfigs: []pionturn.PacketConnConfig{{
			PacketConn:            pc,
			RelayAddressGenerator: &pionturn.RelayAddressGeneratorStatic{RelayAddress: net.ParseIP("127.0.0.1"), Address: "127.0.0.1"},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	addr := pc.LocalAddr().String()

	now := time.Now()
	tests := []struct {
		name   string
		secret string
		clock  time.Time
		ok     bool
	}{
		{"fresh credential", testSecret, now, true},
		{"other secret", "not-" + testSecret, now, false},
		{"expired", testSecret, now.Add(-2 * time.Hour), false}, // TTL 1h: expired an hour ago
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss, err := New(tt.secret, []string{"turn:" + addr + "?transport=udp"}, time.Hour, WithClock(func() time.Time { return tt.clock }))
			if err != nil {
				t.Fatal(err)
			}
			servers, err := iss.ICEServers("caller-7")
			if err != nil {
				t.Fatal(err)
			}
			ice := servers[0]
			hostport := strings.TrimPrefix(strings.SplitN(ice.URLs[0], "?", 2)[0], "turn:")
			conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			c, err := pionturn.NewClient(&pionturn.ClientConfig{
				TURNServerAddr: hostport, STUNServerAddr: hostport,
				Username: ice.Username, Password: ice.Credential,
				Conn: conn, LoggerFactory: quiet, RTO: 100 * time.Millisecond,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.Listen(); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			relay, err := c.AllocateWithContext(ctx)
			if tt.ok {
				if err != nil {
					t.Fatalf("allocation refused: %v", err)
				}
				relay.Close()
				return
			}
			if err == nil {
				relay.Close()
				t.Fatal("allocation accepted, want it refused")
			}
		})
	}
}
