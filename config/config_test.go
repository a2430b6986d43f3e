package config

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// writeFile writes a YAML file into a temp dir and returns its path.
func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "frontdesk.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// parseFlags registers the config flags on a fresh FlagSet and parses args.
func parseFlags(t *testing.T, args ...string) *Flags {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	return f
}

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	c, err := Load(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Fatalf("Load with no sources = %+v, want defaults", c)
	}
}

func TestFullFileLoads(t *testing.T) {
	c, err := LoadFile("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"log.format", c.Log.Format, FormatJSON},
		{"http.listen", c.HTTP.Listen, "0.0.0.0:8443"},
		{"http.shutdown_timeout", c.HTTP.ShutdownTimeout, 20 * time.Second},
		{"http.cookie_secure", c.HTTP.CookieSecure, true},
		{"store.driver", c.Store.Driver, DriverMongoDB},
		{"store.file", c.Store.File(), "/var/lib/frontdesk/frontdesk.db"},
		{"janus.instances", len(c.Janus.Instances), 2},
		{"janus.instances[0].admin_secret", c.Janus.Instances[0].AdminSecret.Reveal(), "admin-secret-SECRET2"},
		{"janus.instances[0].capacity", c.Janus.Instances[0].Capacity, 200},
		{"events.allow_from", c.Events.AllowFrom, []string{"10.77.0.0/16", "127.0.0.1/32"}},
		{"events.max_body", c.Events.MaxBody, int64(2 << 20)},
		{"sfu.ice_servers[1].credential", c.SFU.ICEServers[1].Credential.Reveal(), "ice-cred-SECRET6"},
		{"turn.ttl", c.TURN.TTL, time.Hour},
	}
	for _, ck := range checks {
		if !reflect.DeepEqual(ck.got, ck.want) {
			t.Errorf("%s = %v, want %v", ck.name, ck.got, ck.want)
		}
	}
}

func TestPrecedence(t *testing.T) {
	file := writeFile(t, `
http:
  listen: "127.0.0.1:1001"
  shutdown_timeout: 11s
  allowed_origins: ["https://file.example"]
log:
  level: warn
`)
	tests := []struct {
		name    string
		file    string
		env     []string
		args    []string
		listen  string
		timeout time.Duration
		origins []string
		level   LogLevel
		secure  bool
	}{
		{name: "defaults", listen: "127.0.0.1:8080", timeout: 10 * time.Second, level: LevelInfo},
		{name: "file over defaults", file: file, listen: "127.0.0.1:1001", timeout: 11 * time.Second,
			origins: []string{"https://file.example"}, level: LevelWarn},
		{name: "file via FRONTDESK_CONFIG", env: []string{"FRONTDESK_CONFIG=" + file}, listen: "127.0.0.1:1001",
			timeout: 11 * time.Second, origins: []string{"https://file.example"}, level: LevelWarn},
		{name: "env over file", file: file,
			env: []string{"FRONTDESK_HTTP_LISTEN=127.0.0.1:2002", "FRONTDESK_HTTP_ALLOWED_ORIGINS=https://a.example, https://b.example",
				"FRONTDESK_HTTP_COOKIE_SECURE=true", "PATH=/bin", "HOME=/root"},
			listen: "127.0.0.1:2002", timeout: 11 * time.Second,
			origins: []string{"https://a.example", "https://b.example"}, level: LevelWarn, secure: true},
		{name: "flags over env over file", file: file,
			env:    []string{"FRONTDESK_HTTP_LISTEN=127.0.0.1:2002", "FRONTDESK_HTTP_SHUTDOWN_TIMEOUT=12s", "FRONTDESK_LOG_LEVEL=error"},
			args:   []string{"--http.listen", "127.0.0.1:3003", "--http.shutdown_timeout=13s", "--http.cookie_secure"},
			listen: "127.0.0.1:3003", timeout: 13 * time.Second, origins: []string{"https://file.example"},
			level: LevelError, secure: true},
		{name: "flag --config beats FRONTDESK_CONFIG", env: []string{"FRONTDESK_CONFIG=/does/not/exist"},
			args: []string{"--config", file}, listen: "127.0.0.1:1001", timeout: 11 * time.Second,
			origins: []string{"https://file.example"}, level: LevelWarn},
		{name: "last flag wins", args: []string{"--http.listen=127.0.0.1:1", "--http.listen=127.0.0.1:2"},
			listen: "127.0.0.1:2", timeout: 10 * time.Second, level: LevelInfo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.file != "" {
				args = append([]string{"--config", tt.file}, args...)
			}
			c, err := Load(parseFlags(t, args...), tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if c.HTTP.Listen != tt.listen {
				t.Errorf("http.listen = %q, want %q", c.HTTP.Listen, tt.listen)
			}
			if c.HTTP.ShutdownTimeout != tt.timeout {
				t.Errorf("http.shutdown_timeout = %v, want %v", c.HTTP.ShutdownTimeout, tt.timeout)
			}
			if !reflect.DeepEqual(c.HTTP.AllowedOrigins, tt.origins) {
				t.Errorf("http.allowed_origins = %q, want %q", c.HTTP.AllowedOrigins, tt.origins)
			}
			if c.Log.Level != tt.level {
				t.Errorf("log.level = %q, want %q", c.Log.Level, tt.level)
			}
			if c.HTTP.CookieSecure != tt.secure {
				t.Errorf("http.cookie_secure = %v, want %v", c.HTTP.CookieSecure, tt.secure)
			}
		})
	}
}

