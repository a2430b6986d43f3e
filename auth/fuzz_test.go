package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/problem"
	"github.com/golang-jwt/jwt/v5"
	"github.com/labstack/echo/v4"
)

// fuzzNow is the fixed clock of the fuzz targets, so the tokens kept in
// testdata/fuzz stay valid.
var fuzzNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func fuzzService(f *testing.F) *Service {
	f.Helper()
	s, err := New(NewMemoryStore(), testRing(f, "k1", 7), WithArgon2Params(testArgon),
		WithClock(func() time.Time { return fuzzNow }), WithLogger(discardLogger()))
	if err != nil {
		f.Fatal(err)
	}
	return s
}

func FuzzVerifyTicket(f *testing.F) {
	s := fuzzService(f)
	valid, _, err := s.IssueTicket(Ticket{CallID: "call-1", Room: 1234, Instance: "janus-a", Subject: "guest:abc", ParticipantID: 42, Display: "Ada Lovelace", Role: CallCaller})
	if err != nil {
		f.Fatal(err)
	}
	parts := strings.Split(valid, ".")
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"k1","typ":"JWT"}`)) + "." + parts[1] + "."
	for _, seed := range []string{valid, none, parts[0] + "." + parts[1] + ".", valid + "x", "", "a.b.c", "..", strings.Repeat(".", 5),
		parts[0] + ".e30." + parts[2], base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","kid":"../../etc/passwd"}`)) + "." + parts[1] + "." + parts[2]} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		tk, err := s.VerifyTicket(raw)
		if err != nil {
			if tk != (Ticket{}) {
				t.Fatalf("refused ticket returned data: %+v", tk)
			}
			return
		}
		// Anything accepted was signed by us with HS256 and the known kid,
		// and carries complete claims.
		hdr, derr := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[0])
		if derr != nil || !strings.Contains(string(hdr), `"HS256"`) {
			t.Fatalf("accepted a ticket whose header is %q", hdr)
		}
		if tk.Room == 0 || tk.ParticipantID == 0 || tk.CallID == "" || !tk.Role.Valid() || !fuzzNow.Before(tk.ExpiresAt.Add(jwtLeeway)) {
			t.Fatalf("accepted an incomplete or expired ticket: %+v", tk)
		}
	})
}

// FuzzSessionCookie feeds arbitrary Cookie headers through the middleware:
// only the real session cookie may authenticate, nothing panics, and every
// refusal is a 401 problem.
func FuzzSessionCookie(f *testing.F) {
	s := fuzzService(f)
	ctx := context.Background()
	// Fixed IDs and clock make the seeds identical in every fuzz worker
	// process (each runs this setup).
	user := User{ID: "user-1", Email: "a@example.com", DisplayName: "A", Role: RoleHost, CreatedAt: fuzzNow, UpdatedAt: fuzzNow}
	sess := Session{ID: "session-1", UserID: user.ID, CreatedAt: fuzzNow, LastSeenAt: fuzzNow, ExpiresAt: fuzzNow.Add(time.Hour)}
	if err := s.store.CreateUser(ctx, user); err != nil {
		f.Fatal(err)
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		f.Fatal(err)
	}
	cookie, err := s.signSession(sess, fuzzNow)
	if err != nil {
		f.Fatal(err)
	}
	res := LoginResult{User: user, Session: sess, Cookie: cookie}
	guestTok, err := s.keys.sign(purposeGuest, guestClaims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: jwtIssuer, Audience: jwt.ClaimStrings{audGuest}, Subject: "guest-1",
			IssuedAt: numericDate(fuzzNow), ExpiresAt: numericDate(fuzzNow.Add(time.Hour))},
		Name: "Guest",
	})
	if err != nil {
		f.Fatal(err)
	}
	forged := forgeF(f, s, jwt.MapClaims{"iss": jwtIssuer, "aud": []string{audSession}, "sub": res.User.ID, "sid": "nope",
		"iat": fuzzNow.Unix(), "exp": fuzzNow.Add(time.Hour).Unix()})
	for _, seed := range []string{
		SessionCookieName + "=" + res.Cookie,
		SessionCookieName + "=" + res.Cookie + "; " + GuestCookieName + "=" + guestTok,
		GuestCookieName + "=" + guestTok,
		SessionCookieName + "=" + forged,
		SessionCookieName + "=" + res.Cookie[:len(res.Cookie)-1],
		SessionCookieName + "=\"" + res.Cookie + "\"",
		SessionCookieName + "=; " + SessionCookieName + "=x",
		"", ";;;", "=", SessionCookieName,
	} {
		f.Add(seed)
	}
	e := echo.New()
	e.HTTPErrorHandler = problem.HTTPErrorHandler(discardLogger())
	g := e.Group("", s.Middleware())
	g.GET("/me", func(c echo.Context) error {
		p, _ := PrincipalFrom(c)
		return c.String(http.StatusOK, p.Kind.String()+" "+p.UserID)
	}, RequireAuth())
	f.Fuzz(func(t *testing.T, cookie string) {
		req := httptest.NewRequest(http.MethodGet, "/me", nil)
		req.Header.Set("Cookie", cookie)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
			body := rec.Body.String()
			switch {
			case strings.HasPrefix(body, "session "):
				if !strings.Contains(cookie, res.Cookie) || body != "session "+res.User.ID {
					t.Fatalf("cookie %q authenticated as %q", cookie, body)
				}
			case strings.HasPrefix(body, "guest "):
				if !strings.Contains(cookie, guestTok) || body != "guest guest:guest-1" {
					t.Fatalf("cookie %q authenticated as guest %q", cookie, body)
				}
			default:
				t.Fatalf("unexpected principal %q", body)
			}
		case http.StatusUnauthorized:
		default:
			t.Fatalf("status %d for cookie %q", rec.Code, cookie)
		}
	})
}

// FuzzBearer feeds arbitrary Authorization values: only the real API token
// authenticates.
func FuzzBearer(f *testing.F) {
	s := fuzzService(f)
	ctx := context.Background()
	u := User{ID: "user-1", Email: "a@example.com", DisplayName: "A", Role: RoleHost, CreatedAt: fuzzNow, UpdatedAt: fuzzNow}
	if err := s.store.CreateUser(ctx, u); err != nil {
		f.Fatal(err)
	}
	// A fixed token, identical in every fuzz worker.
	const id, sec = "0123456789abcdef01234567", "S3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tA"
	sum := sha256.Sum256([]byte(sec))
	if err := s.store.CreateAPIToken(ctx, APIToken{ID: id, UserID: u.ID, Name: "t", Hash: sum[:], Scopes: []string{"read"}, CreatedAt: fuzzNow}); err != nil {
		f.Fatal(err)
	}
	secret := apiTokenPrefix + id + "_" + sec
	if _, err := s.AuthenticateAPIToken(ctx, secret); err != nil {
		f.Fatalf("fixed token refused: %v", err)
	}
	for _, seed := range []string{secret, secret[:len(secret)-1] + "A", "fdt_", "fdt_" + strings.Repeat("0", 24) + "_" + strings.Repeat("A", 43), "", strings.ToUpper(secret)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := s.AuthenticateAPIToken(ctx, raw)
		if err == nil && (raw != secret || p.UserID != u.ID) {
			t.Fatalf("token %q authenticated as %+v", raw, p)
		}
	})
}

func forgeF(f *testing.F, s *Service, claims jwt.MapClaims) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	tok.Header["kid"] = s.keys.current
	key, _ := s.keys.derive(s.keys.current, purposeSession)
	out, err := tok.SignedString(key)
	if err != nil {
		f.Fatal(err)
	}
	return out
}
