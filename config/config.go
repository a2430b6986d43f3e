// Package config is the configuration of the frontdesk binary.
//
// Settings are applied in this order, later sources winning:
//
//  1. defaults ([Default]);
//  2. an optional YAML file (--config or FRONTDESK_CONFIG), decoded
//     strictly: an unknown key is an error naming the key and line;
//  3. FRONTDESK_* environment variables, one per scalar key: the dotted key
//     upper-cased with dots replaced by underscores (http.listen →
//     FRONTDESK_HTTP_LISTEN); list keys take comma-separated values; lists of
//     objects (janus.instances, sfu.ice_servers) are YAML-only;
//  4. command-line flags, one per non-secret scalar key, named after the
//     dotted key (--http.listen);
//
// and the result is checked by [Config.Validate], which names the bad key.
// docs/configuration.md is the reference for every key.
//
// Secret values use the types [Secret] and [SecretURI], which print masked
// in every fmt verb, in slog, JSON and YAML; [Config.Redacted] renders the
// whole configuration safely for logs.
package config

import (
	"strings"
	"time"
)

// Config is the whole configuration of the frontdesk binary.
type Config struct {
	// Log configures log/slog output on stderr.
	Log Log `yaml:"log"`
	// HTTP configures the HTTP server (API, web UI, health and metrics).
	HTTP HTTP `yaml:"http"`
	// Store selects where Frontdesk keeps users, queues and history.
	Store Store `yaml:"store"`
	// Janus lists the Janus servers Frontdesk uses.
	Janus Janus `yaml:"janus"`
	// Events configures the endpoint that receives Janus event-handler
	// webhooks (janus.eventhandler.sampleevh).
	Events Events `yaml:"events"`
	// Auth configures user sessions and the bootstrap administrator.
	Auth Auth `yaml:"auth"`
	// SFU configures the built-in Pion SFU used when no Janus is available.
	SFU SFU `yaml:"sfu"`
	// TURN configures TURN credentials handed to browsers.
	TURN TURN `yaml:"turn"`
	// Metrics configures where and to whom /metrics is served.
	Metrics Metrics `yaml:"metrics"`
	// Queue configures the queue API's admission limits.
	Queue Queue `yaml:"queue"`
	// Cluster joins this replica to the others (package cluster).
	Cluster Cluster `yaml:"cluster"`
	// NATS is an external NATS cluster the replicas share instead of
	// their embedded servers.
	NATS NATS `yaml:"nats"`
	// Export delivers queue events to outside services (package
	// webhookout).
	Export Export `yaml:"export"`
	// Phone configures telephone calls through the Janus SIP plugin
	// (queued callback, calling a caller by phone).
	Phone Phone `yaml:"phone"`
}

// Phone configures the SIP accounts phone calls go out on. Browsers
// never see any of it: the proxy puts the account in the SIP plugin's
// "register" request (janus_sip.c).
type Phone struct {
	// Accounts are the SIP accounts, each for some queues, YAML-only.
	// Empty: no phone calls.
	Accounts []SIPAccount `yaml:"accounts"`
}

// SIPAccount is one SIP account at a registrar (RFC 3261 REGISTER with
// digest authentication).
type SIPAccount struct {
	// Queues are the slugs of the queues whose calls use this account;
	// "*" matches every queue without an account of its own.
	Queues []string `yaml:"queues"`
	// Username is the account's SIP URI, e.g. "sip:helpdesk@pbx.example.org".
	Username string `yaml:"username"`
	// AuthUser is the digest user when it differs from the URI's user part.
	AuthUser string `yaml:"authuser"`
	// Secret is the digest password.
	Secret Secret `yaml:"secret"`
	// DisplayName is the caller name the called party may see.
	DisplayName string `yaml:"display_name"`
	// Proxy is the registrar/proxy URI, e.g. "sip:pbx.example.org:5060";
	// empty uses the domain of Username.
	Proxy string `yaml:"proxy"`
	// OutboundProxy is an outbound proxy URI; empty for none.
	OutboundProxy string `yaml:"outbound_proxy"`
	// Domain is the host of the request URIs numbers are dialled at
	// ("sip:+15550102030@<domain>"); empty uses the domain of Username.
	Domain string `yaml:"domain"`
}

// AccountFor returns the account for the queue with slug, or nil when
// none serves it: one listing the slug, else one listing "*".
func (p Phone) AccountFor(slug string) *SIPAccount {
	var star *SIPAccount
	for i := range p.Accounts {
		for _, q := range p.Accounts[i].Queues {
			switch q {
			case slug:
				return &p.Accounts[i]
			case "*":
				if star == nil {
					star = &p.Accounts[i]
				}
			}
		}
	}
	return star
}

