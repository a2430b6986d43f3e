package janustest

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestSubnets are the /16s that test namespaces live in: 10.77.0.0/16 for
// janustest's Janus instances and 10.78.0.0/16 for package sip/siptest's
// registrar and phones. Every namespace made by [NewNamespace] gets a route
// to each of them through its host side, and nothing else: these are the
// only addresses one namespace can reach in another, through the host.
var TestSubnets = []string{"10.77.0.0/16", "10.78.0.0/16"}

// Namespace is a network namespace joined to the host by a veth pair on a
// /30: the host side is Base.N.1 ([Namespace.HostIP]) and the namespace
// side Base.N.2 ([Namespace.IP]). The namespace routes [TestSubnets]
// through HostIP and has no default route, so with the host forwarding
// (net.ipv4.ip_forward = 1, set by NewNamespace) processes in one test
// namespace reach the others, and no packet from a namespace can leave
// the machine: the host has no route for it back out.
type Namespace struct {
	// Name is the namespace name, Prefix+N (e.g. "fdj12"), for "ip netns exec".
	Name string
	// N is the number in 1..250 that names the namespace and its subnet.
	N int
	// HostIP is the host side of the veth pair, e.g. "10.77.12.1".
	HostIP string
	// IP is the namespace side of the veth pair, e.g. "10.77.12.2".
	IP string
	// HostInterface is the host side's interface name, Name+"h" (for Pion
	// interface filters).
	HostInterface string
	// Interface is the namespace side's interface name, Name+"j".
	Interface string
}

// NewNamespace creates a network namespace prefix+N with N free in 1..250,
// its veth pair on base.N.0/30 (base is the first two octets, e.g. "10.78",
// and must lie in [TestSubnets]), loopback up and the routes described on
// [Namespace]. "ip netns add" fails when the name exists, so concurrent
// test binaries never share one. The namespace and its veth pair are
// deleted in t.Cleanup (register cleanups that stop processes inside it
// after calling NewNamespace, so that they run first). It needs root; a
// failure fails the test.
func NewNamespace(t testing.TB, prefix, base string) *Namespace {
	t.Helper()
	n, name := claimNamespace(t, prefix)
	ns := &Namespace{
		Name: name, N: n,
		HostIP:        fmt.Sprintf("%s.%d.1", base, n),
		IP:            fmt.Sprintf("%s.%d.2", base, n),
		HostInterface: name + "h",
		Interface:     name + "j",
	}
	t.Cleanup(func() {
		// Deleting the namespace removes the veth pair with it.
		_ = exec.Command("ip", "netns", "del", ns.Name).Run()
		_ = exec.Command("ip", "link", "del", ns.HostInterface).Run()
	})
	if err := enableForwarding(); err != nil {
		t.Fatalf("janustest: %v", err)
	}
	run(t, "ip", "link", "add", ns.HostInterface, "type", "veth", "peer", "name", ns.Interface)
	run(t, "ip", "link", "set", ns.Interface, "netns", ns.Name)
	run(t, "ip", "addr", "add", ns.HostIP+"/30", "dev", ns.HostInterface)
	run(t, "ip", "link", "set", ns.HostInterface, "up")
	run(t, "ip", "netns", "exec", ns.Name, "ip", "addr", "add", ns.IP+"/30", "dev", ns.Interface)
	run(t, "ip", "netns", "exec", ns.Name, "ip", "link", "set", ns.Interface, "up")
	run(t, "ip", "netns", "exec", ns.Name, "ip", "link", "set", "lo", "up")
	for _, subnet := range TestSubnets {
		run(t, "ip", "netns", "exec", ns.Name, "ip", "route", "add", subnet, "via", ns.HostIP)
	}
	return ns
}

// Command returns an exec.Cmd that runs name with args inside the namespace
// ("ip netns exec", which execs the program: the process is name itself).
func (ns *Namespace) Command(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", ns.Name, name}, args...)...)
}

// ipForward is the host's IPv4 forwarding switch (net.ipv4.ip_forward).
const ipForward = "/proc/sys/net/ipv4/ip_forward"

// enableForwarding turns on IPv4 forwarding so that the host relays
// packets between test namespaces. It is left on (other test binaries may
// rely on it at the same time); namespaces have no default route, so it
// forwards nothing of theirs off the machine.
func enableForwarding() error {
	if b, err := os.ReadFile(ipForward); err == nil && strings.TrimSpace(string(b)) == "1" {
		return nil
	}
	if err := os.WriteFile(ipForward, []byte("1\n"), 0o644); err != nil {
		return fmt.Errorf("enable ip_forward: %w", err)
	}
	return nil
}

// claimNamespace creates a namespace prefixN with N free in 1..250;
// creation fails when it exists, so concurrent test binaries never share one.
func claimNamespace(t testing.TB, prefix string) (int, string) {
	t.Helper()
	start, _ := rand.Int(rand.Reader, big.NewInt(250))
	for i := 0; i < 250; i++ {
		n := 1 + int((start.Int64()+int64(i))%250)
		ns := prefix + strconv.Itoa(n)
		if hostIfaceInUse(ns + "h") {
			continue
		}
		var stderr bytes.Buffer
		cmd := exec.Command("ip", "netns", "add", ns)
		cmd.Stderr = &stderr
		if err := cmd.Run(); err == nil {
			return n, ns
		} else if !strings.Contains(stderr.String(), "exists") {
			t.Fatalf("janustest: ip netns add %s: %v: %s", ns, err, stderr.String())
		}
	}
	t.Fatalf("janustest: no free network namespace (%s1..%s250 all taken; stale ones can be removed with 'ip netns del')", prefix, prefix)
	return 0, ""
}

func hostIfaceInUse(name string) bool {
	_, err := net.InterfaceByName(name)
	return err == nil
}
