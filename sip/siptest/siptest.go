package siptest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"syscall"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/janus/janustest"
)

// Namespace naming of this package: namespaces "fdsN" on 10.78.N.0/30,
// apart from janustest's "fdjN" on 10.77.N.0/30 (see janustest.NewNamespace).
const (
	nsPrefix = "fds"
	nsBase   = "10.78"
)

// Available reports why the SIP test parts cannot run here ("" when they
// can): kamailio, baresip and sox must be installed (Debian packages
// kamailio, baresip-core, sox), with iproute2 and root for network namespaces.
func Available() string {
	for _, bin := range []struct{ name, pkg string }{
		{"kamailio", "kamailio"}, {"baresip", "baresip-core"}, {"sox", "sox"}, {"ip", "iproute2"},
	} {
		if _, err := exec.LookPath(bin.name); err != nil {
			return fmt.Sprintf("%s is not installed (apt-get install -y %s)", bin.name, bin.pkg)
		}
	}
	if os.Geteuid() != 0 {
		return "network namespaces need root"
	}
	return ""
}

// Require skips the test when the SIP test parts cannot run here, or fails
// it under CI=true, where the integration tests must run.
func Require(t testing.TB) {
	t.Helper()
	if why := Available(); why != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("SIP test parts needed under CI=true: %s", why)
		}
		t.Skipf("skipping SIP test: %s", why)
	}
}

// process is one program running in a namespace, its output in a log file.
// Its owner stops it with stop (from t.Cleanup); the waiter goroutine ends
// when the program exits.
type process struct {
	name    string
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{}
}

// startProcess runs name with args in ns, stdout and stderr to logPath.
func startProcess(ns *janustest.Namespace, logPath, name string, args ...string) (*process, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("siptest: %w", err)
	}
	cmd := ns.Command(name, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("siptest: start %s: %w", name, err)
	}
	p := &process{name: name, logPath: logPath, cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); logf.Close(); close(p.exited) }()
	return p, nil
}

// running reports whether the process is still alive.
func (p *process) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// stop sends SIGTERM, waits up to 3 s, then kills; it returns once the
// process has exited.
func (p *process) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(3 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// logTail returns the last n lines of the process's log with every secret
// replaced by "<redacted>".
func (p *process) logTail(n int, secrets ...string) string {
	b, _ := os.ReadFile(p.logPath)
	s := redact(string(b), secrets...)
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// redact replaces each non-empty secret in s by "<redacted>".
func redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "<redacted>")
		}
	}
	return s
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// waitFor polls cond every 20 ms until it returns nil or timeout passes,
// and returns its last error.
func waitFor(timeout time.Duration, cond func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}
