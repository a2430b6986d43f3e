package deploy

import (
	"bufio"
	"context"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"

	"github.com/frontdesk/frontdesk/config"
)

const root = ".." // the repository root, where docker-compose.yml lives

// secretEnv are the operator's variables the Compose secrets come from,
// with sentinel values that must never show up in the loaded model.
var secretEnv = map[string]string{
	"JANUS_ADMIN_SECRET": "SENTINEL-admin-secret",
	"JANUS_ADMIN_KEY":    "SENTINEL-admin-key",
	"EVENTS_PASSWORD":    "SENTINEL-events-password",
	"TURN_SHARED_SECRET": "SENTINEL-turn-secret",
	"AUTH_KEYS":          "SENTINEL-auth-keys",
	"CLUSTER_SECRET":     "SENTINEL-cluster-secret",
}

func load(t *testing.T, env map[string]string) (*types.Project, error) {
	t.Helper()
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	return loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  abs,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(abs, "docker-compose.yml")}},
		Environment: env,
	}, func(o *loader.Options) { o.SetProjectName("frontdesk", true) })
}

func loadGood(t *testing.T) *types.Project {
	t.Helper()
	env := map[string]string{"PUBLIC_IP": "203.0.113.7"}
	for k, v := range secretEnv {
		env[k] = v
	}
	p, err := load(t, env)
	if err != nil {
		t.Fatalf("compose-go rejected docker-compose.yml: %v", err)
	}
	return p
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatalf("service %s: %v", name, err)
	}
	return s
}

func env(s types.ServiceConfig, name string) string {
	if v, ok := s.Environment[name]; ok && v != nil {
		return *v
	}
	return ""
}

// replicas are the Frontdesk services behind the load balancer.
var replicas = []string{"frontdesk-1", "frontdesk-2"}

func TestComposeServices(t *testing.T) {
	p := loadGood(t)
	want := []string{"coturn", "frontdesk-1", "frontdesk-2", "janus-1", "janus-2", "lb", "mongo"}
	if got := p.ServiceNames(); !slices.Equal(sorted(got), want) {
		t.Fatalf("services %v, want %v", got, want)
	}
	for _, name := range []string{"frontdesk-1", "frontdesk-2", "janus-1", "janus-2", "coturn"} {
		s := service(t, p, name)
		if s.Build == nil {
			t.Errorf("%s has no build", name)
			continue
		}
		df := filepath.Join(s.Build.Context, s.Build.Dockerfile)
		if _, err := os.Stat(df); err != nil {
			t.Errorf("%s: Dockerfile %s: %v", name, df, err)
		}
		if s.Image == "" {
			t.Errorf("%s: no image name", name)
		}
	}
	if m := service(t, p, "mongo"); m.Image == "" || m.Build != nil {
		t.Errorf("mongo should run a released image, got image %q build %v", m.Image, m.Build)
	}
	for _, name := range []string{"frontdesk-1", "frontdesk-2", "janus-1", "janus-2", "mongo", "lb"} {
		hc := service(t, p, name).HealthCheck
		if hc == nil || len(hc.Test) < 2 || hc.Test[0] != "CMD" {
			t.Errorf("%s: healthcheck %+v, want an exec-form test", name, hc)
		}
	}
}

func TestComposeMongoReplicaSet(t *testing.T) {
	p := loadGood(t)
	m := service(t, p, "mongo")
	cmd := strings.Join(m.Command, " ")
	if !strings.Contains(cmd, "--replSet rs0") {
		t.Errorf("mongod command %q lacks --replSet rs0", cmd)
	}
	test := strings.Join(m.HealthCheck.Test, " ")
	for _, want := range []string{"rs.initiate", "_id: 'rs0'", "host: 'mongo:27017'", "isWritablePrimary"} {
		if !strings.Contains(test, want) {
			t.Errorf("mongo healthcheck lacks %q: %s", want, test)
		}
	}
	for _, name := range replicas {
		fd := service(t, p, name)
		if d, ok := fd.DependsOn["mongo"]; !ok || d.Condition != types.ServiceConditionHealthy {
			t.Errorf("%s depends_on mongo %+v, want service_healthy (the replica set must be initiated first)", name, d)
		}
		u, err := url.Parse(env(fd, "MONGODB_URI"))
		if err != nil || u.Scheme != "mongodb" || u.Host != "mongo:27017" || u.Query().Get("replicaSet") != "rs0" {
			t.Errorf("%s: MONGODB_URI %q, want mongodb://mongo:27017/?replicaSet=rs0 (%v)", name, env(fd, "MONGODB_URI"), err)
		}
	}
}

