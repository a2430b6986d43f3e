package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"
)

// Hub pushes live updates over WebSocket (GET /ws). A connection is one of:
//
//   - caller: ?entry=ID (the principal must own the entry; &token= the
//     resume token un-pauses it after a reconnect). Messages
//     {"type":"entry","entry":{…, "position", "estimated_wait",
//     "peer_away_until"},"queue":{…,"status"},"call":{…ticket…,
//     "peer_away_until"}|absent}; "peer_away_until" (RFC 3339) is set
//     while the host has left the call's room and may come back.
//     When a caller's socket closes, the entry is paused for the grace
//     period (see Engine.Disconnected).
//   - host: a principal with the host role. Messages {"type":"host",
//     "host":{…, "queues", "serving"},"offer":{entry}|null,
//     "current":{entry, with "peer_away_until" while the caller is
//     away}|null (the entry of the host's call while in_call or
//     wrap_up),
//     "queues":[{"queue":{…},"serving":bool,"waiting_count":n,
//     "waiting":[first 100 entries]}]}. "queues" lists every queue
//     assigned to the host (Host.Queues) with its waiting list, served or
//     not; "serving" tells whether the host serves it now (Host.Serves):
//     offers and pick/next come only from served queues.
//   - admin: ?stats=1 by an admin (optionally &queue=ID, repeatable).
//     Messages {"type":"stats","stats":[Stats of the last 24 h]}.
//
// Changes are coalesced: each client gets at most one message per
// interval (default 250 ms) however many changes happen, and a slow client
// only ever has the newest message queued (older ones are dropped). The
// first change after a quiet interval goes out at once (leading edge), so
// a tick; changes within the interval after a message go out together at
// its end. A change someone is waiting on (an offer for the host, an
// accepted call for the caller, who joins the room on it) waits at most
// urgentGap (interval/10) after the previous message, not the interval.
type Hub struct {
	api        *API
	up         websocket.Upgrader
	interval   time.Duration
	statsEvery time.Duration

	kick chan struct{} // capacity 1: something is dirty

	mu      sync.Mutex
	dirty   map[string]bool
	urgent  bool // a dirty change is one someone waits on (Engine.changedNow)
	clients map[*client]struct{}
	closed  bool
	done    chan struct{}
	// statsCache throttles admin statistics (statsEvery); later marks
	// queues whose cached statistics were sent so they are refreshed once
	// it expires. Live figures are never taken from it (Stats.setLive).
	statsCache map[string]statsEntry
	later      map[string]time.Time
	// sockets counts open caller sockets per entry on this replica: the
	// entry is paused only when the last one closes (two tabs).
	sockets map[string]int
	wg      sync.WaitGroup // writer goroutines
}

type statsEntry struct {
	at time.Time
	st *Stats
}

// markDirtyLater marks queueID dirty again at "at" (when its cached
// statistics expire), so a change within a throttled second still reaches
// admins once the fresh figures are computed.
func (h *Hub) markDirtyLater(queueID string, at time.Time) {
	h.mu.Lock()
	h.later[queueID] = at
	h.mu.Unlock()
}

type clientKind int

const (
	kindCaller clientKind = iota
	kindHost
	kindAdmin
)

type client struct {
	kind    clientKind
	who     Principal
	entryID string
	queues  []string // subscribed queue IDs (caller: its queue)
	all     bool     // admin of all queues
	conn    *websocket.Conn
	send    chan []byte
	quit    chan struct{} // closed when the reader stops
}

func newHub(a *API, checkOrigin func(r *http.Request) bool) *Hub {
	return &Hub{
		api: a, interval: 250 * time.Millisecond, statsEvery: time.Second,
		up:    websocket.Upgrader{CheckOrigin: checkOrigin, ReadBufferSize: 1024, WriteBufferSize: 4096},
		dirty: map[string]bool{}, clients: map[*client]struct{}{}, done: make(chan struct{}), kick: make(chan struct{}, 1),
		statsCache: map[string]statsEntry{}, later: map[string]time.Time{}, sockets: map[string]int{},
	}
}

// markDirty notes that queueID changed (called by the engine; never
// blocks); urgent asks for the short gap (see Hub).
func (h *Hub) markDirty(queueID string, urgent bool) {
	h.mu.Lock()
	h.dirty[queueID] = true
	h.urgent = h.urgent || urgent
	h.mu.Unlock()
	select {
	case h.kick <- struct{}{}:
	default:
	}
}

