package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/frontdesk/frontdesk/idgen"
)

// VideoRoomPlugin is the only plugin Frontdesk's Janus stored tokens may
// attach to (Janus Admin API add_token "plugins"; without it a token would
// allow every plugin).
const VideoRoomPlugin = "janus.plugin.videoroom"

// DefaultJanusTokenTTL is how long a Janus stored token lives at most when
// its call never ends cleanly; reconcile removes it after that.
const DefaultJanusTokenTTL = 4 * time.Hour

// JanusAdmin is the part of the Janus Admin API (Janus docs, "Admin/Monitor
// API", token management: add_token, remove_token, list_tokens) that
// [JanusTokens] needs, for one Janus instance. Package auth/janusauth adapts
// a *janus.Admin to it (janusauth.Admin); [JanusAdminFuncs] adapts plain
// functions.
type JanusAdmin interface {
	// AddToken adds a stored token allowed to attach to the named plugins.
	AddToken(ctx context.Context, token string, plugins ...string) error
	// RemoveToken removes a stored token.
	RemoveToken(ctx context.Context, token string) error
	// ListTokens returns every stored token the instance holds.
	ListTokens(ctx context.Context) ([]string, error)
}

// JanusAdminFuncs adapts three functions to [JanusAdmin], e.g. for a
// janus.Admin a:
//
//	auth.JanusAdminFuncs{Add: a.AddToken, Remove: a.RemoveToken, List: func(ctx context.Context) ([]string, error) {
//		ts, err := a.ListTokens(ctx) // []janus.StoredToken
//		... collect ts[i].Token ...
//	}}
type JanusAdminFuncs struct {
	Add    func(ctx context.Context, token string, plugins ...string) error // add_token
	Remove func(ctx context.Context, token string) error                    // remove_token
	List   func(ctx context.Context) ([]string, error)                      // list_tokens, token strings only
}

// AddToken implements [JanusAdmin].
func (f JanusAdminFuncs) AddToken(ctx context.Context, token string, plugins ...string) error {
	return f.Add(ctx, token, plugins...)
}

// RemoveToken implements [JanusAdmin].
func (f JanusAdminFuncs) RemoveToken(ctx context.Context, token string) error {
	return f.Remove(ctx, token)
}

// ListTokens implements [JanusAdmin].
func (f JanusAdminFuncs) ListTokens(ctx context.Context) ([]string, error) { return f.List(ctx) }

// JanusTokens mints, looks up, removes and reconciles Janus stored tokens,
// one per participant per call, on the instance holding the call's room.
// The store is the source of truth: a token on an instance without a live
// record is a stray and reconcile removes it. Tokens are never logged.
type JanusTokens struct {
	store  Store
	admins map[string]JanusAdmin
	log    *slog.Logger
	now    func() time.Time
	ttl    time.Duration
}

// JanusTokensOption sets an optional setting of [NewJanusTokens].
type JanusTokensOption func(*JanusTokens)

// WithJanusLogger sets the logger (default slog.Default()).
func WithJanusLogger(l *slog.Logger) JanusTokensOption { return func(j *JanusTokens) { j.log = l } }

// WithJanusClock sets the time source (default time.Now).
func WithJanusClock(now func() time.Time) JanusTokensOption {
	return func(j *JanusTokens) { j.now = now }
}

// WithJanusTokenTTL sets the maximum token lifetime (default
// [DefaultJanusTokenTTL]).
func WithJanusTokenTTL(d time.Duration) JanusTokensOption { return func(j *JanusTokens) { j.ttl = d } }

// NewJanusTokens returns a manager for the given instances (instance name →
// its Admin API). The map is copied; instances are fixed for the manager's
// life.
func NewJanusTokens(st Store, admins map[string]JanusAdmin, opts ...JanusTokensOption) *JanusTokens {
	j := &JanusTokens{store: st, admins: make(map[string]JanusAdmin, len(admins)), log: slog.Default(), now: time.Now, ttl: DefaultJanusTokenTTL}
	for k, v := range admins {
		j.admins[k] = v
	}
	for _, o := range opts {
		o(j)
	}
	return j
}

