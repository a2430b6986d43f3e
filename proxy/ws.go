package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"github.com/frontdesk/frontdesk/janus/wire"
	"github.com/frontdesk/frontdesk/problem"
)

// writeBuffers are shared by every proxied WebSocket (both sides), so an
// idle connection holds no write buffer.
var writeBuffers sync.Pool

// wsConn is one client WebSocket relayed to one backend WebSocket.
type wsConn struct {
	p       *Proxy
	client  *websocket.Conn
	backend *websocket.Conn
	target  Target
	g       grant
	tr      *tracker
	log     *slog.Logger
	limiter *rate.Limiter

	clientMu sync.Mutex // serialises data writes to the client
	// writeBy is the client write deadline last set (under clientMu);
	// readBy the read deadline (clientLoop only). Each is moved only when
	// it has come within a margin, not on every message.
	writeBy, readBy time.Time
	backendMu       sync.Mutex // serialises data writes to the backend
	ping            *time.Timer
	once            sync.Once
	done            chan struct{}
}

func (p *Proxy) serveWS(w http.ResponseWriter, r *http.Request, g grant, target Target, _ bool, log *slog.Logger) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		problem.Write(w, r, problem.New(http.StatusServiceUnavailable, "shutting down"))
		return
	}
	key := participantKey(g.ticket)
	if p.perPart[key] >= p.maxConns {
		p.mu.Unlock()
		problem.Write(w, r, problem.Wrap(http.StatusTooManyRequests, ErrTooManyConnections))
		return
	}
	p.perPart[key]++
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		if p.perPart[key]--; p.perPart[key] <= 0 {
			delete(p.perPart, key)
		}
		p.mu.Unlock()
	}()

	// Dial the backend before upgrading, so its failure is an HTTP error.
	ctx, cancel := context.WithTimeout(r.Context(), DefaultBackendDialTimeout)
	d := websocket.Dialer{Subprotocols: []string{wire.Subprotocol}, HandshakeTimeout: DefaultBackendDialTimeout,
		ReadBufferSize: 1024, WriteBufferPool: &writeBuffers}
	backend, resp, err := d.DialContext(ctx, target.WSURL, nil)
	cancel()
	if err != nil {
		p.m.dialErrors.WithLabelValues(target.Instance).Inc()
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		log.Warn("proxy: backend dial failed", "err", err, "backend_status", status)
		problem.Write(w, r, problem.New(http.StatusBadGateway, "cannot reach the call's media server"))
		return
	}
	up := websocket.Upgrader{
		Subprotocols:    []string{wire.Subprotocol},
		CheckOrigin:     func(*http.Request) bool { return true }, // checked in ServeHTTP
		ReadBufferSize:  1024,
		WriteBufferPool: &writeBuffers,
	}
	client, err := up.Upgrade(w, r, nil)
	if err != nil {
		backend.Close()
		return // Upgrade answered the client
	}
	c := &wsConn{
		p: p, client: client, backend: backend, target: target, g: g,
		tr:      newTracker(view{r: p.owners, o: p.owners.of(g.ticket, [32]byte{})}, p.stale(g.ticket, log)),
		log:     log,
		limiter: rate.NewLimiter(rate.Limit(p.rate), p.burst),
		done:    make(chan struct{}),
	}
	client.SetReadLimit(p.maxMessage)
	backend.SetReadLimit(16 << 20)
	// The ping timer exists before the connection is visible to Close and
	// CloseInstance, whose shutdown stops it.
	c.armPing()
	p.mu.Lock()
	closed := p.closed
	p.conns[c] = struct{}{}
	p.wg.Add(1)
	p.mu.Unlock()
	if closed {
		c.shutdown(1001, "server shutting down")
	}
	p.m.connections.WithLabelValues("websocket").Inc()
	defer func() {
		p.m.connections.WithLabelValues("websocket").Dec()
		p.mu.Lock()
		delete(p.conns, c)
		p.mu.Unlock()
		p.wg.Done()
	}()
	log.Info("proxy: websocket relayed")

	backendDone := make(chan struct{})
	go func() { defer close(backendDone); c.backendLoop() }()
	c.clientLoop()
	<-backendDone
	p.phoneClosed(context.Background(), g)
}

// armPing schedules the next ping and extends the client's read deadline.
func (c *wsConn) armPing() {
	iv := c.p.pingInterval
	c.readBy = time.Now().Add(2 * iv)
	_ = c.client.SetReadDeadline(c.readBy)
	// Pong handlers run inside clientLoop's reads, so readBy stays its own.
	c.client.SetPongHandler(func(string) error {
		c.readBy = time.Now().Add(2 * iv)
		return c.client.SetReadDeadline(c.readBy)
	})
	c.ping = time.AfterFunc(iv, c.sendPing)
}

func (c *wsConn) sendPing() {
	select {
	case <-c.done:
		return
	default:
	}
	if err := c.client.WriteControl(websocket.PingMessage, nil, time.Now().Add(5*time.Second)); err != nil {
		return
	}
	c.ping.Reset(c.p.pingInterval)
}

