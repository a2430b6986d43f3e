package tokens_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/janus/tokens"
	"github.com/frontdesk/frontdesk/janus/videoroom"
)

// Every auth store keeps the token records.
var _ tokens.Store = auth.Store(nil)

// fakeJanus is a tiny in-memory Janus Admin API for stored tokens.
type fakeJanus struct {
	mu      sync.Mutex
	tokens  map[string][]string // token -> plugins
	failAdd error
	lists   int
}

func newFakeJanus() *fakeJanus { return &fakeJanus{tokens: map[string][]string{}} }

func (f *fakeJanus) AddToken(ctx context.Context, token string, plugins ...string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failAdd != nil {
		return f.failAdd
	}
	f.tokens[token] = plugins
	return nil
}

func (f *fakeJanus) RemoveToken(ctx context.Context, token string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.tokens[token]; !ok {
		return errors.New("janus: 470 token not found")
	}
	delete(f.tokens, token)
	return nil
}

func (f *fakeJanus) ListTokens(ctx context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists++
	var out []string
	for t := range f.tokens {
		out = append(out, t)
	}
	slices.Sort(out)
	return out, nil
}

func (f *fakeJanus) has(tok string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.tokens[tok]
	return ok
}

func (f *fakeJanus) listCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lists
}

func TestManager(t *testing.T) {
	ctx := t.Context()
	st := auth.NewMemoryStore()
	clk := newClock()
	a, b := newFakeJanus(), newFakeJanus()
	jt := tokens.New(st, map[string]tokens.Admin{"janus-a": a, "janus-b": b},
		tokens.WithClock(clk.Now), tokens.WithTTL(time.Hour))

	host, err := jt.Mint(ctx, "janus-a", "call-1", "u-host")
	if err != nil {
		t.Fatal(err)
	}
	caller, err := jt.Mint(ctx, "janus-a", "call-1", "guest:xyz")
	if err != nil {
		t.Fatal(err)
	}
	other, err := jt.Mint(ctx, "janus-b", "call-2", "u-other")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("minted tokens are 256-bit, VideoRoom-only, on the right instance", func(t *testing.T) {
		for _, tok := range []auth.JanusToken{host, caller} {
			if len(tok.Token) != 64 || !a.has(tok.Token) || b.has(tok.Token) {
				t.Fatalf("token %d chars, on a=%v b=%v", len(tok.Token), a.has(tok.Token), b.has(tok.Token))
			}
			if p := a.tokens[tok.Token]; !slices.Equal(p, []string{videoroom.Plugin}) {
				t.Fatalf("plugins = %v", p)
			}
		}
		if host.Token == caller.Token {
			t.Fatal("two participants got the same token")
		}
	})
	t.Run("TokenFor", func(t *testing.T) {
		tests := []struct {
			call, who string
			want      string
		}{
			{"call-1", "u-host", host.Token},
			{"call-1", "guest:xyz", caller.Token},
			{"call-2", "u-other", other.Token},
			{"call-1", "u-other", ""},
			{"call-9", "u-host", ""},
		}
		for _, tc := range tests {
			got, err := jt.TokenFor(ctx, tc.call, tc.who)
			if got != tc.want || (tc.want == "") != errors.Is(err, auth.ErrNotFound) {
				t.Errorf("TokenFor(%s, %s) = %q, %v", tc.call, tc.who, got, err)
			}
		}
	})
	t.Run("reconcile removes a stray only", func(t *testing.T) {
		_ = a.AddToken(ctx, "stray-behind-our-back", videoroom.Plugin)
		res, err := jt.Reconcile(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res["janus-a"].Strays != 1 || res["janus-b"].Strays != 0 {
			t.Fatalf("reconcile = %+v", res)
		}
		if a.has("stray-behind-our-back") || !a.has(host.Token) || !a.has(caller.Token) || !b.has(other.Token) {
			t.Fatal("reconcile removed the wrong tokens")
		}
		if recs, _ := st.ListAudit(ctx, auth.AuditFilter{Kind: auth.AuditJanusTokenStray}); len(recs) != 1 {
			t.Fatalf("stray removal audit records = %d", len(recs))
		}
	})
	t.Run("end call removes its tokens at once", func(t *testing.T) {
		if err := jt.EndCall(ctx, "call-1"); err != nil {
			t.Fatal(err)
		}
		if a.has(host.Token) || a.has(caller.Token) || !b.has(other.Token) {
			t.Fatal("EndCall left tokens on Janus or removed another call's")
		}
		if _, err := jt.TokenFor(ctx, "call-1", "u-host"); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("TokenFor after EndCall: %v", err)
		}
	})
	t.Run("expired tokens are removed", func(t *testing.T) {
		clk.Advance(61 * time.Minute)
		if _, err := jt.TokenFor(ctx, "call-2", "u-other"); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("TokenFor on an expired token: %v", err)
		}
		res, err := jt.Reconcile(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res["janus-b"].Expired != 1 || res["janus-b"].Strays != 0 || b.has(other.Token) {
			t.Fatalf("reconcile = %+v, still on b: %v", res, b.has(other.Token))
		}
	})
	t.Run("end call with Janus down still forgets the token, reconcile cleans up", func(t *testing.T) {
		tok, err := jt.Mint(ctx, "janus-a", "call-3", "u-host")
		if err != nil {
			t.Fatal(err)
		}
		down := tokens.New(st, map[string]tokens.Admin{"janus-a": tokens.AdminFuncs{
			Add:    a.AddToken,
			Remove: func(context.Context, string) error { return errors.New("connection refused") },
			List:   a.ListTokens,
		}}, tokens.WithClock(clk.Now))
		if err := down.EndCall(ctx, "call-3"); err == nil {
			t.Fatal("EndCall hid the Janus error")
		}
		if !a.has(tok.Token) {
			t.Fatal("fake removed the token although Remove failed")
		}
		if _, err := jt.Reconcile(ctx); err != nil {
			t.Fatal(err)
		}
		if a.has(tok.Token) {
			t.Fatal("reconcile did not remove the token of an ended call")
		}
	})
	t.Run("Janus refusing add_token leaves no record", func(t *testing.T) {
		a.failAdd = errors.New("janus: 403 unauthorized")
		defer func() { a.failAdd = nil }()
		if _, err := jt.Mint(ctx, "janus-a", "call-4", "u"); err == nil {
			t.Fatal("Mint succeeded although add_token failed")
		}
		if recs, _ := st.ListJanusTokens(ctx, auth.JanusTokenFilter{CallID: "call-4"}); len(recs) != 0 {
			t.Fatalf("records after failed mint: %d", len(recs))
		}
	})
	t.Run("unknown instance", func(t *testing.T) {
		if _, err := jt.Mint(ctx, "janus-z", "c", "u"); !errors.Is(err, tokens.ErrUnknownInstance) {
			t.Fatalf("Mint on unknown instance: %v", err)
		}
	})
}

