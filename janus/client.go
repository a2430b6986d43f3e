package janus

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Client is a connection to one Janus server's Janus API. It is safe for
// concurrent use. Close it to stop its goroutines (reader, long-polls,
// keepalives, event pumps); the client also closes itself when the
// connection is lost, failing every pending call with [ErrConnectionLost].
type Client struct {
	t    transport
	opts options

	txnPrefix string
	txnSeq    atomic.Uint64

	mu       sync.Mutex
	pending  map[string]*call
	sessions map[uint64]*Session
	handles  map[uint64]*Handle
	closed   bool

	done     chan struct{} // closed once the client is closed or lost
	wg       sync.WaitGroup
	stopOnce sync.Once
	watchErr chan struct{}
}

// call is one request waiting for its reply.
type call struct {
	verb      string
	wantEvent bool          // asynchronous plugin message: wait past the ack
	reply     chan *Message // buffered 1
}

// Dial connects to the Janus API at rawURL: "ws://" or "wss://" selects the
// WebSocket transport (subprotocol janus-protocol; e.g. ws://10.0.0.2:8188),
// "http://" or "https://" the REST transport with long-poll (the base path,
// e.g. http://10.0.0.2:8088/janus). It returns an error wrapping
// [ErrUnsupportedURL] for other schemes, or the dial error.
func Dial(ctx context.Context, rawURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("janus: parse URL: %w", err)
	}
	o := buildOptions(opts)
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	c := &Client{
		opts:      o,
		txnPrefix: hex.EncodeToString(rnd[:]) + "-",
		pending:   map[string]*call{},
		sessions:  map[uint64]*Session{},
		handles:   map[uint64]*Handle{},
		done:      make(chan struct{}),
	}
	switch u.Scheme {
	case "ws", "wss":
		t, err := dialWS(ctx, rawURL, o.header, c.dispatch, o.log)
		if err != nil {
			return nil, err
		}
		c.t = t
	case "http", "https":
		q := url.Values{}
		if o.token != "" {
			q.Set("token", o.token)
		}
		if o.apiSecret != "" {
			q.Set("apisecret", o.apiSecret)
		}
		c.t = newHTTPTransport(rawURL, o.httpClient, o.header, q.Encode(), c.dispatch, o.log)
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedURL, u.Scheme)
	}
	c.wg.Add(1)
	go c.watchTransport()
	return c, nil
}

// watchTransport closes the client when the transport fails.
func (c *Client) watchTransport() {
	defer c.wg.Done()
	select {
	case <-c.t.done():
		c.shutdown(c.t.err())
	case <-c.done:
	}
}

// Done is closed when the client is closed or its connection is lost.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err returns why the client stopped: an error wrapping [ErrConnectionLost],
// [ErrClosed] after Close, or nil while it runs.
func (c *Client) Err() error {
	select {
	case <-c.done:
	default:
		return nil
	}
	if err := c.t.err(); err != nil {
		return err
	}
	return ErrClosed
}

// Close destroys nothing on the server (sessions time out there, or are
// destroyed at once when a WebSocket closes with reclaim_session_timeout 0),
// fails pending calls with [ErrClosed], closes every handle's event channel
// and waits for the client's goroutines.
func (c *Client) Close() error {
	c.shutdown(nil)
	err := c.t.close()
	c.wg.Wait()
	return err
}

// shutdown marks the client closed and fails everything pending. cause is
// the transport failure, or nil for a deliberate Close.
func (c *Client) shutdown(cause error) {
	c.stopOnce.Do(func() {
		if cause == nil {
			cause = ErrClosed
		}
		c.mu.Lock()
		c.closed = true
		pending := c.pending
		c.pending = map[string]*call{}
		sessions := make([]*Session, 0, len(c.sessions))
		for _, s := range c.sessions {
			sessions = append(sessions, s)
		}
		c.mu.Unlock()
		close(c.done)
		for _, p := range pending {
			p.reply <- &Message{Janus: "error", Error: nil, Reason: cause.Error()}
		}
		for _, s := range sessions {
			s.end()
		}
	})
}

func (c *Client) nextTxn() string {
	return c.txnPrefix + strconv.FormatUint(c.txnSeq.Add(1), 36)
}

