package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const testVersion = "v9.8.7-test"

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

// TestMain removes the shared build directory after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// binary builds cmd/frontdesk once per test run, with the version set
// through -ldflags, and returns its path.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "frontdesk-bin-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "frontdesk")
		goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goBin); err != nil {
			goBin = "go"
		}
		cmd := exec.Command(goBin, "build", "-ldflags", "-X main.version="+testVersion, "-o", binPath, ".")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// logSink collects the child's stderr and lets tests wait for a JSON log
// record.
type logSink struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	records []map[string]any
	changed chan struct{} // closed and replaced on every new line
	eof     chan struct{} // closed when stderr is fully read
}

func newLogSink(r io.Reader) *logSink {
	s := &logSink{changed: make(chan struct{}), eof: make(chan struct{})}
	go func() {
		defer close(s.eof)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			var rec map[string]any
			_ = json.Unmarshal(sc.Bytes(), &rec)
			s.mu.Lock()
			s.buf.Write(sc.Bytes())
			s.buf.WriteByte('\n')
			if rec != nil {
				s.records = append(s.records, rec)
			}
			close(s.changed)
			s.changed = make(chan struct{})
			s.mu.Unlock()
		}
	}()
	return s
}

func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// waitFor returns the first record whose msg is msg.
func (s *logSink) waitFor(t *testing.T, msg string, timeout time.Duration) map[string]any {
	t.Helper()
	deadline := time.After(timeout)
	ended := false
	for {
		s.mu.Lock()
		for _, rec := range s.records {
			if rec["msg"] == msg {
				s.mu.Unlock()
				return rec
			}
		}
		changed := s.changed
		s.mu.Unlock()
		if ended {
			t.Fatalf("process ended before logging %q:\n%s", msg, s)
		}
		select {
		case <-changed:
		case <-s.eof:
			ended = true // look at the records once more
		case <-deadline:
			t.Fatalf("no %q log within %v:\n%s", msg, timeout, s)
		}
	}
}

// process is a running frontdesk serve.
type process struct {
	cmd  *exec.Cmd
	logs *logSink
	base string // http://127.0.0.1:port
	done chan struct{}
	err  error // Wait's result, valid after done
}

// startServe runs "frontdesk serve --config <file>" with the given YAML
// config and waits until /healthz answers.
func startServe(t *testing.T, yaml string, env ...string) *process {
	t.Helper()
	return startServeIn(t, yaml, t.TempDir(), env...)
}

// startServeIn is startServe with dir as the working directory (where the
// embedded store and key file go).
func startServeIn(t *testing.T, yaml, dir string, env ...string) *process {
	t.Helper()
	cfgPath := filepath.Join(t.TempDir(), "frontdesk.yaml")
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary(t), "serve", "--config", cfgPath)
	cmd.Dir = dir // the embedded store and key file go to data_dir "."
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, logs: newLogSink(stderr), done: make(chan struct{})}
	go func() {
		<-p.logs.eof // read stderr fully before Wait closes the pipe
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	rec := p.logs.waitFor(t, "listening", 20*time.Second)
	p.base = "http://" + rec["addr"].(string)
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(p.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz not OK: %v %v", resp, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return p
}

// exit waits up to timeout for the process to end and returns its exit
// code.
func (p *process) exit(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("process still running %v after the signal:\n%s", timeout, p.logs)
	}
	return p.cmd.ProcessState.ExitCode()
}

const baseConfig = `
log:
  format: json
http:
  listen: "127.0.0.1:0"
  shutdown_timeout: %s
janus:
  instances:
    - name: janus-a
      ws_url: "ws://127.0.0.1:1/"
      admin_url: "http://127.0.0.1:1/admin"
      admin_secret: "admin-SECRET-one"
      admin_key: "key-SECRET-two"
events:
  user: janus
  password: "events-SECRET-three"
`

func TestServeStopsCleanlyOnSIGTERM(t *testing.T) {
	p := startServe(t, fmt.Sprintf(baseConfig, "5s"),
		"FRONTDESK_LOG_LEVEL=debug", "FRONTDESK_TURN_SHARED_SECRET=turn-SECRET-four", "FRONTDESK_TURN_URLS=turn:t.example:3478")
	for _, path := range []string{"/readyz", "/metrics"} {
		resp, err := http.Get(p.base + path)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %v %v", path, resp, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if path == "/metrics" && !strings.Contains(string(body), `frontdesk_build_info{commit=`) {
			t.Errorf("/metrics lacks frontdesk_build_info")
		}
	}
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.exit(t, 5*time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0:\n%s", code, p.logs)
	}
	t.Logf("stopped %v after SIGTERM", time.Since(start))
	logs := p.logs.String()
	if !strings.Contains(logs, `"msg":"stopped"`) {
		t.Errorf("no 'stopped' log:\n%s", logs)
	}
	// The debug-level configuration dump ran, and masked every secret.
	if !strings.Contains(logs, `"msg":"configuration"`) || !strings.Contains(logs, "[REDACTED]") {
		t.Errorf("configuration not logged (masked):\n%s", logs)
	}
	if strings.Contains(logs, "SECRET") {
		t.Errorf("log reveals a secret:\n%s", logs)
	}
}

