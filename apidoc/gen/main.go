// Command gen writes apidoc/openapi.json, the JSON form of the
// hand-written apidoc/openapi.yaml, after validating it with kin-openapi.
// Run it with "go generate ./apidoc/"; the spec package's tests fail while
// the committed JSON is stale.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/frontdesk/frontdesk/apidoc/spec"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen OUTPUT.json")
		os.Exit(2)
	}
	b, err := spec.Render(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile(os.Args[1], b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
