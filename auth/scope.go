package auth

import (
	"fmt"
	"slices"
)

// Scope is a permission an API token may carry. A token acts with its
// user's current role, further limited by its scopes.
type Scope string

// Scopes.
const (
	// ScopeRead allows safe requests (GET, HEAD).
	ScopeRead Scope = "read"
	// ScopeWrite allows state-changing requests (POST, PUT, PATCH, DELETE).
	ScopeWrite Scope = "write"
	// ScopeAdmin allows admin-only endpoints (the user must also be admin).
	ScopeAdmin Scope = "admin"
)

// String returns the scope name.
func (s Scope) String() string { return string(s) }

// allScopes lists the valid scopes.
var allScopes = []Scope{ScopeRead, ScopeWrite, ScopeAdmin}

// ParseScopes validates scope names, drops duplicates and returns them
// sorted. ErrInvalidInput for an unknown name or an empty list.
func ParseScopes(names []string) ([]string, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("auth: at least one scope is needed: %w", ErrInvalidInput)
	}
	var out []string
	for _, n := range names {
		if !slices.Contains(allScopes, Scope(n)) {
			return nil, fmt.Errorf("auth: unknown scope %q: %w", n, ErrInvalidInput)
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}