func TestServeSecondSignalForcesExit(t *testing.T) {
	p := startServe(t, fmt.Sprintf(baseConfig, "30s"))

	// An in-flight request that never finishes: a POST whose body never
	// arrives keeps its connection active, so graceful shutdown waits.
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "POST /healthz HTTP/1.1\r\nHost: test\r\nContent-Length: 1000\r\n\r\npartial"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let the server read the headers

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.logs.waitFor(t, "shutting down HTTP server", 5*time.Second)
	select {
	case <-p.done:
		t.Fatalf("process exited (%v) while a request was in flight; want it to wait:\n%s", p.err, p.logs)
	case <-time.After(300 * time.Millisecond):
	}
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	code := p.exit(t, 3*time.Second)
	if code != 128+int(syscall.SIGINT) {
		t.Fatalf("exit code %d after the second signal, want %d:\n%s", code, 128+int(syscall.SIGINT), p.logs)
	}
	t.Logf("forced exit %v after the second signal", time.Since(start))
}

func TestShutdownTimeoutExitsNonZero(t *testing.T) {
	p := startServe(t, fmt.Sprintf(baseConfig, "200ms"))
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "POST /healthz HTTP/1.1\r\nHost: test\r\nContent-Length: 1000\r\n\r\npartial"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.exit(t, 5*time.Second); code != exitError {
		t.Fatalf("exit code %d, want %d when shutdown times out:\n%s", code, exitError, p.logs)
	}
	if !strings.Contains(p.logs.String(), "graceful shutdown timed out") {
		t.Errorf("no timeout message:\n%s", p.logs)
	}
}

func TestCommandLine(t *testing.T) {
	bin := binary(t)
	tests := []struct {
		name   string
		args   []string
		env    []string
		code   int
		stdout string // substring
		stderr string // substring
	}{
		{name: "version", args: []string{"version"}, code: 0, stdout: "frontdesk " + testVersion + "\n"},
		{name: "version shows go", args: []string{"version"}, code: 0, stdout: "\ngo1."},
		{name: "help", args: []string{"help"}, code: 0, stdout: "serve      run the Frontdesk server (default)"},
		{name: "serve help", args: []string{"serve", "-h"}, code: 0, stderr: "-http.listen"},
		{name: "unknown command", args: []string{"frobnicate"}, code: exitUsage, stderr: `unknown command "frobnicate"`},
		{name: "extra argument", args: []string{"serve", "now"}, code: exitUsage, stderr: `unexpected argument "now"`},
		{name: "bad flag value", args: []string{"--http.shutdown_timeout=soon"}, code: exitUsage, stderr: "http.shutdown_timeout"},
		{name: "unknown flag", args: []string{"serve", "--http.lisen=x"}, code: exitUsage, stderr: "http.lisen"},
		{name: "invalid setting names key", args: []string{"--http.listen=nowhere"}, code: exitError, stderr: "config: http.listen:"},
		{name: "bad env names variable", env: []string{"FRONTDESK_HTTP_COOKIE_SECURE=sure"}, code: exitError,
			stderr: "config: http.cookie_secure: env FRONTDESK_HTTP_COOKIE_SECURE:"},
		{name: "config print masks secrets", args: []string{"config", "print", "--http.listen=0.0.0.0:9000"},
			env: []string{"FRONTDESK_EVENTS_USER=janus", "FRONTDESK_EVENTS_PASSWORD=pw-SECRET-x"}, code: 0,
			stdout: "    listen: 0.0.0.0:9000\n"},
		{name: "config print shows mask", args: []string{"config", "print"},
			env: []string{"FRONTDESK_EVENTS_USER=janus", "FRONTDESK_EVENTS_PASSWORD=pw-SECRET-x"}, code: 0,
			stdout: "password: '[REDACTED]'"},
		{name: "config print validates", args: []string{"config", "print", "--log.level=loud"}, code: exitError,
			stderr: "config: log.level:"},
		{name: "config without sub", args: []string{"config"}, code: exitUsage, stderr: "print"},
		{name: "config unknown sub", args: []string{"config", "dump"}, code: exitUsage, stderr: `unknown command "config dump"`},
		{name: "missing config file", args: []string{"--config", "/nonexistent/frontdesk.yaml"}, code: exitError, stderr: "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, tt.args...)
			// Never inherit the test's environment: a stray FRONTDESK_*
			// variable would change the outcome.
			cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, tt.env...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			_ = cmd.Run()
			if code := cmd.ProcessState.ExitCode(); code != tt.code {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, &stdout, &stderr)
			}
			if !strings.Contains(stdout.String(), tt.stdout) {
				t.Errorf("stdout %q lacks %q", &stdout, tt.stdout)
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr %q lacks %q", &stderr, tt.stderr)
			}
			if strings.Contains(stdout.String()+stderr.String(), "SECRET") {
				t.Errorf("output reveals a secret:\n%s%s", &stdout, &stderr)
			}
		})
	}
}
