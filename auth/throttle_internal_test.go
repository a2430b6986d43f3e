package auth

import "testing"

func TestThrottleAddr(t *testing.T) {
	tests := []struct{ in, want string }{
		{"192.0.2.7", "192.0.2.7"},
		{"::ffff:192.0.2.7", "192.0.2.7"},
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"},
		{"not an ip", "not an ip"},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := throttleAddr(tc.in); got != tc.want {
				t.Fatalf("throttleAddr(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestLoginRehashesOldParameters(t *testing.T) {
	s, _ := newTestService(t)
	ctx := t.Context()
	old := Argon2Params{Memory: 32, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	h, err := HashPassword("0123456789ab", old)
	if err != nil {
		t.Fatal(err)
	}
	u := User{ID: "u1", Email: "a@example.com", DisplayName: "A", Role: RoleHost, PasswordHash: h}
	if err := s.store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Login(ctx, "a@example.com", "0123456789ab", "192.0.2.1", "t"); err != nil {
		t.Fatal(err)
	}
	got, _ := s.store.GetUser(ctx, "u1")
	if got.PasswordHash == h || needsRehash(got.PasswordHash, testArgon) {
		t.Fatalf("hash not upgraded: %s", got.PasswordHash)
	}
	if _, err := s.Login(ctx, "a@example.com", "0123456789ab", "192.0.2.1", "t"); err != nil {
		t.Fatalf("login after rehash: %v", err)
	}
}
