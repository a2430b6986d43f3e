package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/frontdesk/frontdesk/apidoc"
	"github.com/frontdesk/frontdesk/apidoc/spec"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/config"
	"github.com/frontdesk/frontdesk/server"
)

// access is who a route admits, read from the "[...]" tag that ends its
// summary in the OpenAPI document, or from an operation-level
// "security: []".
type access int

const (
	// public: no principal needed (operation-level "security: []").
	public access = iota
	// signedIn: any principal; what each may do further depends on the
	// resource (its caller, the queue's host, self, ...).
	signedIn
	// adminOnly: the admin role, and for an API token the admin scope.
	adminOnly
)

// summaryTag is the access tag at the end of an operation's summary.
var summaryTag = regexp.MustCompile(`\[([^\]]+)\]\s*$`)

// routeAccess classifies one operation; an error for a tag the test does
// not know, so that a new kind of route must be added here first.
func routeAccess(summary string, isPublic bool) (access, error) {
	if isPublic {
		return public, nil
	}
	m := summaryTag.FindStringSubmatch(summary)
	if m == nil {
		return signedIn, nil
	}
	switch tag := m[1]; {
	case tag == "admin":
		return adminOnly, nil
	case strings.HasPrefix(tag, "any principal"), strings.Contains(tag, "host"), strings.Contains(tag, "caller"),
		strings.HasPrefix(tag, "self"):
		return signedIn, nil
	default:
		return 0, fmt.Errorf("unknown access tag %q", tag)
	}
}

// principal is one way of making a request in the matrix.
type principal struct {
	name   string
	role   auth.Role // the account's role (RoleCaller for guests)
	token  []string  // the API token's scopes; nil for cookies
	bearer string
	client *http.Client
	csrf   string
	kind   auth.PrincipalKind // 0 is anonymous
}

// allowed reports whether p passes authentication and authorisation for a
// route of access a with method m (before the resource's own rules).
func (p principal) allowed(a access, m string) bool {
	if a == public {
		return true
	}
	if p.kind == 0 {
		return false
	}
	if p.kind == auth.KindAPIToken {
		safe := m == http.MethodGet || m == http.MethodHead
		if safe && !slices.Contains(p.token, "read") && !slices.Contains(p.token, "write") {
			return false
		}
		if !safe && !slices.Contains(p.token, "write") {
			return false
		}
		if a == adminOnly && !slices.Contains(p.token, "admin") {
			return false
		}
	}
	if a == adminOnly {
		return p.role == auth.RoleAdmin && p.kind != auth.KindGuest
	}
	return true
}

