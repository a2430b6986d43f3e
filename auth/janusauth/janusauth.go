// Package janusauth connects package auth's Janus stored-token management
// to the Janus Admin API client of package janus. It is separate so that
// package auth does not depend on the Janus client.
package janusauth

import (
	"context"
	"fmt"

	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/janus"
)

// admin adapts a *janus.Admin to auth.JanusAdmin.
type admin struct{ a *janus.Admin }

// Admin returns a's token management (Janus Admin API add_token,
// remove_token, list_tokens) as an [auth.JanusAdmin].
func Admin(a *janus.Admin) auth.JanusAdmin { return admin{a} }

// AddToken implements auth.JanusAdmin.
func (x admin) AddToken(ctx context.Context, token string, plugins ...string) error {
	if err := x.a.AddToken(ctx, token, plugins...); err != nil {
		return fmt.Errorf("janusauth: add_token: %w", err)
	}
	return nil
}

// RemoveToken implements auth.JanusAdmin.
func (x admin) RemoveToken(ctx context.Context, token string) error {
	if err := x.a.RemoveToken(ctx, token); err != nil {
		return fmt.Errorf("janusauth: remove_token: %w", err)
	}
	return nil
}

// ListTokens implements auth.JanusAdmin: the token strings of list_tokens.
func (x admin) ListTokens(ctx context.Context) ([]string, error) {
	ts, err := x.a.ListTokens(ctx)
	if err != nil {
		return nil, fmt.Errorf("janusauth: list_tokens: %w", err)
	}
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.Token)
	}
	return out, nil
}