// keyErr asserts err is a *KeyError for key wrapping target and returns it.
func keyErr(t *testing.T, err error, key string, target error) *KeyError {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one for %s", key)
	}
	if !errors.Is(err, target) {
		t.Errorf("error %q does not wrap %v", err, target)
	}
	var ke *KeyError
	if !errors.As(err, &ke) {
		t.Fatalf("error %q (%T) is not a *KeyError", err, err)
	}
	if ke.Key != key {
		t.Errorf("KeyError.Key = %q, want %q (error %q)", ke.Key, key, err)
	}
	if !strings.Contains(err.Error(), key) {
		t.Errorf("error %q does not name %q", err, key)
	}
	return ke
}

func TestFileErrorsNameKeyAndLine(t *testing.T) {
	tests := []struct {
		name   string
		yaml   string
		key    string
		line   string
		target error
	}{
		{"top-level typo", "htpp:\n  listen: x\n", "htpp", ":1", ErrUnknownKey},
		{"nested typo", "log:\n  level: info\nhttp:\n  listne: \"127.0.0.1:1\"\n", "http.listne", ":4", ErrUnknownKey},
		{"typo in list item", "janus:\n  instances:\n    - name: a\n      ws_url: ws://h/\n    - name: b\n      wsurl: ws://h/\n", "janus.instances[1].wsurl", ":6", ErrUnknownKey},
		{"deep typo", "store:\n  mongodb:\n    url: x\n", "store.mongodb.url", ":3", ErrUnknownKey},
		{"bad duration", "http:\n  shutdown_timeout: soon\n", "http.shutdown_timeout", ":2", ErrBadValue},
		{"integer duration", "http:\n  shutdown_timeout: 30\n", "http.shutdown_timeout", ":2", ErrBadValue},
		{"bad bool", "http:\n  cookie_secure: maybe\n", "http.cookie_secure", ":2", ErrBadValue},
		{"bad int", "events:\n  max_body: lots\n", "events.max_body", ":2", ErrBadValue},
		{"scalar for list", "events:\n  allow_from: 10.0.0.0/8\n", "events.allow_from", ":2", ErrBadValue},
		{"scalar for section", "http: yes\n", "http", ":1", ErrBadValue},
		{"mapping for list of objects", "janus:\n  instances:\n    name: a\n", "janus.instances", ":3", ErrBadValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadFile(writeFile(t, tt.yaml))
			ke := keyErr(t, err, tt.key, tt.target)
			if !strings.HasSuffix(ke.Source, tt.line) {
				t.Errorf("Source = %q, want file%s", ke.Source, tt.line)
			}
		})
	}
}

func TestFileOtherErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"syntax error", "http:\n  listen: [\n", "yaml:"},
		{"two documents", "log:\n  level: info\n---\nlog:\n  level: debug\n", "more than one YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadFile(writeFile(t, tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		_, err := LoadFile(filepath.Join(t.TempDir(), "nope.yaml"))
		if !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("error = %v, want ErrNotExist", err)
		}
	})
	t.Run("empty file keeps defaults", func(t *testing.T) {
		c, err := LoadFile(writeFile(t, "# nothing\n"))
		if err != nil || !reflect.DeepEqual(c, Default()) {
			t.Fatalf("got %v, %v; want defaults", c, err)
		}
	})
}

func TestEnvErrorsNameVariable(t *testing.T) {
	tests := []struct {
		name   string
		env    string
		key    string
		target error
	}{
		{"bad duration", "FRONTDESK_HTTP_SHUTDOWN_TIMEOUT=10", "http.shutdown_timeout", ErrBadValue},
		{"bad bool", "FRONTDESK_HTTP_COOKIE_SECURE=yes please", "http.cookie_secure", ErrBadValue},
		{"bad int", "FRONTDESK_EVENTS_MAX_BODY=1MiB", "events.max_body", ErrBadValue},
		{"int overflow", "FRONTDESK_SFU_UDP_PORT_MIN=99999999999999999999", "sfu.udp_port_min", ErrBadValue},
		{"typo", "FRONTDESK_HTTP_LISTN=127.0.0.1:1", "(none)", ErrUnknownKey},
		{"yaml-only list", "FRONTDESK_JANUS_INSTANCES=a,b", "janus.instances", ErrUnknownKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(nil, []string{tt.env})
			ke := keyErr(t, err, tt.key, tt.target)
			name, _, _ := strings.Cut(tt.env, "=")
			if ke.Source != "env "+name || !strings.Contains(err.Error(), name) {
				t.Errorf("error %q (source %q) does not name %s", err, ke.Source, name)
			}
		})
	}
}

func TestFlagErrorsNameFlag(t *testing.T) {
	tests := []struct {
		name string
		args []string
		flag string
	}{
		{"bad duration", []string{"--http.shutdown_timeout=later"}, "http.shutdown_timeout"},
		{"bad int", []string{"--sfu.udp_port_min", "x"}, "sfu.udp_port_min"},
		{"bad bool", []string{"--http.cookie_secure=2"}, "http.cookie_secure"},
		{"no flag for secrets", []string{"--turn.shared_secret=x"}, "turn.shared_secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			RegisterFlags(fs)
			err := fs.Parse(tt.args)
			if err == nil || !strings.Contains(err.Error(), tt.flag) {
				t.Fatalf("error = %v, want it to name %s", err, tt.flag)
			}
		})
	}
}

