package auth_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/auth"
	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"
)

// TestWebSocketAuth: a WebSocket endpoint behind the middleware
// authenticates with the session cookie like any route, and the Origin
// allow-list refuses cross-site handshakes (cross-site WebSocket hijacking).
func TestWebSocketAuth(t *testing.T) {
	ev := newEnv(t)
	ev.user("host@example.com", auth.RoleHost)
	up := websocket.Upgrader{CheckOrigin: ev.svc.Origins().Check}
	ev.e.GET("/api/v1/ws", func(c echo.Context) error {
		p, _ := auth.PrincipalFrom(c)
		conn, err := up.Upgrade(c.Response(), c.Request(), nil)
		if err != nil {
			return nil // the upgrader has answered
		}
		defer conn.Close()
		return conn.WriteMessage(websocket.TextMessage, []byte(p.UserID+" "+p.Role.String()))
	}, ev.svc.Middleware(), auth.RequireAuth())
	srv := httptest.NewServer(ev.e)
	defer srv.Close()
	wsURL := "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/v1/ws"

	c := ev.client()
	c.login("host@example.com", adminPassword)
	cookie := auth.SessionCookieName + "=" + c.cookies[auth.SessionCookieName]
	tests := []struct {
		name   string
		cookie string
		origin string
		code   int
	}{
		{"allowed origin with session", cookie, "https://desk.example.com", http.StatusSwitchingProtocols},
		{"same host with session", cookie, srv.URL, http.StatusSwitchingProtocols},
		{"cross-site origin with session", cookie, "https://evil.example.net", http.StatusForbidden},
		{"no cookie", "", "https://desk.example.com", http.StatusUnauthorized},
		{"forged cookie", auth.SessionCookieName + "=eyJhbGciOiJub25lIn0.e30.", "https://desk.example.com", http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.cookie != "" {
				h.Set("Cookie", tc.cookie)
			}
			h.Set("Origin", tc.origin)
			conn, resp, err := websocket.DefaultDialer.Dial(wsURL, h)
			if resp == nil {
				t.Fatalf("dial: %v", err)
			}
			if resp.StatusCode != tc.code {
				t.Fatalf("handshake status %d, want %d (%v)", resp.StatusCode, tc.code, err)
			}
			if conn == nil {
				return
			}
			defer conn.Close()
			_, msg, err := conn.ReadMessage()
			if err != nil || !strings.HasSuffix(string(msg), " host") {
				t.Fatalf("message %q, %v", msg, err)
			}
		})
	}
}
