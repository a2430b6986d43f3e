package auth

import (
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var testArgon = Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func testRing(t testing.TB, kid string, fill byte) *KeyRing {
	t.Helper()
	k := make([]byte, 32)
	for i := range k {
		k[i] = fill
	}
	r, err := NewKeyRing(kid, map[string][]byte{kid: k})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// forge signs claims by hand: any kid, method and key, for the given purpose
// key of ring (when key is nil).
func forge(t *testing.T, ring *KeyRing, kid string, method jwt.SigningMethod, purpose string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	var key any
	if method == jwt.SigningMethodNone {
		key = jwt.UnsafeAllowNoneSignatureType
	} else {
		k, ok := ring.derive(ring.current, purpose)
		if !ok {
			t.Fatal("no key")
		}
		key = k
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tamper replaces a claim in the payload of a signed token, keeping the
// signature.
func tamper(t *testing.T, tok, from, to string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	p := strings.Replace(string(payload), from, to, 1)
	if p == string(payload) {
		t.Fatalf("tamper: %q not in %s", from, payload)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(p))
	return strings.Join(parts, ".")
}

type jwtCase struct {
	name string
	tok  func(t *testing.T) string
}

// badJWTCases are the refusals every kind of Frontdesk JWT must make. good
// holds the claims of a valid token; purpose/aud its kind.
func badJWTCases(s *Service, purpose string, good func() jwt.MapClaims, valid func(t *testing.T) string) []jwtCase {
	now := s.now()
	with := func(k string, v any) jwt.MapClaims {
		c := good()
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	ring := s.keys
	kid := ring.current
	return []jwtCase{
		{"expired", func(t *testing.T) string {
			return forge(t, ring, kid, jwt.SigningMethodHS256, purpose, with("exp", now.Add(-time.Minute).Unix()))
		}},
		{"no exp", func(t *testing.T) string {
			return forge(t, ring, kid, jwt.SigningMethodHS256, purpose, with("exp", nil))
		}},
		{"issued in the future", func(t *testing.T) string {
			return forge(t, ring, kid, jwt.SigningMethodHS256, purpose, with("iat", now.Add(time.Hour).Unix()))
		}},
		{"alg none", func(t *testing.T) string { return forge(t, ring, kid, jwt.SigningMethodNone, purpose, good()) }},
		{"alg none, signature stripped from a valid token", func(t *testing.T) string {
			parts := strings.Split(valid(t), ".")
			hdr := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"` + kid + `","typ":"JWT"}`))
			return hdr + "." + parts[1] + "."
		}},
		{"HS512 with the right key", func(t *testing.T) string {
			return forge(t, ring, kid, jwt.SigningMethodHS512, purpose, good())
		}},
		{"wrong key, same kid", func(t *testing.T) string {
			return forge(t, testRing(t, kid, 0x42), kid, jwt.SigningMethodHS256, purpose, good())
		}},
		{"unknown kid", func(t *testing.T) string {
			return forge(t, testRing(t, "other", 0x42), "other", jwt.SigningMethodHS256, purpose, good())
		}},
		{"missing kid", func(t *testing.T) string { return forge(t, ring, "", jwt.SigningMethodHS256, purpose, good()) }},
		{"other purpose's key", func(t *testing.T) string {
			other := purposeCSRF
			return forge(t, ring, kid, jwt.SigningMethodHS256, other, good())
		}},
		{"wrong issuer", func(t *testing.T) string {
			return forge(t, ring, kid, jwt.SigningMethodHS256, purpose, with("iss", "evil"))
		}},
		{"wrong audience", func(t *testing.T) string {
			return forge(t, ring, kid, jwt.SigningMethodHS256, purpose, with("aud", []string{"frontdesk-other"}))
		}},
		{"tampered payload", func(t *testing.T) string {
			tok := valid(t)
			parts := strings.Split(tok, ".")
			payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
			p := strings.Replace(string(payload), `"iss":"frontdesk"`, `"iss":"frontdesk","x":1`, 1)
			parts[1] = base64.RawURLEncoding.EncodeToString([]byte(p))
			return strings.Join(parts, ".")
		}},
		{"signature of another token", func(t *testing.T) string {
			a := strings.Split(valid(t), ".")
			b := strings.Split(forge(t, ring, kid, jwt.SigningMethodHS256, purpose, with("exp", now.Add(time.Minute).Unix())), ".")
			return a[0] + "." + a[1] + "." + b[2]
		}},
		{"empty", func(*testing.T) string { return "" }},
		{"garbage", func(*testing.T) string { return "a.b.c" }},
		{"oversized", func(*testing.T) string { return strings.Repeat("a", maxJWTLen+1) }},
	}
}

func newTestService(t *testing.T) (*Service, *time.Time) {
	t.Helper()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	s, err := New(NewMemoryStore(), testRing(t, "k1", 7), WithArgon2Params(testArgon), WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	return s, &now
}

func TestTicketRefusals(t *testing.T) {
	s, _ := newTestService(t)
	good := func() jwt.MapClaims {
		now := s.now()
		return jwt.MapClaims{
			"iss": jwtIssuer, "aud": []string{audTicket}, "sub": "u1", "jti": "x",
			"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(),
			"call": "c1", "room": 1234, "inst": "janus-a", "pid": 99, "display": "Ada", "crole": "caller",
		}
	}
	valid := func(t *testing.T) string {
		tok, _, err := s.IssueTicket(Ticket{CallID: "c1", Room: 1234, Instance: "janus-a", Subject: "u1", ParticipantID: 99, Display: "Ada", Role: CallCaller})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	t.Run("baseline forged-by-hand token with the right key verifies", func(t *testing.T) {
		if _, err := s.VerifyTicket(forge(t, s.keys, "k1", jwt.SigningMethodHS256, purposeTicket, good())); err != nil {
			t.Fatalf("hand-made valid ticket refused: %v", err)
		}
	})
	cases := badJWTCases(s, purposeTicket, good, valid)
	cases = append(cases,
		jwtCase{"room tampered", func(t *testing.T) string { return tamper(t, valid(t), `"room":1234`, `"room":1235`) }},
		jwtCase{"missing room", func(t *testing.T) string {
			c := good()
			delete(c, "room")
			return forge(t, s.keys, "k1", jwt.SigningMethodHS256, purposeTicket, c)
		}},
		jwtCase{"phone ticket that also names a room", func(t *testing.T) string {
			c := good()
			c["phone"] = "+15550102030"
			return forge(t, s.keys, "k1", jwt.SigningMethodHS256, purposeTicket, c)
		}},
		jwtCase{"phone that is not E.164", func(t *testing.T) string {
			c := good()
			delete(c, "room")
			delete(c, "pid")
			c["phone"] = "+1555 0102"
			return forge(t, s.keys, "k1", jwt.SigningMethodHS256, purposeTicket, c)
		}},
		jwtCase{"phone tampered", func(t *testing.T) string {
			tok, _, err := s.IssueTicket(Ticket{CallID: "c1", Instance: "janus-a", Subject: "u1", Role: CallHost, Phone: "+15550102030"})
			if err != nil {
				t.Fatal(err)
			}
			return tamper(t, tok, `"phone":"+15550102030"`, `"phone":"+15550102031"`)
		}},
		jwtCase{"bad call role", func(t *testing.T) string {
			c := good()
			c["crole"] = "admin"
			return forge(t, s.keys, "k1", jwt.SigningMethodHS256, purposeTicket, c)
		}},
		jwtCase{"a session token", func(t *testing.T) string {
			sess := Session{ID: "sid", UserID: "u1", ExpiresAt: s.now().Add(time.Minute)}
			tok, err := s.signSession(sess, s.now())
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}},
		jwtCase{"a guest token", func(t *testing.T) string {
			_, tok, err := s.NewGuest("Guest")
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}},
	)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tk, err := s.VerifyTicket(tc.tok(t)); !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("VerifyTicket = %+v, %v; want ErrInvalidToken", tk, err)
			}
		})
	}
	t.Run("TTL per ticket, capped", func(t *testing.T) {
		for _, tc := range []struct {
			ttl, want time.Duration
		}{{0, DefaultTicketTTL}, {30 * time.Second, 30 * time.Second}, {time.Hour, MaxTicketTTL}} {
			_, tk, err := s.IssueTicket(Ticket{CallID: "c1", Room: 1, Instance: "j", Subject: "u", ParticipantID: 1, Role: CallHost, TTL: tc.ttl})
			if err != nil || !tk.ExpiresAt.Equal(s.now().Add(tc.want)) || tk.TTL != 0 {
				t.Fatalf("TTL %v: ticket %+v, %v; want expiry in %v", tc.ttl, tk, err, tc.want)
			}
		}
	})
	t.Run("phone ticket round trip", func(t *testing.T) {
		raw, _, err := s.IssueTicket(Ticket{CallID: "c1", Instance: "janus-a", Subject: "u1", Display: "Ada", Role: CallHost, Phone: "+15550102030"})
		if err != nil {
			t.Fatal(err)
		}
		tk, err := s.VerifyTicket(raw)
		if err != nil || tk.Phone != "+15550102030" || tk.Room != 0 || tk.ParticipantID != 0 || tk.Role != CallHost {
			t.Fatalf("phone ticket %+v, %v", tk, err)
		}
		if _, _, err := s.IssueTicket(Ticket{CallID: "c1", Room: 5, ParticipantID: 1, Instance: "janus-a", Subject: "u1", Role: CallHost, Phone: "+15550102030"}); !errors.Is(err, ErrInvalidInput) {
			t.Fatalf("a phone ticket with a room was issued: %v", err)
		}
	})
	t.Run("valid round trip", func(t *testing.T) {
		tk, err := s.VerifyTicket(valid(t))
		if err != nil {
			t.Fatal(err)
		}
		if tk.CallID != "c1" || tk.Room != 1234 || tk.Instance != "janus-a" || tk.Subject != "u1" || tk.ParticipantID != 99 ||
			tk.Display != "Ada" || tk.Role != CallCaller || !tk.ExpiresAt.Equal(s.now().Add(DefaultTicketTTL)) || tk.ID == "" {
			t.Fatalf("ticket = %+v", tk)
		}
	})
}

func TestSessionJWTRefusals(t *testing.T) {
	s, _ := newTestService(t)
	ctx := t.Context()
	if _, err := s.AddUser(ctx, "a@example.com", "", "0123456789ab", RoleHost); err != nil {
		t.Fatal(err)
	}
	res, err := s.Login(ctx, "a@example.com", "0123456789ab", "192.0.2.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	sid, uid := res.Session.ID, res.User.ID
	good := func() jwt.MapClaims {
		now := s.now()
		return jwt.MapClaims{"iss": jwtIssuer, "aud": []string{audSession}, "sub": uid, "sid": sid, "iat": now.Unix(), "exp": now.Add(20 * time.Minute).Unix()}
	}
	valid := func(*testing.T) string { return res.Cookie }
	cases := badJWTCases(s, purposeSession, good, valid)
	cases = append(cases,
		jwtCase{"sid of another session", func(t *testing.T) string { return tamper(t, res.Cookie, sid, "AAAAAAAAAAAAAAAAAAAAAA") }},
		jwtCase{"other user's sid", func(t *testing.T) string {
			c := good()
			c["sub"] = "someone-else"
			return forge(t, s.keys, "k1", jwt.SigningMethodHS256, purposeSession, c)
		}},
		jwtCase{"no sid", func(t *testing.T) string {
			c := good()
			delete(c, "sid")
			return forge(t, s.keys, "k1", jwt.SigningMethodHS256, purposeSession, c)
		}},
		jwtCase{"a call ticket", func(t *testing.T) string {
			tok, _, err := s.IssueTicket(Ticket{CallID: "c1", Room: 1, Instance: "j", Subject: uid, ParticipantID: 1, Role: CallHost})
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}},
	)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if r, err := s.AuthenticateSession(ctx, tc.tok(t)); err == nil {
				t.Fatalf("AuthenticateSession accepted: %+v", r.Principal)
			} else if !errors.Is(err, ErrInvalidToken) && !errors.Is(err, ErrUnauthenticated) {
				t.Fatalf("AuthenticateSession error %v is neither ErrInvalidToken nor ErrUnauthenticated", err)
			}
		})
	}
	t.Run("baseline", func(t *testing.T) {
		if _, err := s.AuthenticateSession(ctx, forge(t, s.keys, "k1", jwt.SigningMethodHS256, purposeSession, good())); err != nil {
			t.Fatalf("valid hand-made session token refused: %v", err)
		}
	})
}

func TestGuestRefusals(t *testing.T) {
	s, _ := newTestService(t)
	good := func() jwt.MapClaims {
		now := s.now()
		return jwt.MapClaims{"iss": jwtIssuer, "aud": []string{audGuest}, "sub": "gid", "name": "G", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	}
	valid := func(t *testing.T) string {
		_, tok, err := s.NewGuest("G")
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	for _, tc := range badJWTCases(s, purposeGuest, good, valid) {
		t.Run(tc.name, func(t *testing.T) {
			if g, err := s.VerifyGuest(tc.tok(t)); !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("VerifyGuest = %+v, %v", g, err)
			}
		})
	}
}

func TestKeyRotation(t *testing.T) {
	old := make([]byte, 32)
	next := make([]byte, 32)
	for i := range next {
		old[i], next[i] = 1, 2
	}
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	clock := WithClock(func() time.Time { return now })
	mk := func(cur string, keys map[string][]byte) *Service {
		r, err := NewKeyRing(cur, keys)
		if err != nil {
			t.Fatal(err)
		}
		s, err := New(NewMemoryStore(), r, WithArgon2Params(testArgon), clock)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := mk("2026-01", map[string][]byte{"2026-01": old})
	during := mk("2026-02", map[string][]byte{"2026-01": old, "2026-02": next})
	after := mk("2026-02", map[string][]byte{"2026-02": next})
	tk := Ticket{CallID: "c", Room: 1, Instance: "j", Subject: "u", ParticipantID: 2, Role: CallHost}
	oldTok, _, _ := before.IssueTicket(tk)
	newTok, _, _ := during.IssueTicket(tk)
	tests := []struct {
		name string
		svc  *Service
		tok  string
		ok   bool
	}{
		{"old token, old ring", before, oldTok, true},
		{"old token during rotation", during, oldTok, true},
		{"new token during rotation", during, newTok, true},
		{"new token, old ring", before, newTok, false},
		{"old token after rotation", after, oldTok, false},
		{"new token after rotation", after, newTok, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.svc.VerifyTicket(tc.tok)
			if (err == nil) != tc.ok {
				t.Fatalf("VerifyTicket err = %v, want ok=%v", err, tc.ok)
			}
		})
	}
	if strings.Contains(newTok, "2026-01") {
		t.Fatal("unexpected")
	}
	hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(newTok, ".")[0])
	if !strings.Contains(string(hdr), `"kid":"2026-02"`) || !strings.Contains(string(hdr), `"alg":"HS256"`) {
		t.Fatalf("header %s lacks kid/alg", hdr)
	}
	t.Run("CSRF tokens survive rotation", func(t *testing.T) {
		tok := before.csrfToken(bindSession("sid"))
		if !during.checkCSRF(bindSession("sid"), tok) {
			t.Fatal("CSRF token refused during rotation")
		}
		if after.checkCSRF(bindSession("sid"), tok) {
			t.Fatal("CSRF token of a removed key accepted")
		}
	})
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
