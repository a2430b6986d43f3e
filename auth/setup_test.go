package auth_test

import (
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/frontdesk/frontdesk/auth"
)

// setupEnv is an env with the first-admin setup mounted at /api/v1/setup.
func setupEnv(t *testing.T) (*env, *auth.Setup) {
	t.Helper()
	ev := newEnv(t)
	st := ev.svc.NewSetup()
	st.Register(ev.e.Group("/api/v1", ev.svc.Middleware()))
	return ev, st
}

// setupProblem is the part of a setup refusal the page uses.
type setupProblem struct {
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func TestSetupCodeShape(t *testing.T) {
	ev, st := setupEnv(t)
	re := regexp.MustCompile(`^[23456789ABCDEFGHJKMNPQRSTWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTWXYZ]{4}$`)
	if !re.MatchString(st.Code()) {
		t.Fatalf("code %q is not three groups of four", st.Code())
	}
	if other := ev.svc.NewSetup().Code(); other == st.Code() {
		t.Fatalf("two setups share the code %q", other)
	}
}

// TestSetupFlow walks the page's requests in order: each refusal names its
// field in a sentence, the right code (typed loosely) creates a signed-in
// admin, and after that the setup refuses whatever the code.
func TestSetupFlow(t *testing.T) {
	ev, st := setupEnv(t)
	c := ev.client()
	c.origin = "https://desk.example.com"

	var needed struct {
		Needed bool `json:"needed"`
	}
	r := c.do("GET", "/api/v1/setup", nil)
	wantCode(t, "GET setup", r, 200)
	r.json(t, &needed)
	if !needed.Needed {
		t.Fatal("a store with no admin does not need setup")
	}

	loose := strings.ToLower(strings.ReplaceAll(st.Code(), "-", " "))
	const password = "first-admin-password"
	tests := []struct {
		name       string
		body       map[string]string
		code       int
		field      string
		reason     string
		wantDetail string
	}{
		{"wrong code", map[string]string{"code": "AAAA-BBBB-CCCC", "email": "ada@example.com", "password": password}, 403, "code", "wrong_code", "setup code is not right"},
		{"no code", map[string]string{"email": "ada@example.com", "password": password}, 403, "code", "wrong_code", "setup code"},
		{"weak password", map[string]string{"code": loose, "email": "ada@example.com", "password": "short"}, 400, "password", "invalid", "at least 10 characters"},
		{"bad email", map[string]string{"code": st.Code(), "email": "not an address", "password": password}, 400, "email", "invalid", "email address"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do("POST", "/api/v1/setup", tc.body)
			wantCode(t, tc.name, r, tc.code)
			var p setupProblem
			r.json(t, &p)
			if p.Field != tc.field || p.Reason != tc.reason || !strings.Contains(p.Detail, tc.wantDetail) {
				t.Fatalf("problem %+v, want field %q reason %q detail with %q", p, tc.field, tc.reason, tc.wantDetail)
			}
			if strings.Contains(p.Detail, "auth:") {
				t.Fatalf("detail %q shows a package prefix", p.Detail)
			}
		})
	}
	if us, _ := ev.svc.ListUsers(t.Context()); len(us) != 0 {
		t.Fatalf("refused setups created %d accounts", len(us))
	}

	r = c.do("POST", "/api/v1/setup", map[string]string{"code": loose, "email": "Ada@Example.com", "display_name": "Ada", "password": password})
	wantCode(t, "setup", r, 201)
	var out struct {
		User auth.UserView `json:"user"`
		CSRF string        `json:"csrf_token"`
	}
	r.json(t, &out)
	if out.User.Role != auth.RoleAdmin || out.User.Email != "ada@example.com" || out.CSRF == "" {
		t.Fatalf("setup answered %+v", out)
	}
	c.csrf = out.CSRF
	var me auth.MeView
	r = c.do("GET", "/api/v1/auth/me", nil)
	wantCode(t, "me after setup", r, 200)
	r.json(t, &me)
	if me.Role != auth.RoleAdmin || me.Kind != "session" {
		t.Fatalf("after setup the browser is %+v, want a signed-in admin", me)
	}

	// One time only: the right code again, from another browser, is refused.
	other := ev.client()
	other.origin = c.origin
	r = other.do("POST", "/api/v1/setup", map[string]string{"code": st.Code(), "email": "eve@example.com", "password": password})
	wantCode(t, "second setup", r, 409)
	var p setupProblem
	r.json(t, &p)
	if p.Reason != "setup_done" || !strings.Contains(p.Detail, "Sign in") {
		t.Fatalf("second setup: %+v", p)
	}
	r = other.do("GET", "/api/v1/setup", nil)
	r.json(t, &needed)
	if needed.Needed {
		t.Fatal("setup still needed after the first admin")
	}
	if strings.Contains(ev.logs.String(), password) {
		t.Fatal("the password reached the log")
	}
	if strings.Contains(ev.logs.String(), st.Code()) {
		t.Fatal("the auth package logged the setup code (only the server's start-up line may)")
	}
}

