package spec

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/frontdesk/frontdesk/apidoc"
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

// TestGeneratedJSONIsCurrent: the served openapi.json is the YAML source
// as it is now.
func TestGeneratedJSONIsCurrent(t *testing.T) {
	want, err := Render(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(apidoc.JSON(), want) {
		t.Fatal("apidoc/openapi.json is stale: run go generate ./apidoc/")
	}
}