// TestComposeFrontdeskConfig loads Frontdesk's configuration from the
// service's FRONTDESK_* variables exactly as the binary would: every name
// must be a key and every value valid.
func TestComposeFrontdeskConfig(t *testing.T) {
	p := loadGood(t)
	subnet := p.Networks["backend"].Ipam.Config[0].Subnet
	var cfg *config.Config
	var port string
	routed := map[string]bool{}
	mediaPorts := map[int]string{} // UDP port → replica
	for _, name := range replicas {
		fd := service(t, p, name)
		var environ []string
		for k, v := range fd.Environment {
			if strings.HasPrefix(k, config.EnvPrefix) && v != nil {
				environ = append(environ, k+"="+*v)
			}
		}
		// The secrets the render step writes into the file.
		f := filepath.Join(t.TempDir(), "frontdesk.yaml")
		if err := os.WriteFile(f, []byte(`{"turn": {"shared_secret": "x"}, "auth": {"keys": "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}, "cluster": {"secret": "route-secret-0123456789"}, "store": {"mongodb": {"uri": "mongodb://mongo:27017/?replicaSet=rs0"}}}`), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := config.Load(&config.Flags{ConfigPath: f}, environ)
		if err != nil {
			t.Fatalf("%s would reject its environment: %v", name, err)
		}
		if c.Store.Driver.String() != "mongodb" {
			t.Errorf("%s: store driver %v, want mongodb", name, c.Store.Driver)
		}
		if len(c.TURN.URLs) != 2 || !strings.HasPrefix(c.TURN.URLs[0], "turn:203.0.113.7:3478") {
			t.Errorf("%s: turn urls %v, want the public IP on coturn's port", name, c.TURN.URLs)
		}
		// One of several replicas: an embedded NATS server routed to all
		// of them.
		_, clusterPort, err := net.SplitHostPort(c.Cluster.Listen)
		if err != nil || !c.Replicated() {
			t.Errorf("%s: cluster.listen %q, want host:port", name, c.Cluster.Listen)
		}
		for _, r := range c.Cluster.Routes {
			u, err := url.Parse(r)
			if err != nil || !slices.Contains(replicas, u.Hostname()) || u.Port() != clusterPort {
				t.Errorf("%s: route %q is not a replica's cluster port %s", name, r, clusterPort)
				continue
			}
			routed[u.Hostname()] = true
		}
		// Each replica's built-in SFU is reachable by the others at its
		// advertised URL on the internal network, and by browsers only
		// on its own UDP media ports.
		_, sfuPort, err := net.SplitHostPort(c.SFU.Listen)
		if u, perr := url.Parse(c.SFU.AdvertiseURL); !c.SFU.Enabled || err != nil || perr != nil || u.Hostname() != name || u.Port() != sfuPort {
			t.Errorf("%s: sfu.enabled %v, sfu.listen %q, sfu.advertise_url %q: want the SFU on, advertised at its own service name and listen port",
				name, c.SFU.Enabled, c.SFU.Listen, c.SFU.AdvertiseURL)
		}
		if c.SFU.NAT1To1IP != "203.0.113.7" {
			t.Errorf("%s: sfu.nat_1to1_ip %q, want the public IP", name, c.SFU.NAT1To1IP)
		}
		if !slices.Contains(c.HTTP.TrustedProxies, subnet) {
			t.Errorf("%s: http.trusted_proxies %v does not trust the load balancer's network %s: every caller would share its address", name, c.HTTP.TrustedProxies, subnet)
		}
		for _, pc := range fd.Ports {
			if pc.Protocol != "udp" {
				t.Errorf("%s publishes %+v: browsers reach the replicas through lb only, and their SFU media over UDP", name, pc)
			}
		}
		for pt := c.SFU.UDPPortMin; pt <= c.SFU.UDPPortMax; pt++ {
			if mediaPorts[pt] != "" {
				t.Errorf("%s and %s both use UDP port %d", mediaPorts[pt], name, pt)
				break
			}
			mediaPorts[pt] = name
		}
		if !publishesRange(fd, c.SFU.UDPPortMin, c.SFU.UDPPortMax, "udp") {
			t.Errorf("%s does not publish its SFU media ports %d-%d/udp", name, c.SFU.UDPPortMin, c.SFU.UDPPortMax)
		}
		if c.SFU.UDPPortMin == 0 {
			t.Errorf("%s: the SFU's UDP ports are not fixed, so none can be published", name)
		}
		_, port, err = net.SplitHostPort(c.HTTP.Listen)
		if err != nil {
			t.Fatal(err)
		}
		cfg = c
	}
	for _, name := range replicas {
		if !routed[name] {
			t.Errorf("cluster.routes never name %s", name)
		}
	}

	// The load balancer publishes the HTTP port and spreads requests over
	// every replica that is ready; Janus's webhook path is not reachable
	// through it.
	lb := service(t, p, "lb")
	if !publishes(lb, port, "tcp") {
		t.Errorf("lb does not publish %s: %+v", port, lb.Ports)
	}
	for _, name := range replicas {
		if d, ok := lb.DependsOn[name]; !ok || d.Condition != types.ServiceConditionHealthy {
			t.Errorf("lb should wait for a healthy %s", name)
		}
	}
	caddy := readFile(t, filepath.Join(root, "deploy", "caddy", "Caddyfile"))
	for _, want := range append([]string{"health_uri /readyz", "@events path /janus/events", "respond @events 404"},
		replicas[0]+":"+port, replicas[1]+":"+port) {
		if !strings.Contains(caddy, want) {
			t.Errorf("Caddyfile lacks %q", want)
		}
	}
	mounted := false
	for _, v := range lb.Volumes {
		mounted = mounted || (strings.HasSuffix(v.Source, filepath.Join("deploy", "caddy", "Caddyfile")) && v.Target == "/etc/caddy/Caddyfile")
	}
	if !mounted {
		t.Errorf("lb does not mount deploy/caddy/Caddyfile: %+v", lb.Volumes)
	}
	fd := service(t, p, replicas[0])

	// Both Janus instances are listed and their event handler posts to
	// Frontdesk's webhook with the user Frontdesk expects, from an address
	// Frontdesk accepts.
	instances := strings.Split(env(fd, "JANUS_INSTANCES"), ",")
	if !slices.Equal(instances, []string{"janus-1", "janus-2"}) {
		t.Errorf("JANUS_INSTANCES %v", instances)
	}
	if !slices.Contains(cfg.Events.AllowFrom, subnet) {
		t.Errorf("events.allow_from %v does not admit the Janus network %s", cfg.Events.AllowFrom, subnet)
	}
	names := map[string]bool{}
	var ranges [][2]int
	posted := map[string]bool{}
	for _, name := range instances {
		j := service(t, p, name)
		ev, err := url.Parse(env(j, "JANUS_EVENTS_URL"))
		if err != nil || !slices.Contains(replicas, ev.Hostname()) || ev.Port() != port || ev.Path != cfg.Events.Path {
			t.Errorf("%s: JANUS_EVENTS_URL %q, want http://<a replica>:%s%s", name, env(j, "JANUS_EVENTS_URL"), port, cfg.Events.Path)
		}
		posted[ev.Hostname()] = true
		// Each instance's events credentials derive from the shared secret
		// and its server name, as Frontdesk's rendered file has them
		// (deploy/render): no fixed user, no shared pair.
		if env(j, "JANUS_EVENTS_USER") != "" || env(j, "JANUS_EVENTS_PASSWORD_FILE") != "" ||
			env(j, "EVENTS_PASSWORD_FILE") != "/run/secrets/events_password" {
			t.Errorf("%s: events credentials from JANUS_EVENTS_USER %q / JANUS_EVENTS_PASSWORD_FILE %q / EVENTS_PASSWORD_FILE %q, want EVENTS_PASSWORD_FILE only",
				name, env(j, "JANUS_EVENTS_USER"), env(j, "JANUS_EVENTS_PASSWORD_FILE"), env(j, "EVENTS_PASSWORD_FILE"))
		}
		if cfg.Events.User != "" {
			t.Errorf("frontdesk sets the shared events user %q, which two instances cannot use", cfg.Events.User)
		}
		if env(j, "JANUS_TURN_SERVER") != "coturn" {
			t.Errorf("%s: JANUS_TURN_SERVER %q, want the coturn service", name, env(j, "JANUS_TURN_SERVER"))
		}
		if env(j, "JANUS_NAT_1_1_MAPPING") != "203.0.113.7" {
			t.Errorf("%s: nat_1_1_mapping %q, want PUBLIC_IP", name, env(j, "JANUS_NAT_1_1_MAPPING"))
		}
		sn := env(j, "JANUS_SERVER_NAME")
		if sn == "" || names[sn] {
			t.Errorf("%s: server name %q empty or repeated (it is the events' emitter)", name, sn)
		}
		names[sn] = true
		if d, ok := j.DependsOn[ev.Hostname()]; !ok || d.Condition != types.ServiceConditionHealthy {
			t.Errorf("%s: should wait for a healthy %s (sampleevh drops events it cannot deliver)", name, ev.Hostname())
		}
		lo, hi, ok := strings.Cut(env(j, "JANUS_RTP_PORT_RANGE"), "-")
		l, _ := strconv.Atoi(lo)
		h, _ := strconv.Atoi(hi)
		if !ok || l == 0 || h < l {
			t.Errorf("%s: bad JANUS_RTP_PORT_RANGE %q", name, env(j, "JANUS_RTP_PORT_RANGE"))
			continue
		}
		for _, r := range ranges {
			if l <= r[1] && r[0] <= h {
				t.Errorf("%s: RTP range %d-%d overlaps %d-%d", name, l, h, r[0], r[1])
			}
		}
		ranges = append(ranges, [2]int{l, h})
		if !publishesRange(j, l, h, "udp") {
			t.Errorf("%s: RTP range %d-%d not published as UDP: %+v", name, l, h, j.Ports)
		}
	}
	for _, r := range replicas {
		if !posted[r] {
			t.Errorf("no Janus posts its events to %s: webhooks should land on every replica", r)
		}
	}
}

func TestComposeCoturn(t *testing.T) {
	p := loadGood(t)
	c := service(t, p, "coturn")
	for _, proto := range []string{"udp", "tcp"} {
		if !publishes(c, "3478", proto) {
			t.Errorf("coturn does not publish 3478/%s", proto)
		}
	}
	conf := readFile(t, filepath.Join("coturn", "turnserver.conf"))
	for _, want := range []string{"use-auth-secret", "fingerprint"} {
		if !hasLine(conf, want) {
			t.Errorf("turnserver.conf lacks %q", want)
		}
	}
	if strings.Contains(conf, "\nstatic-auth-secret") || strings.Contains(conf, "\nuser=") {
		t.Error("turnserver.conf holds a secret or a static user")
	}
	lo, _ := strconv.Atoi(confValue(conf, "min-port"))
	hi, _ := strconv.Atoi(confValue(conf, "max-port"))
	if lo == 0 || !publishesRange(c, lo, hi, "udp") {
		t.Errorf("coturn relay range %d-%d not published as UDP: %+v", lo, hi, c.Ports)
	}
	ep := readFile(t, filepath.Join("coturn", "entrypoint.sh"))
	if !strings.Contains(ep, "static-auth-secret=") || !strings.Contains(ep, "TURN_SHARED_SECRET_FILE") {
		t.Error("coturn entrypoint does not add static-auth-secret from the secret file")
	}
}

// TestComposeSecrets checks that every secret comes from the operator's
// environment as a Compose secret, reaches the services only as a file
// under /run/secrets, and that no secret value is in the loaded model.
func TestComposeSecrets(t *testing.T) {
	p := loadGood(t)
	for name, s := range p.Secrets {
		if s.Environment == "" || s.File != "" || s.External {
			t.Errorf("secret %s: want it sourced from an environment variable, got %+v", name, s)
		}
		if _, ok := secretEnv[s.Environment]; !ok {
			t.Errorf("secret %s comes from %s, which the test does not know", name, s.Environment)
		}
	}
	secretish := regexp.MustCompile(`(?i)secret|password|passwd|pwd|key|token|credential`)
	for _, s := range p.Services {
		mounted := map[string]bool{}
		for _, ref := range s.Secrets {
			if _, ok := p.Secrets[ref.Source]; !ok {
				t.Errorf("%s mounts unknown secret %s", s.Name, ref.Source)
			}
			mounted[ref.Source] = true
		}
		for k, v := range s.Environment {
			if v == nil || !secretish.MatchString(k) {
				continue
			}
			if !strings.HasSuffix(k, "_FILE") {
				t.Errorf("%s: %s carries a secret in the environment; pass it as a Compose secret and %s_FILE", s.Name, k, k)
				continue
			}
			dir, file := filepath.Split(*v)
			if dir != "/run/secrets/" || !mounted[file] {
				t.Errorf("%s: %s=%s is not a secret the service mounts", s.Name, k, *v)
			}
		}
	}
	model, err := yaml.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range secretEnv {
		if strings.Contains(string(model), v) {
			t.Errorf("a secret value reached the Compose model (interpolated into a service?): %s", v)
		}
	}
}

func TestComposeNeedsPublicIP(t *testing.T) {
	_, err := load(t, secretEnv)
	if err == nil || !strings.Contains(err.Error(), "PUBLIC_IP") {
		t.Fatalf("err %v, want a message naming PUBLIC_IP", err)
	}
}

// secretLiteral matches a line assigning a literal value to a
// secret-looking name (YAML "name: value", env or conf "name=value"); values
// that are interpolations, lists, maps or /run/secrets paths do not match.
var secretLiteral = regexp.MustCompile(`(?i)^(?:-\s*)?["']?([a-z0-9_.-]*(?:secret|password|passwd|pwd|admin_key|api_?key|auth_keys|credential)[a-z0-9_.-]*)["']?\s*[:=]\s*["']?([^\s"'$\[{%][^\s"']{5,})`)

func isSecretLiteral(line string) bool {
	m := secretLiteral.FindStringSubmatch(strings.TrimSpace(line))
	return m != nil && !strings.HasPrefix(m[2], "/run/secrets/")
}

func TestSecretLiteralMatcher(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{`JANUS_ADMIN_SECRET: 9f8e7d6c5b4a`, true},
		{`static-auth-secret=north-wind-42`, true},
		{`- "TURN_SHARED_SECRET=abcdef123"`, true},
		{`admin_key: "s3cr3t-key"`, true},
		{`JANUS_ADMIN_SECRET_FILE: /run/secrets/janus_admin_secret`, false},
		{`secrets: [janus_admin_secret, janus_admin_key]`, false},
		{`secret_file=${TURN_SHARED_SECRET_FILE:-/run/secrets/turn_shared_secret}`, false},
		{`printf 'static-auth-secret=%s\n' "$(cat "$secret_file")"`, false},
		{`environment: JANUS_ADMIN_SECRET`, false},
	}
	for _, tt := range tests {
		if got := isSecretLiteral(tt.line); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.line, got, tt.want)
		}
	}
}

