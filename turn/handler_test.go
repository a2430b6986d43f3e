package turn

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/frontdesk/frontdesk/problem"
)

func TestHandler(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	iss, err := New(testSecret, []string{"stun:t.example.com", "turn:t.example.com:3478"}, time.Hour, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	user := func(c echo.Context) (string, error) {
		if id := c.Request().Header.Get("X-Test-User"); id != "" {
			return id, nil
		}
		return "", fmt.Errorf("ice servers: %w", ErrNoUser)
	}
	e := echo.New()
	e.HTTPErrorHandler = problem.HTTPErrorHandler(slog.New(slog.DiscardHandler))
	e.GET("/api/v1/ice-servers", Handler(iss, user))

	tests := []struct {
		name       string
		user       string
		wantStatus int
	}{
		{"signed in", "alice", http.StatusOK},
		{"anonymous", "", http.StatusUnauthorized},
		{"unusable user id", "a:b", http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/api/v1/ice-servers", nil)
			if tt.user != "" {
				req.Header.Set("X-Test-User", tt.user)
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if strings.Contains(rec.Body.String(), testSecret) {
				t.Fatalf("shared secret in response: %s", rec.Body)
			}
			if tt.wantStatus != http.StatusOK {
				if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, problem.ContentType) {
					t.Errorf("content type %q, want problem JSON", ct)
				}
				return
			}
			if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q", cc)
			}
			// The RTCIceServer shape, member names as browsers expect.
			var got []map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 {
				t.Fatalf("%d entries: %s", len(got), rec.Body)
			}
			if _, ok := got[0]["username"]; ok {
				t.Errorf("stun entry has a username: %v", got[0])
			}
			want := "1700003600:alice"
			if got[1]["username"] != want || got[1]["credential"] == "" || got[1]["urls"] == nil {
				t.Errorf("turn entry %v, want username %s, a credential and urls", got[1], want)
			}
		})
	}
}
