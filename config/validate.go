package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Validate checks every setting and returns nil or the problems found, all
// of them joined (errors.Join), each a *KeyError wrapping ErrInvalid and
// naming its key, e.g. "config: http.listen: invalid value: ...".
// Messages never include secret values.
func (c *Config) Validate() error {
	var v validator
	v.log(c.Log)
	v.http(c.HTTP)
	v.store(c.Store)
	v.janus(c.Janus)
	v.events(c.Events)
	v.eventsCredentials(c.Janus, c.Events)
	v.auth(c.Auth)
	v.sfu(c.SFU)
	v.turn(c.TURN)
	v.metrics(c.Metrics, c.HTTP)
	if c.Auth.SignupsPerMinute < 0 {
		v.fail("auth.signups_per_minute", "%d must be 0 (no limit) or more", c.Auth.SignupsPerMinute)
	}
	if c.Auth.GuestsPerMinute < 0 {
		v.fail("auth.guests_per_minute", "%d must be 0 (no limit) or more", c.Auth.GuestsPerMinute)
	}
	if c.Queue.JoinPerMinute < 0 {
		v.fail("queue.join_per_minute", "%d must be 0 (no limit) or more", c.Queue.JoinPerMinute)
	}
	if c.Queue.JoinBurst < 1 {
		v.fail("queue.join_burst", "%d must be 1 or more", c.Queue.JoinBurst)
	}
	v.cluster(c)
	v.export(c.Export)
	v.phone(c.Phone, c.Janus)
	return errors.Join(v.errs...)
}

type validator struct{ errs []error }

func (v *validator) fail(key, format string, args ...any) {
	v.errs = append(v.errs, invalid(key, format, args...))
}

func (v *validator) log(l Log) {
	switch l.Level {
	case LevelDebug, LevelInfo, LevelWarn, LevelError:
	default:
		v.fail("log.level", "%q is not one of debug, info, warn, error", l.Level)
	}
	switch l.Format {
	case FormatText, FormatJSON:
	default:
		v.fail("log.format", "%q is not one of text, json", l.Format)
	}
}

func (v *validator) http(h HTTP) {
	if _, port, err := net.SplitHostPort(h.Listen); err != nil {
		v.fail("http.listen", "%q is not host:port: %v", h.Listen, err)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		v.fail("http.listen", "port %q is not a number 0-65535", port)
	}
	if h.PublicURL != "" {
		if err := httpURL(h.PublicURL, "http", "https"); err != nil {
			v.fail("http.public_url", "%v", err)
		}
	}
	for i, p := range h.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			v.fail(fmt.Sprintf("http.trusted_proxies[%d]", i), "%q is not an address range like 10.0.0.0/8: %v", p, err)
		}
	}
	for i, o := range h.AllowedOrigins {
		if err := origin(o); err != nil {
			v.fail(fmt.Sprintf("http.allowed_origins[%d]", i), "%v", err)
		}
	}
	v.positive("http.shutdown_timeout", h.ShutdownTimeout)
	v.positive("http.read_header_timeout", h.ReadHeaderTimeout)
}

func (v *validator) metrics(m Metrics, h HTTP) {
	if m.Listen != "" {
		if _, port, err := net.SplitHostPort(m.Listen); err != nil {
			v.fail("metrics.listen", "%q is not host:port: %v", m.Listen, err)
		} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			v.fail("metrics.listen", "port %q is not a number 0-65535", port)
		} else if m.Listen == h.Listen && n != 0 {
			v.fail("metrics.listen", "%q is http.listen; leave metrics.listen empty to serve /metrics there", m.Listen)
		}
	}
	// Never quote the token.
	if tok := m.Token.Reveal(); tok != "" && (len(tok) < 16 || strings.ContainsAny(tok, " \t\r\n")) {
		v.fail("metrics.token", "must be at least 16 characters without spaces")
	}
}

