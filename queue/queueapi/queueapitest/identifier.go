// Package queueapitest helps tests drive package queueapi over HTTP.
package queueapitest

import (
	"net/http"

	"github.com/frontdesk/frontdesk/queue/queueapi"
)

// Identifier is a queueapi.Identifier for tests: the user is the X-User
// header or the ?user= query parameter (browsers cannot set headers on a
// WebSocket handshake), the role X-Role or ?role= ("host", "admin"; else
// a caller), X-Guest: 1 a guest. The name is "Name " + the user. No user
// is queueapi.ErrUnauthenticated.
type Identifier struct{}

// Identify implements queueapi.Identifier.
func (Identifier) Identify(r *http.Request) (queueapi.Principal, error) {
	id := r.Header.Get("X-User")
	if id == "" {
		id = r.URL.Query().Get("user")
	}
	if id == "" {
		return queueapi.Principal{}, queueapi.ErrUnauthenticated
	}
	p := queueapi.Principal{ID: id, Name: "Name " + id, Guest: r.Header.Get("X-Guest") == "1"}
	switch r.Header.Get("X-Role") + r.URL.Query().Get("role") {
	case "host":
		p.Role = queueapi.RoleHost
	case "admin":
		p.Role = queueapi.RoleAdmin
	}
	return p, nil
}
