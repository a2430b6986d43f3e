package auth_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/auth"
)

func TestPasswordPolicy(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		ok   bool
	}{
		{"empty", "", false},
		{"nine chars", "123456789", false},
		{"ten chars", "1234567890", true},
		{"ten multibyte chars", "éééééééééé", true},
		{"nine multibyte chars (18 bytes)", "ééééééééé", false},
		{"max bytes", strings.Repeat("a", auth.MaxPasswordLen), true},
		{"over max bytes", strings.Repeat("a", auth.MaxPasswordLen+1), false},
		{"invalid UTF-8", "abcdefghij\xff", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := auth.CheckPasswordPolicy(tc.pw)
			if tc.ok != (err == nil) || (err != nil && !errors.Is(err, auth.ErrWeakPassword)) {
				t.Fatalf("CheckPasswordPolicy = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && tc.pw != "" && strings.Contains(err.Error(), tc.pw) {
				t.Fatal("policy error echoes the password")
			}
		})
	}
}

func TestHashVerify(t *testing.T) {
	h, err := auth.HashPassword("correct horse", fastArgon)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q is not a PHC argon2id string with the parameters", h)
	}
	h2, _ := auth.HashPassword("correct horse", fastArgon)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	tests := []struct {
		name    string
		pw, phc string
		ok      bool
		err     bool
	}{
		{"right", "correct horse", h, true, false},
		{"wrong", "correct horsf", h, false, false},
		{"empty", "", h, false, false},
		{"too long never matches", strings.Repeat("a", auth.MaxPasswordLen+1), h, false, false},
		{"not argon2id", "x", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", false, true},
		{"absurd memory", "x", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", false, true},
		{"bad version", "x", strings.Replace(h, "v=19", "v=16", 1), false, true},
		{"bad base64", "x", h[:len(h)-2] + "!!", false, true},
		{"garbage", "x", "plaintext", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := auth.VerifyPassword(tc.pw, tc.phc)
			if ok != tc.ok || (err != nil) != tc.err {
				t.Fatalf("VerifyPassword = %v, %v; want %v, err=%v", ok, err, tc.ok, tc.err)
			}
		})
	}
	t.Run("default parameters", func(t *testing.T) {
		p := auth.DefaultArgon2Params
		if p.Memory != 19*1024 || p.Time != 2 || p.Threads != 1 || p.SaltLen != 16 || p.KeyLen != 32 {
			t.Fatalf("DefaultArgon2Params = %+v, not the documented OWASP minimum", p)
		}
	})
}

func TestOriginChecker(t *testing.T) {
	c := auth.NewOriginChecker("https://desk.example.com", "http://localhost:8080/", "not a url")
	tests := []struct {
		name, origin, host string
		ok                 bool
	}{
		{"no origin (not a browser)", "", "api.example.com", true},
		{"allowed", "https://desk.example.com", "api.example.com", true},
		{"allowed, case and default port", "HTTPS://Desk.Example.com:443", "api.example.com", true},
		{"allowed with port", "http://localhost:8080", "127.0.0.1:8080", true},
		{"wrong scheme", "http://desk.example.com", "api.example.com", false},
		{"wrong port", "https://desk.example.com:8443", "api.example.com", false},
		{"suffix attack", "https://desk.example.com.evil.net", "api.example.com", false},
		{"null", "null", "api.example.com", false},
		{"same host, same scheme", "http://api.example.com", "api.example.com", true},
		{"same host, other scheme", "https://api.example.com", "api.example.com", false},
		{"same host with port", "http://api.example.com:8080", "api.example.com:8080", true},
		{"same host, other port", "http://api.example.com:9090", "api.example.com:8080", false},
		{"other site", "https://evil.example.net", "api.example.com", false},
		{"with path", "https://desk.example.com/x", "api.example.com", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptestRequest(tc.origin, tc.host)
			if got := c.Check(r); got != tc.ok {
				t.Fatalf("Check(Origin %q, Host %q) = %v, want %v", tc.origin, tc.host, got, tc.ok)
			}
		})
	}
	// Behind a TLS-terminating proxy the request's scheme is https.
	r := httptestRequest("https://api.example.com", "api.example.com")
	r.Header.Set("X-Forwarded-Proto", "https")
	if !c.Check(r) {
		t.Fatal("same host over https (X-Forwarded-Proto) refused")
	}
	r = httptestRequest("http://api.example.com", "api.example.com")
	r.Header.Set("X-Forwarded-Proto", "https")
	if c.Check(r) {
		t.Fatal("an http page allowed on an https server")
	}
}

func TestParseKeyRing(t *testing.T) {
	k32 := strings.Repeat("A", 43) // 32 bytes of base64url zeros (unpadded)
	tests := []struct {
		name, spec string
		current    string
		ok         bool
	}{
		{"one key", "k1:" + k32, "k1", true},
		{"two keys, first is current", "k2:" + k32 + ", k1:" + k32 + "=", "k2", true},
		{"short key", "k1:AAAA", "", false},
		{"no colon", k32, "", false},
		{"bad base64", "k1:!!!!" + k32, "", false},
		{"duplicate kid", "k1:" + k32 + ",k1:" + k32, "", false},
		{"bad kid", "k 1:" + k32, "", false},
		{"empty", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := auth.ParseKeyRing(tc.spec)
			if (err == nil) != tc.ok {
				t.Fatalf("ParseKeyRing err = %v, want ok=%v", err, tc.ok)
			}
			if err != nil {
				if strings.Contains(err.Error(), k32) {
					t.Fatal("error echoes the key")
				}
				return
			}
			if r.CurrentKid() != tc.current || strings.Contains(r.String(), k32) {
				t.Fatalf("ring %v", r)
			}
		})
	}
}
