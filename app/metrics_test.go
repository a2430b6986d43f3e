package app_test

import (
	"net/http"
	"testing"

	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/config"
)

// TestMetricsToken: metrics.token reaches the server the app is mounted
// on: /metrics answers 401 without the bearer token and 200 with it.
func TestMetricsToken(t *testing.T) {
	const token = "scrape-token-0123456789"
	_, addr := apptest.Start(t, func(c *config.Config) { c.Metrics.Token = token })
	for _, tt := range []struct {
		name, auth string
		want       int
	}{
		{"anonymous", "", http.StatusUnauthorized},
		{"bearer", "Bearer " + token, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/metrics", nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("GET /metrics: %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}
