// Package apidoc serves Frontdesk's OpenAPI 3.0.3 document at
// GET /api/v1/openapi.json.
//
// The document is written by hand (openapi.yaml, embedded) and describes
// every route under /api/v1: the queue API (package queue/queueapi), the auth API
// (package auth), the Janus pool admin endpoints (package janus/pool,
// mounted under /admin only when Janus instances are configured; their
// path items carry "x-frontdesk-requires: janus"), the outbound webhooks'
// dead letters (package webhookout, under /admin/export), the ICE servers, the
// live-update WebSocket, problem JSON errors (RFC 9457) and the security
// schemes. It is served as openapi.json, generated from the YAML at build
// time ("go generate ./apidoc/", validated with kin-openapi by package
// apidoc/spec), so the binary carries no OpenAPI tooling. The tests keep it
// honest: the JSON must match the YAML, its paths must match the routes a
// running Frontdesk registers, and real responses must match its schemas.
package apidoc

//go:generate go run ./gen openapi.json

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"sync"

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

//go:embed openapi.json
var document []byte

// Source returns the document's YAML source as embedded.
func Source() []byte { return append([]byte(nil), source...) }

// JSON returns the document as served: openapi.json, generated from the
// YAML source.
func JSON() []byte { return append([]byte(nil), document...) }

// etag is the served document's strong ETag.
var etag = sync.OnceValue(func() string {
	sum := sha256.Sum256(document)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
})

// Register serves the document at GET Path on g, public (no principal
// needed), as application/json with Cache-Control CacheControl and a
// strong ETag (a matching If-None-Match gets 304).
func Register(g *echo.Group) {
	tag := etag()
	g.GET(Path, func(c echo.Context) error {
		h := c.Response().Header()
		h.Set(echo.HeaderCacheControl, CacheControl)
		h.Set("ETag", tag)
		h.Set(echo.HeaderXContentTypeOptions, "nosniff")
		if match(c.Request().Header.Get("If-None-Match"), tag) {
			return c.NoContent(http.StatusNotModified)
		}
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, document)
	})
}
