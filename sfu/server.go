package sfu

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/frontdesk/frontdesk/janus/wire"
	"github.com/pion/webrtc/v4"
)

// Server is one SFU instance: its sessions, rooms and media. Create it with
// New, serve Handler, and Close it when done.
type Server struct {
	cfg        Config
	log        *slog.Logger
	emit       Emitter
	api        *webrtc.API
	tokenValid func(string) bool
	tokens     map[string]uint64 // stored token → room (WithStoredTokens); guarded by mu

	mu       sync.Mutex
	sessions map[uint64]*session
	rooms    map[uint64]*room
	conns    map[*wsConn]struct{}
	closed   bool

	done chan struct{}
	// wgMu guards wg.Add against Close's wg.Wait: once stopping is set, no
	// goroutine is started (pion calls back while PeerConnections close).
	wgMu     sync.Mutex
	stopping bool
	wg       sync.WaitGroup

	stats counters
}

// counters are the Server's metrics, read with Stats.
type counters struct {
	forwarded atomic.Uint64
	dropped   atomic.Uint64
	nacks     atomic.Uint64
	plis      atomic.Uint64
}

// Stats is a snapshot of the Server's counters since New.
type Stats struct {
	// Sessions and Rooms are current counts.
	Sessions, Rooms int
	// ForwardedPackets counts RTP packets written to subscribers.
	ForwardedPackets uint64
	// DroppedPackets counts RTP packets dropped because a subscriber's
	// queue was full (a slow subscriber).
	DroppedPackets uint64
	// NACKs counts NACK feedback packets received from subscribers.
	NACKs uint64
	// KeyframeRequests counts PLIs sent to publishers.
	KeyframeRequests uint64
}

// New starts a Server with cfg. It returns ErrInvalidConfig (wrapped) when
// cfg is out of range. The Server owns a session-timeout goroutine until
// Close.
func New(cfg Config, opts ...Option) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		log:      slog.Default(),
		emit:     noEmitter{},
		sessions: map[uint64]*session{},
		rooms:    map[uint64]*room{},
		done:     make(chan struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	s.log = s.log.With("component", "sfu")
	s.api, err = newAPI(cfg, slogFactory{log: s.log})
	if err != nil {
		return nil, err
	}
	if cfg.SessionTimeout > 0 {
		s.goOwned(s.reap)
	}
	return s, nil
}

// Close destroys every session (closing their PeerConnections) and room
// and waits for the Server's goroutines to end. It is safe to call twice.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	conns := make([]*wsConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	sessions := make([]*session, 0, len(s.sessions))
	for _, se := range s.sessions {
		sessions = append(sessions, se)
	}
	s.mu.Unlock()
	close(s.done)
	for _, c := range conns {
		c.close()
	}
	for _, se := range sessions {
		s.destroySession(se)
	}
	s.mu.Lock()
	rooms := s.rooms
	s.rooms = map[uint64]*room{}
	clear(s.tokens)
	s.mu.Unlock()
	for _, r := range rooms {
		r.destroy()
	}
	s.wgMu.Lock()
	s.stopping = true
	s.wgMu.Unlock()
	s.wg.Wait()
	return nil
}

// Stats returns the Server's counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	n, r := len(s.sessions), len(s.rooms)
	s.mu.Unlock()
	return Stats{
		Sessions:         n,
		Rooms:            r,
		ForwardedPackets: s.stats.forwarded.Load(),
		DroppedPackets:   s.stats.dropped.Load(),
		NACKs:            s.stats.nacks.Load(),
		KeyframeRequests: s.stats.plis.Load(),
	}
}

// ICEServers returns the STUN/TURN servers Frontdesk should hand to clients.
func (s *Server) ICEServers() []ICEServer { return s.cfg.ICEServers }

// reap destroys sessions idle longer than the session timeout, telling
// their transport with a "timeout" notification as Janus does.
func (s *Server) reap() {
	every := s.cfg.SessionTimeout / 4
	if every > time.Second {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case now := <-t.C:
			var idle []*session
			s.mu.Lock()
			for _, se := range s.sessions {
				if now.Sub(se.lastActive()) > s.cfg.SessionTimeout {
					idle = append(idle, se)
				}
			}
			s.mu.Unlock()
			for _, se := range idle {
				s.log.Info("session timed out", "session", se.id)
				// forget it first, so requests racing the notification get 458
				s.mu.Lock()
				if s.sessions[se.id] == se {
					delete(s.sessions, se.id)
				}
				s.mu.Unlock()
				se.notify(wire.Message{Janus: "timeout", SessionID: se.id})
				s.emitEvent(step{Type: stepSessionTimeout, SessionID: se.id})
				s.destroySession(se)
			}
		}
	}
}

// goOwned runs f on a goroutine the Server waits for in Close; once
// Close is waiting it runs nothing and returns false.
func (s *Server) goOwned(f func()) bool {
	s.wgMu.Lock()
	if s.stopping {
		s.wgMu.Unlock()
		return false
	}
	s.wg.Add(1)
	s.wgMu.Unlock()
	go func() {
		defer s.wg.Done()
		f()
	}()
	return true
}
