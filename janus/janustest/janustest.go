// Package janustest starts real Janus servers (Debian's janus 1.1.2) for
// tests, each in its own network namespace joined to the host by a veth
// pair, as a separate host would be: Janus never gathers ICE candidates on
// loopback interfaces (ice.c, janus_ice_setup_local), so a Janus on the
// host's loopback cannot do WebRTC with a local client.
//
// Each [Instance] gets the subnet 10.77.N.0/30: the host side of the veth is
// 10.77.N.1 ([Instance.HostIP]) and Janus listens on 10.77.N.2
// ([Instance.JanusIP]) with the configuration rendered by janus-config.
// Several instances (also from several test binaries at once) may run
// together. Each namespace routes 10.77.0.0/16 and 10.78.0.0/16 through
// its host side, and the host forwards between them, so Janus reaches other
// test namespaces (e.g. package sip/siptest's SIP registrar and phones) and
// nothing else; see [NewNamespace]. Start needs root (network namespaces) and the janus binary: when
// either is missing it skips the test, except under CI=true, where it fails.
package janustest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	janusconfig "github.com/frontdesk/frontdesk/janus-config"
	"github.com/frontdesk/frontdesk/janus/admin"
)

// Options are the optional settings of [Start].
type Options struct {
	// EventHandler, when set, receives the sample HTTP event handler's posts:
	// the harness serves it on HostIP at a random port, path EventsPath, and
	// points Janus at it with Basic auth (Instance.EventsUser/EventsPassword).
	EventHandler http.Handler
	// EventsPath is the webhook path; default "/janus/events".
	EventsPath string
	// SessionTimeout is Janus's session_timeout in seconds; default 60.
	SessionTimeout int
	// DebugLevel is Janus's debug_level; default 4.
	DebugLevel int
	// ServerName is Janus's server_name (the events' emitter); default
	// "janus-test-N".
	ServerName string
	// SIP loads the SIP plugin (janus.plugin.sip) with its SIP stack and
	// media bound to JanusIP (janus-config Params.SIP, SIPLocalIP), RTP for
	// SIP on UDP SIPRTPPortRange, and SIP registrations of
	// janusconfig.DefaultSIPRegisterTTL. Package sip/siptest's registrar
	// and phones are reachable from it (see [Namespace]). Default false:
	// the plugin stays in plugins.disable, as in production without SIP.
	SIP bool
}

// SIPRTPPortRange is the UDP range of the SIP plugin's plain-RTP media in
// test instances ("min-max"), apart from the WebRTC range 20000-40000.
const SIPRTPPortRange = "10000-19999"

// Instance is a running Janus in its own network namespace.
type Instance struct {
	// Name is the server_name, also the event "emitter".
	Name string
	// Namespace is the network namespace Janus runs in.
	Namespace string
	// HostIP is the host side of the veth pair; clients bind here.
	HostIP string
	// HostInterface is the name of the host side of the veth pair (for Pion
	// interface filters).
	HostInterface string
	// JanusIP is where Janus listens.
	JanusIP string
	// WSURL is the Janus API over WebSocket, e.g. ws://10.77.3.2:8188.
	WSURL string
	// HTTPURL is the Janus API over HTTP, e.g. http://10.77.3.2:8088/janus.
	HTTPURL string
	// AdminURL is the Admin API, e.g. http://10.77.3.2:7088/admin.
	AdminURL string
	// AdminSecret is the random admin_secret of this instance.
	AdminSecret string
	// AdminKey is the random VideoRoom admin_key of this instance.
	AdminKey string
	// EventsURL is where Janus posts events ("" without an EventHandler).
	EventsURL string
	// EventsUser and EventsPassword are the event handler's Basic auth.
	EventsUser string
	// EventsPassword: see EventsUser.
	EventsPassword string
	// LogPath is Janus's log file.
	LogPath string

	t        testing.TB
	dir      string
	cfgPath  string
	mu       sync.Mutex
	cmd      *exec.Cmd
	exited   chan struct{}
	evServer *http.Server
}

// Available reports why real-Janus tests cannot run here ("" when they can).
func Available() string {
	if _, err := exec.LookPath("janus"); err != nil {
		return "janus is not installed (apt-get install -y janus)"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "ip (iproute2) is not installed"
	}
	if os.Geteuid() != 0 {
		return "network namespaces need root"
	}
	return ""
}

// Require skips the test when real Janus cannot run here, or fails it under
// CI=true, where the integration tests must run.
func Require(t testing.TB) {
	t.Helper()
	if why := Available(); why != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("real Janus needed under CI=true: %s", why)
		}
		t.Skipf("skipping real-Janus test: %s", why)
	}
}