// clientLoop reads client messages, applies the policy and forwards.
func (c *wsConn) clientLoop() {
	for {
		_, msg, err := c.client.ReadMessage()
		if err != nil {
			code, reason := websocket.CloseNormalClosure, ""
			var ce *websocket.CloseError
			switch {
			case errors.As(err, &ce):
				code = ce.Code
			case errors.Is(err, websocket.ErrReadLimit):
				code, reason = websocket.CloseMessageTooBig, "message too big"
			}
			if code == websocket.CloseNoStatusReceived || code == websocket.CloseAbnormalClosure {
				code = websocket.CloseNormalClosure
			}
			c.shutdown(code, reason)
			return
		}
		start := time.Now()
		if iv := c.p.pingInterval; c.readBy.Sub(start) < 3*iv/2 {
			c.readBy = start.Add(2 * iv)
			_ = c.client.SetReadDeadline(c.readBy)
		}
		for _, req := range splitRequests(msg) {
			c.handle(req, start)
		}
	}
}

// handle runs one client request through the policy.
func (c *wsConn) handle(raw []byte, start time.Time) {
	if !c.limiter.Allow() {
		c.refuse(raw, deny(codeRateLimited, "rate_limited", "too many messages"))
		return
	}
	out, _, d := filter(raw, c.g, c.tr.own, 0, 0)
	if d != nil {
		c.refuse(raw, d)
		return
	}
	c.tr.expect(out)
	c.backendMu.Lock()
	err := c.backend.WriteMessage(websocket.TextMessage, out.raw)
	c.backendMu.Unlock()
	if err != nil {
		c.shutdown(CloseReconnect, "media server connection lost: reconnect with a new ticket")
		return
	}
	c.p.m.toJanus.Inc()
	c.p.m.wsLatency.Observe(time.Since(start).Seconds())
}

// refuse answers a denied request with a Janus-style error.
func (c *wsConn) refuse(raw []byte, d *denial) {
	c.p.m.denials.WithLabelValues(denialLabel(d.verb)).Inc()
	var head struct {
		Transaction string `json:"transaction"`
		SessionID   uint64 `json:"session_id"`
	}
	_ = json.Unmarshal(raw, &head)
	c.log.Info("proxy: request denied", "request", denialLabel(d.verb), "code", d.code, "reason", d.reason)
	c.writeClient(errorReply(head.Transaction, d, head.SessionID))
}

func (c *wsConn) writeClient(b []byte) {
	c.clientMu.Lock()
	defer c.clientMu.Unlock()
	if now := time.Now(); c.writeBy.Sub(now) < 9*time.Second {
		c.writeBy = now.Add(10 * time.Second)
		_ = c.client.SetWriteDeadline(c.writeBy)
	}
	_ = c.client.WriteMessage(websocket.TextMessage, b)
}

// backendLoop relays backend messages to the client unchanged.
func (c *wsConn) backendLoop() {
	for {
		_, msg, err := c.backend.ReadMessage()
		if err != nil {
			select {
			case <-c.done: // the client left first
			default:
				if c.p.backendLost != nil {
					c.p.backendLost(c.target.Instance)
				}
			}
			c.shutdown(CloseReconnect, "media server connection lost: reconnect with a new ticket")
			return
		}
		if c.tr.waiting() {
			c.tr.observe(msg)
		}
		if c.g.phone != nil {
			msg = c.p.observeSIP(context.Background(), c.g, msg)
		}
		c.writeClient(msg)
		c.p.m.toClient.Inc()
	}
}

// shutdown closes both sides once. When the client went away, the sessions
// it created are destroyed on Janus first, so the participant leaves at once.
func (c *wsConn) shutdown(code int, reason string) {
	c.once.Do(func() {
		close(c.done)
		if c.ping != nil {
			c.ping.Stop()
		}
		if code != CloseReconnect {
			c.backendMu.Lock()
			for _, s := range c.tr.connSessions() {
				msg := `{"janus":"destroy","transaction":"fd-close-` + strconv.FormatUint(s, 10) +
					`","session_id":` + strconv.FormatUint(s, 10) + `,"token":` + string(mustJSON(c.g.token)) + `}`
				_ = c.backend.SetWriteDeadline(time.Now().Add(2 * time.Second))
				_ = c.backend.WriteMessage(websocket.TextMessage, []byte(msg))
				c.tr.own.dropSession(s)
			}
			_ = c.backend.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
			c.backendMu.Unlock()
		}
		_ = c.client.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
		_ = c.client.Close()
		_ = c.backend.Close()
	})
}

// splitRequests splits one client message into requests: a JSON object, a
// JSON array of objects, or several concatenated values (Janus 1.1.2 accepts
// more than one request per WebSocket message). Undecodable input comes back
// whole, so the policy refuses it with a reason.
func splitRequests(msg []byte) [][]byte {
	// The common case, one object, needs no streaming decoder.
	if t := bytes.TrimSpace(msg); len(t) > 1 && t[0] == '{' && t[len(t)-1] == '}' && jsontext.Value(t).IsValid() {
		return [][]byte{t}
	}
	dec := json.NewDecoder(bytes.NewReader(msg))
	var out [][]byte
	for {
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			if err == io.EOF && len(out) > 0 {
				return out
			}
			if len(out) == 0 {
				return [][]byte{msg}
			}
			return append(out, msg[dec.InputOffset():])
		}
		v = bytes.TrimSpace(v)
		if len(v) > 0 && v[0] == '[' {
			var arr []json.RawMessage
			if json.Unmarshal(v, &arr) != nil {
				out = append(out, v)
				continue
			}
			for _, e := range arr {
				out = append(out, e)
			}
			continue
		}
		out = append(out, v)
	}
}