func TestRunLoop(t *testing.T) {
	a := newFakeJanus()
	jt := tokens.New(auth.NewMemoryStore(), map[string]tokens.Admin{"janus-a": a})
	_ = a.AddToken(t.Context(), "stray", videoroom.Plugin)
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	var runErr error
	wg.Go(func() { runErr = jt.Run(ctx, 5*time.Millisecond) })
	deadline := time.Now().Add(5 * time.Second)
	for a.listCount() < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	wg.Wait()
	if a.listCount() < 3 {
		t.Fatalf("reconcile ran %d times, want periodic runs", a.listCount())
	}
	if a.has("stray") {
		t.Fatal("the loop did not remove the stray")
	}
	if !errors.Is(runErr, context.Canceled) {
		t.Fatalf("Run returned %v, want context.Canceled", runErr)
	}
	if err := jt.Run(t.Context(), 0); err == nil {
		t.Fatalf("Run(0) = %v", err)
	}
}

// TestMintTokenRevokeToken covers the queue.TokenMinter-shaped methods.
func TestMintTokenRevokeToken(t *testing.T) {
	ctx := t.Context()
	a := newFakeJanus()
	jt := tokens.New(auth.NewMemoryStore(), map[string]tokens.Admin{"janus-a": a})
	tok, err := jt.MintToken(ctx, "janus-a")
	if err != nil || len(tok) != 64 || !a.has(tok) {
		t.Fatalf("MintToken = %q, %v", tok, err)
	}
	// A reconcile keeps it: Frontdesk knows it.
	if res, err := jt.Reconcile(ctx); err != nil || res["janus-a"].Strays != 0 || !a.has(tok) {
		t.Fatalf("reconcile removed a minted token: %+v, %v", res, err)
	}
	if err := jt.RevokeToken(ctx, "janus-a", tok); err != nil || a.has(tok) {
		t.Fatalf("RevokeToken = %v, still on Janus: %v", err, a.has(tok))
	}
	if err := jt.RevokeToken(ctx, "janus-a", tok); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
	if err := jt.RevokeToken(ctx, "janus-z", tok); !errors.Is(err, tokens.ErrUnknownInstance) {
		t.Fatalf("RevokeToken on unknown instance: %v", err)
	}
	// A phone console's token may attach the SIP plugin only; a
	// VideoRoom token never the SIP plugin.
	sip, err := jt.MintPluginToken(ctx, "janus-a", "janus.plugin.sip")
	vr, _ := jt.MintToken(ctx, "janus-a")
	a.mu.Lock()
	sipPlugins, vrPlugins := a.tokens[sip], a.tokens[vr]
	a.mu.Unlock()
	if err != nil || len(sipPlugins) != 1 || sipPlugins[0] != "janus.plugin.sip" || len(vrPlugins) != 1 || vrPlugins[0] != videoroom.Plugin {
		t.Fatalf("plugins: sip token %v (%v), videoroom token %v", sipPlugins, err, vrPlugins)
	}
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestTokensNeverLogged mints, reconciles a stray and ends a call with a
// debug-level JSON logger and checks no token appears in the log or the
// audit records.
func TestTokensNeverLogged(t *testing.T) {
	ctx := t.Context()
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st := auth.NewMemoryStore()
	fj := newFakeJanus()
	jt := tokens.New(st, map[string]tokens.Admin{"janus-a": fj}, tokens.WithLogger(log))
	tok, err := jt.Mint(ctx, "janus-a", "c1", "u")
	if err != nil {
		t.Fatal(err)
	}
	const stray = "stray-secret-token-value"
	_ = fj.AddToken(ctx, stray, videoroom.Plugin)
	if res, err := jt.Reconcile(ctx); err != nil || res["janus-a"].Strays != 1 {
		t.Fatalf("Reconcile = %+v, %v; want one stray", res, err)
	}
	if err := jt.EndCall(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Janus token minted", "Janus tokens reconciled", "Janus tokens removed for call"} {
		if !strings.Contains(logs.String(), want) {
			t.Fatalf("log capture did not see %q; logs:\n%s", want, logs.String())
		}
	}
	recs, _ := st.ListAudit(ctx, auth.AuditFilter{})
	if len(recs) == 0 {
		t.Fatal("no audit record of the stray removal")
	}
	audit := fmt.Sprintf("%+v", recs)
	for _, secret := range []string{tok.Token, stray} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("token %.6s… appears in the logs", secret)
		}
		if strings.Contains(audit, secret) {
			t.Errorf("token %.6s… appears in the audit log", secret)
		}
	}
}