// SIPDomain returns the host part of a "sip:user@host[:port]" URI, or "".
func SIPDomain(uri string) string {
	_, host, ok := strings.Cut(strings.TrimPrefix(uri, "sip:"), "@")
	if !ok {
		return ""
	}
	host, _, _ = strings.Cut(host, ";")
	return host
}

// Cluster configures the embedded NATS server that carries events between
// several Frontdesk replicas (package cluster). Both keys empty (the
// default) is a single replica: events stay in the process.
type Cluster struct {
	// Listen is the route address (host:port) where the embedded NATS
	// server accepts the other replicas' servers (FRONTDESK_CLUSTER_LISTEN).
	// Setting it makes this process one of several replicas.
	Listen string `yaml:"listen"`
	// Routes are the other replicas' route URLs, nats://host:port
	// (FRONTDESK_CLUSTER_ROUTES, comma-separated). Listing this replica's
	// own address too is harmless, so every replica can share one list.
	Routes []string `yaml:"routes"`
	// Name is the NATS cluster's name; servers with another name do not
	// join (FRONTDESK_CLUSTER_NAME). Default "frontdesk".
	Name string `yaml:"name"`
	// Secret is the password every route presents and requires
	// (FRONTDESK_CLUSTER_SECRET), the same on every replica; required with
	// cluster.listen, at least 16 characters: without it anyone who
	// reaches the route port could join the cluster and read the queue's
	// events.
	Secret Secret `yaml:"secret"`
}

// Export configures outbound event delivery.
type Export struct {
	// Webhooks are the receivers of queue events, YAML-only.
	Webhooks []ExportWebhook `yaml:"webhooks"`
}

// ExportWebhook is one receiver of queue events (docs/events.md): a signed
// POST per event, retried, at least once.
type ExportWebhook struct {
	// Name names the receiver in logs (never the URL); unique, required.
	Name string `yaml:"name"`
	// URL receives the POSTs (http or https).
	URL Secret `yaml:"url"`
	// Secret signs every delivery (HMAC-SHA256; at least 16 characters).
	Secret Secret `yaml:"secret"`
	// Events are the event kinds delivered ("entry.joined", "call.ended",
	// …); empty delivers all.
	Events []string `yaml:"events"`
}

// NATS names an external NATS cluster (instead of cluster.listen).
type NATS struct {
	// URL is the NATS cluster's client URL(s), comma-separated
	// (FRONTDESK_NATS_URL), e.g. "nats://nats-1:4222,nats://nats-2:4222";
	// credentials may be in the URL. Setting it makes this process one of
	// several replicas.
	URL Secret `yaml:"url"`
}

// Replicated reports whether this process is one of several replicas
// (cluster.listen or nats.url is set).
func (c *Config) Replicated() bool { return c.Cluster.Listen != "" || c.NATS.URL.Reveal() != "" }

// Queue configures the queue API's admission limits.
type Queue struct {
	// JoinPerMinute is how many joins (POST /queues/:id/entries) one client
	// address may make a minute on average (queueapi.WithJoinRate); 0 turns
	// the limit off. Default 10.
	JoinPerMinute int `yaml:"join_per_minute"`
	// JoinBurst is how many joins one address may make at once before
	// JoinPerMinute paces it. Default 5.
	JoinBurst int `yaml:"join_burst"`
}

// Metrics configures the Prometheus /metrics endpoint.
type Metrics struct {
	// Listen, when set, serves /metrics (and only it) on its own TCP
	// listener at this host:port, and http.listen no longer serves it.
	// Port 0 picks a free port. Default empty: /metrics is on http.listen.
	Listen string `yaml:"listen"`
	// Token, when set, is the bearer token /metrics requires wherever it is
	// served ("Authorization: Bearer <token>"; anything else gets 401). At
	// least 16 characters. Default empty: no token.
	Token Secret `yaml:"token"`
}

// Log configures logging.
type Log struct {
	// Level is the minimum level logged: debug, info, warn or error.
	// Default info.
	Level LogLevel `yaml:"level"`
	// Format is text (logfmt-like key=value) or json. Default text.
	Format LogFormat `yaml:"format"`
}

