package apidoc_test

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/frontdesk/frontdesk/apidoc"
	"github.com/frontdesk/frontdesk/apidoc/spec"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/server"
)

// methods are the HTTP methods an OpenAPI path item can hold; echo's
// internal pseudo-methods (route-not-found handlers) are not among them.
var methods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodOptions, http.MethodTrace}

var echoParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// servedRoutes returns "METHOD /path/{param}" for every echo route under
// the API prefix, relative to it.
func servedRoutes(routes []*echo.Route) []string {
	var out []string
	for _, r := range routes {
		if !slices.Contains(methods, r.Method) || !strings.HasPrefix(r.Path, server.APIPrefix+"/") {
			continue
		}
		p := echoParam.ReplaceAllString(strings.TrimPrefix(r.Path, server.APIPrefix), "{$1}")
		out = append(out, r.Method+" "+p)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// documentedRoutes returns "METHOD /path" for every operation in doc,
// leaving out path items whose x-frontdesk-requires names a component not
// in have.
func documentedRoutes(doc *openapi3.T, have ...string) []string {
	var out []string
	for path, item := range doc.Paths.Map() {
		if req, ok := item.Extensions[apidoc.RequiresExtension].(string); ok && !slices.Contains(have, req) {
			continue
		}
		for m := range item.Operations() {
			out = append(out, m+" "+path)
		}
	}
	slices.Sort(out)
	return out
}

// diff returns what is in a but not in b (both sorted).
func diff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if _, found := slices.BinarySearch(b, x); !found {
			out = append(out, x)
		}
	}
	return out
}

func TestDiff(t *testing.T) {
	for _, tc := range []struct {
		name    string
		a, b    []string
		missing []string
	}{
		{"same", []string{"GET /a", "POST /a"}, []string{"GET /a", "POST /a"}, nil},
		{"one missing", []string{"GET /a", "PUT /a/{id}"}, []string{"GET /a"}, []string{"PUT /a/{id}"}},
		{"method differs", []string{"GET /a"}, []string{"POST /a"}, []string{"GET /a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := diff(tc.a, tc.b); !slices.Equal(got, tc.missing) {
				t.Errorf("diff = %v, want %v", got, tc.missing)
			}
		})
	}
}

func TestServedRoutesTranslatesEchoPaths(t *testing.T) {
	e := echo.New()
	g := e.Group(server.APIPrefix, func(next echo.HandlerFunc) echo.HandlerFunc { return next }) // Use adds not-found routes
	h := func(echo.Context) error { return nil }
	g.GET("/queues/:id/stats", h)
	g.POST("/instances/:name/drain", h)
	e.GET("/healthz", h)
	got := servedRoutes(e.Routes())
	want := []string{"GET /queues/{id}/stats", "POST /instances/{name}/drain"}
	if !slices.Equal(got, want) {
		t.Errorf("servedRoutes = %v, want %v", got, want)
	}
}

// checkCoverage compares the routes a running Frontdesk serves under
// /api/v1 with the document, both ways.
func checkCoverage(t *testing.T, routes []*echo.Route, have ...string) {
	t.Helper()
	doc, err := spec.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	served, documented := servedRoutes(routes), documentedRoutes(doc, have...)
	if len(served) < 40 {
		t.Fatalf("only %d routes served under %s: %v", len(served), server.APIPrefix, served)
	}
	for _, r := range diff(served, documented) {
		t.Errorf("served but not documented: %s", r)
	}
	for _, r := range diff(documented, served) {
		t.Errorf("documented but not served: %s", r)
	}
	t.Logf("%d routes served and documented", len(served))
}

// TestEveryRouteDocumented starts a whole Frontdesk on embedded defaults
// (no Janus: the pool's admin routes are not served) and compares.
func TestEveryRouteDocumented(t *testing.T) {
	a, _ := apptest.Start(t)
	checkCoverage(t, a.Routes())
}

// TestEveryRouteDocumentedWithJanus does the same with a real Janus
// configured, so the pool's admin routes are served and must be documented.
func TestEveryRouteDocumentedWithJanus(t *testing.T) {
	a, _, _ := apptest.StartWithJanus(t, "janus-apidoc")
	checkCoverage(t, a.Routes(), "janus")
}
