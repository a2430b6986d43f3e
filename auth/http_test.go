package auth_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/auth"
)

func TestSignupAlwaysCreatesCallers(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"no role", `{"email":"a@example.com","password":"0123456789ab"}`},
		{"asks for admin", `{"email":"a@example.com","password":"0123456789ab","role":"admin"}`},
		{"asks for host", `{"email":"a@example.com","password":"0123456789ab","role":"host"}`},
		{"role as object", `{"email":"a@example.com","password":"0123456789ab","Role":"admin","role":{"x":1}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := newEnv(t)
			r := ev.client().do("POST", "/api/v1/auth/signup", tc.body)
			if strings.Contains(tc.body, `{"x":1}`) {
				// A malformed body is refused outright; nothing is created.
				wantCode(t, "signup", r, 400)
				if us, _ := ev.st.ListUsers(t.Context()); len(us) != 0 {
					t.Fatalf("malformed signup created %d users", len(us))
				}
				return
			}
			wantCode(t, "signup", r, 201)
			var v auth.UserView
			r.json(t, &v)
			if v.Role != auth.RoleCaller {
				t.Fatalf("signup role = %q, want caller", v.Role)
			}
			u, err := ev.st.GetUserByEmail(t.Context(), "a@example.com")
			if err != nil || u.Role != auth.RoleCaller {
				t.Fatalf("stored user %+v, %v; want caller", u, err)
			}
			if strings.Contains(r.body, "argon2") || strings.Contains(r.body, "0123456789ab") {
				t.Fatalf("signup response leaks the password or its hash: %s", r.body)
			}
		})
	}
}

func TestSignupRules(t *testing.T) {
	tests := []struct {
		name    string
		signup  bool
		body    map[string]string
		code    int
		created bool
	}{
		{"disabled", false, map[string]string{"email": "a@example.com", "password": "0123456789ab"}, 403, false},
		{"short password", true, map[string]string{"email": "a@example.com", "password": "short"}, 400, false},
		{"bad email", true, map[string]string{"email": "not an email", "password": "0123456789ab"}, 400, false},
		{"display name with control char", true, map[string]string{"email": "a@example.com", "password": "0123456789ab", "display_name": "a\x01b"}, 400, false},
		{"ok, email normalised", true, map[string]string{"email": "  A@Example.COM ", "password": "0123456789ab"}, 201, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := newEnv(t, auth.WithSignup(tc.signup))
			wantCode(t, "signup", ev.client().do("POST", "/api/v1/auth/signup", tc.body), tc.code)
			_, err := ev.st.GetUserByEmail(t.Context(), "a@example.com")
			if (err == nil) != tc.created {
				t.Fatalf("user created = %v, want %v", err == nil, tc.created)
			}
		})
	}
	t.Run("duplicate email", func(t *testing.T) {
		ev := newEnv(t)
		ev.user("a@example.com", auth.RoleHost)
		wantCode(t, "signup", ev.client().do("POST", "/api/v1/auth/signup", map[string]string{"email": "A@example.com", "password": "0123456789ab"}), 409)
		u, _ := ev.st.GetUserByEmail(t.Context(), "a@example.com")
		if u.Role != auth.RoleHost {
			t.Fatalf("duplicate signup changed the existing account: %+v", u)
		}
	})
}

func TestAdminEndpointsNeedAdmin(t *testing.T) {
	ev := newEnv(t)
	admin := ev.user("admin@example.com", auth.RoleAdmin)
	ev.user("host@example.com", auth.RoleHost)
	ev.user("caller@example.com", auth.RoleCaller)

	routes := []struct{ method, path string }{
		{"GET", "/api/v1/users"},
		{"POST", "/api/v1/users"},
		{"GET", "/api/v1/users/" + admin.ID},
		{"PUT", "/api/v1/users/" + admin.ID + "/role"},
		{"PUT", "/api/v1/users/" + admin.ID + "/disabled"},
		{"DELETE", "/api/v1/users/" + admin.ID},
		{"POST", "/api/v1/users/" + admin.ID + "/logout"},
		{"GET", "/api/v1/users/" + admin.ID + "/tokens"},
		{"GET", "/api/v1/audit"},
	}
	guest := ev.client()
	wantCode(t, "guest", guest.do("POST", "/api/v1/auth/guest", map[string]string{"display_name": "Guest"}), 201)
	guest.csrf = guest.cookies[auth.CSRFCookieName]
	who := []struct {
		name   string
		client func() *client
		code   int
	}{
		{"host", func() *client { c := ev.client(); c.login("host@example.com", adminPassword); return c }, 403},
		{"caller", func() *client { c := ev.client(); c.login("caller@example.com", adminPassword); return c }, 403},
		{"guest", func() *client { return guest }, 403},
		{"anonymous", ev.client, 401},
	}
	for _, w := range who {
		c := w.client()
		for _, rt := range routes {
			t.Run(w.name+" "+rt.method+" "+rt.path, func(t *testing.T) {
				wantCode(t, rt.method+" "+rt.path, c.do(rt.method, rt.path, `{"role":"admin","disabled":true,"email":"x@example.com","password":"0123456789ab"}`), w.code)
			})
		}
	}
	// Nothing changed behind the refusals.
	u, _ := ev.st.GetUser(t.Context(), admin.ID)
	if u.Disabled || u.Role != auth.RoleAdmin {
		t.Fatalf("admin account changed by refused requests: %+v", u)
	}
	if _, err := ev.st.GetUserByEmail(t.Context(), "x@example.com"); err == nil {
		t.Fatal("a refused POST /users created a user")
	}
	t.Run("admin allowed", func(t *testing.T) {
		c := ev.client()
		c.login("admin@example.com", adminPassword)
		r := c.do("GET", "/api/v1/users", nil)
		wantCode(t, "GET /users", r, 200)
		var us []auth.UserView
		r.json(t, &us)
		if len(us) != 3 || strings.Contains(r.body, "argon2") {
			t.Fatalf("GET /users = %s", r.body)
		}
	})
}

func TestCSRF(t *testing.T) {
	ev := newEnv(t)
	ev.user("host@example.com", auth.RoleHost)
	other := ev.client()
	other.login("host@example.com", adminPassword)

	tests := []struct {
		name string
		csrf func(good string) string
		code int
	}{
		{"missing", func(string) string { return "" }, 403},
		{"wrong", func(string) string { return "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }, 403},
		{"garbage", func(string) string { return "not base64 !!" }, 403},
		{"another session's token", func(string) string { return other.csrf }, 403},
		{"right", func(good string) string { return good }, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ev.client()
			c.login("host@example.com", adminPassword)
			c.csrf = tc.csrf(c.csrf)
			wantCode(t, "POST /echo", c.do("POST", "/api/v1/echo", "{}"), tc.code)
			// A refused logout leaves the session working.
			r := c.do("POST", "/api/v1/auth/logout", nil)
			if tc.code == 403 {
				wantCode(t, "logout", r, 403)
				wantCode(t, "me after refused logout", c.do("GET", "/api/v1/auth/me", nil), 200)
			} else {
				wantCode(t, "logout", r, 204)
			}
		})
	}
	t.Run("guest cookie needs CSRF too", func(t *testing.T) {
		g := ev.client()
		wantCode(t, "guest", g.do("POST", "/api/v1/auth/guest", map[string]string{"display_name": "G"}), 201)
		wantCode(t, "guest POST without token", g.do("POST", "/api/v1/echo", "{}"), 403)
		g.csrf = g.cookies[auth.CSRFCookieName]
		wantCode(t, "guest POST with token", g.do("POST", "/api/v1/echo", "{}"), 200)
	})
	t.Run("GET needs no token", func(t *testing.T) {
		c := ev.client()
		c.login("host@example.com", adminPassword)
		c.csrf = ""
		wantCode(t, "GET me", c.do("GET", "/api/v1/auth/me", nil), 200)
	})
	t.Run("cross-site login refused by Origin", func(t *testing.T) {
		c := ev.client()
		c.origin = "https://evil.example.net"
		wantCode(t, "login", c.do("POST", "/api/v1/auth/login", map[string]string{"email": "host@example.com", "password": adminPassword}), 403)
		if _, ok := c.cookies[auth.SessionCookieName]; ok {
			t.Fatal("cross-site login set a session cookie")
		}
		c.origin = "https://desk.example.com"
		c.login("host@example.com", adminPassword)
	})
}

func TestLogoutInvalidatesAtOnce(t *testing.T) {
	ev := newEnv(t)
	ev.user("host@example.com", auth.RoleHost)
	c := ev.client()
	c.login("host@example.com", adminPassword)
	stolen := c.cookies[auth.SessionCookieName]
	wantCode(t, "me", c.do("GET", "/api/v1/auth/me", nil), 200)
	wantCode(t, "logout", c.do("POST", "/api/v1/auth/logout", nil), 204)
	if _, ok := c.cookies[auth.SessionCookieName]; ok {
		t.Fatal("logout did not clear the session cookie")
	}
	// The JWT is still unexpired and correctly signed, but the session
	// record is gone.
	thief := ev.client()
	thief.cookies[auth.SessionCookieName] = stolen
	wantCode(t, "me with the old cookie", thief.do("GET", "/api/v1/auth/me", nil), 401)
	if res, err := ev.svc.AuthenticateSession(t.Context(), stolen); err == nil {
		t.Fatalf("AuthenticateSession after logout = %+v", res)
	}
}

func TestRoleChangeTakesEffectAtOnce(t *testing.T) {
	ev := newEnv(t)
	ev.user("admin@example.com", auth.RoleAdmin)
	target := ev.user("u@example.com", auth.RoleCaller)
	admin := ev.client()
	admin.login("admin@example.com", adminPassword)
	u := ev.client()
	u.login("u@example.com", adminPassword)

	steps := []struct {
		role      auth.Role
		hostsOnly int
		users     int
	}{
		{auth.RoleCaller, 403, 403},
		{auth.RoleHost, 200, 403},
		{auth.RoleAdmin, 200, 200},
		{auth.RoleCaller, 403, 403},
	}
	for _, st := range steps {
		t.Run(st.role.String(), func(t *testing.T) {
			wantCode(t, "set role", admin.do("PUT", "/api/v1/users/"+target.ID+"/role", map[string]string{"role": st.role.String()}), 200)
			wantCode(t, "hosts-only", u.do("GET", "/api/v1/hosts-only", nil), st.hostsOnly)
			wantCode(t, "users", u.do("GET", "/api/v1/users", nil), st.users)
		})
	}
	t.Run("unknown role refused", func(t *testing.T) {
		wantCode(t, "set role", admin.do("PUT", "/api/v1/users/"+target.ID+"/role", map[string]string{"role": "root"}), 400)
	})
	t.Run("admin cannot demote self", func(t *testing.T) {
		me, _ := ev.st.GetUserByEmail(t.Context(), "admin@example.com")
		wantCode(t, "self demote", admin.do("PUT", "/api/v1/users/"+me.ID+"/role", map[string]string{"role": "host"}), 403)
	})
	recs, _ := ev.st.ListAudit(t.Context(), auth.AuditFilter{Kind: auth.AuditRoleChange})
	if len(recs) != 4 {
		t.Fatalf("audit has %d role changes, want 4", len(recs))
	}
	t.Run("disable ends sessions", func(t *testing.T) {
		wantCode(t, "disable", admin.do("PUT", "/api/v1/users/"+target.ID+"/disabled", map[string]bool{"disabled": true}), 200)
		wantCode(t, "me while disabled", u.do("GET", "/api/v1/auth/me", nil), 401)
		wantCode(t, "login while disabled", ev.client().do("POST", "/api/v1/auth/login", map[string]string{"email": "u@example.com", "password": adminPassword}), 401)
	})
}

func TestAPITokens(t *testing.T) {
	ev := newEnv(t)
	ev.user("admin@example.com", auth.RoleAdmin)
	ev.user("host@example.com", auth.RoleHost)
	host := ev.client()
	host.login("host@example.com", adminPassword)

	create := func(c *client, scopes ...string) (string, string) {
		t.Helper()
		r := c.do("POST", "/api/v1/auth/tokens", map[string]any{"name": "ci", "scopes": scopes})
		wantCode(t, "create token", r, 201)
		var out struct {
			Token  auth.TokenView `json:"token"`
			Secret string         `json:"secret"`
		}
		r.json(t, &out)
		return out.Token.ID, out.Secret
	}
	id, secret := create(host, "read", "write")
	bot := ev.client()
	bot.bearer = secret
	wantCode(t, "bearer me", bot.do("GET", "/api/v1/auth/me", nil), 200)
	wantCode(t, "bearer POST needs no CSRF", bot.do("POST", "/api/v1/echo", "{}"), 200)

	// The secret is not stored, only its SHA-256.
	rec, err := ev.st.GetAPIToken(t.Context(), id)
	if err != nil || len(rec.Hash) != 32 || strings.Contains(string(rec.Hash), secret[len(secret)-20:]) {
		t.Fatalf("stored token %+v, %v", rec, err)
	}
	list := host.do("GET", "/api/v1/auth/tokens", nil)
	if strings.Contains(list.body, secret) || !strings.Contains(list.body, id) {
		t.Fatalf("token list %s", list.body)
	}

	t.Run("revoked stops at once", func(t *testing.T) {
		wantCode(t, "revoke", host.do("DELETE", "/api/v1/auth/tokens/"+id, nil), 204)
		r := bot.do("GET", "/api/v1/auth/me", nil)
		wantCode(t, "bearer me after revoke", r, 401)
		if !strings.Contains(r.header.Get("WWW-Authenticate"), "invalid_token") {
			t.Fatalf("WWW-Authenticate = %q", r.header.Get("WWW-Authenticate"))
		}
	})

	scopeTests := []struct {
		name   string
		scopes []string
		method string
		path   string
		code   int
	}{
		{"read-only GET", []string{"read"}, "GET", "/api/v1/auth/me", 200},
		{"read-only POST", []string{"read"}, "POST", "/api/v1/echo", 403},
		{"host with admin scope still not admin", []string{"read", "write"}, "GET", "/api/v1/users", 403},
	}
	for _, tc := range scopeTests {
		t.Run(tc.name, func(t *testing.T) {
			_, s := create(host, tc.scopes...)
			b := ev.client()
			b.bearer = s
			wantCode(t, tc.method+" "+tc.path, b.do(tc.method, tc.path, "{}"), tc.code)
		})
	}
	t.Run("host cannot mint admin scope", func(t *testing.T) {
		wantCode(t, "create", host.do("POST", "/api/v1/auth/tokens", map[string]any{"name": "x", "scopes": []string{"admin"}}), 403)
	})
	t.Run("admin token needs admin scope for admin routes", func(t *testing.T) {
		admin := ev.client()
		admin.login("admin@example.com", adminPassword)
		_, plain := create(admin, "read")
		_, full := create(admin, "read", "admin")
		b := ev.client()
		b.bearer = plain
		wantCode(t, "admin route without admin scope", b.do("GET", "/api/v1/users", nil), 403)
		b.bearer = full
		wantCode(t, "admin route with admin scope", b.do("GET", "/api/v1/users", nil), 200)
	})
	t.Run("malformed or forged bearer", func(t *testing.T) {
		for _, bad := range []string{"x", "fdt_", secret + "x", strings.Replace(secret, secret[len(secret)-5:], "AAAAA", 1)} {
			b := ev.client()
			b.bearer = bad
			wantCode(t, "bearer "+bad, b.do("GET", "/api/v1/auth/me", nil), 401)
		}
	})
	t.Run("tokens cannot mint tokens", func(t *testing.T) {
		_, s := create(host, "read", "write")
		b := ev.client()
		b.bearer = s
		wantCode(t, "create via token", b.do("POST", "/api/v1/auth/tokens", map[string]any{"name": "x", "scopes": []string{"read"}}), 403)
	})
	t.Run("expired", func(t *testing.T) {
		r := host.do("POST", "/api/v1/auth/tokens", map[string]any{"name": "short", "scopes": []string{"read"}, "ttl_s": 60})
		wantCode(t, "create", r, 201)
		var out struct {
			Secret string `json:"secret"`
		}
		r.json(t, &out)
		b := ev.client()
		b.bearer = out.Secret
		wantCode(t, "fresh", b.do("GET", "/api/v1/auth/me", nil), 200)
		ev.clock.Advance(61 * time.Second)
		wantCode(t, "expired", b.do("GET", "/api/v1/auth/me", nil), 401)
	})
}

func TestLoginThrottling(t *testing.T) {
	t.Run("per account", func(t *testing.T) {
		ev := newEnv(t, auth.WithLoginThrottle(3, 100, 15*time.Minute))
		ev.user("host@example.com", auth.RoleHost)
		for i := range 3 {
			c := ev.client()
			c.addr = "192.0.2." + string(rune('1'+i)) // different addresses
			wantCode(t, "wrong password", c.do("POST", "/api/v1/auth/login", map[string]string{"email": "host@example.com", "password": "wrong password!"}), 401)
		}
		r := ev.client().do("POST", "/api/v1/auth/login", map[string]string{"email": "HOST@example.com", "password": adminPassword})
		wantCode(t, "right password while throttled", r, 429)
		if ra := r.header.Get("Retry-After"); ra == "" || ra == "0" {
			t.Fatalf("Retry-After = %q", ra)
		}
		// Another account is not affected.
		ev.user("other@example.com", auth.RoleHost)
		ev.client().login("other@example.com", adminPassword)
		// After the window, login works again.
		ev.clock.Advance(15 * time.Minute)
		ev.client().login("host@example.com", adminPassword)
		if recs, _ := ev.st.ListAudit(t.Context(), auth.AuditFilter{Kind: auth.AuditLoginThrottled}); len(recs) != 1 {
			t.Fatalf("audit has %d throttled records, want 1", len(recs))
		}
	})
	t.Run("the owner's known device passes the account limit", func(t *testing.T) {
		ev := newEnv(t, auth.WithLoginThrottle(3, 100, 15*time.Minute))
		ev.user("host@example.com", auth.RoleHost)
		owner := ev.client()
		owner.addr = "198.51.100.7"
		owner.login("host@example.com", adminPassword) // this browser becomes known
		if owner.cookies[auth.DeviceCookieName] == "" {
			t.Fatal("no device cookie after signing in")
		}
		delete(owner.cookies, auth.SessionCookieName)
		for i := range 3 {
			c := ev.client()
			c.addr = "192.0.2." + string(rune('1'+i))
			wantCode(t, "attacker's wrong password", c.do("POST", "/api/v1/auth/login", map[string]string{"email": "host@example.com", "password": "wrong password!"}), 401)
		}
		stranger := ev.client()
		stranger.addr = "203.0.113.9"
		wantCode(t, "right password from an unknown browser while throttled",
			stranger.do("POST", "/api/v1/auth/login", map[string]string{"email": "host@example.com", "password": adminPassword}), 429)
		// Another account's device cookie does not help.
		ev.user("other@example.com", auth.RoleHost)
		other := ev.client()
		other.login("other@example.com", adminPassword)
		other.cookies = map[string]string{auth.DeviceCookieName: other.cookies[auth.DeviceCookieName]}
		wantCode(t, "another account's device", other.do("POST", "/api/v1/auth/login", map[string]string{"email": "host@example.com", "password": adminPassword}), 429)
		wantCode(t, "forged device cookie", stranger.withCookie(auth.DeviceCookieName, "x.y.z").do("POST", "/api/v1/auth/login",
			map[string]string{"email": "host@example.com", "password": adminPassword}), 429)
		owner.login("host@example.com", adminPassword)
	})
	t.Run("per address", func(t *testing.T) {
		ev := newEnv(t, auth.WithLoginThrottle(100, 4, 15*time.Minute))
		ev.user("host@example.com", auth.RoleHost)
		attacker := ev.client()
		attacker.addr = "198.51.100.7"
		for i := range 4 {
			wantCode(t, "spray", attacker.do("POST", "/api/v1/auth/login", map[string]string{"email": "user" + string(rune('a'+i)) + "@example.com", "password": "whatever12345"}), 401)
		}
		wantCode(t, "spray blocked", attacker.do("POST", "/api/v1/auth/login", map[string]string{"email": "host@example.com", "password": adminPassword}), 429)
		// The real user from another address is fine.
		ev.client().login("host@example.com", adminPassword)
	})
	t.Run("success resets the account counter", func(t *testing.T) {
		ev := newEnv(t, auth.WithLoginThrottle(3, 100, 15*time.Minute))
		ev.user("host@example.com", auth.RoleHost)
		for round := range 3 {
			for range 2 {
				wantCode(t, "wrong", ev.client().do("POST", "/api/v1/auth/login", map[string]string{"email": "host@example.com", "password": "wrong password!"}), 401)
			}
			ev.client().login("host@example.com", adminPassword)
			_ = round
		}
	})
}

func TestSlidingSession(t *testing.T) {
	ev := newEnv(t, auth.WithSessionTTL(30*time.Minute), auth.WithSessionMaxAge(2*time.Hour))
	ev.user("host@example.com", auth.RoleHost)
	c := ev.client()
	c.login("host@example.com", adminPassword)
	first := c.cookies[auth.SessionCookieName]

	ev.clock.Advance(10 * time.Minute)
	wantCode(t, "me at 10m", c.do("GET", "/api/v1/auth/me", nil), 200)
	if c.cookies[auth.SessionCookieName] != first {
		t.Fatal("renewed with more than half the lifetime left")
	}
	ev.clock.Advance(10 * time.Minute) // 20m: 10m left < 15m
	wantCode(t, "me at 20m", c.do("GET", "/api/v1/auth/me", nil), 200)
	if c.cookies[auth.SessionCookieName] == first {
		t.Fatal("not renewed with less than half the lifetime left")
	}
	ev.clock.Advance(25 * time.Minute) // 45m: past the first JWT's expiry, within the renewed one
	wantCode(t, "me at 45m", c.do("GET", "/api/v1/auth/me", nil), 200)
	old := ev.client()
	old.cookies[auth.SessionCookieName] = first
	wantCode(t, "first cookie at 45m", old.do("GET", "/api/v1/auth/me", nil), 401)

	// Keep active until the maximum age: then the session ends anyway.
	for range 8 {
		ev.clock.Advance(14 * time.Minute)
		c.do("GET", "/api/v1/auth/me", nil)
	}
	wantCode(t, "after max age", c.do("GET", "/api/v1/auth/me", nil), 401)

	t.Run("idle timeout", func(t *testing.T) {
		c := ev.client()
		c.login("host@example.com", adminPassword)
		ev.clock.Advance(31 * time.Minute)
		wantCode(t, "after idle", c.do("GET", "/api/v1/auth/me", nil), 401)
	})
}

func TestGuestResumes(t *testing.T) {
	ev := newEnv(t)
	g := ev.client()
	r := g.do("POST", "/api/v1/auth/guest", map[string]string{"display_name": "Visitor"})
	wantCode(t, "guest", r, 201)
	var first struct {
		Guest struct {
			ID string `json:"id"`
		} `json:"guest"`
	}
	r.json(t, &first)
	if !strings.HasPrefix(first.Guest.ID, auth.GuestPrefix) {
		t.Fatalf("guest id %q", first.Guest.ID)
	}
	// A reload: same cookies, new page. The identity is the same.
	var me auth.MeView
	r = g.do("GET", "/api/v1/auth/me", nil)
	wantCode(t, "me", r, 200)
	r.json(t, &me)
	if me.UserID != first.Guest.ID || me.Role != auth.RoleCaller || me.Kind != "guest" || me.CSRFToken == "" {
		t.Fatalf("guest me = %+v", me)
	}
	g.csrf = me.CSRFToken
	r = g.do("POST", "/api/v1/auth/guest", map[string]string{"display_name": "Other"})
	wantCode(t, "guest again", r, 200)
	if !strings.Contains(r.body, first.Guest.ID) {
		t.Fatalf("guest not resumed: %s", r.body)
	}
	ev.clock.Advance(auth.DefaultGuestTTL + time.Minute)
	wantCode(t, "expired guest", g.do("GET", "/api/v1/auth/me", nil), 401)
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	ev := newEnv(t)
	ev.user("host@example.com", auth.RoleHost)
	a, b := ev.client(), ev.client()
	a.login("host@example.com", adminPassword)
	b.login("host@example.com", adminPassword)
	wantCode(t, "wrong current", a.do("POST", "/api/v1/auth/password", map[string]string{"current": "nope nope nope", "new": "a new password"}), 401)
	wantCode(t, "change", a.do("POST", "/api/v1/auth/password", map[string]string{"current": adminPassword, "new": "a new password"}), 204)
	wantCode(t, "own session kept", a.do("GET", "/api/v1/auth/me", nil), 200)
	wantCode(t, "other session ended", b.do("GET", "/api/v1/auth/me", nil), 401)
	ev.client().login("host@example.com", "a new password")
}

func TestBootstrapAdmin(t *testing.T) {
	ev := newEnv(t)
	created, err := ev.svc.BootstrapAdmin(t.Context(), "root@example.com", "bootstrap password")
	if err != nil || !created {
		t.Fatalf("first BootstrapAdmin = %v, %v", created, err)
	}
	created, err = ev.svc.BootstrapAdmin(t.Context(), "second@example.com", "bootstrap password")
	if err != nil || created {
		t.Fatalf("second BootstrapAdmin = %v, %v; want no-op", created, err)
	}
	us, _ := ev.st.ListUsers(t.Context())
	if len(us) != 1 || us[0].Role != auth.RoleAdmin {
		t.Fatalf("users after bootstrap: %+v", us)
	}
	c := ev.client()
	c.login("root@example.com", "bootstrap password")
	wantCode(t, "admin route", c.do("GET", "/api/v1/users", nil), 200)

	t.Run("weak password refused", func(t *testing.T) {
		ev := newEnv(t)
		if _, err := ev.svc.BootstrapAdmin(t.Context(), "root@example.com", "short"); err == nil {
			t.Fatal("weak bootstrap password accepted")
		}
	})
}

func TestAuditLog(t *testing.T) {
	ev := newEnv(t)
	ev.user("admin@example.com", auth.RoleAdmin)
	c := ev.client()
	wantCode(t, "bad login", c.do("POST", "/api/v1/auth/login", map[string]string{"email": "admin@example.com", "password": "nope nope nope"}), 401)
	c.login("admin@example.com", adminPassword)
	r := c.do("GET", "/api/v1/audit?limit=10", nil)
	wantCode(t, "audit", r, 200)
	var recs []auth.AuditView
	r.json(t, &recs)
	var kinds []string
	for _, x := range recs {
		kinds = append(kinds, x.Kind)
	}
	for _, k := range []string{auth.AuditUserCreate, auth.AuditLoginFailure, auth.AuditLoginSuccess} {
		if !slices.Contains(kinds, k) {
			t.Errorf("audit kinds %v lack %s", kinds, k)
		}
	}
	wantCode(t, "bad since", c.do("GET", "/api/v1/audit?since=yesterday", nil), 400)
}

func TestPasswordChangeThrottled(t *testing.T) {
	ev := newEnv(t, auth.WithLoginThrottle(3, 100, 15*time.Minute))
	ev.user("host@example.com", auth.RoleHost)
	c := ev.client()
	c.login("host@example.com", adminPassword)
	for range 3 {
		wantCode(t, "wrong current", c.do("POST", "/api/v1/auth/password", map[string]string{"current": "guess guess guess", "new": "a new password"}), 401)
	}
	r := c.do("POST", "/api/v1/auth/password", map[string]string{"current": adminPassword, "new": "a new password"})
	wantCode(t, "right current while throttled", r, 429)
	if r.header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
}

func TestCookieAttributes(t *testing.T) {
	tests := []struct {
		name   string
		secure bool
	}{{"secure (default)", true}, {"local http", false}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := newEnv(t, auth.WithSecureCookies(tc.secure))
			ev.user("host@example.com", auth.RoleHost)
			req := httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(`{"email":"host@example.com","password":"`+adminPassword+`"}`))
			req.RemoteAddr = "192.0.2.1:1"
			rec := httptest.NewRecorder()
			ev.e.ServeHTTP(rec, req)
			if rec.Code != 200 {
				t.Fatalf("login %d %s", rec.Code, rec.Body)
			}
			seen := map[string]*http.Cookie{}
			for _, ck := range rec.Result().Cookies() {
				seen[ck.Name] = ck
			}
			for _, want := range []struct {
				name     string
				httpOnly bool
			}{{auth.SessionCookieName, true}, {auth.CSRFCookieName, false}} {
				ck := seen[want.name]
				if ck == nil {
					t.Fatalf("no %s cookie", want.name)
				}
				if ck.HttpOnly != want.httpOnly || ck.Secure != tc.secure || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.MaxAge <= 0 {
					t.Fatalf("%s cookie attributes: %+v", want.name, ck)
				}
			}
		})
	}
}

func TestAdminUserManagement(t *testing.T) {
	ev := newEnv(t)
	ev.user("admin@example.com", auth.RoleAdmin)
	admin := ev.client()
	admin.login("admin@example.com", adminPassword)

	r := admin.do("POST", "/api/v1/users", map[string]string{"email": "new@example.com", "password": "0123456789ab", "role": "host", "display_name": "New Host"})
	wantCode(t, "create host", r, 201)
	var u auth.UserView
	r.json(t, &u)
	if u.Role != auth.RoleHost || u.DisplayName != "New Host" {
		t.Fatalf("created %+v", u)
	}
	wantCode(t, "create with unknown role", admin.do("POST", "/api/v1/users", map[string]string{"email": "x@example.com", "password": "0123456789ab", "role": "root"}), 400)

	h1, h2 := ev.client(), ev.client()
	h1.login("new@example.com", "0123456789ab")
	h2.login("new@example.com", "0123456789ab")
	r = admin.do("POST", "/api/v1/users/"+u.ID+"/logout", nil)
	wantCode(t, "logout everywhere", r, 200)
	if !strings.Contains(r.body, `"ended":2`) {
		t.Fatalf("logout everywhere = %s", r.body)
	}
	wantCode(t, "h1 after", h1.do("GET", "/api/v1/auth/me", nil), 401)
	wantCode(t, "h2 after", h2.do("GET", "/api/v1/auth/me", nil), 401)

	h1.login("new@example.com", "0123456789ab")
	rt := h1.do("POST", "/api/v1/auth/tokens", map[string]any{"name": "bot", "scopes": []string{"read"}})
	wantCode(t, "token", rt, 201)
	var tok struct {
		Secret string `json:"secret"`
	}
	rt.json(t, &tok)
	bot := ev.client()
	bot.bearer = tok.Secret
	wantCode(t, "bot before delete", bot.do("GET", "/api/v1/auth/me", nil), 200)

	wantCode(t, "delete", admin.do("DELETE", "/api/v1/users/"+u.ID, nil), 204)
	wantCode(t, "session after delete", h1.do("GET", "/api/v1/auth/me", nil), 401)
	wantCode(t, "token after delete", bot.do("GET", "/api/v1/auth/me", nil), 401)
	wantCode(t, "get deleted", admin.do("GET", "/api/v1/users/"+u.ID, nil), 404)
	wantCode(t, "delete again", admin.do("DELETE", "/api/v1/users/"+u.ID, nil), 404)
	me, _ := ev.st.GetUserByEmail(t.Context(), "admin@example.com")
	wantCode(t, "delete self", admin.do("DELETE", "/api/v1/users/"+me.ID, nil), 403)
	wantCode(t, "disable self", admin.do("PUT", "/api/v1/users/"+me.ID+"/disabled", map[string]bool{"disabled": true}), 403)
}

// TestCreateRatesPerAddress: one address cannot create accounts or guests
// faster than its rate; the answer is 429 with Retry-After, and a limit of
// 0 is off.
func TestCreateRatesPerAddress(t *testing.T) {
	tests := []struct {
		name       string
		opts       []auth.Option
		path       string
		body       func(i int) any
		wantBefore int
		allowed    int
	}{
		{"guests at 3 a minute", []auth.Option{auth.WithCreateRates(0, 3)}, "/api/v1/auth/guest",
			func(i int) any { return map[string]string{"display_name": fmt.Sprintf("Guest %d", i)} }, 201, 3},
		{"signups at 2 a minute", []auth.Option{auth.WithSignup(true), auth.WithCreateRates(2, 0)}, "/api/v1/auth/signup",
			func(i int) any {
				return map[string]string{"email": fmt.Sprintf("u%d@example.com", i), "password": "long-enough-pass-1", "display_name": "U"}
			}, 201, 2},
		{"guests without a limit", []auth.Option{auth.WithCreateRates(0, 0)}, "/api/v1/auth/guest",
			func(i int) any { return map[string]string{"display_name": fmt.Sprintf("Guest %d", i)} }, 201, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := newEnv(t, tt.opts...)
			for i := range tt.allowed {
				wantCode(t, "within the rate", ev.client().do("POST", tt.path, tt.body(i)), tt.wantBefore)
			}
			if tt.allowed >= 30 {
				return
			}
			r := ev.client().do("POST", tt.path, tt.body(tt.allowed))
			wantCode(t, "over the rate", r, 429)
			if r.header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		})
	}
}

// TestGuestNamesFollowTheDisplayNameRule: a guest name with NUL, a line
// break or a bidi control is refused with 400; a plain one passes.
func TestGuestNamesFollowTheDisplayNameRule(t *testing.T) {
	ev := newEnv(t, auth.WithCreateRates(0, 0))
	tests := []struct {
		name, display string
		want          int
	}{
		{"plain", "Ada Lovelace", 201},
		{"accents and scripts", "Zoë 佐藤", 201},
		{"NUL", "Ada\x00", 400},
		{"newline", "Ada\nINFO forged", 400},
		{"right-to-left override", "Ada\u202egnp.exe", 400},
		{"zero-width joiner", "Ad\u200da", 400},
		{"line separator", "Ada\u2028Bob", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, "guest", ev.client().do("POST", "/api/v1/auth/guest", map[string]string{"display_name": tt.display}), tt.want)
		})
	}
}