func (v *validator) store(s Store) {
	switch s.Driver {
	case DriverEmbedded:
		if s.Path == "" {
			v.fail("store.path", "must be set for the embedded driver")
		}
		if s.DataDir == "" {
			v.fail("store.data_dir", "must be set (use . for the working directory)")
		}
	case DriverMongoDB:
		uri := s.MongoDB.URI.Reveal()
		if uri == "" {
			v.fail("store.mongodb.uri", "must be set for the mongodb driver")
		} else if !strings.HasPrefix(uri, "mongodb://") && !strings.HasPrefix(uri, "mongodb+srv://") {
			// Do not quote the URI: it may carry a password.
			v.fail("store.mongodb.uri", "must start with mongodb:// or mongodb+srv://")
		}
		if s.MongoDB.Database == "" {
			v.fail("store.mongodb.database", "must be set for the mongodb driver")
		}
	default:
		v.fail("store.driver", "%q is not one of embedded, mongodb", s.Driver)
	}
}

var instanceName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

func (v *validator) janus(j Janus) {
	seen := map[string]bool{}
	for i, in := range j.Instances {
		key := fmt.Sprintf("janus.instances[%d]", i)
		switch {
		case !instanceName.MatchString(in.Name):
			v.fail(key+".name", "%q must be 1-63 letters, digits, '.', '_' or '-'", in.Name)
		case seen[in.Name]:
			v.fail(key+".name", "%q is used by another instance", in.Name)
		}
		if in.Name == BuiltinInstance {
			v.fail(key+".name", "%q is the built-in SFU's name", in.Name)
		}
		seen[in.Name] = true
		if in.WSURL == "" && in.HTTPURL == "" {
			v.fail(key+".ws_url", "one of ws_url and http_url must be set")
		}
		if in.WSURL != "" {
			if err := httpURL(in.WSURL, "ws", "wss"); err != nil {
				v.fail(key+".ws_url", "%v", err)
			}
		}
		if in.HTTPURL != "" {
			if err := httpURL(in.HTTPURL, "http", "https"); err != nil {
				v.fail(key+".http_url", "%v", err)
			}
		}
		if in.AdminURL == "" {
			// The pool checks health, drains and mints tokens through it.
			v.fail(key+".admin_url", "required (the Admin API, e.g. http://janus:7088/admin)")
		} else if err := httpURL(in.AdminURL, "http", "https"); err != nil {
			v.fail(key+".admin_url", "%v", err)
		}
		if in.Capacity < 0 {
			v.fail(key+".capacity", "%d must be 0 (unlimited) or more", in.Capacity)
		}
	}
	v.positive("janus.health_interval", j.HealthInterval)
}

func (v *validator) phone(p Phone, j Janus) {
	seen := map[string]bool{}
	for i, a := range p.Accounts {
		key := fmt.Sprintf("phone.accounts[%d]", i)
		if len(a.Queues) == 0 {
			v.fail(key+".queues", "list the slugs of the queues that use this account, or \"*\"")
		}
		for _, q := range a.Queues {
			if seen[q] {
				v.fail(key+".queues", "%q has another account already", q)
			}
			seen[q] = true
		}
		if !strings.HasPrefix(a.Username, "sip:") || SIPDomain(a.Username) == "" {
			v.fail(key+".username", "must be a SIP URI, sip:user@host")
		}
		if a.Secret == "" {
			v.fail(key+".secret", "required (the digest password)")
		}
		for field, uri := range map[string]string{"proxy": a.Proxy, "outbound_proxy": a.OutboundProxy} {
			if uri != "" && !strings.HasPrefix(uri, "sip:") && !strings.HasPrefix(uri, "sips:") {
				v.fail(key+"."+field, "must be a sip: or sips: URI")
			}
		}
		if strings.ContainsAny(a.Domain, "@;/ ") {
			v.fail(key+".domain", "must be a host name or address, with an optional port")
		}
	}
	if len(p.Accounts) > 0 && !slices.ContainsFunc(j.Instances, func(in JanusInstance) bool { return in.SIP }) {
		v.fail("janus.instances", "phone.accounts needs at least one instance with sip: true (the Janus SIP plugin)")
	}
}