func TestValidateNamesKey(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *Config)
		key    string
	}{
		{"log level", func(c *Config) { c.Log.Level = "verbose" }, "log.level"},
		{"log format", func(c *Config) { c.Log.Format = "xml" }, "log.format"},
		{"listen not host:port", func(c *Config) { c.HTTP.Listen = "8080" }, "http.listen"},
		{"listen bad port", func(c *Config) { c.HTTP.Listen = "127.0.0.1:http-alt" }, "http.listen"},
		{"listen port range", func(c *Config) { c.HTTP.Listen = "127.0.0.1:70000" }, "http.listen"},
		{"public url relative", func(c *Config) { c.HTTP.PublicURL = "/desk" }, "http.public_url"},
		{"public url scheme", func(c *Config) { c.HTTP.PublicURL = "ftp://desk.example" }, "http.public_url"},
		{"origin with path", func(c *Config) { c.HTTP.AllowedOrigins = []string{"https://ok.example", "https://a.example/x"} }, "http.allowed_origins[1]"},
		{"shutdown timeout", func(c *Config) { c.HTTP.ShutdownTimeout = 0 }, "http.shutdown_timeout"},
		{"read header timeout", func(c *Config) { c.HTTP.ReadHeaderTimeout = -time.Second }, "http.read_header_timeout"},
		{"driver", func(c *Config) { c.Store.Driver = "postgres" }, "store.driver"},
		{"embedded path", func(c *Config) { c.Store.Path = "" }, "store.path"},
		{"embedded data dir", func(c *Config) { c.Store.DataDir = "" }, "store.data_dir"},
		{"mongodb uri missing", func(c *Config) { c.Store.Driver = DriverMongoDB }, "store.mongodb.uri"},
		{"mongodb uri scheme", func(c *Config) { c.Store.Driver = DriverMongoDB; c.Store.MongoDB.URI = "postgres://x" }, "store.mongodb.uri"},
		{"mongodb database", func(c *Config) {
			c.Store.Driver = DriverMongoDB
			c.Store.MongoDB.URI = "mongodb://db"
			c.Store.MongoDB.Database = ""
		}, "store.mongodb.database"},
		{"instance name", func(c *Config) { c.Janus.Instances = []JanusInstance{{Name: "a b", WSURL: "ws://h/"}} }, "janus.instances[0].name"},
		{"instance name duplicate", func(c *Config) {
			c.Janus.Instances = []JanusInstance{{Name: "a", WSURL: "ws://h/", AdminURL: "http://h/admin"}, {Name: "a", WSURL: "ws://i/", AdminURL: "http://i/admin"}}
		}, "janus.instances[1].name"},
		{"instance without transport", func(c *Config) { c.Janus.Instances = []JanusInstance{{Name: "a"}} }, "janus.instances[0].ws_url"},
		{"instance ws scheme", func(c *Config) { c.Janus.Instances = []JanusInstance{{Name: "a", WSURL: "http://h/"}} }, "janus.instances[0].ws_url"},
		{"instance http scheme", func(c *Config) { c.Janus.Instances = []JanusInstance{{Name: "a", HTTPURL: "ws://h/"}} }, "janus.instances[0].http_url"},
		{"instance admin url", func(c *Config) {
			c.Janus.Instances = []JanusInstance{{Name: "a", WSURL: "ws://h/", AdminURL: "http://user:pw@h/admin"}}
		}, "janus.instances[0].admin_url"},
		{"instance without admin url", func(c *Config) { c.Janus.Instances = []JanusInstance{{Name: "a", WSURL: "ws://h/"}} }, "janus.instances[0].admin_url"},
		{"instance capacity", func(c *Config) {
			c.Janus.Instances = []JanusInstance{{Name: "a", WSURL: "ws://h/", AdminURL: "http://h/admin", Capacity: -1}}
		}, "janus.instances[0].capacity"},
		{"health interval", func(c *Config) { c.Janus.HealthInterval = 0 }, "janus.health_interval"},
		{"events path", func(c *Config) { c.Events.Path = "janus/events" }, "events.path"},
		{"events user without password", func(c *Config) { c.Events.User = "janus" }, "events.password"},
		{"events password without user", func(c *Config) { c.Events.Password = "pw" }, "events.user"},
		{"events user colon", func(c *Config) { c.Events.User = "ja:nus"; c.Events.Password = "pw" }, "events.user"},
		{"events allow_from", func(c *Config) { c.Events.AllowFrom = []string{"10.0.0.1", "10.0.0.0/8", "10.0.0.300/8"} }, "events.allow_from[2]"},
		{"events max body", func(c *Config) { c.Events.MaxBody = 0 }, "events.max_body"},
		{"session ttl", func(c *Config) { c.Auth.SessionTTL = 0 }, "auth.session_ttl"},
		{"bootstrap email", func(c *Config) {
			c.Auth.BootstrapAdminEmail = "admin"
			c.Auth.BootstrapAdminPassword = "long-enough-password"
		}, "auth.bootstrap_admin_email"},
		{"bootstrap password short", func(c *Config) {
			c.Auth.BootstrapAdminEmail = "admin@example.com"
			c.Auth.BootstrapAdminPassword = "ninechars"
		}, "auth.bootstrap_admin_password"},
		{"auth keys shape", func(c *Config) { c.Auth.Keys = "k1:abc,broken" }, "auth.keys"},
		{"bootstrap password without email", func(c *Config) { c.Auth.BootstrapAdminPassword = "long-enough-password" }, "auth.bootstrap_admin_email"},
		{"udp port min", func(c *Config) { c.SFU.UDPPortMin = 70000; c.SFU.UDPPortMax = 70001 }, "sfu.udp_port_min"},
		{"udp port max below min", func(c *Config) { c.SFU.UDPPortMin = 50000; c.SFU.UDPPortMax = 40000 }, "sfu.udp_port_max"},
		{"nat ip", func(c *Config) { c.SFU.NAT1To1IP = "example.com" }, "sfu.nat_1to1_ip"},
		{"ice server urls", func(c *Config) { c.SFU.ICEServers = []ICEServer{{}} }, "sfu.ice_servers[0].urls"},
		{"ice server url scheme", func(c *Config) { c.SFU.ICEServers = []ICEServer{{URLs: []string{"stun:ok", "http://x"}}} }, "sfu.ice_servers[0].urls[1]"},
		{"ice turn without credential", func(c *Config) { c.SFU.ICEServers = []ICEServer{{URLs: []string{"turn:t.example"}}} }, "sfu.ice_servers[0].username"},
		{"interface blank", func(c *Config) { c.SFU.Interfaces = []string{" "} }, "sfu.interfaces[0]"},
		{"turn url", func(c *Config) { c.TURN.URLs = []string{"turn//x"}; c.TURN.SharedSecret = "s" }, "turn.urls[0]"},
		{"turn secret", func(c *Config) { c.TURN.URLs = []string{"turn:t.example:3478"} }, "turn.shared_secret"},
		{"turn ttl", func(c *Config) { c.TURN.TTL = 0 }, "turn.ttl"},
		{"phone account without queues", func(c *Config) {
			c.Phone.Accounts = []SIPAccount{goodSIPAccount(nil)}
			c.Janus.Instances = sipInstance()
		}, "phone.accounts[0].queues"},
		{"phone queue twice", func(c *Config) {
			c.Phone.Accounts = []SIPAccount{goodSIPAccount([]string{"help"}), goodSIPAccount([]string{"*", "help"})}
			c.Janus.Instances = sipInstance()
		}, "phone.accounts[1].queues"},
		{"phone username not a SIP URI", func(c *Config) {
			a := goodSIPAccount([]string{"*"})
			a.Username = "helpdesk@pbx.test"
			c.Phone.Accounts, c.Janus.Instances = []SIPAccount{a}, sipInstance()
		}, "phone.accounts[0].username"},
		{"phone without secret", func(c *Config) {
			a := goodSIPAccount([]string{"*"})
			a.Secret = ""
			c.Phone.Accounts, c.Janus.Instances = []SIPAccount{a}, sipInstance()
		}, "phone.accounts[0].secret"},
		{"phone proxy scheme", func(c *Config) {
			a := goodSIPAccount([]string{"*"})
			a.Proxy = "pbx.test:5060"
			c.Phone.Accounts, c.Janus.Instances = []SIPAccount{a}, sipInstance()
		}, "phone.accounts[0].proxy"},
		{"phone without a SIP instance", func(c *Config) { c.Phone.Accounts = []SIPAccount{goodSIPAccount([]string{"*"})} }, "janus.instances"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.mutate(c)
			err := c.Validate()
			keyErr(t, err, tt.key, ErrInvalid)
			if !strings.HasPrefix(err.Error(), "config: "+tt.key+": ") {
				t.Errorf("error %q does not start with %q", err, "config: "+tt.key+": ")
			}
		})
	}
}

