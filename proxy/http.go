package proxy

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/janus/wire"
	"github.com/frontdesk/frontdesk/problem"
)

// serveHTTP relays the REST flavour of the Janus API: POST /janus,
// /janus/<session>, /janus/<session>/<handle>, and the long-poll
// GET /janus/<session>?maxev=N (Janus docs, "The REST interface").
func (p *Proxy) serveHTTP(w http.ResponseWriter, r *http.Request, g grant, target Target, hash [32]byte, log *slog.Logger) {
	session, handle, ok := parsePath(r.URL.Path)
	if !ok {
		problem.Write(w, r, problem.New(http.StatusNotFound, "not a Janus API path"))
		return
	}
	own := view{r: p.owners, o: p.owners.of(g.ticket, hash)}
	switch r.Method {
	case http.MethodGet:
		if session == 0 || handle != 0 {
			problem.Write(w, r, problem.New(http.StatusNotFound, "long-poll is GET /janus/<session>"))
			return
		}
		if !own.ownsSession(session) {
			writeJSON(w, errorReply("", deny(wire.CodeSessionNotFound, "longpoll", "no such session"), session))
			return
		}
		p.longPoll(w, r, target, session, log)
	case http.MethodPost:
		body, err := io.ReadAll(io.LimitReader(r.Body, p.maxMessage+1))
		if err != nil {
			problem.Write(w, r, problem.New(http.StatusBadRequest, "cannot read body"))
			return
		}
		if int64(len(body)) > p.maxMessage {
			problem.Write(w, r, problem.New(http.StatusRequestEntityTooLarge, "message too big"))
			return
		}
		start := time.Now()
		out, txn, d := filter(body, g, own, session, handle)
		if d != nil {
			p.m.denials.WithLabelValues(denialLabel(d.verb)).Inc()
			log.Info("proxy: request denied", "request", denialLabel(d.verb), "code", d.code, "reason", d.reason)
			writeJSON(w, errorReply(txn, d, session))
			return
		}
		tr := newTracker(own, nil)
		tr.expect(out)
		if out.pubJoin && p.evicter != nil {
			// The join's result comes in a long-poll, which this request's
			// tracker does not see: the session's long-polls watch for it.
			p.joins.add(session, out, func() *tracker { return newTracker(own, p.stale(g.ticket, log)) }, start)
		}
		reply, status, err := p.forward(r, http.MethodPost, backendPath(target.HTTPURL, session, handle), out.raw)
		if err != nil {
			p.m.dialErrors.WithLabelValues(target.Instance).Inc()
			log.Warn("proxy: backend request failed", "err", err)
			problem.Write(w, r, problem.New(http.StatusBadGateway, "cannot reach the call's media server"))
			return
		}
		p.m.latency.WithLabelValues("http").Observe(time.Since(start).Seconds())
		p.m.relayed.WithLabelValues("to_janus").Inc()
		tr.observe(reply)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(reply)
		p.m.relayed.WithLabelValues("to_client").Inc()
	default:
		w.Header().Set("Allow", "GET, POST")
		problem.Write(w, r, problem.New(http.StatusMethodNotAllowed, "use GET (long-poll) or POST"))
	}
}

// longPoll relays one long-poll to the backend, with the participant's
// token. When a publisher join on the session awaits its result, the reply
// is read first, so a 436 evicts the stale participant before the client
// hears of it (as over WebSocket).
func (p *Proxy) longPoll(w http.ResponseWriter, r *http.Request, target Target, session uint64, log *slog.Logger) {
	q := url.Values{}
	if maxev := r.URL.Query().Get("maxev"); maxev != "" {
		if n, err := strconv.Atoi(maxev); err == nil && n > 0 && n <= 100 {
			q.Set("maxev", strconv.Itoa(n))
		}
	}
	if target.Token != "" {
		q.Set("token", target.Token)
	}
	u := backendPath(target.HTTPURL, session, 0)
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	p.m.connections.WithLabelValues("http_longpoll").Inc()
	defer p.m.connections.WithLabelValues("http_longpoll").Dec()
	// Shutdown (Close) ends the poll at once: graceful shutdown would
	// otherwise wait up to Janus's 30 s keepalive for each pending poll.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(p.stopping, cancel)
	defer stop()
	reply, status, err := p.forward(r.WithContext(ctx), http.MethodGet, u, nil)
	if err != nil {
		if p.stopping.Err() != nil && r.Context().Err() == nil {
			// What Janus sends when a poll times out with no event: the
			// client polls again (and reaches whatever serves it next).
			w.Header().Set("Connection", "close")
			writeJSON(w, []byte(`{"janus":"keepalive"}`))
			return
		}
		if r.Context().Err() == nil {
			log.Warn("proxy: long-poll failed", "err", err)
			problem.Write(w, r, problem.New(http.StatusBadGateway, "cannot reach the call's media server"))
		}
		return
	}
	p.joins.observe(session, reply, time.Now())
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(reply)
	p.m.relayed.WithLabelValues("to_client").Inc()
}

// forward sends one request to the backend and returns its body and status.
func (p *Proxy) forward(r *http.Request, method, u string, body []byte) ([]byte, int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(r.Context(), method, u, rd)
	if err != nil {
		return nil, 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	return b, resp.StatusCode, err
}

// parsePath reads /janus[/t/<ticket>][/<session>[/<handle>]] (after any
// mount prefix ending in /janus).
func parsePath(path string) (session, handle uint64, ok bool) {
	_, path, _ = splitTicketPath(path)
	i := strings.LastIndex(path, "/janus")
	if i < 0 {
		return 0, 0, false
	}
	rest := strings.Trim(path[i+len("/janus"):], "/")
	if rest == "" {
		return 0, 0, true
	}
	parts := strings.Split(rest, "/")
	if len(parts) > 2 {
		return 0, 0, false
	}
	ids := make([]uint64, 2)
	for k, s := range parts {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n == 0 {
			return 0, 0, false
		}
		ids[k] = n
	}
	return ids[0], ids[1], true
}

func backendPath(base string, session, handle uint64) string {
	u := strings.TrimRight(base, "/")
	if session != 0 {
		u += "/" + strconv.FormatUint(session, 10)
	}
	if handle != 0 {
		u += "/" + strconv.FormatUint(handle, 10)
	}
	return u
}

func writeJSON(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