// do sends req and waits for its reply: success, error, ack (for non-plugin
// or synchronous requests), or, with wantEvent, the event after the ack.
// Core errors become *Error, plugin errors *PluginError.
func (c *Client) do(ctx context.Context, req *request, wantEvent bool) (*Message, error) {
	// The request timeout is a deadline handed to the transport, not a
	// derived context: a timer per call can cost a thread wake-up.
	deadline, ok := ctx.Deadline()
	if !ok && c.opts.requestTimeout > 0 {
		deadline = time.Now().Add(c.opts.requestTimeout)
	}
	req.Transaction = c.nextTxn()
	if c.opts.token != "" {
		req.Token = c.opts.token
	}
	if c.opts.apiSecret != "" {
		req.APISecret = c.opts.apiSecret
	}
	cl := &call{verb: req.Janus, wantEvent: wantEvent, reply: make(chan *Message, 1)}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, fmt.Errorf("janus: %s: %w", req.Janus, c.closedErr())
	}
	c.pending[req.Transaction] = cl
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, req.Transaction)
		c.mu.Unlock()
	}()

	if err := c.t.send(ctx, deadline, req); err != nil {
		return nil, fmt.Errorf("janus: %s: %w", req.Janus, err)
	}
	m, err := c.t.await(ctx, deadline, cl.reply)
	if err != nil {
		return nil, fmt.Errorf("janus: %s: %w", req.Janus, err)
	}
	return c.check(req.Janus, m)
}

// closedErr is the error of calls on a closed client.
func (c *Client) closedErr() error {
	if err := c.t.err(); err != nil {
		return err
	}
	return ErrClosed
}

// check turns a reply into a result or a typed error.
func (c *Client) check(verb string, m *Message) (*Message, error) {
	switch {
	case m.Janus == "error" && m.Error != nil:
		return nil, fmt.Errorf("janus: %s: %w", verb, m.Error)
	case m.Janus == "error":
		// Synthetic: the client closed or the connection dropped.
		return nil, fmt.Errorf("janus: %s: %w", verb, c.closedErr())
	}
	if err := pluginError(m.PluginData); err != nil {
		return m, fmt.Errorf("janus: %s: %w", verb, err)
	}
	return m, nil
}

// dispatch routes one message from the transport: to the call waiting for
// its transaction, else to the handle (by sender) or session it concerns.
func (c *Client) dispatch(m *Message) {
	if m.Transaction != "" {
		c.mu.Lock()
		cl := c.pending[m.Transaction]
		if cl != nil && !(m.Janus == "ack" && cl.wantEvent) {
			delete(c.pending, m.Transaction)
		}
		c.mu.Unlock()
		if cl != nil {
			if m.Janus == "ack" && cl.wantEvent {
				return // the event follows
			}
			cl.reply <- m
			return
		}
		switch m.Janus {
		case "ack", "success", "error", "server_info", "pong":
			return // a late reply to a call that gave up
		}
	}
	c.mu.Lock()
	h := c.handles[m.Sender]
	s := c.sessions[m.SessionID]
	c.mu.Unlock()
	switch {
	case h != nil:
		h.enqueue(m)
		if m.Janus == "detached" {
			h.end()
		}
	case s != nil && m.Janus == "timeout":
		s.end()
	default:
		c.opts.log.Debug("janus: message for no known handle", "janus", m.Janus, "session", m.SessionID, "sender", m.Sender)
	}
}

// Info returns the server's "server_info" reply (Janus docs, "info"): name,
// version, plugins, transports and settings, as raw JSON.
func (c *Client) Info(ctx context.Context) (json.RawMessage, error) {
	m, err := c.do(ctx, &request{Janus: "info"}, false)
	if err != nil {
		return nil, err
	}
	return m.Raw, nil
}

// Ping sends a "ping" (answered by "pong") and is the lightest round trip
// that needs no session.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.do(ctx, &request{Janus: "ping"}, false)
	return err
}

// CreateSession creates a Janus session and starts its keepalives (and, over
// HTTP, its long-poll).
func (c *Client) CreateSession(ctx context.Context) (*Session, error) {
	m, err := c.do(ctx, &request{Janus: "create"}, false)
	if err != nil {
		return nil, err
	}
	id, err := dataID(m)
	if err != nil {
		return nil, fmt.Errorf("janus: create: %w", err)
	}
	s := &Session{c: c, id: id, handles: map[uint64]*Handle{}, done: make(chan struct{})}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, fmt.Errorf("janus: create: %w", c.closedErr())
	}
	c.sessions[id] = s
	c.mu.Unlock()
	c.t.watch(id)
	if c.opts.keepAlive > 0 {
		c.wg.Add(1)
		go s.keepAlive(c.opts.keepAlive)
	}
	return s, nil
}

// dataID reads {"data":{"id":N}} of a create or attach success.
func dataID(m *Message) (uint64, error) {
	var d struct {
		ID uint64 `json:"id"`
	}
	if err := json.Unmarshal(m.Data, &d); err != nil || d.ID == 0 {
		return 0, fmt.Errorf("%w: no id in %s", ErrUnexpectedReply, m.Raw)
	}
	return d.ID, nil
}
