package main

import (
	"os/exec"
	"strings"
	"testing"
)

// deniedModules may serve the tests but never the binary: test servers,
// browser drivers, compose tooling, OpenAPI tooling, test helpers.
var deniedModules = []string{
	"github.com/FerretDB/",                  // the MongoDB-wire test server
	"github.com/chromedp/",                  // the browser driver of the E2E tests
	"github.com/compose-spec/",              // docker-compose.yml validation
	"github.com/getkin/kin-openapi",         // the OpenAPI document is generated at build time
	"go.uber.org/goleak",                    // goroutine-leak checks in tests
	"github.com/santhosh-tekuri/jsonschema", // event schema checks in tests
	"github.com/gobwas/",                    // the Janus API client's WebSocket (tests and tools; the binary speaks only the Admin API)
}

// TestBinaryDependencies: cmd/frontdesk depends on none of the denied
// modules ("go list -deps" over the package, tests excluded).
func TestBinaryDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	mods := map[string]bool{}
	for _, m := range strings.Fields(string(out)) {
		mods[m] = true
	}
	if !mods["github.com/labstack/echo/v4"] {
		t.Fatalf("go list named no echo among %d modules: the listing is not the binary's", len(mods))
	}
	for m := range mods {
		for _, d := range deniedModules {
			if strings.HasPrefix(m, d) {
				t.Errorf("cmd/frontdesk depends on %s (denied: %s)", m, d)
			}
		}
	}
}

// TestDomainImportsNoHTTP: the queue's domain (engine, model, hours,
// statistics) imports no HTTP or WebSocket package; REST and live updates
// live in queue/queueapi.
func TestDomainImportsNoHTTP(t *testing.T) {
	denied := []string{"net/http", "github.com/labstack/echo/", "github.com/gorilla/websocket", "github.com/gobwas/"}
	for _, pkg := range []string{"github.com/frontdesk/frontdesk/queue", "github.com/frontdesk/frontdesk/queue/hours"} {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 10 {
			t.Fatalf("go list %s named %d packages: the listing is not the package's", pkg, len(deps))
		}
		for _, d := range deps {
			for _, bad := range denied {
				if d == bad || strings.HasPrefix(d, bad) {
					t.Errorf("%s depends on %s", pkg, d)
				}
			}
		}
	}
}
