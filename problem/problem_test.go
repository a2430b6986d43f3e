package problem

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
)

func TestHTTPErrorHandler(t *testing.T) {
	errSecret := errors.New("db password=hunter2 failed")
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantDetail string
		wantExt    string
	}{
		{"problem", New(http.StatusConflict, "queue exists").With("reason", "duplicate_slug"), 409, "queue exists", "duplicate_slug"},
		{"wrapped", Wrap(http.StatusNotFound, errors.New("no such queue")), 404, "no such queue", ""},
		{"echo", echo.NewHTTPError(http.StatusMethodNotAllowed, "nope"), 405, "nope", ""},
		{"internal hides cause", errSecret, 500, InternalDetail, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := echo.New()
			rec := httptest.NewRecorder()
			c := e.NewContext(httptest.NewRequest(http.MethodGet, "/api/x", nil), rec)
			HTTPErrorHandler(nil)(tc.err, c)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d", rec.Code, tc.wantStatus)
			}
			if ct := rec.Header().Get("Content-Type"); ct != ContentType {
				t.Fatalf("content type = %q", ct)
			}
			var m map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
				t.Fatal(err)
			}
			if m["detail"] != tc.wantDetail || int(m["status"].(float64)) != tc.wantStatus || m["instance"] != "/api/x" || m["type"] != "about:blank" {
				t.Fatalf("body = %s", rec.Body)
			}
			if tc.wantExt != "" && m["reason"] != tc.wantExt {
				t.Fatalf("extension missing: %s", rec.Body)
			}
		})
	}
}

func TestWrapKeepsCause(t *testing.T) {
	cause := errors.New("x")
	if !errors.Is(Wrap(400, cause), cause) {
		t.Fatal("errors.Is lost the cause")
	}
	if Wrap(400, nil) != nil {
		t.Fatal("Wrap(nil) must be nil")
	}
}
