// Package tokens manages Janus stored tokens (Janus Admin API add_token,
// remove_token, list_tokens; core option token_auth): one token per
// participant per call, added to the Janus instance that holds the call's
// room and limited to the VideoRoom plugin. The records of the tokens are
// kept by a [Store] (auth.Store implements it), which is the source of
// truth: [Manager.Reconcile] removes from each instance every token no
// live record names, and expired ones. Tokens are secrets: they are never
// logged and never reach a browser (the proxy adds them to requests).
package tokens

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/idgen"
	"github.com/frontdesk/frontdesk/janus/videoroom"
)

// DefaultTTL is how long a Janus stored token lives at most when its call
// never ends cleanly; reconcile removes it after that.
const DefaultTTL = 4 * time.Hour

// ErrUnknownInstance means a Janus instance name has no registered [Admin].
var ErrUnknownInstance = errors.New("tokens: unknown Janus instance")

// Store is what [Manager] needs of the store that persists token records
// (auth.Store implements it): the records (auth.JanusToken, one per token)
// and the audit log, where stray removals are recorded.
type Store interface {
	// CreateJanusToken stores a new record; auth.ErrConflict if the token
	// exists.
	CreateJanusToken(ctx context.Context, t auth.JanusToken) error
	// ListJanusTokens returns the records matching f, oldest first.
	ListJanusTokens(ctx context.Context, f auth.JanusTokenFilter) ([]auth.JanusToken, error)
	// DeleteJanusToken removes a record; auth.ErrNotFound if absent.
	DeleteJanusToken(ctx context.Context, token string) error
	// AppendAudit adds an audit record.
	AppendAudit(ctx context.Context, rec auth.AuditRecord) error
}

// Admin is the part of the Janus Admin API (Janus docs, "Admin/Monitor
// API", token management: add_token, remove_token, list_tokens) that
// [Manager] needs, for one Janus instance. [FromJanus] adapts a
// *admin.Client to it; [AdminFuncs] adapts plain functions.
type Admin interface {
	// AddToken adds a stored token allowed to attach to the named plugins.
	AddToken(ctx context.Context, token string, plugins ...string) error
	// RemoveToken removes a stored token.
	RemoveToken(ctx context.Context, token string) error
	// ListTokens returns every stored token the instance holds.
	ListTokens(ctx context.Context) ([]string, error)
}

// AdminFuncs adapts three functions to [Admin] (e.g. a test double whose
// removal fails).
type AdminFuncs struct {
	Add    func(ctx context.Context, token string, plugins ...string) error // add_token
	Remove func(ctx context.Context, token string) error                    // remove_token
	List   func(ctx context.Context) ([]string, error)                      // list_tokens, token strings only
}

// AddToken implements [Admin].
func (f AdminFuncs) AddToken(ctx context.Context, token string, plugins ...string) error {
	return f.Add(ctx, token, plugins...)
}

// RemoveToken implements [Admin].
func (f AdminFuncs) RemoveToken(ctx context.Context, token string) error {
	return f.Remove(ctx, token)
}

// ListTokens implements [Admin].
func (f AdminFuncs) ListTokens(ctx context.Context) ([]string, error) { return f.List(ctx) }

// Manager mints, looks up, removes and reconciles Janus stored tokens,
// one per participant per call, on the instance holding the call's room.
// The store is the source of truth: a token on an instance without a live
// record is a stray and reconcile removes it. Tokens are never logged.
// It is safe for concurrent use.
type Manager struct {
	store  Store
	admins map[string]Admin
	log    *slog.Logger
	now    func() time.Time
	ttl    time.Duration
}

// Option sets an optional setting of [New].
type Option func(*Manager)

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(j *Manager) { j.log = l } }

// WithClock sets the time source (default time.Now).
func WithClock(now func() time.Time) Option { return func(j *Manager) { j.now = now } }

// WithTTL sets the maximum token lifetime (default [DefaultTTL]).
func WithTTL(d time.Duration) Option { return func(j *Manager) { j.ttl = d } }

