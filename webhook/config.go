package webhook

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Defaults for the zero fields of Config.
const (
	DefaultPath            = "/janus/events"
	DefaultMaxBodyBytes    = 1 << 20 // 1 MiB as posted
	DefaultMaxDecodedBytes = 8 << 20 // 8 MiB after gunzip
	DefaultMaxEvents       = 100     // sampleevh's grouping limit
	DefaultDedupeSize      = 100_000
	DefaultDedupeWindow    = 10 * time.Minute
)

// Config configures the endpoint. Zero fields take the defaults above.
type Config struct {
	// Path is the route the endpoint is registered on by Register; it must
	// start with "/". Default "/janus/events". The sampleevh "backend"
	// setting must point at it.
	Path string
	// Username and Password are shared HTTP Basic credentials sampleevh
	// sends (its backend_user and backend_pwd settings). A post made with
	// them may carry events of SharedEmitter only, or of any emitter but a
	// Reserved one when SharedEmitter is empty. Both empty, with no
	// Sources either, turns auth off (only for tests on loopback); one
	// empty is an error. Never log them.
	Username, Password string
	// SharedEmitter, when set, is the one emitter whose events a post made
	// with the shared Username and Password may carry; events of other
	// emitters in it are dropped and counted.
	SharedEmitter string
	// Sources are per-instance credentials: a post authenticated as a
	// Source may carry only events whose "emitter" is that Source's
	// Emitter; events of other emitters in it are dropped and counted
	// (frontdesk_janus_events_refused_total{reason="other_emitter"}).
	// User names must differ from each other and from Username.
	Sources []Source
	// Reserved lists emitter names no post may carry, whatever its
	// credentials (the built-in SFU's name: its events come from inside
	// Frontdesk, never over HTTP). Such events are dropped and counted
	// (reason "reserved_emitter").
	Reserved []string
	// AllowedSources, when not empty, is the list of client address
	// prefixes (CIDR) allowed to post; others get 403. The address is the
	// TCP peer (no proxy headers are trusted).
	AllowedSources []netip.Prefix
	// MaxBodyBytes limits the body as posted (compressed or not); larger
	// bodies get 413.
	MaxBodyBytes int64
	// MaxDecodedBytes limits a gzip body once decompressed; larger get 413.
	MaxDecodedBytes int64
	// MaxEvents limits the events in one grouped array; more get 413.
	MaxEvents int
	// DedupeSize is how many recent events are remembered to drop
	// retransmissions; the oldest are forgotten first.
	DedupeSize int
	// DedupeWindow is how long an event is remembered for deduplication.
	DedupeWindow time.Duration
}

// Source is one Janus instance's credentials for the endpoint.
type Source struct {
	// Emitter is the instance's name, the "emitter" of its events (the
	// server_name in its janus.jcfg).
	Emitter string
	// Username and Password are its HTTP Basic credentials (sampleevh
	// backend_user and backend_pwd). Never log them.
	Username, Password string
}

// ParsePrefixes parses CIDR prefixes or bare addresses (taken as /32 or
// /128) for Config.AllowedSources. Each argument may itself be a
// comma-separated list, so both a config list (config.Events.AllowFrom) and
// a single setting such as "10.77.0.0/16, 127.0.0.1" work. No prefixes
// gives nil.
func ParsePrefixes(list ...string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range list {
		for _, f := range strings.Split(item, ",") {
			f = strings.TrimSpace(f)
			if f == "" {
				continue
			}
			if strings.Contains(f, "/") {
				p, err := netip.ParsePrefix(f)
				if err != nil {
					return nil, fmt.Errorf("webhook: allowed source %q: %w", f, err)
				}
				out = append(out, p.Masked())
				continue
			}
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("webhook: allowed source %q: %w", f, err)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		}
	}
	return out, nil
}

func (c Config) withDefaults() (Config, error) {
	if c.Path == "" {
		c.Path = DefaultPath
	}
	if !strings.HasPrefix(c.Path, "/") {
		return c, fmt.Errorf("%w: path %q must start with /", ErrBadConfig, c.Path)
	}
	if (c.Username == "") != (c.Password == "") {
		return c, fmt.Errorf("%w: set both username and password, or neither", ErrBadConfig)
	}
	users := map[string]bool{}
	if c.Username != "" {
		users[c.Username] = true
	}
	for i, src := range c.Sources {
		if src.Emitter == "" || src.Username == "" || src.Password == "" {
			return c, fmt.Errorf("%w: source %d needs an emitter, a username and a password", ErrBadConfig, i)
		}
		if users[src.Username] {
			return c, fmt.Errorf("%w: source %d (%s): username used twice", ErrBadConfig, i, src.Emitter)
		}
		users[src.Username] = true
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.MaxDecodedBytes <= 0 {
		c.MaxDecodedBytes = DefaultMaxDecodedBytes
	}
	if c.MaxEvents <= 0 {
		c.MaxEvents = DefaultMaxEvents
	}
	if c.DedupeSize <= 0 {
		c.DedupeSize = DefaultDedupeSize
	}
	if c.DedupeWindow <= 0 {
		c.DedupeWindow = DefaultDedupeWindow
	}
	return c, nil
}