// run flushes at the first change after a quiet interval, and otherwise at
// most once per interval (once per interval/10 while an urgent change is
// dirty): the timer always fires by last+interval, where last is the
// latest flush that sent something.
func (h *Hub) run(ctx context.Context) error {
	t := time.NewTimer(h.interval)
	defer t.Stop()
	var last time.Time
	for {
		select {
		case <-ctx.Done():
			h.mu.Lock()
			h.closed = true
			close(h.done)
			h.mu.Unlock()
			h.wg.Wait()
			return ctx.Err()
		case <-h.kick:
		case <-t.C:
		}
		gap := h.interval
		h.mu.Lock()
		if h.urgent {
			gap = h.interval / 10
		}
		h.mu.Unlock()
		if d := gap - time.Since(last); d > 0 {
			t.Reset(d)
			continue
		}
		if h.flush(ctx) {
			last = time.Now()
		}
		t.Reset(h.interval)
	}
}

// queueSnap is what one flush knows about one queue.
type queueSnap struct {
	q        Queue
	status   Status
	waiting  []Entry
	pos      map[string]int
	hosts    []Host
	stats    *Stats
	statsErr error
}

// flush sends the dirty queues' news to their clients; it reports whether
// it sent anything.
func (h *Hub) flush(ctx context.Context) bool {
	h.mu.Lock()
	now := time.Now()
	for id, at := range h.later {
		if !now.Before(at) {
			h.dirty[id] = true
			delete(h.later, id)
		}
	}
	dirty := h.dirty
	h.dirty, h.urgent = map[string]bool{}, false
	var targets []*client
	for c := range h.clients {
		if c.all && len(dirty) > 0 {
			targets = append(targets, c)
			continue
		}
		for _, q := range c.queues {
			if dirty[q] {
				targets = append(targets, c)
				break
			}
		}
	}
	h.mu.Unlock()
	if len(targets) == 0 {
		return false
	}
	snaps := map[string]*queueSnap{}
	for _, c := range targets {
		msg, err := h.message(ctx, c, snaps)
		if err != nil {
			h.api.log.DebugContext(ctx, "queue: ws snapshot", "err", err)
			continue
		}
		select {
		case c.send <- msg:
		default: // a slow client: replace the queued message with the newest
			select {
			case <-c.send:
			default:
			}
			select {
			case c.send <- msg:
			default:
			}
		}
	}
	return true
}

func (h *Hub) snap(ctx context.Context, id string, snaps map[string]*queueSnap, withStats bool) (*queueSnap, error) {
	s, ok := snaps[id]
	if !ok {
		eng := h.api.eng
		q, err := eng.store.GetQueue(ctx, id)
		if err != nil {
			return nil, err
		}
		waiting, err := eng.Waiting(ctx, id)
		if err != nil {
			return nil, err
		}
		hosts, err := eng.store.ListHosts(ctx, HostFilter{QueueID: id})
		if err != nil {
			return nil, err
		}
		s = &queueSnap{q: q, status: StatusAt(&q, eng.clock.Now()), waiting: waiting, hosts: hosts, pos: make(map[string]int, len(waiting))}
		for i, en := range waiting {
			s.pos[en.ID] = i + 1
		}
		snaps[id] = s
	}
	if withStats && s.stats == nil && s.statsErr == nil {
		// Statistics read a day of entries: compute them at most once a
		// second per queue, whatever the update rate.
		h.mu.Lock()
		cached, ok := h.statsCache[id]
		h.mu.Unlock()
		if ok && time.Since(cached.at) < h.statsEvery {
			// The day's figures come from the cache, but the live ones
			// (waiting now, hosts available/staffed) from this flush's
			// snapshot: a host going available shows at once, not when
			// the cache expires (the stale "hosts available 0/1").
			st := *cached.st
			st.setLive(&s.q, s.waiting, s.hosts, h.api.eng.clock.Now())
			s.stats = &st
			h.markDirtyLater(id, cached.at.Add(h.statsEvery))
		} else {
			now := h.api.eng.clock.Now()
			st, err := h.api.eng.Stats(ctx, id, now.Add(-24*time.Hour), now.Add(time.Millisecond))
			s.stats, s.statsErr = &st, err
			if err == nil {
				h.mu.Lock()
				h.statsCache[id] = statsEntry{at: time.Now(), st: &st}
				h.mu.Unlock()
			}
		}
	}
	return s, nil
}

