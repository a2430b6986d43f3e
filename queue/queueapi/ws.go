package queueapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/queue"

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
	sockets map[queue.EntryID]int
	wg      sync.WaitGroup // writer goroutines
}

type statsEntry struct {
	at time.Time
	st *queue.Stats
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
	entryID queue.EntryID
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
		statsCache: map[string]statsEntry{}, later: map[string]time.Time{}, sockets: map[queue.EntryID]int{},
	}
}

// onEvent marks what an engine event changed (the event's queue, and the
// console of the host it names) for the next flush. It never blocks.
func (h *Hub) onEvent(ev queue.Event) {
	if ev.Kind == queue.EventResync {
		h.markAllDirty()
		return
	}
	if ev.Queue != "" {
		h.markDirty(string(ev.Queue), ev.Urgent())
	}
	if ev.Host != "" {
		h.markDirty(hostKey(ev.Host), ev.Urgent())
	}
}

// markAllDirty marks every key a connected client follows, so each gets a
// fresh message (after events may have been lost).
func (h *Hub) markAllDirty() {
	h.mu.Lock()
	for c := range h.clients {
		for _, k := range c.queues {
			h.dirty[k] = true
		}
		if c.all {
			h.dirty[""] = true
		}
	}
	h.mu.Unlock()
	select {
	case h.kick <- struct{}{}:
	default:
	}
}

// hostKey is the dirty-set key of a host's own console.
func hostKey(id queue.HostID) string { return "host:" + string(id) }

// hostKeys are the dirty-set keys a host's console follows: its queues
// and its own key.
func hostKeys(h queue.Host) []string {
	keys := make([]string, 0, len(h.Queues)+1)
	for _, q := range h.Queues {
		keys = append(keys, string(q))
	}
	return append(keys, hostKey(h.ID))
}

