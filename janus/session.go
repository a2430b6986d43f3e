package janus

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/janus/wire"
)

// Session is a Janus session (Janus docs, "The Janus API": create/destroy).
// It sends keepalives while it lives; it ends when destroyed, when Janus
// reports a timeout, or when its client closes.
type Session struct {
	c  *Client
	id uint64

	mu      sync.Mutex
	handles map[uint64]*Handle
	done    chan struct{}
	ended   bool
}

// ID returns the session id Janus assigned.
func (s *Session) ID() uint64 { return s.id }

// Done is closed when the session has ended.
func (s *Session) Done() <-chan struct{} { return s.done }

// AttachOption sets an optional attach setting.
type AttachOption func(*request)

// WithOpaqueID sets the attach "opaque_id", which Janus copies into event
// handler events for this handle (Janus docs, "attach").
func WithOpaqueID(id string) AttachOption { return func(r *request) { r.OpaqueID = id } }

// Attach attaches a handle to plugin (e.g. "janus.plugin.videoroom"). Janus
// answers 403 or 405 ([wire.CodeUnauthorizedPlugin]) when the token does not
// allow it, and 460 for an unknown plugin.
func (s *Session) Attach(ctx context.Context, plugin string, opts ...AttachOption) (*Handle, error) {
	req := &request{Janus: "attach", SessionID: s.id, Plugin: plugin}
	for _, o := range opts {
		o(req)
	}
	if s.isEnded() {
		return nil, fmt.Errorf("janus: attach: %w", ErrClosed)
	}
	m, err := s.c.do(ctx, req, false)
	if err != nil {
		return nil, err
	}
	id, err := dataID(m)
	if err != nil {
		return nil, fmt.Errorf("janus: attach: %w", err)
	}
	h := newHandle(s, id, plugin)
	s.c.mu.Lock()
	s.c.handles[id] = h
	s.c.mu.Unlock()
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		h.end()
		return nil, fmt.Errorf("janus: attach: %w", ErrClosed)
	}
	s.handles[id] = h
	s.mu.Unlock()
	return h, nil
}

// KeepAlive sends one "keepalive" (answered by "ack"); sessions send them on
// their own every keepalive interval.
func (s *Session) KeepAlive(ctx context.Context) error {
	_, err := s.c.do(ctx, &request{Janus: "keepalive", SessionID: s.id}, false)
	return err
}

// Destroy destroys the session on the server (which detaches its handles)
// and ends it locally, even when the server reports an error.
func (s *Session) Destroy(ctx context.Context) error {
	_, err := s.c.do(ctx, &request{Janus: "destroy", SessionID: s.id}, false)
	s.end()
	return err
}

func (s *Session) isEnded() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ended
}

// end ends the session locally: stops keepalives and the long-poll and ends
// every handle.
func (s *Session) end() {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	s.ended = true
	close(s.done)
	handles := make([]*Handle, 0, len(s.handles))
	for _, h := range s.handles {
		handles = append(handles, h)
	}
	s.mu.Unlock()
	for _, h := range handles {
		h.end()
	}
	s.c.mu.Lock()
	delete(s.c.sessions, s.id)
	s.c.mu.Unlock()
	go s.c.t.unwatch(s.id) // may be called from the long-poll goroutine itself
}

// keepAlive sends keepalives until the session or client ends. A 458 reply
// (no such session) ends the session.
func (s *Session) keepAlive(every time.Duration) {
	defer s.c.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-s.c.done:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), every)
			err := s.KeepAlive(ctx)
			cancel()
			if errors.Is(err, &Error{Code: wire.CodeSessionNotFound}) {
				s.end()
				return
			}
			if err != nil {
				s.c.opts.log.Warn("janus: keepalive failed", "session", s.id, "err", err)
			}
		}
	}
}
