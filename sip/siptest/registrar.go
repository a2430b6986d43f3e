package siptest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/frontdesk/frontdesk/janus/janustest"
)

// Special numbers the registrar answers itself (RFC 3261 §21 codes).
const (
	// BusyNumber is answered "486 Busy Here" by the registrar's script,
	// after the caller has passed digest authentication (407 first).
	BusyNumber = "+15550000486"
	// UnknownNumber is never registered: calling it yields "404 Not Found",
	// as does any number without a registration.
	UnknownNumber = "+15550000404"
)

// SIPPort is the UDP port the registrar listens on.
const SIPPort = 5060

// RegistrarOptions are the settings of [StartRegistrar].
type RegistrarOptions struct {
	// Users are the SIP accounts to create (user parts, e.g.
	// "+15550001234" or "host-1"; '+' is fine, RFC 3261 §25.1 allows it in
	// a user part), each with a random 32-hex-digit password. Letters,
	// digits and "+-_." only.
	Users []string
	// NoAnswerTimeout is how long an INVITE may ring at a registered phone
	// before the registrar CANCELs it and answers the caller "408 Request
	// Timeout" (tm's fr_inv_timer). Default 3 s; at least 1 s.
	NoAnswerTimeout time.Duration
}

// Account is a SIP account of a [Registrar].
type Account struct {
	// User is the user part, e.g. "+15550001234".
	User string
	// Password is the digest password (RFC 8760 / RFC 2617 MD5 digest, realm
	// Domain). Never log it.
	Password string
	// Domain is the registrar's domain, its IP address.
	Domain string
}

// URI returns the account's address of record, "sip:User@Domain".
func (a Account) URI() string { return "sip:" + a.User + "@" + a.Domain }

// Registrar is a running kamailio (Debian's kamailio 5.6) in its own
// network namespace: a SIP registrar and stateful proxy over UDP on
// IP:5060 whose domain is IP. It
//   - answers REGISTER only with the right digest credentials (auth_db on a
//     db_text "subscriber" table, passwords in clear, realm = To domain):
//     401 with a challenge otherwise, 200 OK with the bindings when right;
//   - challenges every new INVITE (407 Proxy Authentication Required, realm
//     = From domain) and then: [BusyNumber] gets "486 Busy Here", a
//     registered user gets the INVITE (usrloc lookup, record-routed so BYE
//     and CANCEL pass the proxy), any other user "404 Not Found"; an INVITE
//     that rings longer than NoAnswerTimeout is CANCELed towards the phone
//     and answered "408 Request Timeout"; a caller's CANCEL while it rings
//     gives the caller "487 Request Terminated" (from the phone);
//   - answers OPTIONS to itself 200 (keep-alives, and the start-up probe).
type Registrar struct {
	// Namespace is the registrar's network namespace (its IP is IP).
	Namespace *janustest.Namespace
	// IP is where kamailio listens (UDP 5060), also the SIP domain.
	IP string
	// LogPath is kamailio's log (stderr, log level INFO).
	LogPath string

	t        testing.TB
	accounts map[string]Account
	proc     *process
}

// kamailioConfig is the routing script; see [Registrar] for its behaviour.
var kamailioConfig = template.Must(template.New("kamailio.cfg").Parse(`#!KAMAILIO
debug=2
log_stderror=yes
children=2
listen=udp:{{.IP}}:{{.Port}}
auto_aliases=no
alias={{.IP}}
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "db_text.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "auth.so"
loadmodule "auth_db.so"
modparam("auth_db", "db_url", "text://{{.DB}}")
modparam("auth_db", "calculate_ha1", yes)
modparam("auth_db", "password_column", "password")
modparam("auth_db", "load_credentials", "")
modparam("usrloc", "db_mode", 0)
modparam("tm", "fr_timer", 2000)
modparam("tm", "fr_inv_timer", {{.FrInvTimer}})
request_route {
	if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
	xlog("L_INFO", "siptest: $rm $ru from $si:$sp\n");
	if (is_method("CANCEL")) {
		if (t_check_trans()) { t_relay(); }
		exit;
	}
	if (has_totag()) {
		if (loose_route()) { t_relay(); exit; }
		if (is_method("ACK")) {
			if (t_check_trans()) { t_relay(); }
			exit;
		}
		sl_send_reply("404", "Not here");
		exit;
	}
	t_check_trans();
	if (is_method("OPTIONS") && uri==myself && $rU==$null) { sl_send_reply("200", "Keepalive"); exit; }
	if (is_method("REGISTER")) {
		if (!www_authorize("$td", "subscriber")) { www_challenge("$td", "0"); exit; }
		consume_credentials();
		if (!save("location")) { sl_reply_error(); }
		exit;
	}
	if (is_method("INVITE")) {
		if (!proxy_authorize("$fd", "subscriber")) { proxy_challenge("$fd", "0"); exit; }
		consume_credentials();
		record_route();
	}
	if ($rU == "{{.Busy}}") { sl_send_reply("486", "Busy Here"); exit; }
	if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
	t_relay();
}
`))

