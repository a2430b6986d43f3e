package idgen_test

import (
	"encoding/base64"
	"encoding/hex"
	"testing"

	"github.com/frontdesk/frontdesk/idgen"
)

func TestLengthsAndAlphabets(t *testing.T) {
	cases := []struct {
		name    string
		make    func() string
		wantLen int
		decode  func(string) ([]byte, error)
		wantRaw int
	}{
		{"Hex(16)", func() string { return idgen.Hex(16) }, 32, hex.DecodeString, 16},
		{"Hex(6)", func() string { return idgen.Hex(6) }, 12, hex.DecodeString, 6},
		{"Base64URL(32)", func() string { return idgen.Base64URL(32) }, 43, base64.RawURLEncoding.DecodeString, 32},
		{"Base64URL(12)", func() string { return idgen.Base64URL(12) }, 16, base64.RawURLEncoding.DecodeString, 12},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			seen := map[string]bool{}
			for range 100 {
				s := c.make()
				if len(s) != c.wantLen {
					t.Fatalf("%q has %d characters, want %d", s, len(s), c.wantLen)
				}
				raw, err := c.decode(s)
				if err != nil || len(raw) != c.wantRaw {
					t.Fatalf("%q decodes to %d bytes, %v; want %d", s, len(raw), err, c.wantRaw)
				}
				if seen[s] {
					t.Fatalf("%q drawn twice in 100 draws", s)
				}
				seen[s] = true
			}
		})
	}
	if b := idgen.Bytes(32); len(b) != 32 {
		t.Fatalf("Bytes(32) has %d bytes", len(b))
	}
}

func TestUint53Range(t *testing.T) {
	var or uint64
	for range 10_000 {
		v := idgen.Uint53()
		if v == 0 || v > idgen.MaxUint53 {
			t.Fatalf("Uint53() = %d, outside [1, 2^53-1]", v)
		}
		or |= v
	}
	// Every one of the 53 bits is set in some draw (the chance that one
	// bit stays 0 over 10,000 uniform draws is about 53/2^10000).
	if or != idgen.MaxUint53 {
		t.Fatalf("bits ever set = %#x, want %#x", or, uint64(idgen.MaxUint53))
	}
}
