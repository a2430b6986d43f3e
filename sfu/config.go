package sfu

import (
	"fmt"
	"log/slog"
	"net"
	"time"
)

// Config holds the SFU's settings. The zero value works on a host with a
// routable interface; see the field docs for defaults.
type Config struct {
	// UDPPortMin and UDPPortMax bound the UDP ports used for ICE (inclusive).
	// Both zero (the default) lets the OS pick ephemeral ports.
	UDPPortMin, UDPPortMax uint16
	// NAT1To1IPs are public addresses announced as host candidates in place of
	// the local ones (1:1 NAT, like Janus's nat_1_1_mapping). Empty: none.
	NAT1To1IPs []string
	// ICEServers (STUN/TURN) are handed to clients by Frontdesk; the SFU
	// itself uses only the STUN entries to gather server-reflexive candidates.
	ICEServers []ICEServer
	// Interfaces, when non-empty, limits ICE gathering to these network
	// interface names (like Janus's ice_enforce_list).
	Interfaces []string
	// IncludeLoopback gathers loopback candidates too (off by default; tests
	// and laptop demos on 127.0.0.1 turn it on).
	IncludeLoopback bool
	// SessionTimeout destroys sessions idle for longer (Janus's
	// session_timeout). Zero means the Janus default of 60 s; negative
	// disables timeouts.
	SessionTimeout time.Duration
	// LongPollTimeout is how long GET /janus/<session> waits before replying
	// {"janus":"keepalive"}. Zero means Janus's 30 s.
	LongPollTimeout time.Duration
	// SubscriberQueue is the per-subscriber packet queue length; packets
	// beyond it are dropped and counted. Zero means 512.
	SubscriberQueue int
	// AdminKey, when set, is required as "admin_key" in VideoRoom create
	// requests from clients (like the VideoRoom admin_key setting). Rooms
	// created from Go never need it.
	AdminKey string
	// Name identifies this SFU instance as the Emitter of its events;
	// default "frontdesk-sfu".
	Name string
}

// ICEServer is one STUN or TURN server (RFC 8489, RFC 8656), in the shape
// of RTCIceServer from the WebRTC specification.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

const (
	defaultSessionTimeout  = 60 * time.Second
	defaultLongPollTimeout = 30 * time.Second
	defaultSubscriberQueue = 512
)

// withDefaults fills zero fields and validates the rest.
func (c Config) withDefaults() (Config, error) {
	if c.SessionTimeout == 0 {
		c.SessionTimeout = defaultSessionTimeout
	}
	if c.LongPollTimeout <= 0 {
		c.LongPollTimeout = defaultLongPollTimeout
	}
	if c.Name == "" {
		c.Name = "frontdesk-sfu"
	}
	if c.SubscriberQueue <= 0 {
		c.SubscriberQueue = defaultSubscriberQueue
	}
	if (c.UDPPortMin == 0) != (c.UDPPortMax == 0) || c.UDPPortMin > c.UDPPortMax {
		return c, fmt.Errorf("%w: UDP port range %d-%d", ErrInvalidConfig, c.UDPPortMin, c.UDPPortMax)
	}
	for _, ip := range c.NAT1To1IPs {
		if net.ParseIP(ip) == nil {
			return c, fmt.Errorf("%w: NAT 1:1 address %q is not an IP", ErrInvalidConfig, ip)
		}
	}
	return c, nil
}

// Option sets an optional collaborator of a Server.
type Option func(*Server)

// WithLogger sets the logger for the SFU and for pion (scoped by pion
// subsystem in the "pion" attribute). Default: slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(s *Server) {
		if l != nil {
			s.log = l
		}
	}
}

// WithEmitter sets where the SFU sends its typed call events. Default: none.
func WithEmitter(e Emitter) Option {
	return func(s *Server) {
		if e != nil {
			s.emit = e
		}
	}
}

// WithTokenAuth turns on token authentication like Janus's token_auth:
// every request but info and ping must carry a "token" (a "token" query
// parameter on long-polls) for which valid returns true, or it fails with
// 403. valid is called on every request and must be fast and safe for
// concurrent use.
func WithTokenAuth(valid func(token string) bool) Option {
	return func(s *Server) { s.tokenValid = valid }
}
