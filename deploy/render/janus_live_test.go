package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/frontdesk/frontdesk/janus/check"
)

// composeEnv returns the environment docker-compose.yml gives service.
func composeEnv(t *testing.T, service string, env map[string]string) map[string]string {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  abs,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(abs, "docker-compose.yml")}},
		Environment: env,
	}, func(o *loader.Options) { o.SetProjectName("frontdesk", true) })
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.GetService(service)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for k, v := range s.Environment {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// eventSink is Frontdesk's webhook as far as the check can tell: it counts
// the events posted with the right Basic auth, and refusals.
type eventSink struct {
	user, password string
	mu             sync.Mutex
	counts         check.EventCounts
}

func (s *eventSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	u, p, ok := r.BasicAuth()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !ok || u != s.user || p != s.password {
		s.counts.AuthFailures++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var evs []json.RawMessage
	if json.Unmarshal(body, &evs) != nil {
		evs = []json.RawMessage{body}
	}
	s.counts.Received += uint64(len(evs))
}

func (s *eventSink) EventsFrom(context.Context, string) (check.EventCounts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts, nil
}

// TestComposeJanusPassesCheck renders janus-1's configuration from the
// environment docker-compose.yml gives it (only host names and ports
// changed for this machine: coturn and frontdesk become loopback
// addresses), runs Debian's janus on it, and runs every check of
// "frontdesk janus check" against it: all must pass, the event handler's
// Basic auth included.
func TestComposeJanusPassesCheck(t *testing.T) {
	janusBin, err := exec.LookPath("janus")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("janus is needed under CI=true (apt-get install janus)")
		}
		t.Skip("janus is not installed")
	}
	secrets := map[string]string{
		"JANUS_ADMIN_SECRET": "live-admin-secret", "JANUS_ADMIN_KEY": "live-admin-key",
		"EVENTS_PASSWORD": "live-events-password", "TURN_SHARED_SECRET": "live-turn-secret", "AUTH_KEYS": "k",
	}
	env := composeEnv(t, "janus-1", map[string]string{"PUBLIC_IP": "203.0.113.7"})
	dir := t.TempDir()
	for k, v := range env {
		if name, ok := strings.CutSuffix(k, "_FILE"); ok {
			secretName := filepath.Base(v)
			value, known := map[string]string{
				"janus_admin_secret": secrets["JANUS_ADMIN_SECRET"], "janus_admin_key": secrets["JANUS_ADMIN_KEY"],
				"events_password": secrets["EVENTS_PASSWORD"], "turn_shared_secret": secrets["TURN_SHARED_SECRET"],
			}[secretName]
			if !known {
				t.Fatalf("%s=%s: unknown secret", k, v)
			}
			p := filepath.Join(dir, secretName)
			if err := os.WriteFile(p, []byte(value+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			env[name+"_FILE"] = p
		}
	}
	sink := &eventSink{user: env["JANUS_SERVER_NAME"], password: instanceEventsPassword(secrets["EVENTS_PASSWORD"], env["JANUS_SERVER_NAME"])}
	hook := httptest.NewServer(sink)
	defer hook.Close()
	evURL := strings.Replace(env["JANUS_EVENTS_URL"], "http://frontdesk-1:8080", hook.URL, 1)
	if evURL == env["JANUS_EVENTS_URL"] {
		t.Fatalf("JANUS_EVENTS_URL %q does not point at frontdesk-1:8080, janus-1's replica", evURL)
	}
	env["JANUS_EVENTS_URL"] = evURL
	env["JANUS_TURN_SERVER"] = "127.0.0.1" // "coturn" resolves only inside Compose
	env["JANUS_BIND_IP"] = "127.0.0.1"
	adminPort := freePort(t)
	env["JANUS_HTTP_PORT"], env["JANUS_WS_PORT"], env["JANUS_ADMIN_PORT"] = freePort(t), freePort(t), adminPort
	if d, _ := filepath.Glob("/usr/lib/*-linux-gnu*/janus/plugins"); len(d) > 0 {
		env["JANUS_MODULES_DIR"] = filepath.Dir(d[0])
	}

	conf := filepath.Join(dir, "conf")
	cfgPath, err := renderJanus(conf, envOf(env), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "janus.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(janusBin, "-F", conf, "-C", cfgPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("janus log:\n%s", b)
		}
	}()

	target := check.Target{Name: "janus-1", AdminURL: "http://127.0.0.1:" + adminPort + "/admin",
		AdminSecret: secrets["JANUS_ADMIN_SECRET"], AdminKey: secrets["JANUS_ADMIN_KEY"]}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if err := run([]string{"probe", "http://127.0.0.1:" + env["JANUS_HTTP_PORT"] + "/janus/info"}, envOf(nil), io.Discard); err == nil {
			break
		}
		select {
		case <-done:
			t.Fatal("janus exited during start-up")
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("janus did not answer within 20 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, r := range check.Run(ctx, target, check.WithEventWitness(sink)) {
		if r.Status != check.Pass {
			t.Errorf("%s: %s: %s (fix: %s)", r.Check, r.Status, r.Detail, r.Fix)
		}
	}
	b, _ := os.ReadFile(cfgPath)
	if !strings.Contains(string(b), `turn_user = "`) || !strings.Contains(string(b), ":janus-1\"") {
		t.Errorf("janus.jcfg lacks janus-1's TURN REST API user")
	}
}