// StartRegistrar starts kamailio in a new network namespace with the
// accounts of opts, and waits until it answers an OPTIONS probe. It stops
// in t.Cleanup, showing its log (passwords redacted) when the test failed.
func StartRegistrar(t testing.TB, opts RegistrarOptions) *Registrar {
	t.Helper()
	Require(t)
	if opts.NoAnswerTimeout == 0 {
		opts.NoAnswerTimeout = 3 * time.Second
	}
	if opts.NoAnswerTimeout < time.Second {
		t.Fatalf("siptest: NoAnswerTimeout %s, want at least 1s", opts.NoAnswerTimeout)
	}
	ns := janustest.NewNamespace(t, nsPrefix, nsBase)
	dir := t.TempDir()
	r := &Registrar{Namespace: ns, IP: ns.IP, LogPath: filepath.Join(dir, "kamailio.log"), t: t, accounts: map[string]Account{}}

	// db_text tables: "version" (auth_db checks subscriber's version, 7)
	// and "subscriber" (id, username, domain, password).
	db := filepath.Join(dir, "db")
	if err := os.Mkdir(db, 0o700); err != nil {
		t.Fatalf("siptest: %v", err)
	}
	var sub strings.Builder
	sub.WriteString("id(int,auto) username(string) domain(string) password(string) \n")
	for i, u := range opts.Users {
		if u == "" || strings.Trim(u, "+-_.0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			t.Fatalf("siptest: bad user %q (letters, digits and +-_. only)", u)
		}
		a := Account{User: u, Password: randomHex(16), Domain: r.IP}
		r.accounts[u] = a
		fmt.Fprintf(&sub, "%d:%s:%s:%s\n", i+1, a.User, a.Domain, a.Password)
	}
	files := map[string]string{
		"version":    "id(int,auto) table_name(string) table_version(int) \n0:version:1\n0:subscriber:7\n",
		"subscriber": sub.String(),
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(db, name), []byte(content), 0o600); err != nil {
			t.Fatalf("siptest: %v", err)
		}
	}
	var cfg strings.Builder
	if err := kamailioConfig.Execute(&cfg, map[string]any{
		"IP": r.IP, "Port": SIPPort, "DB": db, "Busy": BusyNumber,
		"FrInvTimer": opts.NoAnswerTimeout.Milliseconds(),
	}); err != nil {
		t.Fatalf("siptest: kamailio config: %v", err)
	}
	cfgPath := filepath.Join(dir, "kamailio.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o600); err != nil {
		t.Fatalf("siptest: %v", err)
	}
	run := filepath.Join(dir, "run")
	if err := os.Mkdir(run, 0o700); err != nil {
		t.Fatalf("siptest: %v", err)
	}
	// -DD: stay in the foreground (children fork), -E: log to stderr,
	// -m/-M: shared/private memory in MB, small for tests.
	proc, err := startProcess(ns, r.LogPath, "kamailio", "-DD", "-E", "-f", cfgPath,
		"-m", "32", "-M", "4", "-Y", run, "-P", filepath.Join(run, "kamailio.pid"))
	if err != nil {
		t.Fatal(err)
	}
	r.proc = proc
	t.Cleanup(func() {
		proc.stop()
		if t.Failed() {
			t.Logf("siptest: kamailio log tail:\n%s", proc.logTail(60, r.passwords()...))
		}
	})
	if err := waitFor(10*time.Second, func() error {
		if !proc.running() {
			return fmt.Errorf("kamailio exited")
		}
		return probeOptions(ns.HostIP, r.IP)
	}); err != nil {
		t.Fatalf("siptest: registrar not answering OPTIONS (%v); log:\n%s", err, proc.logTail(40, r.passwords()...))
	}
	return r
}

// Account returns the account created for user; an unknown user fails the
// test.
func (r *Registrar) Account(user string) Account {
	r.t.Helper()
	a, ok := r.accounts[user]
	if !ok {
		r.t.Fatalf("siptest: no account %q (RegistrarOptions.Users)", user)
	}
	return a
}

// ProxyURI returns the registrar's SIP URI for a register request's
// "proxy", e.g. "sip:10.78.4.2:5060".
func (r *Registrar) ProxyURI() string { return fmt.Sprintf("sip:%s:%d", r.IP, SIPPort) }

// URI returns "sip:user@IP", the address to call user at.
func (r *Registrar) URI(user string) string { return "sip:" + user + "@" + r.IP }

// LogTail returns the last n lines of kamailio's log, passwords redacted.
func (r *Registrar) LogTail(n int) string { return r.proc.logTail(n, r.passwords()...) }

func (r *Registrar) passwords() []string {
	var ps []string
	for _, a := range r.accounts {
		ps = append(ps, a.Password)
	}
	return ps
}

// probeOptions sends one SIP OPTIONS over UDP from fromIP to ip:5060 and
// waits up to 300 ms for a 200 reply.
func probeOptions(fromIP, ip string) error {
	conn, err := net.ListenPacket("udp4", net.JoinHostPort(fromIP, "0"))
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	defer conn.Close()
	local := conn.LocalAddr().String()
	msg := "OPTIONS sip:" + ip + " SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP " + local + ";branch=z9hG4bK" + randomHex(8) + "\r\n" +
		"Max-Forwards: 70\r\n" +
		"From: <sip:probe@" + fromIP + ">;tag=" + randomHex(4) + "\r\n" +
		"To: <sip:" + ip + ">\r\n" +
		"Call-ID: " + randomHex(8) + "\r\n" +
		"CSeq: 1 OPTIONS\r\n" +
		"Content-Length: 0\r\n\r\n"
	dst := &net.UDPAddr{IP: net.ParseIP(ip), Port: SIPPort}
	if _, err := conn.WriteTo([]byte(msg), dst); err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	buf := make([]byte, 2048)
	n, _, err := conn.ReadFrom(buf)
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	if !strings.HasPrefix(string(buf[:n]), "SIP/2.0 200") {
		return fmt.Errorf("probe: reply %q", strings.SplitN(string(buf[:n]), "\r\n", 2)[0])
	}
	return nil
}