func TestValidateReportsAll(t *testing.T) {
	c := Default()
	c.HTTP.Listen = "nope"
	c.Log.Level = "loud"
	err := c.Validate()
	for _, key := range []string{"http.listen", "log.level"} {
		if !strings.Contains(err.Error(), "config: "+key+":") {
			t.Errorf("joined error %q misses %s", err, key)
		}
	}
}

func TestLoadValidates(t *testing.T) {
	_, err := Load(nil, []string{"FRONTDESK_HTTP_LISTEN=nowhere"})
	keyErr(t, err, "http.listen", ErrInvalid)
}

func TestShortDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"}, {12 * time.Hour, "12h"}, {5 * time.Minute, "5m"}, {90 * time.Minute, "1h30m"},
		{time.Hour + time.Second, "1h0m1s"}, {1500 * time.Millisecond, "1.5s"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := shortDuration(tt.in)
			if got != tt.want {
				t.Errorf("shortDuration(%v) = %q, want %q", tt.in, got, tt.want)
			}
			if back, err := time.ParseDuration(got); err != nil || back != tt.in {
				t.Errorf("%q parses back to %v, %v", got, back, err)
			}
		})
	}
}

// TestSFUEnabled: the built-in SFU is on unless a source turns it off, and
// an sfu block that does not name enabled keeps the default.
func TestSFUEnabled(t *testing.T) {
	partial := writeFile(t, "sfu:\n  udp_port_min: 50000\n  udp_port_max: 50100\n")
	off := writeFile(t, "sfu:\n  enabled: false\n")
	tests := []struct {
		name string
		file string
		env  []string
		args []string
		want bool
	}{
		{name: "default", want: true},
		{name: "file without the key", file: partial, want: true},
		{name: "file", file: off, want: false},
		{name: "env", env: []string{"FRONTDESK_SFU_ENABLED=false"}, want: false},
		{name: "flag", args: []string{"--sfu.enabled=false"}, want: false},
		{name: "flag over file", file: off, args: []string{"--sfu.enabled=true"}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.file != "" {
				args = append([]string{"--config", tt.file}, args...)
			}
			c, err := Load(parseFlags(t, args...), tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if c.SFU.Enabled != tt.want {
				t.Errorf("sfu.enabled = %v, want %v", c.SFU.Enabled, tt.want)
			}
		})
	}
}