func (h *Hub) message(ctx context.Context, c *client, snaps map[string]*queueSnap) ([]byte, error) {
	eng := h.api.eng
	switch c.kind {
	case kindCaller:
		en, err := eng.store.GetEntry(ctx, c.entryID)
		if err != nil {
			return nil, err
		}
		s, err := h.snap(ctx, en.QueueID, snaps, false)
		if err != nil {
			return nil, err
		}
		j := entryJSONFor(en, c.who.ID)
		if p, ok := s.pos[en.ID]; ok {
			j.Position = p
			if d, ok := eng.EstimateWait(ctx, &s.q, p, s.hosts); ok {
				sec := Seconds(d)
				j.EstimatedWait = &sec
			}
		} else if en.State == EntryOffered {
			sec := Seconds(eng.EstimateAnswer(ctx, &s.q, &en))
			j.EstimatedWait = &sec
		}
		// host_free: a host serving this queue is available now, so the
		// caller at the head of an automatic queue is about to be offered.
		free := slices.ContainsFunc(s.hosts, func(h Host) bool { return h.State == HostAvailable && h.Serves(s.q.ID) })
		msg := map[string]any{"type": "entry", "entry": j, "queue": queueJSON(s.q, &s.status), "host_free": free}
		if en.State == EntryConnecting || en.State == EntryInCall {
			// The call without a ticket: the page asks for one
			// (GET /entries/:id/call) when it joins, so a flush mints none.
			if call, _, err := eng.CallOf(ctx, en.ID, c.who.ID); err == nil {
				msg["call"] = callJSON(call, en, c.who.ID, "")
			}
		}
		return json.Marshal(msg)
	case kindHost:
		host, err := eng.store.GetHost(ctx, c.who.ID)
		if err != nil {
			return nil, err
		}
		h.mu.Lock() // follow changes to the host's set of queues
		c.queues = append(slices.Clone(host.Queues), hostKey(host.ID))
		h.mu.Unlock()
		var offer, current *EntryJSON
		if host.EntryID != "" {
			if en, err := eng.store.GetEntry(ctx, host.EntryID); err == nil {
				j := entryJSONFor(en, host.ID)
				switch host.State {
				case HostOffered:
					offer = &j
				case HostInCall, HostWrapUp:
					current = &j
				}
			}
		}
		type hostQueue struct {
			Queue        QueueJSON   `json:"queue"`
			Serving      bool        `json:"serving"`
			WaitingCount int         `json:"waiting_count"`
			Waiting      []EntryJSON `json:"waiting"`
		}
		qs := []hostQueue{}
		for _, id := range host.Queues {
			s, err := h.snap(ctx, id, snaps, false)
			if err != nil {
				continue
			}
			hq := hostQueue{Queue: queueJSON(s.q, &s.status), Serving: host.Serves(id), WaitingCount: len(s.waiting), Waiting: []EntryJSON{}}
			for i, en := range s.waiting[:min(len(s.waiting), 100)] {
				j := entryJSON(en)
				j.Position = i + 1
				hq.Waiting = append(hq.Waiting, j)
			}
			qs = append(qs, hq)
		}
		return json.Marshal(map[string]any{"type": "host", "host": host, "offer": offer, "current": current, "queues": qs})
	default:
		ids := c.queues
		if c.all {
			all, err := eng.store.ListQueues(ctx)
			if err != nil {
				return nil, err
			}
			ids = nil
			for _, q := range all {
				ids = append(ids, q.ID)
			}
		}
		stats := []Stats{}
		for _, id := range ids {
			s, err := h.snap(ctx, id, snaps, true)
			if err != nil || s.statsErr != nil {
				continue
			}
			stats = append(stats, *s.stats)
		}
		return json.Marshal(map[string]any{"type": "stats", "stats": stats})
	}
}

// Limits of a live-update connection.
const (
	wsWriteWait  = 10 * time.Second
	wsPongWait   = 60 * time.Second
	wsPingPeriod = 50 * time.Second
	wsReadLimit  = 4096
)