// HTTP configures the HTTP server.
type HTTP struct {
	// Listen is the TCP address the server binds, host:port. Port 0 picks a
	// free port. Default "127.0.0.1:8080".
	Listen string `yaml:"listen"`
	// PublicURL is the absolute http(s) URL at which browsers reach
	// Frontdesk (behind a proxy, the proxy's URL); used for links and the
	// same-origin check. Default empty (derived from the request).
	PublicURL string `yaml:"public_url"`
	// AllowedOrigins lists extra browser origins (scheme://host[:port]) that
	// may call the API and open WebSockets besides the server's own origin.
	// Default empty.
	AllowedOrigins []string `yaml:"allowed_origins"`
	// ShutdownTimeout bounds the graceful shutdown: after a SIGINT/SIGTERM
	// in-flight requests get this long to finish before connections are
	// closed. Default 10s.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// ReadHeaderTimeout bounds reading a request's headers (against
	// slow-loris clients). Default 10s.
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	// CookieSecure sets the Secure attribute on session cookies; turn it on
	// whenever browsers reach Frontdesk over HTTPS. Default false.
	CookieSecure bool `yaml:"cookie_secure"`
	// TrustedProxies are the address ranges (CIDR) of reverse proxies or
	// load balancers in front of Frontdesk (FRONTDESK_HTTP_TRUSTED_PROXIES,
	// comma-separated). A request from one of them is taken to come from
	// the last address in X-Forwarded-For that is not a trusted proxy (for
	// per-address limits and logs; events.allow_from always checks the TCP
	// peer). Empty (the default):
	// the TCP peer is the client, and X-Forwarded-For is ignored.
	TrustedProxies []string `yaml:"trusted_proxies"`
}

// Store selects the database.
type Store struct {
	// Driver is embedded (a bbolt file, no external service) or mongodb.
	// Default embedded.
	Driver StoreDriver `yaml:"driver"`
	// DataDir is the directory for embedded data files. Default "." (the
	// working directory).
	DataDir string `yaml:"data_dir"`
	// Path is the bbolt database file of the embedded driver; a relative
	// path is taken relative to DataDir. Default "frontdesk.db".
	Path string `yaml:"path"`
	// MongoDB configures the mongodb driver.
	MongoDB MongoDB `yaml:"mongodb"`
}

// MongoDB configures the mongodb store driver.
type MongoDB struct {
	// URI is the MongoDB connection string (mongodb:// or mongodb+srv://),
	// possibly with credentials, which are never printed. Required when
	// store.driver is mongodb.
	URI SecretURI `yaml:"uri"`
	// Database is the database name. Default "frontdesk".
	Database string `yaml:"database"`
}

// Janus lists the Janus servers.
type Janus struct {
	// Instances are the Janus servers, YAML-only. Empty means no Janus:
	// calls go to the built-in SFU (if sfu.enabled).
	Instances []JanusInstance `yaml:"instances"`
	// HealthInterval is how often each instance's Admin API is pinged.
	// Default 5s.
	HealthInterval time.Duration `yaml:"health_interval"`
}

// JanusInstance is one Janus server (Janus 1.1.x).
type JanusInstance struct {
	// Name identifies the instance in logs, metrics and the API; unique,
	// letters, digits, '-', '_' and '.'.
	Name string `yaml:"name"`
	// WSURL is the Janus WebSocket transport, ws:// or wss://, e.g.
	// "ws://10.0.0.2:8188/" (janus.transport.websockets). One of WSURL and
	// HTTPURL is required; WSURL is preferred when both are set.
	WSURL string `yaml:"ws_url"`
	// HTTPURL is the Janus HTTP transport base, http:// or https://, e.g.
	// "http://10.0.0.2:8088/janus" (janus.transport.http).
	HTTPURL string `yaml:"http_url"`
	// AdminURL is the Admin API endpoint, http(s), e.g.
	// "http://10.0.0.2:7088/admin". Optional; without it health checks and
	// token management are unavailable for the instance.
	AdminURL string `yaml:"admin_url"`
	// AdminSecret is the Admin API secret (janus.jcfg admin_secret).
	AdminSecret Secret `yaml:"admin_secret"`
	// AdminKey is the VideoRoom admin_key (janus.plugin.videoroom.jcfg)
	// needed to create rooms.
	AdminKey Secret `yaml:"admin_key"`
	// Capacity is the number of participants the instance may carry at once;
	// 0 means unlimited.
	Capacity int `yaml:"capacity"`
	// EventsUser and EventsPassword are this instance's HTTP Basic
	// credentials for the events webhook (its sampleevh backend_user and
	// backend_pwd). A post made with them may carry only events whose
	// emitter is Name. With two or more instances, each one that posts
	// events needs its own pair (the shared events.user cannot tell them
	// apart and is refused then). User names are unique and differ from
	// events.user.
	EventsUser string `yaml:"events_user"`
	// EventsPassword is this instance's webhook password; see EventsUser.
	EventsPassword Secret `yaml:"events_password"`
	// SIP says the instance runs the SIP plugin (janus.plugin.sip, with
	// janus.plugin.sip.jcfg): phone calls may be placed on it.
	SIP bool `yaml:"sip"`
}

