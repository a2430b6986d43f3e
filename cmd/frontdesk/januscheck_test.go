package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/frontdesk/frontdesk/config"
	"github.com/frontdesk/frontdesk/janus/events"
	"github.com/frontdesk/frontdesk/janus/janustest"
	"github.com/frontdesk/frontdesk/webhook"
)

// TestJanusCheck runs "frontdesk janus check" against a real Janus whose
// event handler posts to Frontdesk's events endpoint (package webhook),
// whose metrics (events counted per emitter) are served at /metrics.
func TestJanusCheck(t *testing.T) {
	// The endpoint needs the credentials the harness gives Janus, known
	// once it started: posts before that get 503 (Janus drops them).
	var hook atomic.Pointer[webhook.Handler]
	events := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := hook.Load(); h != nil {
			h.ServeHTTP(w, r)
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	inst := janustest.Start(t, janustest.Options{EventHandler: events})
	reg := prometheus.NewRegistry()
	h, err := webhook.New(webhook.Config{Username: inst.EventsUser, Password: inst.EventsPassword}, discard{}, webhook.WithRegisterer(reg))
	if err != nil {
		t.Fatal(err)
	}
	hook.Store(h)
	metrics := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer metrics.Close()

	dir := t.TempDir()
	writeConfig := func(name string, instances ...[3]string) string {
		var b strings.Builder
		b.WriteString("janus:\n  instances:\n")
		for _, in := range instances {
			fmt.Fprintf(&b, "    - name: %s\n      ws_url: %s\n      admin_url: %s\n      admin_secret: %q\n      admin_key: %q\n",
				in[0], inst.WSURL, inst.AdminURL, in[1], in[2])
		}
		if len(instances) == 0 {
			b.Reset()
			b.WriteString("log:\n  level: info\n")
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := writeConfig("good.yaml", [3]string{"janus-1", inst.AdminSecret, inst.AdminKey})
	bad := writeConfig("bad.yaml",
		[3]string{"wrong-secret", "x" + inst.AdminSecret, inst.AdminKey},
		[3]string{"wrong-key", inst.AdminSecret, "x" + inst.AdminKey})
	none := writeConfig("none.yaml")

	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  []string // lines of the table that must appear (fields separated by spaces)
		wantErr  string
	}{
		{"all pass with delivery", []string{"janus", "check", "--config", good, "--frontdesk", metrics.URL}, exitOK,
			[]string{"janus-1 admin-api ok", "janus-1 token-auth ok", "janus-1 videoroom-admin-key ok", "janus-1 events-delivery ok", "9 checks: 9 passed, 0 failed, 0 skipped"}, ""},
		{"no frontdesk url skips delivery", []string{"janus", "check", "--config", good}, exitOK,
			[]string{"janus-1 events-delivery skip", "0 failed, 1 skipped"}, ""},
		{"wrong secret and wrong key", []string{"janus", "check", "--config", bad, "--frontdesk", metrics.URL}, exitError,
			[]string{"wrong-secret admin-secret FAIL Janus refused the configured admin_secret", "wrong-secret videoroom-admin-key skip",
				"wrong-key admin-secret ok", "wrong-key videoroom-admin-key FAIL VideoRoom refused the configured admin_key", "fix: make admin_key"},
			"some checks failed"},
		{"one instance", []string{"janus", "check", "--config", bad, "--instance", "wrong-key"}, exitError,
			[]string{"wrong-key videoroom-admin-key FAIL"}, ""},
		{"unknown instance", []string{"janus", "check", "--config", good, "--instance", "nope"}, exitUsage, nil, `no Janus instance named "nope"`},
		{"no instances", []string{"janus", "check", "--config", none}, exitError, nil, "no Janus instances configured"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tc.args, &env{stdout: &out, stderr: &errb})
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.wantCode, out.String(), errb.String())
			}
			t.Logf("stdout:\n%s", out.String())
			table := squash(out.String())
			for _, want := range tc.wantOut {
				if !strings.Contains(table, want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
			if !strings.Contains(errb.String(), tc.wantErr) {
				t.Errorf("stderr %q, want %q", errb.String(), tc.wantErr)
			}
			if strings.Contains(out.String()+errb.String(), inst.AdminSecret) || strings.Contains(out.String()+errb.String(), inst.AdminKey) {
				t.Fatal("a secret was printed")
			}
		})
	}
	if t.Failed() {
		return
	}
	// "wrong-secret" must not be blamed for the key, nor "wrong-key" for the secret.
	var out bytes.Buffer
	run(context.Background(), []string{"janus", "check", "--config", bad}, &env{stdout: &out, stderr: &bytes.Buffer{}})
	if n := strings.Count(out.String(), "FAIL"); n != 2 {
		t.Fatalf("%d failures, want exactly 2 (one per instance):\n%s", n, out.String())
	}
}

// discard is a webhook.Publisher that drops the events.
type discard struct{}

func (discard) Publish(evs ...*events.Event) int { return len(evs) }

// squash collapses runs of spaces so table rows compare without alignment.
func squash(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.Join(lines, "\n")
}

func TestJanusHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"janus", "help"}, &env{stdout: &out, stderr: &errb}); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "check") {
		t.Fatalf("help lacks check: %s", out.String())
	}
}

// TestJanusCheckMetricsURL: the events check reads /metrics where the
// configuration serves it.
func TestJanusCheckMetricsURL(t *testing.T) {
	tests := []struct {
		name, flag, listen, public, want string
	}{
		{"flag wins", "http://10.0.0.1:8080/", "127.0.0.1:9100", "https://desk.example", "http://10.0.0.1:8080/metrics"},
		{"own metrics listener", "", "127.0.0.1:9100", "https://desk.example", "http://127.0.0.1:9100/metrics"},
		{"public URL", "", "", "https://desk.example", "https://desk.example/metrics"},
		{"nothing: no check", "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &config.Config{}
			cfg.Metrics.Listen, cfg.HTTP.PublicURL = tt.listen, tt.public
			if got := metricsURL(tt.flag, cfg); got != tt.want {
				t.Fatalf("metricsURL = %q, want %q", got, tt.want)
			}
		})
	}
}