// Mint creates a 256-bit random token for participant (the call ticket's
// Subject) in call on instance (callID and participant may be empty: see
// [JanusTokens.MintToken]), records it, then adds it to the instance
// limited to [VideoRoomPlugin]. The record is written first so a concurrent
// reconcile never mistakes the new token for a stray. If Janus refuses, the
// record is removed again and the error returned. ErrUnknownInstance for an
// instance without an admin.
func (j *JanusTokens) Mint(ctx context.Context, instance, callID, participant string) (JanusToken, error) {
	adm, ok := j.admins[instance]
	if !ok {
		return JanusToken{}, fmt.Errorf("auth: mint Janus token on %q: %w", instance, ErrUnknownInstance)
	}
	now := j.now().UTC().Truncate(time.Millisecond)
	t := JanusToken{Token: idgen.Hex(32), Instance: instance, CallID: callID, ParticipantID: participant, CreatedAt: now, ExpiresAt: now.Add(j.ttl)}
	if err := j.store.CreateJanusToken(ctx, t); err != nil {
		return JanusToken{}, fmt.Errorf("auth: record Janus token: %w", err)
	}
	if err := adm.AddToken(ctx, t.Token, VideoRoomPlugin); err != nil {
		if derr := j.store.DeleteJanusToken(context.WithoutCancel(ctx), t.Token); derr != nil {
			j.log.ErrorContext(ctx, "could not drop record of a Janus token Janus refused", "instance", instance, "call_id", callID, "err", derr)
		}
		return JanusToken{}, fmt.Errorf("auth: add_token on %q: %w", instance, err)
	}
	j.log.InfoContext(ctx, "Janus token minted", "instance", instance, "call_id", callID, "participant", participant)
	return t, nil
}

// MintToken mints a token on instance that is not tied to a call record
// and returns it; the caller keeps it (e.g. in its call) and removes it with
// [JanusTokens.RevokeToken]. It expires after the token TTL like any other.
// With RevokeToken it implements queue.TokenMinter.
func (j *JanusTokens) MintToken(ctx context.Context, instance string) (string, error) {
	t, err := j.Mint(ctx, instance, "", "")
	if err != nil {
		return "", err
	}
	return t.Token, nil
}

// RevokeToken removes token from instance (Janus remove_token) and forgets
// it. An unknown token is not an error. If Janus is unreachable the record
// is still deleted and the error returned; the next reconcile removes the
// token from Janus.
func (j *JanusTokens) RevokeToken(ctx context.Context, instance, token string) error {
	if err := j.store.DeleteJanusToken(ctx, token); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("auth: revoke Janus token: %w", err)
	}
	adm, ok := j.admins[instance]
	if !ok {
		return fmt.Errorf("auth: revoke Janus token on %q: %w", instance, ErrUnknownInstance)
	}
	if err := adm.RemoveToken(ctx, token); err != nil {
		// Janus answers 470 for a token it does not know; check before
		// reporting, so revoking twice is not an error.
		if list, lerr := adm.ListTokens(ctx); lerr == nil && !slices.Contains(list, token) {
			return nil
		}
		return fmt.Errorf("auth: remove_token on %q: %w", instance, err)
	}
	return nil
}

// TokenFor returns the live token minted for participant in call (the
// newest if several). The proxy adds it to every Janus request of that
// participant. ErrNotFound if there is none or it expired.
func (j *JanusTokens) TokenFor(ctx context.Context, callID, participant string) (string, error) {
	ts, err := j.store.ListJanusTokens(ctx, JanusTokenFilter{CallID: callID})
	if err != nil {
		return "", fmt.Errorf("auth: Janus token lookup: %w", err)
	}
	now := j.now()
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].ParticipantID == participant && now.Before(ts[i].ExpiresAt) {
			return ts[i].Token, nil
		}
	}
	return "", fmt.Errorf("auth: no Janus token for participant in call %q: %w", callID, ErrNotFound)
}