// Events configures the Janus event-handler webhook receiver (the sample
// event handler, janus.eventhandler.sampleevh, POSTs JSON arrays here when
// grouping = true).
type Events struct {
	// Path is the URL path the webhook is served on. Default "/janus/events".
	Path string `yaml:"path"`
	// User is the shared HTTP Basic auth user Janus sends (sampleevh
	// backend_user). With exactly one Janus instance its posts may carry
	// only that instance's events; with two or more it is an error (set
	// janus.instances[].events_user instead); with none, any emitter but
	// the built-in SFU's. Empty, with no per-instance credentials either,
	// disables Basic auth (then AllowFrom should be set).
	User string `yaml:"user"`
	// Password is the HTTP Basic auth password (sampleevh backend_pwd).
	Password Secret `yaml:"password"`
	// AllowFrom lists the CIDR prefixes (e.g. "10.77.0.0/16") or single IP
	// addresses the webhook accepts requests from (the TCP peer address, as
	// webhook.ParsePrefixes reads them). Empty allows any address.
	AllowFrom []string `yaml:"allow_from"`
	// MaxBody is the largest request body accepted, in bytes. Default
	// 1048576 (1 MiB).
	MaxBody int64 `yaml:"max_body"`
}

// Auth configures users and sessions.
type Auth struct {
	// SessionTTL is how long a login session stays valid. Default 12h.
	SessionTTL time.Duration `yaml:"session_ttl"`
	// SignupEnabled lets anyone create a caller account. Default false.
	SignupEnabled bool `yaml:"signup_enabled"`
	// SignupsPerMinute is how many accounts one client address (an IPv4
	// address or an IPv6 /64) may create by signup a minute, in bursts of
	// the same size (auth.WithCreateRates); 0 turns the limit off. Default 5.
	SignupsPerMinute int `yaml:"signups_per_minute"`
	// GuestsPerMinute is how many guest identities one client address may
	// create a minute, in bursts of the same size; 0 turns the limit off.
	// Default 20.
	GuestsPerMinute int `yaml:"guests_per_minute"`
	// Keys is the JWT signing key ring in the form of auth.ParseKeyRing:
	// "kid1:base64key1,kid2:base64key2" (keys of 32 bytes or more); the
	// first entry signs, the others still verify (key rotation). Empty means
	// the ring kept in <store.data_dir>/frontdesk.keys, created with a random
	// key on first start and read back later, so sessions survive a restart
	// of one server but replicas do not share them. Set it from
	// FRONTDESK_AUTH_KEYS.
	Keys Secret `yaml:"keys"`
	// BootstrapAdminEmail, with BootstrapAdminPassword, creates an
	// administrator at start-up when no administrator exists yet
	// (auth.Service.BootstrapAdmin). Meant to come from the environment
	// (FRONTDESK_AUTH_BOOTSTRAP_ADMIN_EMAIL).
	BootstrapAdminEmail string `yaml:"bootstrap_admin_email"`
	// BootstrapAdminPassword is the bootstrap administrator's password, at
	// least 10 characters like every password (auth.MinPasswordLen)
	// (FRONTDESK_AUTH_BOOTSTRAP_ADMIN_PASSWORD).
	BootstrapAdminPassword Secret `yaml:"bootstrap_admin_password"`
}