func TestSetupRefusedWhenAdminExists(t *testing.T) {
	ev, st := setupEnv(t)
	ev.user("root@example.com", auth.RoleAdmin) // e.g. FRONTDESK_AUTH_BOOTSTRAP_ADMIN_* or `user add`
	if n, err := st.Needed(t.Context()); err != nil || n {
		t.Fatalf("Needed = %v, %v with an admin in the store", n, err)
	}
	c := ev.client()
	c.origin = "https://desk.example.com"
	r := c.do("POST", "/api/v1/setup", map[string]string{"code": st.Code(), "email": "eve@example.com", "password": "first-admin-password"})
	wantCode(t, "setup with an admin", r, 409)
	if _, err := ev.svc.Store().GetUserByEmail(t.Context(), "eve@example.com"); err == nil {
		t.Fatal("setup created a second admin")
	}
}

func TestSetupEmailOfExistingCaller(t *testing.T) {
	ev, st := setupEnv(t)
	caller := ev.user("bob@example.com", auth.RoleCaller)
	_, err := st.CreateAdmin(t.Context(), st.Code(), auth.NewUser{Email: "bob@example.com", Password: "first-admin-password"}, "192.0.2.1")
	var se *auth.SetupError
	if err == nil || !strings.Contains(err.Error(), "exists") || !errors.As(err, &se) || se.Field != "email" {
		t.Fatalf("CreateAdmin over a caller's email: %v", err)
	}
	if u, _ := ev.svc.GetUser(t.Context(), caller.ID); u.Role != auth.RoleCaller {
		t.Fatalf("the caller was promoted to %s", u.Role)
	}
}

// TestSetupThrottle: attempts beyond the budget are refused without
// looking at the code, so guessing cannot run at full speed.
func TestSetupThrottle(t *testing.T) {
	ev, st := setupEnv(t)
	c := ev.client()
	c.origin = "https://desk.example.com"
	codes := []int{}
	for range 6 {
		r := c.do("POST", "/api/v1/setup", map[string]string{"code": "WRONG", "email": "a@example.com", "password": "first-admin-password"})
		codes = append(codes, r.code)
	}
	if codes[4] != 403 || codes[5] != 429 {
		t.Fatalf("statuses of six wrong codes %v, want five 403 then 429", codes)
	}
	r := c.do("POST", "/api/v1/setup", map[string]string{"code": st.Code(), "email": "a@example.com", "password": "first-admin-password"})
	wantCode(t, "right code while throttled", r, 429)
	if r.header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
}

// TestSetupConcurrent: two browsers with the right code at once make one admin.
func TestSetupConcurrent(t *testing.T) {
	ev, st := setupEnv(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = st.CreateAdmin(t.Context(), st.Code(), auth.NewUser{Email: string(rune('a'+i)) + "@example.com", Password: "first-admin-password"}, "")
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		}
	}
	us, _ := ev.svc.ListUsers(t.Context())
	if ok != 1 || len(us) != 1 {
		t.Fatalf("%d of 4 concurrent setups succeeded, %d accounts; errors %v", ok, len(us), errs)
	}
}
