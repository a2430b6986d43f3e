package apidoc

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
)

func TestServe(t *testing.T) {
	e := echo.New()
	Register(e.Group("/api/v1"))
	get := func(inm string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil)
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}
	rec := get("")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET = %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != CacheControl {
		t.Errorf("Cache-Control = %q", cc)
	}
	etag := rec.Header().Get("ETag")
	if len(etag) < 10 || etag[0] != '"' {
		t.Errorf("ETag = %q", etag)
	}
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["openapi"] != "3.0.3" || doc["paths"] == nil {
		t.Errorf("served document: openapi %v, paths %T", doc["openapi"], doc["paths"])
	}
	for _, tc := range []struct {
		name string
		inm  string
		want int
	}{
		{"same etag", etag, http.StatusNotModified},
		{"weak form", "W/" + etag, http.StatusNotModified},
		{"in a list", `"other", ` + etag, http.StatusNotModified},
		{"star", "*", http.StatusNotModified},
		{"other etag", `"other"`, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := get(tc.inm).Code; got != tc.want {
				t.Errorf("If-None-Match %s: %d, want %d", tc.inm, got, tc.want)
			}
		})
	}
}