// serve is GET /ws.
func (h *Hub) serve(c echo.Context) error {
	a := h.api
	p, err := a.who(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	cl := &client{who: p, send: make(chan []byte, 1), quit: make(chan struct{})}
	qp := c.QueryParams()
	switch {
	case qp.Get("entry") != "":
		en, err := a.eng.GetEntry(ctx, qp.Get("entry"))
		if err != nil || en.CallerID != p.ID {
			return problemFor(say("No such entry.", fmt.Errorf("queue: ws entry: %w", ErrNotFound)))
		}
		if tok := qp.Get("token"); tok != "" && en.Paused {
			if _, err := a.eng.Resume(ctx, en.ID, tok); err != nil {
				return problemFor(err)
			}
		}
		cl.kind, cl.entryID, cl.queues = kindCaller, en.ID, []string{en.QueueID}
	case qp.Get("stats") != "":
		if p.Role != RoleAdmin {
			return problemFor(fmt.Errorf("queue: ws stats: %w", ErrForbidden))
		}
		cl.kind, cl.queues, cl.all = kindAdmin, qp["queue"], len(qp["queue"]) == 0
	case p.Role >= RoleHost:
		host, err := a.eng.GetHost(ctx, p.ID)
		if err != nil {
			return problemFor(err)
		}
		cl.kind, cl.queues = kindHost, append(slices.Clone(host.Queues), hostKey(p.ID))
	default:
		return problem400("Say ?entry=ID (a caller) or ?stats=1 (an admin).")
	}
	h.mu.Lock()
	closed := h.closed
	h.mu.Unlock()
	if closed {
		return problemFor(errors.New("queue: hub stopped"))
	}
	conn, err := h.up.Upgrade(c.Response(), c.Request(), nil)
	if err != nil {
		return nil // the upgrader already answered (e.g. 403 for a bad Origin)
	}
	cl.conn = conn
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		conn.Close()
		return nil
	}
	h.clients[cl] = struct{}{}
	if cl.kind == kindCaller {
		h.sockets[cl.entryID]++
	}
	for _, q := range cl.queues {
		h.dirty[q] = true // first message on the next flush
	}
	if cl.all {
		h.dirty[""] = true
	}
	h.wg.Add(1)
	h.mu.Unlock()
	select { // the first message goes out at once unless one just did
	case h.kick <- struct{}{}:
	default:
	}

	writerDone := make(chan struct{})
	go func() {
		defer h.wg.Done()
		defer close(writerDone)
		h.write(cl)
	}()
	conn.SetReadLimit(wsReadLimit)
	_ = conn.SetReadDeadline(time.Now().Add(wsPongWait))
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(wsPongWait)) })
	for {
		if _, _, err := conn.ReadMessage(); err != nil {
			break
		}
	}
	h.mu.Lock()
	delete(h.clients, cl)
	last := false
	if cl.kind == kindCaller {
		h.sockets[cl.entryID]--
		if last = h.sockets[cl.entryID] == 0; last {
			delete(h.sockets, cl.entryID)
		}
	}
	h.mu.Unlock()
	close(cl.quit)
	conn.Close()
	<-writerDone
	if last {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := a.eng.Disconnected(dctx, cl.entryID); err != nil {
			a.log.WarnContext(dctx, "queue: caller disconnect", "entry", cl.entryID, "err", err)
		}
	}
	return nil
}

// problem400 is a 400 problem whose detail is msg (a sentence for people).
func problem400(msg string) error {
	return problemFor(say(msg, fmt.Errorf("queue: %s: %w", msg, ErrInvalid)))
}

// write sends queued messages and pings until the connection fails or the
// hub stops; it closes the connection on the way out.
func (h *Hub) write(cl *client) {
	ping := time.NewTicker(wsPingPeriod)
	defer ping.Stop()
	defer cl.conn.Close()
	for {
		select {
		case <-cl.quit:
			return
		case <-h.done:
			_ = cl.conn.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"), time.Now().Add(time.Second))
			return
		case msg := <-cl.send:
			_ = cl.conn.SetWriteDeadline(time.Now().Add(wsWriteWait))
			if err := cl.conn.WriteMessage(websocket.TextMessage, msg); err != nil {
				return
			}
		case <-ping.C:
			if err := cl.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(wsWriteWait)); err != nil {
				return
			}
		}
	}
}
