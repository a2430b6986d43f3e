package cluster_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/frontdesk/frontdesk/store/mongotest"
)

// proc is one Frontdesk replica running as a child process.
type proc struct {
	name string
	base string // http://127.0.0.1:port
	cmd  *exec.Cmd
	done chan struct{}
	log  *bytes.Buffer

	mu   sync.Mutex
	dead bool
}

func (p *proc) alive() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.dead
}

// kill sends SIGKILL and waits for the process to exit.
func (p *proc) kill() {
	p.mu.Lock()
	p.dead = true
	p.mu.Unlock()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// buildFrontdesk builds the frontdesk binary into a temporary directory.
func buildFrontdesk(t *testing.T) string {
	t.Helper()
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	bin := filepath.Join(t.TempDir(), "frontdesk")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, "./cmd/frontdesk")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return bin
}

// freeAddr returns a loopback host:port nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startProcs runs n replicas of bin on one MongoDB-wire database, routed
// to each other, each with its built-in SFU advertised on loopback; the
// first bootstraps the admin. It waits until each is ready.
func startProcs(t *testing.T, bin string, n int, env ...string) []*proc {
	t.Helper()
	uri, db := mongotest.Start(t)
	var routes, https, sfus, listens []string
	for range n {
		r := freeAddr(t)
		listens = append(listens, r)
		routes = append(routes, "nats://"+r)
		https = append(https, freeAddr(t))
		sfus = append(sfus, freeAddr(t))
	}
	var procs []*proc
	for i := range n {
		p := &proc{name: fmt.Sprintf("replica-%d", i), base: "http://" + https[i], done: make(chan struct{}), log: &bytes.Buffer{}}
		p.cmd = exec.Command(bin)
		p.cmd.Env = append(os.Environ(),
			"FRONTDESK_HTTP_LISTEN="+https[i],
			"FRONTDESK_STORE_DRIVER=mongodb", "FRONTDESK_STORE_MONGODB_URI="+uri, "FRONTDESK_STORE_MONGODB_DATABASE="+db,
			"FRONTDESK_STORE_DATA_DIR="+t.TempDir(),
			"FRONTDESK_AUTH_KEYS=k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
			"FRONTDESK_CLUSTER_LISTEN="+listens[i], "FRONTDESK_CLUSTER_ROUTES="+strings.Join(routes, ","),
			"FRONTDESK_CLUSTER_SECRET=route-secret-0123456789",
			"FRONTDESK_SFU_LISTEN="+sfus[i], "FRONTDESK_SFU_ADVERTISE_URL=http://"+sfus[i],
			"FRONTDESK_AUTH_GUESTS_PER_MINUTE=10000", "FRONTDESK_QUEUE_JOIN_PER_MINUTE=10000", "FRONTDESK_QUEUE_JOIN_BURST=1000",
			"FRONTDESK_LOG_LEVEL=warn")
		if i == 0 {
			p.cmd.Env = append(p.cmd.Env, "FRONTDESK_AUTH_BOOTSTRAP_ADMIN_EMAIL=admin@example.com",
				"FRONTDESK_AUTH_BOOTSTRAP_ADMIN_PASSWORD=admin-password-1")
		}
		p.cmd.Env = append(p.cmd.Env, env...)
		p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { _ = p.cmd.Wait(); close(p.done) }()
		t.Cleanup(func() {
			_ = p.cmd.Process.Signal(syscall.SIGKILL)
			<-p.done
			if t.Failed() {
				t.Logf("%s log:\n%s", p.name, p.log.String())
			}
		})
		deadline := time.Now().Add(30 * time.Second)
		for {
			resp, err := http.Get(p.base + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			select {
			case <-p.done:
				t.Fatalf("%s exited: %s", p.name, p.log.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never became ready: %v\n%s", p.name, err, p.log.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
		procs = append(procs, p)
	}
	return procs
}

// user is one signed-in identity (a cookie jar shared by every replica on
// 127.0.0.1, and its CSRF token) that fails over between replicas as a
// load balancer would: a request to a dead replica goes to the next live
// one.
type user struct {
	name  string
	procs []*proc
	home  int // the replica it talks to first
	c     *http.Client
	csrf  string
	last  string // the last reply, for messages
	// retried is set when the last call went to another replica after
	// the first died under it: the first may have done it already.
	retried bool
}

func newUser(name string, procs []*proc, home int) *user {
	jar, _ := cookiejar.New(nil)
	return &user{name: name, procs: procs, home: home, c: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

// replica returns the first live replica from home on.
func (u *user) replica() *proc {
	for i := range u.procs {
		if p := u.procs[(u.home+i)%len(u.procs)]; p.alive() {
			return p
		}
	}
	return nil
}

// call sends one API request, moving to the next live replica when the
// one it tried does not answer, and decodes the reply into out.
func (u *user) call(method, path, body string, out any) (int, error) {
	u.retried = false
	for attempt := 0; attempt < 5; attempt++ {
		u.retried = attempt > 0
		p := u.replica()
		req, _ := http.NewRequest(method, p.base+"/api/v1"+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if u.csrf != "" {
			req.Header.Set("X-CSRF-Token", u.csrf)
		}
		resp, err := u.c.Do(req)
		if err != nil {
			if !p.alive() {
				continue // killed under us: the load balancer tries another
			}
			return 0, fmt.Errorf("%s %s %s on %s: %w", u.name, method, path, p.name, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		u.last = fmt.Sprintf("%s %s on %s: HTTP %d %s", method, path, p.name, resp.StatusCode, b)
		if out != nil && resp.StatusCode/100 == 2 {
			if err := json.Unmarshal(b, out); err != nil {
				return resp.StatusCode, fmt.Errorf("%s %s %s: %w (%s)", u.name, method, path, err, b)
			}
		}
		if resp.StatusCode/100 != 2 && resp.StatusCode != http.StatusConflict {
			return resp.StatusCode, fmt.Errorf("%s %s %s on %s: HTTP %d: %s", u.name, method, path, p.name, resp.StatusCode, b)
		}
		return resp.StatusCode, nil
	}
	return 0, fmt.Errorf("%s %s %s: no replica answers", u.name, method, path)
}

func (u *user) must(t *testing.T, method, path, body string, out any) {
	t.Helper()
	if code, err := u.call(method, path, body, out); err != nil || code/100 != 2 {
		t.Fatalf("%s %s %s: HTTP %d %v", u.name, method, path, code, err)
	}
}

// login signs in with a password (or, with email "", as a guest named
// name) and keeps the CSRF token.
func (u *user) login(t *testing.T, email, password string) {
	t.Helper()
	var r struct {
		CSRF string `json:"csrf_token"`
	}
	if email == "" {
		u.must(t, "POST", "/auth/guest", fmt.Sprintf(`{"display_name":%q}`, u.name), &r)
	} else {
		u.must(t, "POST", "/auth/login", fmt.Sprintf(`{"email":%q,"password":%q}`, email, password), &r)
	}
	u.csrf = r.CSRF
}

// socket is a live-update WebSocket that reconnects to the next live
// replica when its replica dies.
type socket struct {
	u     *user
	query string
	conn  *websocket.Conn
	on    *proc
	// reconnects counts reconnections after a replica died.
	reconnects int
}

func (u *user) socket(query string) (*socket, error) {
	s := &socket{u: u, query: query}
	return s, s.dial()
}

func (s *socket) dial() error {
	var last error
	for attempt := 0; attempt < 5; attempt++ {
		p := s.u.replica()
		if p == nil {
			return fmt.Errorf("no replica left")
		}
		u := "ws" + strings.TrimPrefix(p.base, "http") + "/api/v1/ws?" + s.query
		h := http.Header{}
		for _, c := range s.u.c.Jar.Cookies(mustURL(p.base)) {
			h.Add("Cookie", c.Name+"="+c.Value)
		}
		conn, _, err := websocket.DefaultDialer.Dial(u, h)
		if err == nil {
			s.conn, s.on = conn, p
			return nil
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s: live updates: %w", s.u.name, last)
}

// next returns the next message, reconnecting (and counting it) when the
// replica it was on died.
func (s *socket) next(timeout time.Duration) (map[string]any, error) {
	for {
		_ = s.conn.SetReadDeadline(time.Now().Add(timeout))
		var m map[string]any
		err := s.conn.ReadJSON(&m)
		if err == nil {
			return m, nil
		}
		if s.on.alive() {
			return nil, fmt.Errorf("%s on %s: %w", s.u.name, s.on.name, err)
		}
		s.conn.Close()
		s.reconnects++
		if err := s.dial(); err != nil {
			return nil, err
		}
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// withJar makes u act as other (same cookies and CSRF token) from its own
// home replica.
func (u *user) withJar(other *user) *user {
	u.c.Jar, u.csrf = other.c.Jar, other.csrf
	return u
}

// doneBy reports whether step ("accept" or "complete") of entry id was
// done by the host named host (hostIDs maps its user id): a client whose
// request died with its replica retries it elsewhere and gets 409 when the
// dead replica had done it, as a person would learn from the page.
func doneBy(admin *user, id, host, step string) bool {
	var en struct {
		State   string `json:"state"`
		History []struct {
			Reason string `json:"reason"`
		} `json:"history"`
	}
	if _, err := admin.call("GET", "/entries/"+id, "", &en); err != nil {
		return false
	}
	want := map[string]string{"accept": "accepted", "complete": "completed"}[step]
	for _, tr := range en.History {
		if tr.Reason == want {
			return true
		}
	}
	return false
}

// TestChaosKillReplica: three Frontdesk processes on one MongoDB-wire
// store serve one auto queue with an offer timeout. Callers (guests) join
// on all three and watch their entry's live updates, hosts (accounts)
// watch their consoles and act through other replicas. During the load a
// fourth host goes available on replica 2, is offered a caller, and
// replica 2 is killed with SIGKILL before the offer times out. Every
// WebSocket that was on replica 2 reconnects to a survivor and resumes;
// every caller is served exactly once and sees their call end; the offer
// the dead replica made times out exactly once, on a survivor, and that
// caller is served by another host.
func TestChaosKillReplica(t *testing.T) {
	const nCallers, nHosts = 18, 3
	bin := buildFrontdesk(t)
	procs := startProcs(t, bin, 3)

	admin := newUser("admin", procs, 0)
	admin.login(t, "admin@example.com", "admin-password-1")
	var q struct {
		ID string `json:"id"`
	}
	admin.must(t, "POST", "/queues", `{"slug":"chaos","name":"Chaos","mode":"auto","media":"builtin","timeouts":{"offer":3}}`, &q)
	hostIDs := map[string]string{} // user id → name
	newHost := func(name string, home int) *user {
		var u struct {
			ID string `json:"id"`
		}
		admin.must(t, "POST", "/users", fmt.Sprintf(`{"email":"%s@example.com","password":"host-password-1","display_name":%q,"role":"host"}`, name, name), &u)
		admin.must(t, "PUT", "/hosts/"+u.ID, fmt.Sprintf(`{"name":%q,"queues":[%q]}`, name, q.ID), nil)
		h := newUser(name, procs, home)
		h.login(t, name+"@example.com", "host-password-1")
		hostIDs[u.ID] = name
		return h
	}

	// Callers join on replica i%3 and watch on replica (i+1)%3.
	type caller struct {
		entry string
		ws    *socket
	}
	var callers []*caller
	for i := range nCallers {
		u := newUser(fmt.Sprint("caller-", i), procs, i%3)
		u.login(t, "", "")
		var j struct {
			Entry struct {
				ID string `json:"id"`
			} `json:"entry"`
		}
		u.must(t, "POST", "/queues/"+q.ID+"/entries", `{}`, &j)
		watcher := newUser(u.name, procs, (i+1)%3)
		watcher.c.Jar = u.c.Jar
		ws, err := watcher.socket("entry=" + j.Entry.ID)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ws.conn.Close() })
		callers = append(callers, &caller{entry: j.Entry.ID, ws: ws})
	}

	// Hosts watch their console on replica h and act through h+1.
	var mu sync.Mutex
	accepted := map[string]string{} // entry → host
	served := func() int { mu.Lock(); defer mu.Unlock(); return len(accepted) }
	var wg sync.WaitGroup
	errs := make(chan error, nHosts+1)
	var hosts []*socket
	for h := range nHosts {
		hu := newHost(fmt.Sprint("host-", h), (h+1)%3)
		console, err := newUser(hu.name, procs, h).withJar(hu).socket("")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { console.conn.Close() })
		hosts = append(hosts, console)
		wg.Go(func() {
			if _, err := hu.call("PUT", "/hosts/me/availability", `{"state":"available"}`, nil); err != nil {
				errs <- err
				return
			}
			for served() < nCallers {
				m, err := console.next(5 * time.Second)
				if err != nil {
					errs <- fmt.Errorf("%s: %w (%d served)", hu.name, err, served())
					return
				}
				offer, _ := m["offer"].(map[string]any)
				if offer == nil {
					continue
				}
				id := offer["id"].(string)
				mu.Lock()
				prev, dup := accepted[id]
				if !dup {
					accepted[id] = hu.name
				}
				mu.Unlock()
				if dup {
					if prev != hu.name {
						errs <- fmt.Errorf("entry %s offered to %s after %s took it", id, hu.name, prev)
						return
					}
					continue
				}
				for _, step := range []string{"accept", "complete"} {
					code, err := hu.call("POST", "/entries/"+id+"/"+step, ``, nil)
					if code == http.StatusConflict && hu.retried && doneBy(admin, id, hu.name, step) {
						continue // the dead replica did it before it died, without a word
					}
					if err != nil || code/100 != 2 {
						var en json.RawMessage
						_, _ = admin.call("GET", "/entries/"+id, "", &en)
						errs <- fmt.Errorf("%s: %s %s: HTTP %d %v (%s); entry now %s", hu.name, step, id, code, err, hu.last, en)
						return
					}
				}
				if code, err := hu.call("PUT", "/hosts/me/availability", `{"state":"available"}`, nil); err != nil || (code != 200 && code != 409) {
					errs <- fmt.Errorf("%s: available: HTTP %d %v", hu.name, code, err)
					return
				}
			}
		})
	}

	// Chaos: once a third are served, a fourth host goes available on
	// replica 2, which offers it a caller; replica 2 dies at once.
	for served() < nCallers/3 {
		time.Sleep(20 * time.Millisecond)
	}
	sleepy := newHost("sleepy", 2)
	var sleepyID string
	for id, name := range hostIDs {
		if name == "sleepy" {
			sleepyID = id
		}
	}
	if code, err := sleepy.call("PUT", "/hosts/me/availability", `{"state":"available"}`, nil); err != nil || code != 200 {
		t.Fatalf("sleepy host available: %d %v", code, err)
	}
	var offered string
	for deadline := time.Now().Add(5 * time.Second); offered == ""; time.Sleep(10 * time.Millisecond) {
		var h struct {
			State string `json:"state"`
			Entry string `json:"entry_id"`
		}
		if _, err := admin.call("GET", "/hosts/"+sleepyID, "", &h); err == nil && h.State == "offered" {
			offered = h.Entry
		}
		if time.Now().After(deadline) {
			t.Fatal("the sleepy host was never offered a caller")
		}
	}
	killedAt := time.Now()
	procs[2].kill()
	t.Logf("killed %s %v after the offer of %s to the sleepy host, with %d of %d callers served",
		procs[2].name, time.Since(killedAt), offered, served(), nCallers)

	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}

	// Every caller saw their call end, on whatever replica they ended up.
	for i, c := range callers {
		for {
			m, err := c.ws.next(15 * time.Second)
			if err != nil {
				t.Fatalf("caller %d (entry %s) never saw the end of its call: %v", i, c.entry, err)
			}
			if en, _ := m["entry"].(map[string]any); en != nil && en["state"] == "completed" {
				break
			}
		}
	}

	// The store agrees: each entry accepted once, by the host that took
	// it; the dead replica's offer timed out exactly once.
	reconnected := 0
	for _, c := range callers {
		reconnected += c.ws.reconnects
		var en struct {
			State   string `json:"state"`
			HostID  string `json:"host_id"`
			History []struct {
				State  string `json:"state"`
				Reason string `json:"reason"`
				HostID string `json:"host_id"`
			} `json:"history"`
		}
		admin.must(t, "GET", "/entries/"+c.entry, "", &en)
		accepts, timeouts := 0, 0
		for _, tr := range en.History {
			switch tr.Reason {
			case "accepted":
				accepts++
			case "offer_timeout":
				timeouts++
			}
		}
		wantTimeouts := 0
		if c.entry == offered {
			wantTimeouts = 1
		}
		if en.State != "completed" || accepts != 1 || timeouts != wantTimeouts || hostIDs[en.HostID] != accepted[c.entry] {
			t.Fatalf("entry %s: %s, accepted %d times by %s (taken by %s), %d offer timeouts (want %d): %+v",
				c.entry, en.State, accepts, hostIDs[en.HostID], accepted[c.entry], timeouts, wantTimeouts, en.History)
		}
	}
	for _, h := range hosts {
		reconnected += h.reconnects
	}
	var sh struct {
		State string `json:"state"`
	}
	admin.must(t, "GET", "/hosts/"+sleepyID, "", &sh)
	if sh.State != "away" {
		t.Fatalf("the sleepy host is %s after its offer timed out, want away", sh.State)
	}
	if reconnected == 0 {
		t.Fatal("no WebSocket had to reconnect: the kill tested nothing")
	}
	t.Logf("all %d callers served once; %d WebSockets reconnected to a survivor; the dead replica's offer timed out once, %v after the kill",
		nCallers, reconnected, time.Since(killedAt).Round(time.Millisecond))
}
