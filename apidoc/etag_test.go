package apidoc

import (
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	const etag = `"abc"`
	for _, tc := range []struct {
		name, header string
		want         bool
	}{
		{"empty", "", false},
		{"same", `"abc"`, true},
		{"weak", `W/"abc"`, true},
		{"list", `"x", "abc"`, true},
		{"list without spaces", `"x","abc"`, true},
		{"star", "*", true},
		{"other", `"abd"`, false},
		{"unquoted", `abc`, false},
		{"prefix only", `"ab`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := match(tc.header, etag); got != tc.want {
				t.Errorf("match(%q) = %v, want %v", tc.header, got, tc.want)
			}
		})
	}
}

// FuzzMatch feeds If-None-Match headers (client bytes): match must not
// panic, and may only match a header that names the ETag or "*".
func FuzzMatch(f *testing.F) {
	for _, s := range []string{`"0123456789abcdef0123456789abcdef"`, `W/"0123456789abcdef0123456789abcdef"`, "*", `"a", "b"`, "", ",,,", `W/`} {
		f.Add(s)
	}
	const etag = `"0123456789abcdef0123456789abcdef"`
	f.Fuzz(func(t *testing.T, header string) {
		if match(header, etag) && !strings.Contains(header, etag) && !strings.Contains(header, "*") {
			t.Errorf("match(%q) without the ETag or *", header)
		}
		if !match(header+", "+etag, etag) {
			t.Errorf("a list ending in the ETag did not match: %q", header)
		}
	})
}
