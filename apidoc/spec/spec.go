// Package spec loads and validates Frontdesk's OpenAPI document with
// kin-openapi, for the tests that check routes and responses against it
// and for the generator of the JSON that package apidoc serves. The binary
// does not import it, so kin-openapi stays out of cmd/frontdesk.
package spec

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/frontdesk/frontdesk/apidoc"
)

// Load parses the embedded document (apidoc.Source) and validates it
// (OpenAPI 3.0.3 rules, $refs resolved). It returns a fresh *openapi3.T on
// every call, so callers may change it.
func Load(ctx context.Context) (*openapi3.T, error) {
	l := openapi3.NewLoader()
	l.Context = ctx
	doc, err := l.LoadFromData(apidoc.Source())
	if err != nil {
		return nil, fmt.Errorf("spec: load: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("spec: validate: %w", err)
	}
	return doc, nil
}

// Render returns the validated document as the JSON apidoc serves
// (openapi.json, written by "go generate ./apidoc/").
func Render(ctx context.Context) ([]byte, error) {
	doc, err := Load(ctx)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("spec: render: %w", err)
	}
	return append(b, '\n'), nil
}
