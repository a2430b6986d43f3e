package tokens

import (
	"context"
	"fmt"

	"github.com/frontdesk/frontdesk/janus/admin"
)

// janusAdmin adapts an *admin.Client to [Admin].
type janusAdmin struct{ a *admin.Client }

// FromJanus returns a's token management (Janus Admin API add_token,
// remove_token, list_tokens) as an [Admin].
func FromJanus(a *admin.Client) Admin { return janusAdmin{a} }

// AddToken implements [Admin].
func (x janusAdmin) AddToken(ctx context.Context, token string, plugins ...string) error {
	if err := x.a.AddToken(ctx, token, plugins...); err != nil {
		return fmt.Errorf("tokens: add_token: %w", err)
	}
	return nil
}

// RemoveToken implements [Admin].
func (x janusAdmin) RemoveToken(ctx context.Context, token string) error {
	if err := x.a.RemoveToken(ctx, token); err != nil {
		return fmt.Errorf("tokens: remove_token: %w", err)
	}
	return nil
}

// ListTokens implements [Admin]: the token strings of list_tokens.
func (x janusAdmin) ListTokens(ctx context.Context) ([]string, error) {
	ts, err := x.a.ListTokens(ctx)
	if err != nil {
		return nil, fmt.Errorf("tokens: list_tokens: %w", err)
	}
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.Token)
	}
	return out, nil
}
