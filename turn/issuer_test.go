package turn

import (
	"bytes"
	"encoding/base64"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"
)

const testSecret = "the-shared-secret-4f1d9c"

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		secret  string
		urls    []string
		ttl     time.Duration
		wantErr error
	}{
		{"turn and stun", testSecret, []string{"stun:turn.example.com:3478", "turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:5349"}, time.Hour, nil},
		{"no urls", "", nil, 0, nil},
		{"stun only needs no secret", "", []string{"stun:stun.example.com"}, 0, nil},
		{"turn without secret", "", []string{"turn:turn.example.com"}, 0, ErrNoSecret},
		{"bad scheme", testSecret, []string{"http://turn.example.com"}, 0, ErrBadURL},
		{"no scheme", testSecret, []string{"turn.example.com"}, 0, ErrBadURL},
		{"ttl too short", testSecret, nil, time.Millisecond, ErrBadTTL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss, err := New(tt.secret, tt.urls, tt.ttl)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if err == nil && tt.ttl == 0 && iss.TTL() != DefaultTTL {
				t.Fatalf("TTL %v, want default %v", iss.TTL(), DefaultTTL)
			}
			if err != nil && strings.Contains(err.Error(), testSecret) {
				t.Fatalf("secret in error: %v", err)
			}
		})
	}
}

func TestICEServers(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	iss, err := New(testSecret, []string{"stun:t.example.com:3478", "turn:t.example.com:3478?transport=udp", "turns:t.example.com:5349?transport=tcp"},
		10*time.Minute, WithClock(func() time.Time { return now }), WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	servers, err := iss.ICEServers("user-42")
	if err != nil {
		t.Fatal(err)
	}
	if len(servers) != 2 {
		t.Fatalf("%d servers, want 2 (stun, turn): %+v", len(servers), servers)
	}
	if s := servers[0]; len(s.URLs) != 1 || s.URLs[0] != "stun:t.example.com:3478" || s.Username != "" || s.Credential != "" {
		t.Errorf("stun entry %+v", s)
	}
	turn := servers[1]
	if len(turn.URLs) != 2 || turn.URLs[0] != "turn:t.example.com:3478?transport=udp" || turn.URLs[1] != "turns:t.example.com:5349?transport=tcp" {
		t.Errorf("turn urls %v", turn.URLs)
	}
	expiry := now.Add(10 * time.Minute).Unix()
	if want := strconv.FormatInt(expiry, 10) + ":user-42"; turn.Username != want {
		t.Errorf("username %q, want %q", turn.Username, want)
	}
	if want := base64.StdEncoding.EncodeToString(hmacSHA1([]byte(testSecret), []byte(turn.Username))); turn.Credential != want {
		t.Errorf("credential %q, want %q", turn.Credential, want)
	}
	out := logs.String()
	if !strings.Contains(out, "user-42") {
		t.Errorf("issuance not logged: %s", out)
	}
	for _, s := range []string{testSecret, turn.Credential} {
		if strings.Contains(out, s) {
			t.Errorf("log line reveals %q: %s", s, out)
		}
	}
}

func TestCredentialsExpiry(t *testing.T) {
	now := time.Unix(1_800_000_000, 500_000_000)
	iss, err := New(testSecret, []string{"turn:t.example.com"}, 90*time.Second, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	c, err := iss.Credentials("bob")
	if err != nil {
		t.Fatal(err)
	}
	exp, user, _ := strings.Cut(c.Username, ":")
	if exp != "1800000090" || user != "bob" {
		t.Fatalf("username %q: want expiry 1800000090 and user bob", c.Username)
	}
	if !c.Expires.Equal(time.Unix(1_800_000_090, 0)) {
		t.Fatalf("expires %v", c.Expires)
	}
	// Later calls get later expiries: credentials are fresh per call.
	now = now.Add(time.Hour)
	c2, _ := iss.Credentials("bob")
	if c2.Username == c.Username || c2.Credential == c.Credential {
		t.Fatalf("credentials not refreshed: %v then %v", c, c2)
	}
}

func TestICEServersNoURLs(t *testing.T) {
	iss, err := New("", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := iss.ICEServers("u")
	if err != nil || s == nil || len(s) != 0 {
		t.Fatalf("got %v, %v; want empty non-nil list", s, err)
	}
}
