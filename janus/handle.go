package janus

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
)

// Handle is a plugin handle (Janus docs, "attach"). Its unsolicited events
// (plugin events, webrtcup, media, slowlink, hangup, detached) arrive in
// order on Events; replies to its requests are returned by the calls.
type Handle struct {
	s      *Session
	id     uint64
	plugin string

	mu     sync.Mutex
	queue  []*Message
	ended  bool
	notify chan struct{} // cap 1: the queue changed or the handle ended
	events chan *Message
	done   chan struct{}
}

func newHandle(s *Session, id uint64, plugin string) *Handle {
	h := &Handle{
		s: s, id: id, plugin: plugin,
		notify: make(chan struct{}, 1),
		events: make(chan *Message),
		done:   make(chan struct{}),
	}
	s.c.wg.Add(1)
	go h.pump()
	return h
}

// ID returns the handle id Janus assigned.
func (h *Handle) ID() uint64 { return h.id }

// Session returns the session the handle belongs to.
func (h *Handle) Session() *Session { return h.s }

// Plugin returns the plugin package name the handle is attached to.
func (h *Handle) Plugin() string { return h.plugin }

// Events returns the handle's unsolicited messages, in the order Janus sent
// them. The channel is closed once the handle has ended (detached, its
// session ended, or the client closed) and what was queued has been read;
// events not read when the client closes are dropped.
func (h *Handle) Events() <-chan *Message { return h.events }

// Done is closed when the handle has ended.
func (h *Handle) Done() <-chan struct{} { return h.done }

// Request sends a synchronous plugin request (e.g. VideoRoom "create",
// "exists", "listparticipants") and returns plugindata.data of the success
// reply. A plugin error becomes *PluginError, a core error *Error.
func (h *Handle) Request(ctx context.Context, body any) (json.RawMessage, error) {
	m, err := h.s.c.do(ctx, &request{Janus: "message", SessionID: h.s.id, HandleID: h.id, Body: body}, false)
	if err != nil {
		return nil, err
	}
	if m.PluginData == nil {
		return nil, fmt.Errorf("janus: message: %w: %s reply without plugindata", ErrUnexpectedReply, m.Janus)
	}
	return m.PluginData.Data, nil
}

// Message sends an asynchronous plugin request (e.g. VideoRoom "join",
// "configure", "start"), optionally with a JSEP offer or answer, and waits
// past Janus's "ack" for the plugin's "event" with the same transaction,
// which it returns (its JSEP, if any, is the plugin's offer or answer).
// Plugins that answer synchronously instead ("success") are handled too.
func (h *Handle) Message(ctx context.Context, body any, jsep *JSEP) (*Message, error) {
	return h.s.c.do(ctx, &request{Janus: "message", SessionID: h.s.id, HandleID: h.id, Body: body, JSEP: jsep}, true)
}

// Trickle sends one ICE candidate (Janus docs, "Trickle ICE").
func (h *Handle) Trickle(ctx context.Context, c Candidate) error {
	_, err := h.s.c.do(ctx, &request{Janus: "trickle", SessionID: h.s.id, HandleID: h.id, Candidate: &c}, false)
	return err
}

// TrickleCandidates sends several ICE candidates in one request.
func (h *Handle) TrickleCandidates(ctx context.Context, cs []Candidate) error {
	_, err := h.s.c.do(ctx, &request{Janus: "trickle", SessionID: h.s.id, HandleID: h.id, Candidates: cs}, false)
	return err
}

// TrickleCompleted signals end-of-candidates ({"completed": true}).
func (h *Handle) TrickleCompleted(ctx context.Context) error {
	return h.Trickle(ctx, Candidate{Completed: true})
}

// Hangup closes the handle's PeerConnection but keeps the handle.
func (h *Handle) Hangup(ctx context.Context) error {
	_, err := h.s.c.do(ctx, &request{Janus: "hangup", SessionID: h.s.id, HandleID: h.id}, false)
	return err
}

// Detach detaches the handle from its plugin and ends it locally, even when
// the server reports an error.
func (h *Handle) Detach(ctx context.Context) error {
	_, err := h.s.c.do(ctx, &request{Janus: "detach", SessionID: h.s.id, HandleID: h.id}, false)
	h.end()
	return err
}

// enqueue adds an event for the pump; it never blocks the transport.
func (h *Handle) enqueue(m *Message) {
	h.mu.Lock()
	if h.ended {
		h.mu.Unlock()
		return
	}
	h.queue = append(h.queue, m)
	h.mu.Unlock()
	select {
	case h.notify <- struct{}{}:
	default:
	}
}

// end marks the handle ended: no more events are queued; the pump delivers
// what is queued, then closes Events.
func (h *Handle) end() {
	h.mu.Lock()
	if h.ended {
		h.mu.Unlock()
		return
	}
	h.ended = true
	close(h.done)
	h.mu.Unlock()
	c := h.s.c
	c.mu.Lock()
	if c.handles[h.id] == h {
		delete(c.handles, h.id)
	}
	c.mu.Unlock()
	h.s.mu.Lock()
	delete(h.s.handles, h.id)
	h.s.mu.Unlock()
	select {
	case h.notify <- struct{}{}:
	default:
	}
}

// pump moves queued events to the Events channel in order. It stops when
// the handle has ended and its queue is empty, or when the client closes.
func (h *Handle) pump() {
	defer h.s.c.wg.Done()
	defer close(h.events)
	for {
		h.mu.Lock()
		var next *Message
		if len(h.queue) > 0 {
			next = h.queue[0]
			h.queue[0] = nil
			h.queue = h.queue[1:]
		}
		ended := h.ended
		h.mu.Unlock()
		if next == nil {
			if ended {
				return
			}
			select {
			case <-h.notify:
			case <-h.s.c.done:
				return
			}
			continue
		}
		select {
		case h.events <- next:
		case <-h.s.c.done:
			return
		}
	}
}
