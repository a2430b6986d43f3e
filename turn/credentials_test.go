package turn

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// hmacSHA1 is an independent HMAC-SHA1 (RFC 2104) built on crypto/sha1
// only, to check Sign without trusting crypto/hmac.
func hmacSHA1(key, msg []byte) []byte {
	const block = 64
	if len(key) > block {
		k := sha1.Sum(key)
		key = k[:]
	}
	k := make([]byte, block)
	copy(k, key)
	ipad, opad := make([]byte, block), make([]byte, block)
	for i := range k {
		ipad[i], opad[i] = k[i]^0x36, k[i]^0x5c
	}
	inner := sha1.Sum(append(ipad, msg...))
	outer := sha1.Sum(append(opad, inner[:]...))
	return outer[:]
}

func TestIndependentHMACMatchesRFC2202(t *testing.T) {
	// RFC 2202 §3 test cases 2 and 6 (key longer than the block size).
	got := hex.EncodeToString(hmacSHA1([]byte("Jefe"), []byte("what do ya want for nothing?")))
	if want := "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"; got != want {
		t.Fatalf("case 2: %s, want %s", got, want)
	}
	key := make([]byte, 80)
	for i := range key {
		key[i] = 0xaa
	}
	got = hex.EncodeToString(hmacSHA1(key, []byte("Test Using Larger Than Block-Size Key - Hash Key First")))
	if want := "aa4ae5e15272d00e95705637ce8a3b55ed402112"; got != want {
		t.Fatalf("case 6: %s, want %s", got, want)
	}
}

func TestSign(t *testing.T) {
	tests := []struct {
		name, secret, user string
		expires            time.Time
		wantUser, wantCred string // wantCred "" means: compare with hmacSHA1
	}{
		// Computed with: echo -n 1700000000:alice | openssl dgst -sha1 -hmac north -binary | base64
		{"openssl vector", "north", "alice", time.Unix(1700000000, 0), "1700000000:alice", "Cd/49soE35ICqcJF/bCTn8Z4OyE="},
		{"sub-second expiry truncated", "north", "alice", time.Unix(1700000000, 999_000_000), "1700000000:alice", "Cd/49soE35ICqcJF/bCTn8Z4OyE="},
		{"uuid user", "s3cr3t-with-ümlaut", "6f1c2a9e-0b7d-4c1e-9a55-2f4e1c0d9b11", time.Unix(2000000000, 0), "2000000000:6f1c2a9e-0b7d-4c1e-9a55-2f4e1c0d9b11", ""},
		{"long secret", strings.Repeat("k", 100), "u1", time.Unix(1, 0), "1:u1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Sign([]byte(tt.secret), tt.user, tt.expires)
			if err != nil {
				t.Fatal(err)
			}
			if c.Username != tt.wantUser {
				t.Errorf("username %q, want %q", c.Username, tt.wantUser)
			}
			want := tt.wantCred
			if want == "" {
				want = base64.StdEncoding.EncodeToString(hmacSHA1([]byte(tt.secret), []byte(tt.wantUser)))
			}
			if c.Credential != want {
				t.Errorf("credential %q, want %q", c.Credential, want)
			}
			if !c.Expires.Equal(time.Unix(tt.expires.Unix(), 0)) {
				t.Errorf("expires %v", c.Expires)
			}
		})
	}
}

func TestSignRejectsBadUsers(t *testing.T) {
	for _, user := range []string{"", "a:b", "line\nbreak", "nul\x00"} {
		t.Run(fmt.Sprintf("%q", user), func(t *testing.T) {
			if _, err := Sign([]byte("s"), user, time.Now()); !errors.Is(err, ErrBadUser) {
				t.Fatalf("err %v, want ErrBadUser", err)
			}
		})
	}
}

func TestCredentialsPrintMasked(t *testing.T) {
	c, err := Sign([]byte("north"), "alice", time.Unix(1700000000, 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{c.String(), fmt.Sprint(c), fmt.Sprintf("%v %+v %s", c, c, c)} {
		if strings.Contains(s, c.Credential) {
			t.Fatalf("credential printed: %s", s)
		}
		if !strings.Contains(s, "1700000000:alice") {
			t.Fatalf("username missing: %s", s)
		}
	}
}
