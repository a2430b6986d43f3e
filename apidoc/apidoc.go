// Package apidoc serves Frontdesk's OpenAPI 3.0.3 document at
// GET /api/v1/openapi.json.
//
// The document is written by hand (openapi.yaml, embedded) and describes
// every route under /api/v1: the queue API (package queue), the auth API
// (package auth), the Janus pool admin endpoints (package janus/pool,
// mounted under /admin only when Janus instances are configured; their
// path items carry "x-frontdesk-requires: janus"), the ICE servers, the
// live-update WebSocket, problem JSON errors (RFC 9457) and the security
// schemes. The package's tests keep it honest: they compare its paths with
// the routes a running Frontdesk registers, and validate real responses
// against its schemas.
package apidoc

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
)

// Path is where Register serves the document, relative to the API group.
const Path = "/openapi.json"

// RequiresExtension is the path-item extension naming a component a route
// needs to exist ("janus": only with Janus instances configured).
const RequiresExtension = "x-frontdesk-requires"

// CacheControl is the Cache-Control of the served document: shared caches
// may keep it for an hour; ETag revalidation makes a new build's document
// visible after that.
const CacheControl = "public, max-age=3600"

//go:embed openapi.yaml
var source []byte

// Source returns the document's YAML source as embedded.
func Source() []byte { return append([]byte(nil), source...) }

// Load parses the embedded document with kin-openapi and validates it
// (OpenAPI 3.0.3 rules, $refs resolved). It returns a fresh *openapi3.T on
// every call, so callers may change it.
func Load(ctx context.Context) (*openapi3.T, error) {
	l := openapi3.NewLoader()
	l.Context = ctx
	doc, err := l.LoadFromData(source)
	if err != nil {
		return nil, fmt.Errorf("apidoc: load: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("apidoc: validate: %w", err)
	}
	return doc, nil
}

// rendered is the served JSON and its ETag, built once.
var rendered = sync.OnceValues(func() (served, error) {
	doc, err := Load(context.Background())
	if err != nil {
		return served{}, err
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return served{}, fmt.Errorf("apidoc: render: %w", err)
	}
	sum := sha256.Sum256(b)
	return served{body: b, etag: `"` + hex.EncodeToString(sum[:16]) + `"`}, nil
})

type served struct {
	body []byte
	etag string
}

// JSON returns the document rendered as JSON (what GET /openapi.json
// serves), or the error that loading or validating it gave.
func JSON() ([]byte, error) {
	s, err := rendered()
	return append([]byte(nil), s.body...), err
}

// Register serves the document at GET Path on g, public (no principal
// needed), as application/json with Cache-Control CacheControl and a
// strong ETag (a matching If-None-Match gets 304). The document is
// embedded in the binary, so a document that does not load is a build
// defect: Register panics then (the package's tests catch it first).
func Register(g *echo.Group) {
	s, err := rendered()
	if err != nil {
		panic(err)
	}
	g.GET(Path, func(c echo.Context) error {
		h := c.Response().Header()
		h.Set(echo.HeaderCacheControl, CacheControl)
		h.Set("ETag", s.etag)
		h.Set(echo.HeaderXContentTypeOptions, "nosniff")
		if match(c.Request().Header.Get("If-None-Match"), s.etag) {
			return c.NoContent(http.StatusNotModified)
		}
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, s.body)
	})
}
