package auth

import "fmt"

// Role is an account's role. It is stored as its string form, so the
// constants' values are stable and part of the storage format.
type Role string

// Roles, from least to most privileged. A guest caller (no account) has
// [RoleCaller] too.
const (
	// RoleCaller joins queues and talks to hosts. Signup creates callers only.
	RoleCaller Role = "caller"
	// RoleHost serves queues (takes calls). Only an admin can grant it.
	RoleHost Role = "host"
	// RoleAdmin manages users, roles, queues and instances.
	RoleAdmin Role = "admin"
)

// String returns the role's name ("caller", "host" or "admin").
func (r Role) String() string { return string(r) }

// Valid reports whether r is one of the three defined roles.
func (r Role) Valid() bool {
	switch r {
	case RoleCaller, RoleHost, RoleAdmin:
		return true
	}
	return false
}

// ParseRole returns the role named s. It fails with [ErrInvalidInput] for
// any other string (including "" and differently cased names).
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !r.Valid() {
		return "", fmt.Errorf("auth: unknown role %q: %w", s, ErrInvalidInput)
	}
	return r, nil
}