// TestNoSecretLiterals scans the committed deployment files (compose file,
// Dockerfiles, entrypoints, coturn configuration) for literal secrets.
func TestNoSecretLiterals(t *testing.T) {
	files := []string{filepath.Join(root, "docker-compose.yml")}
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".go") {
			return err
		}
		files = append(files, path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		sc := bufio.NewScanner(strings.NewReader(readFile(t, f)))
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if !strings.HasPrefix(line, "#") && isSecretLiteral(line) {
				t.Errorf("%s:%d: looks like a committed secret: %s", f, n, line)
			}
		}
	}
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func publishes(s types.ServiceConfig, port, proto string) bool {
	for _, p := range s.Ports {
		if strconv.Itoa(int(p.Target)) == port && p.Published == port && p.Protocol == proto {
			return true
		}
	}
	return false
}

// publishesRange reports whether every port in lo..hi is published 1:1.
func publishesRange(s types.ServiceConfig, lo, hi int, proto string) bool {
	for port := lo; port <= hi; port++ {
		if !publishes(s, strconv.Itoa(port), proto) {
			return false
		}
	}
	return true
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func hasLine(text, line string) bool {
	return slices.Contains(strings.Split(text, "\n"), line)
}

func confValue(text, key string) string {
	for _, l := range strings.Split(text, "\n") {
		if k, v, ok := strings.Cut(l, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// TestEntrypointsParse checks the shell scripts with sh -n.
func TestEntrypointsParse(t *testing.T) {
	for _, f := range []string{"frontdesk/entrypoint.sh", "janus/entrypoint.sh", "coturn/entrypoint.sh"} {
		t.Run(f, func(t *testing.T) {
			fi, err := os.Stat(f)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm()&0o111 == 0 {
				t.Errorf("%s is not executable", f)
			}
			if !strings.HasPrefix(readFile(t, f), "#!/bin/sh\n") {
				t.Errorf("%s does not start with #!/bin/sh", f)
			}
			if out, err := exec.Command("sh", "-n", f).CombinedOutput(); err != nil {
				t.Errorf("sh -n %s: %v: %s", f, err, out)
			}
		})
	}
}