// BuiltinInstance is the instance name the built-in SFU uses in tickets,
// calls and events (app.BuiltinInstance); no Janus instance may take it and
// no webhook post may carry it.
const BuiltinInstance = "builtin"

// eventsCredentials ties webhook credentials to instances: each instance's
// own pair is complete and unique, and the shared pair is only allowed when
// it names at most one instance.
func (v *validator) eventsCredentials(j Janus, e Events) {
	users := map[string]bool{}
	if e.User != "" {
		users[e.User] = true
	}
	for i, in := range j.Instances {
		key := fmt.Sprintf("janus.instances[%d]", i)
		switch {
		case in.EventsUser != "" && in.EventsPassword == "":
			v.fail(key+".events_password", "must be set when events_user is set")
		case in.EventsUser == "" && in.EventsPassword != "":
			v.fail(key+".events_user", "must be set when events_password is set")
		case strings.Contains(in.EventsUser, ":"):
			v.fail(key+".events_user", "must not contain ':' (HTTP Basic auth, RFC 7617)")
		case in.EventsUser != "" && users[in.EventsUser]:
			v.fail(key+".events_user", "%q is used by events.user or another instance", in.EventsUser)
		}
		users[in.EventsUser] = true
	}
	if e.User != "" && len(j.Instances) > 1 {
		v.fail("events.user", "shared credentials cannot tell %d Janus instances apart: set janus.instances[].events_user and events_password instead", len(j.Instances))
	}
}

func (v *validator) events(e Events) {
	if !strings.HasPrefix(e.Path, "/") {
		v.fail("events.path", "%q must start with /", e.Path)
	}
	if e.User != "" && e.Password == "" {
		v.fail("events.password", "must be set when events.user is set")
	}
	if e.User == "" && e.Password != "" {
		v.fail("events.user", "must be set when events.password is set")
	}
	if strings.Contains(e.User, ":") {
		v.fail("events.user", "must not contain ':' (HTTP Basic auth, RFC 7617)")
	}
	for i, src := range e.AllowFrom {
		_, perr := netip.ParsePrefix(src)
		_, aerr := netip.ParseAddr(src)
		if perr != nil && aerr != nil {
			v.fail(fmt.Sprintf("events.allow_from[%d]", i), "%q is not a CIDR prefix like 10.0.0.0/8 or an IP address", src)
		}
	}
	if e.MaxBody <= 0 {
		v.fail("events.max_body", "%d must be a positive number of bytes", e.MaxBody)
	}
}

// minAdminPassword is the shortest bootstrap administrator password, in
// Unicode code points; it matches auth.MinPasswordLen.
const minAdminPassword = 10

func (v *validator) auth(a Auth) {
	v.positive("auth.session_ttl", a.SessionTTL)
	if a.BootstrapAdminEmail != "" {
		if local, domain, ok := strings.Cut(a.BootstrapAdminEmail, "@"); !ok || local == "" || domain == "" {
			v.fail("auth.bootstrap_admin_email", "%q is not an email address", a.BootstrapAdminEmail)
		}
		if n := utf8.RuneCountInString(a.BootstrapAdminPassword.Reveal()); n < minAdminPassword {
			v.fail("auth.bootstrap_admin_password", "must be at least %d characters when auth.bootstrap_admin_email is set (got %d)", minAdminPassword, n)
		}
	} else if a.BootstrapAdminPassword != "" {
		v.fail("auth.bootstrap_admin_email", "must be set when auth.bootstrap_admin_password is set")
	}
	if keys := a.Keys.Reveal(); keys != "" {
		// Only the shape is checked here (auth.ParseKeyRing checks the
		// keys); messages never quote the value.
		for i, item := range strings.Split(keys, ",") {
			kid, key, ok := strings.Cut(strings.TrimSpace(item), ":")
			if !ok || kid == "" || key == "" {
				v.fail("auth.keys", "entry %d is not kid:base64key", i+1)
			}
		}
	}
}

