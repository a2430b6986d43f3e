package queueapi

import (
	"errors"
	"net/http"
	"strconv"
)

// Role is what a principal may do in the queue API.
type Role int

const (
	// RoleCaller joins queues and manages their own entries.
	RoleCaller Role = iota
	// RoleHost serves the queues they are a host of.
	RoleHost
	// RoleAdmin manages queues and hosts and sees statistics.
	RoleAdmin
)

var roleNames = []string{"caller", "host", "admin"}

// String returns "caller", "host" or "admin".
func (r Role) String() string {
	if r < 0 || int(r) >= len(roleNames) {
		return "Role(" + strconv.Itoa(int(r)) + ")"
	}
	return roleNames[r]
}

// Principal is who makes a request.
type Principal struct {
	// ID is the account subject, or the guest identifier for guests.
	ID string
	// Name is the display name.
	Name string
	// Role is the principal's role (guests are always callers).
	Role Role
	// Guest is true for a caller without an account.
	Guest bool
}

// Identifier tells who makes a request (package auth implements it from
// the session cookie, bearer token or signed guest identity).
type Identifier interface {
	// Identify returns the request's principal, or an error wrapping
	// ErrUnauthenticated when there is none or it is invalid.
	Identify(r *http.Request) (Principal, error)
}

// ErrUnauthenticated: the request carries no valid identity (401).
var ErrUnauthenticated = errors.New("unauthenticated")
