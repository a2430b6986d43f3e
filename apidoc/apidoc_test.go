package apidoc

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
)

func TestLoadValidates(t *testing.T) {
	doc, err := Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
	for _, name := range []string{"Queue", "Hours", "Host", "Entry", "Call", "Stats", "User", "Instance", "Problem", "ICEServer"} {
		if doc.Components.Schemas[name] == nil {
			t.Errorf("no schema %s", name)
		}
	}
	for _, name := range []string{"sessionCookie", "guestCookie", "csrfHeader", "bearerToken"} {
		if doc.Components.SecuritySchemes[name] == nil {
			t.Errorf("no security scheme %s", name)
		}
	}
}

// TestValidateCatchesErrors makes sure the validation the document passes
// is not vacuous: a broken copy must fail it.
func TestValidateCatchesErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mangle func(*openapi3.T)
	}{
		{"dangling ref", func(d *openapi3.T) {
			d.Paths.Find("/queues").Get.Responses.Status(200).Value.Content["application/json"].Schema.Value.Items.Ref = "#/components/schemas/Nope"
			d.Paths.Find("/queues").Get.Responses.Status(200).Value.Content["application/json"].Schema.Value.Items.Value = nil
		}},
		{"path parameter undeclared", func(d *openapi3.T) { d.Paths.Find("/entries/{id}/call").Get.Parameters = nil }},
		{"bad enum default", func(d *openapi3.T) { d.Components.Schemas["Role"].Value.Default = "superuser" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Load(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			tc.mangle(doc)
			b, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			l := openapi3.NewLoader()
			d2, err := l.LoadFromData(b)
			if err == nil {
				err = d2.Validate(context.Background())
			}
			if err == nil {
				t.Error("a broken document validated")
			}
		})
	}
}

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