// EndCall removes every token of the call from Janus and from the store, so
// Janus refuses them at once (attach gets 403). Removal from Janus is
// best effort: the record is deleted even if Janus is unreachable, and the
// next reconcile removes any token left behind as a stray. It returns the
// first Janus error, if any, after processing all tokens.
func (j *JanusTokens) EndCall(ctx context.Context, callID string) error {
	ts, err := j.store.ListJanusTokens(ctx, JanusTokenFilter{CallID: callID})
	if err != nil {
		return fmt.Errorf("auth: end call tokens: %w", err)
	}
	var first error
	for _, t := range ts {
		if adm, ok := j.admins[t.Instance]; ok {
			if err := adm.RemoveToken(ctx, t.Token); err != nil && first == nil {
				first = fmt.Errorf("auth: remove_token on %q: %w", t.Instance, err)
			}
		}
		if err := j.store.DeleteJanusToken(ctx, t.Token); err != nil && !errors.Is(err, ErrNotFound) && first == nil {
			first = fmt.Errorf("auth: delete Janus token record: %w", err)
		}
	}
	j.log.InfoContext(ctx, "Janus tokens removed for call", "call_id", callID, "count", len(ts), "err", first)
	return first
}

// ReconcileResult counts what [JanusTokens.Reconcile] did on one instance.
type ReconcileResult struct {
	// Strays is the number of tokens Janus held that Frontdesk did not know
	// (removed).
	Strays int
	// Expired is the number of expired Frontdesk tokens removed.
	Expired int
}

// Reconcile compares each instance's stored tokens (list_tokens) with the
// store: tokens Janus has that no live record names are removed from Janus
// (strays: added behind Frontdesk's back, or left after a failed removal);
// expired records are removed from Janus and the store. Janus is listed
// before the store, so a token minted during the run (record first, then
// add_token) is never taken for a stray. Errors on one instance do not stop
// the others; the joined errors are returned with per-instance results.
func (j *JanusTokens) Reconcile(ctx context.Context) (map[string]ReconcileResult, error) {
	results := map[string]ReconcileResult{}
	var errs []error
	for name, adm := range j.admins {
		r, err := j.reconcileOne(ctx, name, adm)
		results[name] = r
		if err != nil {
			errs = append(errs, fmt.Errorf("auth: reconcile %q: %w", name, err))
		}
	}
	return results, errors.Join(errs...)
}

func (j *JanusTokens) reconcileOne(ctx context.Context, name string, adm JanusAdmin) (ReconcileResult, error) {
	var res ReconcileResult
	onJanus, err := adm.ListTokens(ctx)
	if err != nil {
		return res, fmt.Errorf("list_tokens: %w", err)
	}
	recs, err := j.store.ListJanusTokens(ctx, JanusTokenFilter{Instance: name})
	if err != nil {
		return res, fmt.Errorf("list records: %w", err)
	}
	now := j.now()
	live := make(map[string]bool, len(recs))
	expired := map[string]bool{}
	var errs []error
	for _, r := range recs {
		if now.Before(r.ExpiresAt) {
			live[r.Token] = true
			continue
		}
		expired[r.Token] = true
		if err := j.store.DeleteJanusToken(ctx, r.Token); err != nil && !errors.Is(err, ErrNotFound) {
			errs = append(errs, err)
			continue
		}
		res.Expired++
	}
	for _, tok := range onJanus {
		if live[tok] {
			continue
		}
		if err := adm.RemoveToken(ctx, tok); err != nil {
			errs = append(errs, fmt.Errorf("remove_token: %w", err))
			continue
		}
		if !expired[tok] {
			res.Strays++
		}
	}
	if res.Strays > 0 {
		at := j.now().UTC().Truncate(time.Millisecond)
		rec := AuditRecord{
			ID: NewAuditID(at), Time: at, Kind: AuditJanusTokenStray,
			Detail: fmt.Sprintf("instance %s: %d stray token(s) removed", name, res.Strays),
		}
		if err := j.store.AppendAudit(ctx, rec); err != nil {
			j.log.ErrorContext(ctx, "audit record lost", "kind", rec.Kind, "err", err)
		}
	}
	if res.Strays > 0 || res.Expired > 0 {
		j.log.WarnContext(ctx, "Janus tokens reconciled", "instance", name, "strays_removed", res.Strays, "expired_removed", res.Expired)
	}
	return res, errors.Join(errs...)
}

// Run reconciles at once and then every interval until ctx is done, then
// returns ctx's error. The caller owns the goroutine that runs it (start it
// with a WaitGroup or errgroup and cancel ctx to stop, then wait). Errors
// are logged, never fatal.
func (j *JanusTokens) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		return fmt.Errorf("auth: reconcile interval %v: %w", interval, ErrInvalidInput)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := j.Reconcile(ctx); err != nil && ctx.Err() == nil {
			j.log.ErrorContext(ctx, "Janus token reconcile failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
