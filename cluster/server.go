package cluster

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ServerConfig configures an embedded NATS server.
type ServerConfig struct {
	// Name names this server in the cluster (default: NATS picks one).
	Name string
	// Listen is the client address, host:port ("127.0.0.1:0": a free
	// loopback port; the default).
	Listen string
	// ClusterName is the NATS cluster's name; servers with different
	// names do not route to each other (default "frontdesk").
	ClusterName string
	// ClusterListen is the route address, host:port, other servers
	// connect to ("" runs a lone server with no routes).
	ClusterListen string
	// Routes are the other servers' route URLs ("nats://host:port").
	Routes []string
	// RouteSecret, when set, is the password every route must present
	// (user "frontdesk"), on both sides: this server refuses routes
	// without it and presents it on its own. Required across a network
	// anyone else can reach.
	RouteSecret string
	// ReadyTimeout bounds the wait for the server to accept connections
	// (default 10 s).
	ReadyTimeout time.Duration
}

// routeUser is the user name routes authenticate as (the secret is the
// password).
const routeUser = "frontdesk"

// Server is a running embedded NATS server.
type Server struct {
	ns *server.Server
}

// StartServer starts an embedded NATS server and waits until it accepts
// client connections. Errors: a bad address or route (wrapped), or
// ErrNotReady.
func StartServer(cfg ServerConfig) (*Server, error) {
	host, port, err := splitHostPort(cfg.Listen, "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("cluster: listen: %w", err)
	}
	opts := &server.Options{ServerName: cfg.Name, Host: host, Port: port, NoLog: true, NoSigs: true}
	if port == 0 {
		opts.Port = server.RANDOM_PORT
	}
	if cfg.ClusterListen != "" {
		chost, cport, err := splitHostPort(cfg.ClusterListen, "")
		if err != nil {
			return nil, fmt.Errorf("cluster: cluster listen: %w", err)
		}
		name := cfg.ClusterName
		if name == "" {
			name = "frontdesk"
		}
		opts.Cluster = server.ClusterOpts{Name: name, Host: chost, Port: cport}
		if cfg.RouteSecret != "" {
			opts.Cluster.Username, opts.Cluster.Password = routeUser, cfg.RouteSecret
		}
		if cport == 0 {
			opts.Cluster.Port = server.RANDOM_PORT
		}
	}
	for _, r := range cfg.Routes {
		u, err := url.Parse(r)
		if err != nil || u.Scheme != "nats" || u.Host == "" {
			return nil, fmt.Errorf("cluster: route %q: want nats://host:port", r)
		}
		if cfg.RouteSecret != "" {
			u.User = url.UserPassword(routeUser, cfg.RouteSecret)
		}
		opts.Routes = append(opts.Routes, u)
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("cluster: nats server: %w", err)
	}
	ns.Start()
	wait := cfg.ReadyTimeout
	if wait <= 0 {
		wait = 10 * time.Second
	}
	if !ns.ReadyForConnections(wait) {
		ns.Shutdown()
		return nil, fmt.Errorf("cluster: after %s: %w", wait, ErrNotReady)
	}
	return &Server{ns: ns}, nil
}

// ClientURL is the URL clients connect to ("nats://127.0.0.1:4222").
func (s *Server) ClientURL() string { return s.ns.ClientURL() }

// RouteURL is the URL other servers list in their Routes, or "" when the
// server has no cluster address.
func (s *Server) RouteURL() string {
	a := s.ns.ClusterAddr()
	if a == nil {
		return ""
	}
	return "nats://" + a.String()
}

// Routes is the number of route connections to other servers now (NATS
// pools several per server pair); 0 means none.
func (s *Server) Routes() int { return s.ns.NumRoutes() }

// Shutdown stops the server and waits until it has.
func (s *Server) Shutdown() {
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
}

// splitHostPort parses host:port ("" takes def).
func splitHostPort(addr, def string) (string, int, error) {
	if addr == "" {
		addr = def
	}
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("port %q: not 0–65535", p)
	}
	return host, port, nil
}
