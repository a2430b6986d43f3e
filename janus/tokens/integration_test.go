package tokens_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/janus"
	"github.com/frontdesk/frontdesk/janus/janustest"
	"github.com/frontdesk/frontdesk/janus/tokens"
	"github.com/frontdesk/frontdesk/janus/videoroom"
	"github.com/frontdesk/frontdesk/janus/wire"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func dial(t *testing.T, url, token string) *janus.Client {
	t.Helper()
	c, err := janus.Dial(ctxT(t, 5*time.Second), url, janus.WithToken(token))
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func onJanus(t *testing.T, a tokens.Admin, tok string) bool {
	t.Helper()
	ts, err := a.ListTokens(ctxT(t, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return slices.Contains(ts, tok)
}

// TestStoredTokensAgainstRealJanus: tokens minted for a call open VideoRoom
// sessions (and only VideoRoom); after the call ends Janus refuses them
// (attach gets 403); reconcile removes a stray token added behind
// Frontdesk's back and keeps live ones. Over WebSocket and HTTP.
func TestStoredTokensAgainstRealJanus(t *testing.T) {
	inst := janustest.Start(t, janustest.Options{})
	adm := tokens.FromJanus(inst.Admin())
	var logs bytes.Buffer
	st := auth.NewMemoryStore()
	jt := tokens.New(st, map[string]tokens.Admin{"janus-a": adm},
		tokens.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))

	for _, tr := range []struct{ name, url string }{{"websocket", inst.WSURL}, {"http", inst.HTTPURL}} {
		t.Run(tr.name, func(t *testing.T) {
			ctx := ctxT(t, 30*time.Second)
			call := "call-" + tr.name
			host, err := jt.Mint(ctx, "janus-a", call, "u-host")
			if err != nil {
				t.Fatal(err)
			}
			caller, err := jt.Mint(ctx, "janus-a", call, "guest:abc")
			if err != nil {
				t.Fatal(err)
			}
			var sessions []*janus.Session
			for _, tok := range []auth.JanusToken{host, caller} {
				if !onJanus(t, adm, tok.Token) {
					t.Fatal("minted token not in list_tokens")
				}
				s, err := dial(t, tr.url, tok.Token).CreateSession(ctx)
				if err != nil {
					t.Fatalf("create with a minted token: %v", err)
				}
				if _, err := s.Attach(ctx, videoroom.Plugin); err != nil {
					t.Fatalf("attach VideoRoom with a minted token: %v", err)
				}
				if _, err := s.Attach(ctx, "janus.plugin.echotest"); !errors.Is(err, &janus.Error{Code: wire.CodeUnauthorizedPlugin}) {
					t.Fatalf("attach EchoTest with a VideoRoom-only token: %v, want 405", err)
				}
				sessions = append(sessions, s)
			}

			// The call ends: the tokens stop working at once.
			if err := jt.EndCall(ctx, call); err != nil {
				t.Fatal(err)
			}
			for i, tok := range []auth.JanusToken{host, caller} {
				if onJanus(t, adm, tok.Token) {
					t.Fatal("token still in list_tokens after the call ended")
				}
				if _, err := sessions[i].Attach(ctx, videoroom.Plugin); !errors.Is(err, &janus.Error{Code: wire.CodeUnauthorized}) {
					t.Fatalf("attach after call end: %v, want 403", err)
				}
				if _, err := dial(t, tr.url, tok.Token).CreateSession(ctx); !errors.Is(err, &janus.Error{Code: wire.CodeUnauthorized}) {
					t.Fatalf("create after call end: %v, want 403", err)
				}
			}
		})
	}

	t.Run("reconcile removes a stray", func(t *testing.T) {
		ctx := ctxT(t, 30*time.Second)
		live, err := jt.Mint(ctx, "janus-a", "call-live", "u-host")
		if err != nil {
			t.Fatal(err)
		}
		const stray = "stray-token-added-behind-frontdesks-back"
		if err := inst.Admin().AddToken(ctx, stray, videoroom.Plugin); err != nil {
			t.Fatal(err)
		}
		if _, err := dial(t, inst.WSURL, stray).CreateSession(ctx); err != nil {
			t.Fatalf("stray token should work before reconcile: %v", err)
		}
		res, err := jt.Reconcile(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res["janus-a"].Strays != 1 {
			t.Fatalf("reconcile = %+v, want 1 stray", res)
		}
		if onJanus(t, adm, stray) || !onJanus(t, adm, live.Token) {
			t.Fatal("reconcile removed the wrong token")
		}
		if _, err := dial(t, inst.WSURL, stray).CreateSession(ctx); !errors.Is(err, &janus.Error{Code: wire.CodeUnauthorized}) {
			t.Fatalf("stray token after reconcile: %v, want 403", err)
		}
		s, err := dial(t, inst.WSURL, live.Token).CreateSession(ctx)
		if err != nil {
			t.Fatalf("live token after reconcile: %v", err)
		}
		if _, err := s.Attach(ctx, videoroom.Plugin); err != nil {
			t.Fatal(err)
		}
		if err := jt.EndCall(ctx, "call-live"); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(logs.String(), live.Token) || strings.Contains(logs.String(), stray) {
			t.Fatal("a Janus token reached the log")
		}
	})
}
