package janus

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxEvents is how many events one long-poll may return (?maxev=N).
const maxEvents = 10

// httpTransport is the Janus API over HTTP REST: requests are POSTed to
// /janus, /janus/<session> or /janus/<session>/<handle>, and each session's
// events are fetched by a long-poll GET /janus/<session>?maxev=N (Janus
// docs, "The REST interface").
type httpTransport struct {
	base    string // e.g. http://10.0.0.2:8088/janus, without trailing slash
	hc      *http.Client
	header  http.Header
	deliver deliverFunc
	log     *slog.Logger
	query   string // token/apisecret for long-poll GETs

	mu      sync.Mutex
	polls   map[uint64]*poll
	doneCh  chan struct{}
	failure error
	closed  bool
}

type poll struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func newHTTPTransport(base string, hc *http.Client, header http.Header, query string, deliver deliverFunc, log *slog.Logger) *httpTransport {
	return &httpTransport{
		base: strings.TrimRight(base, "/"), hc: hc, header: header, query: query,
		deliver: deliver, log: log, polls: map[uint64]*poll{}, doneCh: make(chan struct{}),
	}
}

func (t *httpTransport) path(req *request) string {
	switch {
	case req.HandleID != 0:
		return t.base + "/" + strconv.FormatUint(req.SessionID, 10) + "/" + strconv.FormatUint(req.HandleID, 10)
	case req.SessionID != 0:
		return t.base + "/" + strconv.FormatUint(req.SessionID, 10)
	default:
		return t.base
	}
}

func (t *httpTransport) send(ctx context.Context, deadline time.Time, req *request) error {
	if !deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	select {
	case <-t.doneCh:
		if e := t.err(); e != nil {
			return e
		}
		return ErrClosed
	default:
	}
	b, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("janus: encode %s: %w", req.Janus, err)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, t.path(req), bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("janus: %s: %w", req.Janus, err)
	}
	hr.Header.Set("Content-Type", "application/json")
	for k, v := range t.header {
		hr.Header[k] = v
	}
	body, err := t.do(hr)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("janus: %s: %w", req.Janus, ctx.Err())
		}
		return fmt.Errorf("janus: %s: %w: %v", req.Janus, ErrConnectionLost, err)
	}
	msgs, err := decodeMessages(body)
	if err != nil {
		return fmt.Errorf("janus: %s: %w", req.Janus, err)
	}
	for _, m := range msgs {
		t.deliver(m)
	}
	return nil
}

// do runs an HTTP request and returns the body of a 2xx reply. Janus answers
// Janus-level errors with 200 and a JSON error; other statuses are errors.
func (t *httpTransport) do(hr *http.Request) ([]byte, error) {
	resp, err := t.hc.Do(hr)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		// Janus's HTTP transport answers some errors with a JSON body and a
		// 4xx/5xx status; hand those to the decoder when they parse.
		if _, derr := decodeMessages(body); derr == nil {
			return body, nil
		}
		return nil, httpStatusError(resp.StatusCode)
	}
	return body, nil
}

// httpStatusError is a non-2xx reply without a Janus JSON body.
type httpStatusError int

func (e httpStatusError) Error() string { return fmt.Sprintf("HTTP %d", int(e)) }

func (t *httpTransport) watch(sessionID uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed || t.polls[sessionID] != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &poll{cancel: cancel, done: make(chan struct{})}
	t.polls[sessionID] = p
	go t.pollLoop(ctx, sessionID, p)
}

// pollLoop long-polls one session until cancelled. A transport error fails
// the whole transport (Janus is unreachable); a Janus error for the session
// (e.g. 458 after a timeout) ends the session with a synthetic "timeout".
func (t *httpTransport) pollLoop(ctx context.Context, sessionID uint64, p *poll) {
	defer close(p.done)
	url := t.base + "/" + strconv.FormatUint(sessionID, 10) + "?maxev=" + strconv.Itoa(maxEvents)
	if t.query != "" {
		url += "&" + t.query
	}
	for ctx.Err() == nil {
		hr, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			t.fail(fmt.Errorf("%w: %v", ErrConnectionLost, err))
			return
		}
		for k, v := range t.header {
			hr.Header[k] = v
		}
		body, err := t.do(hr)
		var status httpStatusError
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return
		case errors.As(err, &status) && status == http.StatusNotFound:
			// Janus ends a pending long-poll with a bare 404 when its
			// session is destroyed: the session is over, Janus is not.
			t.deliver(&Message{Janus: "timeout", SessionID: sessionID})
			return
		default:
			t.fail(fmt.Errorf("%w: long-poll: %v", ErrConnectionLost, err))
			return
		}
		msgs, err := decodeMessages(body)
		if err != nil {
			t.log.Warn("janus: dropping undecodable long-poll reply", "err", err)
			continue
		}
		for _, m := range msgs {
			if m.Janus == "error" && m.Transaction == "" {
				t.deliver(&Message{Janus: "timeout", SessionID: sessionID, Error: m.Error})
				return
			}
			if m.Janus == "keepalive" {
				continue
			}
			t.deliver(m)
		}
	}
}

func (t *httpTransport) unwatch(sessionID uint64) {
	t.mu.Lock()
	p := t.polls[sessionID]
	delete(t.polls, sessionID)
	t.mu.Unlock()
	if p != nil {
		p.cancel()
		<-p.done
	}
}

func (t *httpTransport) fail(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	t.closed = true
	t.failure = err
	close(t.doneCh)
	for _, p := range t.polls {
		p.cancel()
	}
}

// await waits for the reply: over HTTP the request's own response or a
// long-poll delivers it on another goroutine.
func (t *httpTransport) await(ctx context.Context, deadline time.Time, ch <-chan *Message) (*Message, error) {
	var expired <-chan time.Time
	if !deadline.IsZero() {
		tm := time.NewTimer(time.Until(deadline))
		defer tm.Stop()
		expired = tm.C
	}
	select {
	case m := <-ch:
		return m, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-expired:
		return nil, context.DeadlineExceeded
	}
}

func (t *httpTransport) done() <-chan struct{} { return t.doneCh }

func (t *httpTransport) err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.failure
}

func (t *httpTransport) close() error {
	t.mu.Lock()
	if !t.closed {
		t.closed = true
		close(t.doneCh)
	}
	polls := make([]*poll, 0, len(t.polls))
	for id, p := range t.polls {
		polls = append(polls, p)
		delete(t.polls, id)
	}
	t.mu.Unlock()
	for _, p := range polls {
		p.cancel()
		<-p.done
	}
	t.hc.CloseIdleConnections()
	return nil
}