// TestRouteAuthorizationMatrix crosses every operation of the OpenAPI
// document with a session of each role, API tokens with each set of
// scopes, a guest and an anonymous client. A principal the route does not
// admit gets 401 (anonymous) or 403; an admitted one gets neither for an
// admin route (and is not refused for want of a principal elsewhere). The
// routes come from the document, so a new route is in the matrix at once,
// and one whose access tag the test does not know fails it.
func TestRouteAuthorizationMatrix(t *testing.T) {
	a, addr := apptest.Start(t, func(c *config.Config) { c.Queue.JoinPerMinute = 0 })
	base := "http://" + addr + server.APIPrefix
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	doc, err := spec.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const pwd = "matrix-password-1"
	users := map[auth.Role]auth.User{}
	for _, r := range []auth.Role{auth.RoleCaller, auth.RoleHost, auth.RoleAdmin} {
		u, err := a.Auth().AddUser(ctx, r.String()+"@example.com", "Matrix "+r.String(), pwd, r)
		if err != nil {
			t.Fatal(err)
		}
		users[r] = u
	}
	newClient := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar, Timeout: 10 * time.Second}
	}
	csrfOf := func(c *http.Client) string {
		u, _ := url.Parse(base)
		for _, ck := range c.Jar.Cookies(u) {
			if ck.Name == auth.CSRFCookieName {
				return ck.Value
			}
		}
		t.Fatal("no CSRF cookie")
		return ""
	}
	var ps []principal
	ps = append(ps, principal{name: "anonymous", client: newClient()})
	for _, r := range []auth.Role{auth.RoleCaller, auth.RoleHost, auth.RoleAdmin} {
		c := newClient()
		resp, err := c.Post(base+"/auth/login", "application/json",
			strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, users[r].Email, pwd)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("login as %s: %s", r, resp.Status)
		}
		ps = append(ps, principal{name: "session " + r.String(), role: r, kind: auth.KindSession, client: c, csrf: csrfOf(c)})
	}
	g := newClient()
	resp, err := g.Post(base+"/auth/guest", "application/json", strings.NewReader(`{"display_name":"Matrix guest"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("guest: %s", resp.Status)
	}
	ps = append(ps, principal{name: "guest", role: auth.RoleCaller, kind: auth.KindGuest, client: g, csrf: csrfOf(g)})
	scopeSets := map[auth.Role][][]string{
		auth.RoleAdmin: {{"read"}, {"write"}, {"read", "write"}, {"admin"}, {"read", "admin"}, {"admin", "read", "write"}},
		auth.RoleHost:  {{"read"}, {"read", "write"}},
	}
	for _, r := range []auth.Role{auth.RoleAdmin, auth.RoleHost} {
		for _, scopes := range scopeSets[r] {
			owner := &auth.Principal{Kind: auth.KindSession, UserID: users[r].ID, Role: r}
			_, secret, err := a.Auth().CreateAPIToken(ctx, owner, auth.NewAPIToken{Name: "matrix", Scopes: scopes}, "127.0.0.1")
			if err != nil {
				t.Fatal(err)
			}
			ps = append(ps, principal{name: fmt.Sprintf("token of %s %v", r, scopes), role: r, token: scopes,
				kind: auth.KindAPIToken, bearer: secret, client: newClient()})
		}
	}

	type route struct {
		method, path string
		access       access
	}
	var routes []route
	for path, item := range doc.Paths.Map() {
		if req, ok := item.Extensions[apidoc.RequiresExtension].(string); ok && req != "" {
			continue // a component these defaults do not run (Janus instances)
		}
		for m, op := range item.Operations() {
			// "security: []", or a list with an empty requirement ("- {}"):
			// no principal needed.
			isPublic := op.Security != nil && (len(*op.Security) == 0 || slices.ContainsFunc(*op.Security,
				func(r openapi3.SecurityRequirement) bool { return len(r) == 0 }))
			acc, err := routeAccess(op.Summary, isPublic)
			if err != nil {
				t.Errorf("%s %s: %v: add it to routeAccess", m, path, err)
				continue
			}
			routes = append(routes, route{m, path, acc})
		}
	}
	// Signing out ends the principal's session: last of all.
	sort.Slice(routes, func(i, j int) bool {
		li, lj := routes[i].path == "/auth/logout", routes[j].path == "/auth/logout"
		if li != lj {
			return lj
		}
		return routes[i].path+routes[i].method < routes[j].path+routes[j].method
	})
	if len(routes) < 40 {
		t.Fatalf("only %d routes read from the document", len(routes))
	}
	param := regexp.MustCompile(`\{[^}]+\}`)
	admins := 0
	for _, r := range routes {
		if r.access == adminOnly {
			admins++
		}
		for _, p := range ps {
			if r.access == public && p.kind != 0 {
				continue // public routes: only whether anonymous passes
			}
			t.Run(r.method+" "+r.path+" as "+p.name, func(t *testing.T) {
				target := base + param.ReplaceAllString(r.path, "matrix-nope")
				var body io.Reader
				if r.method != http.MethodGet && r.method != http.MethodHead && r.method != http.MethodDelete {
					body = strings.NewReader(`{}`)
				}
				req, _ := http.NewRequestWithContext(ctx, r.method, target, body)
				if body != nil {
					req.Header.Set("Content-Type", "application/json")
				}
				if p.bearer != "" {
					req.Header.Set("Authorization", "Bearer "+p.bearer)
				}
				if p.csrf != "" {
					req.Header.Set("X-CSRF-Token", p.csrf)
				}
				resp, err := p.client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
				resp.Body.Close()
				got := resp.StatusCode
				var pd struct{ Detail string }
				_ = json.Unmarshal(b, &pd)
				// A refusal for want of a valid principal, as opposed to a
				// 401 that is the route's answer (a wrong password).
				unauthenticated := got == http.StatusUnauthorized && (pd.Detail == "Sign in first." ||
					strings.HasPrefix(pd.Detail, "The credential is invalid"))
				switch allowed := p.allowed(r.access, r.method); {
				case !allowed && p.kind == 0:
					if got != http.StatusUnauthorized {
						t.Fatalf("anonymous got %d, want 401: %s", got, b)
					}
				case !allowed:
					if got != http.StatusForbidden {
						t.Fatalf("got %d, want 403: %s", got, b)
					}
				case r.access == adminOnly:
					if got == http.StatusUnauthorized || got == http.StatusForbidden {
						t.Fatalf("got %d, want the admin route to admit it: %s", got, b)
					}
				case r.path == "/auth/logout" && p.kind == auth.KindAPIToken:
					// Signing out ends a browser session; a token has none.
				default:
					if unauthenticated {
						t.Fatalf("got %d, want the principal admitted: %s", got, b)
					}
				}
			})
		}
	}
	if admins < 15 {
		t.Fatalf("only %d admin routes read from the document", admins)
	}
}

// TestTokenWithoutAdminScopeCannotRevokeOthers: an admin's API token
// without the admin scope cannot revoke another user's token (the answer
// does not reveal that it exists); with the admin scope it can.
func TestTokenWithoutAdminScopeCannotRevokeOthers(t *testing.T) {
	a, addr := apptest.Start(t)
	base := "http://" + addr + server.APIPrefix
	ctx := context.Background()
	admin, err := a.Auth().AddUser(ctx, "admin@example.com", "Admin", "matrix-password-1", auth.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	host, err := a.Auth().AddUser(ctx, "host@example.com", "Host", "matrix-password-1", auth.RoleHost)
	if err != nil {
		t.Fatal(err)
	}
	mint := func(u auth.User, scopes ...string) (string, string) {
		rec, secret, err := a.Auth().CreateAPIToken(ctx, &auth.Principal{Kind: auth.KindSession, UserID: u.ID, Role: u.Role},
			auth.NewAPIToken{Name: "t", Scopes: scopes}, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		return rec.ID, secret
	}
	victim, _ := mint(host, "read")
	revoke := func(bearer string) int {
		req, _ := http.NewRequest(http.MethodDelete, base+"/auth/tokens/"+victim, nil)
		req.Header.Set("Authorization", "Bearer "+bearer)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	_, rw := mint(admin, "read", "write")
	if got := revoke(rw); got != http.StatusNotFound {
		t.Fatalf("revoke with read,write: %d, want 404", got)
	}
	_, adm := mint(admin, "read", "write", "admin")
	if got := revoke(adm); got != http.StatusNoContent {
		t.Fatalf("revoke with admin scope: %d, want 204", got)
	}
}

// TestTokenErrorsAreGeneric: an unknown token ID and a known ID with a
// wrong secret get the same answer, so the reply is no oracle for token IDs.
func TestTokenErrorsAreGeneric(t *testing.T) {
	a, addr := apptest.Start(t)
	base := "http://" + addr + server.APIPrefix
	ctx := context.Background()
	u, err := a.Auth().AddUser(ctx, "host@example.com", "Host", "matrix-password-1", auth.RoleHost)
	if err != nil {
		t.Fatal(err)
	}
	rec, secret, err := a.Auth().CreateAPIToken(ctx, &auth.Principal{Kind: auth.KindSession, UserID: u.ID, Role: u.Role},
		auth.NewAPIToken{Name: "t", Scopes: []string{"read"}}, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(secret, rec.ID)
	if i < 0 {
		t.Fatalf("token %q does not contain its id %q", secret, rec.ID)
	}
	// Flip the last character of the secret part, and the first of the id.
	wrongSecret := secret[:len(secret)-1] + string("ab"[boolInt(secret[len(secret)-1] == 'a')])
	unknownID := secret[:i] + string("01"[boolInt(rec.ID[0] == '0')]) + secret[i+1:]
	detail := func(tok string) string {
		req, _ := http.NewRequest(http.MethodGet, base+"/auth/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", resp.StatusCode)
		}
		var p struct{ Detail string }
		_ = json.NewDecoder(resp.Body).Decode(&p)
		return p.Detail
	}
	ws, ui := detail(wrongSecret), detail(unknownID)
	if ws != ui || strings.Contains(ws, "auth:") || strings.Contains(ws, "mismatch") || strings.Contains(ws, "unknown") {
		t.Fatalf("wrong secret %q vs unknown id %q: want one generic sentence", ws, ui)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