func (v *validator) sfu(s SFU) {
	switch {
	case s.UDPPortMin == 0 && s.UDPPortMax == 0:
	case s.UDPPortMin < 1 || s.UDPPortMin > 65535:
		v.fail("sfu.udp_port_min", "%d must be 1-65535 (or 0 with udp_port_max 0)", s.UDPPortMin)
	case s.UDPPortMax < s.UDPPortMin || s.UDPPortMax > 65535:
		v.fail("sfu.udp_port_max", "%d must be between udp_port_min (%d) and 65535", s.UDPPortMax, s.UDPPortMin)
	}
	if s.NAT1To1IP != "" {
		if _, err := netip.ParseAddr(s.NAT1To1IP); err != nil {
			v.fail("sfu.nat_1to1_ip", "%q is not an IP address", s.NAT1To1IP)
		}
	}
	for i, ice := range s.ICEServers {
		key := fmt.Sprintf("sfu.ice_servers[%d]", i)
		if len(ice.URLs) == 0 {
			v.fail(key+".urls", "must list at least one stun:/turn: URL")
		}
		turn := false
		for j, u := range ice.URLs {
			scheme, err := iceURL(u)
			if err != nil {
				v.fail(fmt.Sprintf("%s.urls[%d]", key, j), "%v", err)
			}
			turn = turn || strings.HasPrefix(scheme, "turn")
		}
		if turn && (ice.Username == "" || ice.Credential == "") {
			v.fail(key+".username", "turn: servers need username and credential")
		}
	}
	for i, name := range s.Interfaces {
		if strings.TrimSpace(name) == "" {
			v.fail(fmt.Sprintf("sfu.interfaces[%d]", i), "must not be empty")
		}
	}
	if s.Listen != "" {
		if _, _, err := net.SplitHostPort(s.Listen); err != nil {
			v.fail("sfu.listen", "%q is not host:port: %v", s.Listen, err)
		}
	}
	if s.AdvertiseURL != "" {
		u, err := url.Parse(s.AdvertiseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			v.fail("sfu.advertise_url", "%q is not a base URL like http://frontdesk-1:7089 (no path, query or credentials)", s.AdvertiseURL)
		}
	}
	if sec := s.Secret.Reveal(); sec != "" && len(sec) < 16 {
		v.fail("sfu.secret", "must be at least 16 characters")
	}
}

func (v *validator) turn(t TURN) {
	for i, u := range t.URLs {
		if _, err := iceURL(u); err != nil {
			v.fail(fmt.Sprintf("turn.urls[%d]", i), "%v", err)
		}
	}
	if len(t.URLs) > 0 && t.SharedSecret == "" {
		v.fail("turn.shared_secret", "must be set when turn.urls is set")
	}
	v.positive("turn.ttl", t.TTL)
}

func (v *validator) positive(key string, d time.Duration) {
	if d <= 0 {
		v.fail(key, "%s must be positive", d)
	}
}

// httpURL checks that s is an absolute URL with one of the schemes and a
// host, and without credentials.
func httpURL(s string, schemes ...string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL", s)
	}
	ok := false
	for _, sc := range schemes {
		ok = ok || u.Scheme == sc
	}
	if !ok {
		return fmt.Errorf("%q must be a %s URL", s, strings.Join(schemes, ":// or ")+"://")
	}
	if u.Host == "" {
		return fmt.Errorf("%q has no host", s)
	}
	if u.User != nil {
		return fmt.Errorf("URL must not carry credentials (use the secret keys)")
	}
	return nil
}

// origin checks a browser origin (RFC 6454): scheme://host[:port], no path.
func origin(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return fmt.Errorf("%q is not an origin like https://desk.example.com", s)
	}
	return nil
}

// iceURL checks a STUN/TURN URI (RFC 7064, RFC 7065) and returns its scheme.
func iceURL(s string) (string, error) {
	scheme, rest, ok := strings.Cut(s, ":")
	switch {
	case !ok:
	case scheme != "stun" && scheme != "stuns" && scheme != "turn" && scheme != "turns":
	case rest == "" || strings.HasPrefix(rest, "//"):
	default:
		return scheme, nil
	}
	return "", fmt.Errorf("%q is not a stun:, stuns:, turn: or turns: URI like turn:turn.example.com:3478?transport=udp", s)
}