// markDirty notes that key (a queue ID or a hostKey) changed; urgent asks
// for the short gap (see Hub). It never blocks.
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
	unsubscribe := h.api.eng.Feed().Subscribe(h.onEvent)
	defer unsubscribe()
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
	fl := &flushState{snap: h.api.eng.Snapshot(), stats: map[string]*queue.Stats{}}
	for _, c := range targets {
		msg, err := h.message(ctx, c, fl)
		if err != nil {
			h.api.log.DebugContext(ctx, "queueapi: ws snapshot", "err", err)
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

// flushState is what one flush reads: one engine snapshot shared by every
// message, and each queue's statistics computed at most once.
type flushState struct {
	snap  *queue.Snapshot
	stats map[string]*queue.Stats // nil value: could not be computed
}

// statsOf returns queueID's statistics of the last 24 hours. They read a
// day of entries, so they are computed at most once per statsEvery per
// queue whatever the update rate; between computations the day's figures
// come from the cache and the live ones (waiting now, hosts available and
// staffed) from this flush's snapshot, so a host going available shows at
// once, not when the cache expires.
func (h *Hub) statsOf(ctx context.Context, id string, fl *flushState) *queue.Stats {
	if st, ok := fl.stats[id]; ok {
		return st
	}
	eng := h.api.eng
	h.mu.Lock()
	cached, ok := h.statsCache[id]
	h.mu.Unlock()
	var out *queue.Stats
	if ok && time.Since(cached.at) < h.statsEvery {
		if st, err := fl.snap.LiveStats(ctx, queue.QueueID(id), *cached.st); err == nil {
			out = &st
		}
		h.markDirtyLater(id, cached.at.Add(h.statsEvery))
	} else {
		now := eng.Now()
		if st, err := eng.Stats(ctx, queue.QueueID(id), now.Add(-24*time.Hour), now.Add(time.Millisecond)); err == nil {
			out = &st
			h.mu.Lock()
			h.statsCache[id] = statsEntry{at: time.Now(), st: &st}
			h.mu.Unlock()
		}
	}
	fl.stats[id] = out
	return out
}

// hostQueueJSON is one queue on a host's live console.
type hostQueueJSON struct {
	Queue        QueueJSON   `json:"queue"`
	Serving      bool        `json:"serving"`
	WaitingCount int         `json:"waiting_count"`
	Waiting      []EntryJSON `json:"waiting"`
}

// maxConsoleWaiting caps the waiting entries listed per queue on a host's
// console ("waiting_count" has the full number).
const maxConsoleWaiting = 100

func (h *Hub) message(ctx context.Context, c *client, fl *flushState) ([]byte, error) {
	eng := h.api.eng
	switch c.kind {
	case kindCaller:
		st, err := fl.snap.EntryStatus(ctx, c.entryID, c.who.ID)
		if err != nil {
			return nil, err
		}
		msg := map[string]any{"type": "entry", "entry": entryStatusJSON(st, c.who.ID),
			"queue": queueJSON(st.Board.Queue, &st.Board.Status), "host_free": st.HostFree}
		if st.Call != nil {
			// The call without a ticket: the page asks for one
			// (GET /entries/:id/call) when it joins, so a flush mints none.
			msg["call"] = callJSON(*st.Call, st.Entry, c.who.ID, "")
		}
		return json.Marshal(msg)
	case kindHost:
		con, err := fl.snap.Console(ctx, queue.HostID(c.who.ID))
		if err != nil {
			return nil, err
		}
		h.mu.Lock() // follow changes to the host's set of queues
		c.queues = hostKeys(con.Host)
		h.mu.Unlock()
		var offer, current *EntryJSON
		if con.Offer != nil {
			j := entryJSONFor(*con.Offer, string(con.Host.ID))
			offer = &j
		}
		if con.Current != nil {
			j := entryJSONFor(*con.Current, string(con.Host.ID))
			current = &j
		}
		qs := make([]hostQueueJSON, 0, len(con.Queues))
		for _, cq := range con.Queues {
			b := cq.Board
			hq := hostQueueJSON{Queue: queueJSON(b.Queue, &b.Status), Serving: cq.Serving, WaitingCount: len(b.Waiting), Waiting: []EntryJSON{}}
			for i, en := range b.Waiting[:min(len(b.Waiting), maxConsoleWaiting)] {
				j := entryJSON(en)
				j.Position = i + 1
				hq.Waiting = append(hq.Waiting, j)
			}
			qs = append(qs, hq)
		}
		return json.Marshal(map[string]any{"type": "host", "host": con.Host, "offer": offer, "current": current, "queues": qs})
	default:
		ids := c.queues
		if c.all {
			all, err := eng.ListQueues(ctx)
			if err != nil {
				return nil, err
			}
			ids = nil
			for _, q := range all {
				ids = append(ids, string(q.ID))
			}
		}
		stats := []queue.Stats{}
		for _, id := range ids {
			if st := h.statsOf(ctx, id, fl); st != nil {
				stats = append(stats, *st)
			}
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
		en, err := a.eng.GetEntry(ctx, queue.EntryID(qp.Get("entry")))
		if err != nil || en.CallerID != p.ID {
			return problemFor(say("No such entry.", fmt.Errorf("queueapi: ws entry: %w", queue.ErrNotFound)))
		}
		if tok := qp.Get("token"); tok != "" && en.Paused {
			if _, err := a.eng.Resume(ctx, en.ID, tok); err != nil {
				return problemFor(err)
			}
		}
		cl.kind, cl.entryID, cl.queues = kindCaller, en.ID, []string{string(en.QueueID)}
	case qp.Get("stats") != "":
		if p.Role != RoleAdmin {
			return problemFor(fmt.Errorf("queueapi: ws stats: %w", queue.ErrForbidden))
		}
		cl.kind, cl.queues, cl.all = kindAdmin, qp["queue"], len(qp["queue"]) == 0
	case p.Role >= RoleHost:
		host, err := a.eng.GetHost(ctx, queue.HostID(p.ID))
		if err != nil {
			return problemFor(err)
		}
		cl.kind, cl.queues = kindHost, hostKeys(host)
	default:
		return problem400("Say ?entry=ID (a caller) or ?stats=1 (an admin).")
	}
	h.mu.Lock()
	closed := h.closed
	h.mu.Unlock()
	if closed {
		return problemFor(errors.New("queueapi: hub stopped"))
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
			a.log.WarnContext(dctx, "queueapi: caller disconnect", "entry", cl.entryID, "err", err)
		}
	}
	return nil
}

// problem400 is a 400 problem whose detail is msg (a sentence for people).
func problem400(msg string) error {
	return problemFor(say(msg, fmt.Errorf("queueapi: %s: %w", msg, queue.ErrInvalid)))
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