// SFU configures the built-in Pion SFU.
type SFU struct {
	// Enabled runs the built-in SFU (FRONTDESK_SFU_ENABLED). Default true.
	// Off, there is no SFU listener and no call can be hosted on it: a queue
	// whose media is builtin cannot start calls, and auto uses Janus only.
	Enabled bool `yaml:"enabled"`
	// UDPPortMin and UDPPortMax bound the UDP ports used for ICE; both 0
	// (the default) lets the OS choose.
	UDPPortMin int `yaml:"udp_port_min"`
	// UDPPortMax is the upper bound, inclusive; see UDPPortMin.
	UDPPortMax int `yaml:"udp_port_max"`
	// NAT1To1IP is the public IP address to advertise in ICE host candidates
	// when the server sits behind a 1:1 NAT. Default empty.
	NAT1To1IP string `yaml:"nat_1to1_ip"`
	// ICEServers are the STUN/TURN servers the SFU and browsers use,
	// YAML-only.
	ICEServers []ICEServer `yaml:"ice_servers"`
	// Interfaces limits ICE gathering to these network interface names
	// (e.g. "eth0"). Empty means all.
	Interfaces []string `yaml:"interfaces"`
	// Listen is where the SFU's internal Janus API listens, host:port
	// (FRONTDESK_SFU_LISTEN). Default "127.0.0.1:0": loopback, a port the
	// OS picks, reached only by this process's /janus proxy. With several
	// replicas the others must reach it too: a fixed port on an internal
	// address, advertised as sfu.advertise_url.
	Listen string `yaml:"listen"`
	// AdvertiseURL is the base URL (http://host:port) at which the other
	// replicas reach this replica's SFU listener (FRONTDESK_SFU_ADVERTISE_URL),
	// e.g. "http://frontdesk-1:7089"; required with several replicas. A
	// call's room records it, so a browser whose /janus connection lands on
	// any replica is proxied to the replica whose SFU holds the room.
	AdvertiseURL string `yaml:"advertise_url"`
	// Secret authenticates replicas to each other's SFU listeners
	// (FRONTDESK_SFU_SECRET): every Janus API request there carries a token
	// derived from it for one room and participant, and every room
	// operation (destroy, kick) a signature. At least 16 characters, the
	// same on every replica; empty uses cluster.secret. Unused by a single
	// replica, which keeps a random key in memory.
	Secret Secret `yaml:"secret"`
}

// ListenOrDefault is Listen, or "127.0.0.1:0" when it is empty.
func (s SFU) ListenOrDefault() string {
	if s.Listen == "" {
		return "127.0.0.1:0"
	}
	return s.Listen
}

// SFUSecret is the secret replicas' SFUs authenticate each other with:
// sfu.secret, else cluster.secret ("" when neither is set).
func (c *Config) SFUSecret() string {
	if s := c.SFU.Secret.Reveal(); s != "" {
		return s
	}
	return c.Cluster.Secret.Reveal()
}

// ICEServer is one STUN or TURN server (the W3C RTCIceServer dictionary).
type ICEServer struct {
	// URLs are stun:, stuns:, turn: or turns: URIs (RFC 7064, RFC 7065).
	URLs []string `yaml:"urls"`
	// Username is the TURN user name.
	Username string `yaml:"username"`
	// Credential is the TURN password.
	Credential Secret `yaml:"credential"`
}

// TURN configures time-limited TURN credentials (the TURN REST API scheme
// used by coturn's use-auth-secret: user "<expiry>:<id>", password
// base64(HMAC-SHA1(shared_secret, user))).
type TURN struct {
	// SharedSecret is the secret shared with the TURN server
	// (coturn static-auth-secret). Required when URLs is set.
	SharedSecret Secret `yaml:"shared_secret"`
	// URLs are the turn:/turns: URIs handed to browsers. Empty disables TURN
	// credentials.
	URLs []string `yaml:"urls"`
	// TTL is the lifetime of issued credentials. Default 24h.
	TTL time.Duration `yaml:"ttl"`
}

// Default returns the configuration with every default applied.
func Default() *Config {
	return &Config{
		Log: Log{Level: LevelInfo, Format: FormatText},
		HTTP: HTTP{
			Listen:            "127.0.0.1:8080",
			ShutdownTimeout:   10 * time.Second,
			ReadHeaderTimeout: 10 * time.Second,
		},
		Store: Store{
			Driver:  DriverEmbedded,
			DataDir: ".",
			Path:    "frontdesk.db",
			MongoDB: MongoDB{Database: "frontdesk"},
		},
		Janus:   Janus{HealthInterval: 5 * time.Second},
		Events:  Events{Path: "/janus/events", MaxBody: 1 << 20},
		Auth:    Auth{SessionTTL: 12 * time.Hour, SignupsPerMinute: 5, GuestsPerMinute: 20},
		SFU:     SFU{Enabled: true},
		Cluster: Cluster{Name: "frontdesk"},
		TURN:    TURN{TTL: 24 * time.Hour},
		Queue:   Queue{JoinPerMinute: 10, JoinBurst: 5},
	}
}