// New returns a manager for the given instances (instance name → its
// Admin API). The map is copied; instances are fixed for the manager's
// life.
func New(st Store, admins map[string]Admin, opts ...Option) *Manager {
	j := &Manager{store: st, admins: make(map[string]Admin, len(admins)), log: slog.Default(), now: time.Now, ttl: DefaultTTL}
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
// [Manager.MintToken]), records it, then adds it to the instance limited
// to the VideoRoom plugin (add_token "plugins": [videoroom.Plugin]). The
// record is written first so a concurrent reconcile never mistakes the new
// token for a stray. If Janus refuses, the record is removed again and the
// error returned. [ErrUnknownInstance] for an instance without an admin.
func (j *Manager) Mint(ctx context.Context, instance, callID, participant string) (auth.JanusToken, error) {
	return j.mint(ctx, instance, callID, participant, videoroom.Plugin)
}

// mint is Mint for the given plugin.
func (j *Manager) mint(ctx context.Context, instance, callID, participant, plugin string) (auth.JanusToken, error) {
	adm, ok := j.admins[instance]
	if !ok {
		return auth.JanusToken{}, fmt.Errorf("tokens: mint Janus token on %q: %w", instance, ErrUnknownInstance)
	}
	now := j.now().UTC().Truncate(time.Millisecond)
	t := auth.JanusToken{Token: idgen.Hex(32), Instance: instance, CallID: callID, ParticipantID: participant, CreatedAt: now, ExpiresAt: now.Add(j.ttl)}
	if err := j.store.CreateJanusToken(ctx, t); err != nil {
		return auth.JanusToken{}, fmt.Errorf("tokens: record Janus token: %w", err)
	}
	if err := adm.AddToken(ctx, t.Token, plugin); err != nil {
		if derr := j.store.DeleteJanusToken(context.WithoutCancel(ctx), t.Token); derr != nil {
			j.log.ErrorContext(ctx, "could not drop record of a Janus token Janus refused", "instance", instance, "call_id", callID, "err", derr)
		}
		return auth.JanusToken{}, fmt.Errorf("tokens: add_token on %q: %w", instance, err)
	}
	j.log.InfoContext(ctx, "Janus token minted", "instance", instance, "call_id", callID, "participant", participant)
	return t, nil
}

// MintToken mints a token on instance that is not tied to a call record
// and returns it; the caller keeps it (e.g. in its call) and removes it with
// [Manager.RevokeToken]. It expires after the token TTL like any other.
// With RevokeToken it implements queue.TokenMinter.
func (j *Manager) MintToken(ctx context.Context, instance string) (string, error) {
	t, err := j.Mint(ctx, instance, "", "")
	if err != nil {
		return "", err
	}
	return t.Token, nil
}

// MintPluginToken is MintToken for another plugin than VideoRoom: the
// token may attach only plugin (e.g. "janus.plugin.sip" for a phone
// call's console). Errors as Mint's.
func (j *Manager) MintPluginToken(ctx context.Context, instance, plugin string) (string, error) {
	t, err := j.mint(ctx, instance, "", "", plugin)
	if err != nil {
		return "", err
	}
	return t.Token, nil
}

// RevokeToken removes token from instance (Janus remove_token) and forgets
// it. An unknown token is not an error. If Janus is unreachable the record
// is still deleted and the error returned; the next reconcile removes the
// token from Janus.
func (j *Manager) RevokeToken(ctx context.Context, instance, token string) error {
	if err := j.store.DeleteJanusToken(ctx, token); err != nil && !errors.Is(err, auth.ErrNotFound) {
		return fmt.Errorf("tokens: revoke Janus token: %w", err)
	}
	adm, ok := j.admins[instance]
	if !ok {
		return fmt.Errorf("tokens: revoke Janus token on %q: %w", instance, ErrUnknownInstance)
	}
	if err := adm.RemoveToken(ctx, token); err != nil {
		// Janus answers 470 for a token it does not know; check before
		// reporting, so revoking twice is not an error.
		if list, lerr := adm.ListTokens(ctx); lerr == nil && !slices.Contains(list, token) {
			return nil
		}
		return fmt.Errorf("tokens: remove_token on %q: %w", instance, err)
	}
	return nil
}

// TokenFor returns the live token minted for participant in call (the
// newest if several). The proxy adds it to every Janus request of that
// participant. auth.ErrNotFound if there is none or it expired.
func (j *Manager) TokenFor(ctx context.Context, callID, participant string) (string, error) {
	ts, err := j.store.ListJanusTokens(ctx, auth.JanusTokenFilter{CallID: callID})
	if err != nil {
		return "", fmt.Errorf("tokens: Janus token lookup: %w", err)
	}
	now := j.now()
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].ParticipantID == participant && now.Before(ts[i].ExpiresAt) {
			return ts[i].Token, nil
		}
	}
	return "", fmt.Errorf("tokens: no Janus token for participant in call %q: %w", callID, auth.ErrNotFound)
}

// EndCall removes every token of the call from Janus and from the store, so
// Janus refuses them at once (attach gets 403). Removal from Janus is
// best effort: the record is deleted even if Janus is unreachable, and the
// next reconcile removes any token left behind as a stray. It returns the
// first Janus error, if any, after processing all tokens.
func (j *Manager) EndCall(ctx context.Context, callID string) error {
	ts, err := j.store.ListJanusTokens(ctx, auth.JanusTokenFilter{CallID: callID})
	if err != nil {
		return fmt.Errorf("tokens: end call tokens: %w", err)
	}
	var first error
	for _, t := range ts {
		if adm, ok := j.admins[t.Instance]; ok {
			if err := adm.RemoveToken(ctx, t.Token); err != nil && first == nil {
				first = fmt.Errorf("tokens: remove_token on %q: %w", t.Instance, err)
			}
		}
		if err := j.store.DeleteJanusToken(ctx, t.Token); err != nil && !errors.Is(err, auth.ErrNotFound) && first == nil {
			first = fmt.Errorf("tokens: delete Janus token record: %w", err)
		}
	}
	j.log.InfoContext(ctx, "Janus tokens removed for call", "call_id", callID, "count", len(ts), "err", first)
	return first
}

// ReconcileResult counts what [Manager.Reconcile] did on one instance.
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
func (j *Manager) Reconcile(ctx context.Context) (map[string]ReconcileResult, error) {
	results := map[string]ReconcileResult{}
	var errs []error
	for name, adm := range j.admins {
		r, err := j.reconcileOne(ctx, name, adm)
		results[name] = r
		if err != nil {
			errs = append(errs, fmt.Errorf("tokens: reconcile %q: %w", name, err))
		}
	}
	return results, errors.Join(errs...)
}

func (j *Manager) reconcileOne(ctx context.Context, name string, adm Admin) (ReconcileResult, error) {
	var res ReconcileResult
	onJanus, err := adm.ListTokens(ctx)
	if err != nil {
		return res, fmt.Errorf("list_tokens: %w", err)
	}
	recs, err := j.store.ListJanusTokens(ctx, auth.JanusTokenFilter{Instance: name})
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
		if err := j.store.DeleteJanusToken(ctx, r.Token); err != nil && !errors.Is(err, auth.ErrNotFound) {
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
		rec := auth.AuditRecord{
			ID: auth.NewAuditID(at), Time: at, Kind: auth.AuditJanusTokenStray,
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
func (j *Manager) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		return fmt.Errorf("tokens: reconcile interval %v is not positive", interval)
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