// Start starts a Janus in a new network namespace and waits until its Admin
// API answers ping. Everything is torn down in t.Cleanup.
func Start(t testing.TB, opts Options) *Instance {
	t.Helper()
	Require(t)
	ns := NewNamespace(t, "fdj", "10.77")
	n := ns.N
	inst := &Instance{
		t:             t,
		Namespace:     ns.Name,
		HostIP:        ns.HostIP,
		JanusIP:       ns.IP,
		HostInterface: ns.HostInterface,
		AdminSecret:   randomString(),
		AdminKey:      randomString(),
		dir:           t.TempDir(),
	}
	t.Cleanup(inst.cleanup)
	inst.Name = opts.ServerName
	if inst.Name == "" {
		inst.Name = fmt.Sprintf("janus-test-%d", n)
	}

	if opts.EventHandler != nil {
		ln, err := net.Listen("tcp", net.JoinHostPort(inst.HostIP, "0"))
		if err != nil {
			t.Fatalf("janustest: listen for events: %v", err)
		}
		path := opts.EventsPath
		if path == "" {
			path = "/janus/events"
		}
		inst.EventsURL = "http://" + ln.Addr().String() + path
		inst.EventsUser = "evh-" + randomString()[:8]
		inst.EventsPassword = randomString()
		inst.evServer = &http.Server{Handler: opts.EventHandler, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = inst.evServer.Serve(ln) }()
	}

	inst.WSURL = "ws://" + inst.JanusIP + ":8188"
	inst.HTTPURL = "http://" + inst.JanusIP + ":8088/janus"
	inst.AdminURL = "http://" + inst.JanusIP + ":7088/admin"
	cfg, err := janusconfig.Render(filepath.Join(inst.dir, "conf"), janusconfig.Params{
		ServerName: inst.Name, BindIP: inst.JanusIP,
		AdminSecret: inst.AdminSecret, AdminKey: inst.AdminKey,
		SessionTimeout: opts.SessionTimeout, DebugLevel: opts.DebugLevel,
		RTPPortRange: "20000-40000",
		EventsURL:    inst.EventsURL, EventsUser: inst.EventsUser, EventsPassword: inst.EventsPassword,
		StatsPeriod: 1,
		SIP:         opts.SIP, SIPLocalIP: inst.JanusIP, SIPRTPPortRange: SIPRTPPortRange,
	})
	if err != nil {
		t.Fatalf("janustest: render config: %v", err)
	}
	inst.cfgPath = cfg
	inst.LogPath = filepath.Join(inst.dir, "janus.log")
	if err := inst.start(); err != nil {
		t.Fatalf("janustest: %v", err)
	}
	return inst
}

// start launches janus and waits for the Admin API.
func (inst *Instance) start() error {
	logf, err := os.OpenFile(inst.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command("ip", "netns", "exec", inst.Namespace, "janus",
		"-F", filepath.Dir(inst.cfgPath), "-C", inst.cfgPath, "-o")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start janus: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(exited) }()
	inst.mu.Lock()
	inst.cmd, inst.exited = cmd, exited
	inst.mu.Unlock()

	admin := inst.Admin()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := admin.Ping(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("janus exited during start-up; log:\n%s", inst.LogTail(40))
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("janus admin API not answering after 20 s (%v); log:\n%s", err, inst.LogTail(40))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Admin returns an Admin API client for the instance.
func (inst *Instance) Admin() *admin.Client { return admin.New(inst.AdminURL, inst.AdminSecret) }

// Kill kills Janus with SIGKILL (a crash, as far as clients can tell) and
// waits for it to exit.
func (inst *Instance) Kill() { inst.signal(syscall.SIGKILL) }

// Stop stops Janus with SIGTERM (a clean shutdown, which emits the core
// "shutdown" event) and waits up to 10 s, then kills it.
func (inst *Instance) Stop() { inst.signal(syscall.SIGTERM) }

func (inst *Instance) signal(sig syscall.Signal) {
	inst.mu.Lock()
	cmd, exited := inst.cmd, inst.exited
	inst.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	if sig == syscall.SIGTERM {
		_ = cmd.Process.Signal(syscall.SIGCONT) // a frozen Janus must wake to exit
	}
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// Freeze stops the Janus process with SIGSTOP: it keeps its connections
// but answers nothing, until Kill or Restart.
func (inst *Instance) Freeze() {
	inst.mu.Lock()
	cmd := inst.cmd
	inst.mu.Unlock()
	if cmd != nil {
		_ = cmd.Process.Signal(syscall.SIGSTOP)
	}
}

// Restart starts Janus again, with the same configuration and addresses,
// after Kill or Stop.
func (inst *Instance) Restart() {
	inst.t.Helper()
	inst.Stop()
	if err := inst.start(); err != nil {
		inst.t.Fatalf("janustest: restart: %v", err)
	}
}

// Running reports whether the Janus process is alive.
func (inst *Instance) Running() bool {
	inst.mu.Lock()
	exited := inst.exited
	inst.mu.Unlock()
	select {
	case <-exited:
		return false
	default:
		return exited != nil
	}
}

// LogTail returns the last n lines of Janus's log.
func (inst *Instance) LogTail(n int) string {
	b, _ := os.ReadFile(inst.LogPath)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (inst *Instance) cleanup() {
	inst.Stop()
	if inst.t.Failed() && inst.LogPath != "" {
		inst.t.Logf("janustest: %s log tail:\n%s", inst.Name, inst.LogTail(60))
	}
	if inst.evServer != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = inst.evServer.Shutdown(ctx)
		cancel()
	}
	// The namespace and its veth pair go in NewNamespace's cleanup, which
	// runs after this one.
}

func run(t testing.TB, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("janustest: %s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
}

func randomString() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}
