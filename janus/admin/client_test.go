package admin_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/janus/admin"
	"github.com/frontdesk/frontdesk/janus/wire"
)

// TestClientErrors: what each kind of failure becomes, and that the
// admin secret appears in none of them.
func TestClientErrors(t *testing.T) {
	const secret = "s3cret-admin"
	tests := []struct {
		name   string
		status int
		body   string
		want   error
	}{
		{"janus error reply", 200, `{"janus":"error","transaction":"x","error":{"code":403,"reason":"Unauthorized request (wrong or missing secret/token)"}}`, &wire.Error{Code: wire.CodeUnauthorized}},
		{"janus error with an HTTP error status", 403, `{"janus":"error","transaction":"x","error":{"code":403,"reason":"Unauthorized"}}`, &wire.Error{Code: wire.CodeUnauthorized}},
		{"proxy error page", 502, `<html>Bad Gateway</html>`, admin.ErrUnreachable},
		{"not a janus reply", 200, `{"hello":"world"}`, admin.ErrUnexpectedReply},
		{"success without the member asked for", 200, `{"janus":"success","transaction":"x"}`, admin.ErrUnexpectedReply},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				got = string(b)
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			c := admin.New(srv.URL+"/admin", secret)
			_, err := c.ListSessions(t.Context())
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("the error shows the admin secret: %v", err)
			}
			if !strings.Contains(got, `"admin_secret":"`+secret+`"`) || !strings.Contains(got, `"janus":"list_sessions"`) {
				t.Fatalf("request %s: want list_sessions with the admin secret", got)
			}
		})
	}
	c := admin.New("http://127.0.0.1:1/admin", secret)
	if _, err := c.ListSessions(t.Context()); !errors.Is(err, admin.ErrUnreachable) || strings.Contains(err.Error(), secret) {
		t.Fatalf("nothing listening: %v, want ErrUnreachable without the secret", err)
	}
}