// cluster checks the replica keys: several replicas need one shared store
// and one set of signing keys, or a session signed on one replica is
// refused by the next and each has its own queue.
func (v *validator) cluster(c *Config) {
	cl := c.Cluster
	if cl.Listen != "" {
		if _, _, err := net.SplitHostPort(cl.Listen); err != nil {
			v.fail("cluster.listen", "%q is not host:port: %v", cl.Listen, err)
		}
	}
	if cl.Listen != "" && len(cl.Secret.Reveal()) < 16 {
		v.fail("cluster.secret", "cluster.listen needs a secret of at least 16 characters, the same on every replica: routes without one let anyone on the network join")
	}
	if len(cl.Routes) > 0 && cl.Listen == "" {
		v.fail("cluster.routes", "routes need cluster.listen, the address the other replicas reach this one on")
	}
	for i, r := range cl.Routes {
		u, err := url.Parse(r)
		if err != nil || u.Scheme != "nats" || u.Host == "" {
			v.fail(fmt.Sprintf("cluster.routes[%d]", i), "%q is not nats://host:port", r)
		}
	}
	if cl.Listen != "" && c.NATS.URL.Reveal() != "" {
		v.fail("nats.url", "set either nats.url (an external NATS) or cluster.listen (the embedded one), not both")
	}
	if !c.Replicated() {
		return
	}
	if c.Store.Driver != DriverMongoDB {
		v.fail("store.driver", "several replicas (cluster.listen or nats.url is set) need the shared store: set store.driver to mongodb")
	}
	if c.Auth.Keys.Reveal() == "" {
		v.fail("auth.keys", "several replicas (cluster.listen or nats.url is set) must sign with the same keys: set auth.keys on every replica")
	}
	if !c.SFU.Enabled {
		return
	}
	// Every replica's built-in SFU must be reachable by the others, which
	// authenticate with a shared secret.
	if c.SFU.AdvertiseURL == "" {
		v.fail("sfu.advertise_url", "several replicas with the built-in SFU need the URL the other replicas reach this one's SFU at (http://host:port, sfu.listen's port), or sfu.enabled false")
	}
	if len(c.SFUSecret()) < 16 {
		v.fail("sfu.secret", "several replicas with the built-in SFU need a shared secret of at least 16 characters (sfu.secret, or cluster.secret), the same on every replica")
	}
	if _, port, err := net.SplitHostPort(c.SFU.ListenOrDefault()); err == nil && port == "0" {
		v.fail("sfu.listen", "several replicas need a fixed port for the built-in SFU's listener (host:port, not port 0), the port of sfu.advertise_url")
	}
}

// eventKinds are the queue event kinds a webhook may ask for (docs/events.md).
var eventKinds = []string{"entry.joined", "entry.offered", "entry.accepted", "call.ready", "call.ended",
	"call.moved", "entry.left", "entry.changed", "host.changed", "queue.changed"}

func (v *validator) export(e Export) {
	names := map[string]bool{}
	for i, w := range e.Webhooks {
		key := fmt.Sprintf("export.webhooks[%d]", i)
		if w.Name == "" || names[w.Name] {
			v.fail(key+".name", "%q must be set and unique", w.Name)
		}
		names[w.Name] = true
		if err := httpURL(w.URL.Reveal(), "http", "https"); err != nil {
			v.fail(key+".url", "not an http(s) URL") // the URL may carry credentials: not quoted
		}
		if len(w.Secret.Reveal()) < 16 {
			v.fail(key+".secret", "must be at least 16 characters")
		}
		for j, k := range w.Events {
			if !slices.Contains(eventKinds, k) {
				v.fail(fmt.Sprintf("%s.events[%d]", key, j), "%q is not one of %s", k, strings.Join(eventKinds, ", "))
			}
		}
	}
}