func goodSIPAccount(queues []string) SIPAccount {
	return SIPAccount{Queues: queues, Username: "sip:helpdesk@pbx.test", Secret: "digest-password", Proxy: "sip:10.0.0.9:5060"}
}

func sipInstance() []JanusInstance {
	return []JanusInstance{{Name: "a", WSURL: "ws://h/", AdminURL: "http://h/admin", SIP: true}}
}

func TestPhoneAccountFor(t *testing.T) {
	p := Phone{Accounts: []SIPAccount{goodSIPAccount([]string{"*"}), goodSIPAccount([]string{"sales", "help"})}}
	p.Accounts[1].Username = "sip:help@pbx.test"
	if a := p.AccountFor("help"); a == nil || a.Username != "sip:help@pbx.test" {
		t.Fatalf("help: %+v", a)
	}
	if a := p.AccountFor("other"); a == nil || a.Username != "sip:helpdesk@pbx.test" {
		t.Fatalf("other: %+v", a)
	}
	if a := (Phone{Accounts: []SIPAccount{goodSIPAccount([]string{"sales"})}}).AccountFor("help"); a != nil {
		t.Fatalf("an account for another queue was used: %+v", a)
	}
	if d := SIPDomain("sip:helpdesk@pbx.test:5070;transport=udp"); d != "pbx.test:5070" {
		t.Fatalf("SIPDomain = %q", d)
	}
}
