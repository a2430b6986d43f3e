package webui

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

func TestRoutes(t *testing.T) {
	e := echo.New()
	Register(e)
	e.GET("/api/v1/ping", func(c echo.Context) error { return c.String(http.StatusOK, "pong") })
	tests := []struct {
		name, method, path string
		status             int
		ctype, contains    string
	}{
		{"start page", "GET", "/", 200, "text/html", `src="/ui/js/index.js"`},
		{"login", "GET", "/login", 200, "text/html", "Sign in"},
		{"caller page", "GET", "/q/help-desk", 200, "text/html", `src="/ui/js/caller.js"`},
		{"host console", "GET", "/host", 200, "text/html", `src="/ui/js/host.js"`},
		{"admin console", "GET", "/admin", 200, "text/html", `src="/ui/js/admin.js"`},
		{"first-admin setup", "GET", "/setup", 200, "text/html", `src="/ui/js/setup.js"`},
		{"module", "GET", "/ui/js/janus.js", 200, "javascript", "keepalive"},
		{"stylesheet", "GET", "/ui/css/app.css", 200, "text/css", "--accent"},
		{"head", "HEAD", "/host", 200, "text/html", ""},
		{"unknown asset", "GET", "/ui/js/nope.js", 404, "", ""},
		{"html through assets", "GET", "/ui/host.html", 404, "", ""},
		{"traversal", "GET", "/ui/../webui.go", 404, "", ""},
		{"no directory listing", "GET", "/ui/js/", 404, "", ""},
		{"api untouched", "GET", "/api/v1/ping", 200, "text/plain", "pong"},
		{"no nested caller path", "GET", "/q/a/b", 404, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			if rec.Code != tc.status {
				t.Fatalf("%s %s: status %d, want %d", tc.method, tc.path, rec.Code, tc.status)
			}
			if tc.ctype != "" && !strings.Contains(rec.Header().Get("Content-Type"), tc.ctype) {
				t.Errorf("content type %q, want %q", rec.Header().Get("Content-Type"), tc.ctype)
			}
			if tc.contains != "" && !strings.Contains(rec.Body.String(), tc.contains) {
				t.Errorf("body lacks %q", tc.contains)
			}
		})
	}
}

func TestPagesCarrySecurityHeaders(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL + "/q/desk")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no nosniff")
	}
	post, err := http.Post(srv.URL+"/host", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	post.Body.Close()
	if post.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /host: %d", post.StatusCode)
	}
}

// TestNoInlineScript keeps every page compatible with the CSP (no inline
// scripts or event-handler attributes).
func TestNoInlineScript(t *testing.T) {
	for _, page := range []string{"index.html", "caller.html", "host.html", "admin.html", "setup.html"} {
		b, err := static.ReadFile("static/" + page)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if strings.Contains(s, " onclick=") || strings.Contains(s, " onsubmit=") || strings.Contains(s, "<script>") {
			t.Errorf("%s has inline script", page)
		}
	}
}

// FuzzHandler feeds request paths to the handler: it never panics, answers
// only 200, 404 or 405, and serves from /ui/ only embedded non-HTML assets.
func FuzzHandler(f *testing.F) {
	for _, s := range []string{"/", "/q/desk", "/q/%2e%2e/host", "/ui/js/janus.js", "/ui/../webui.go", "/ui/caller.html",
		"/ui//js//api.js", "/ui/./css/app.css", "/host/", "/admin?x=1", "/q/", "/ui/", "/ui/js/"} {
		f.Add(s)
	}
	h := Handler()
	f.Fuzz(func(t *testing.T, p string) {
		req, err := http.NewRequest(http.MethodGet, "http://frontdesk.test", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.Path = p
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusMovedPermanently:
		default:
			t.Fatalf("%q: status %d", p, rec.Code)
		}
		if rec.Code == http.StatusOK && strings.HasPrefix(p, AssetPrefix) {
			ct := rec.Header().Get("Content-Type")
			if strings.Contains(ct, "text/html") && !strings.HasSuffix(strings.TrimRight(p, "/"), "/ui") {
				t.Fatalf("%q served HTML (%s) from the asset tree", p, ct)
			}
			if strings.Contains(rec.Body.String(), "package webui") {
				t.Fatalf("%q served Go source", p)
			}
		}
	})
}
