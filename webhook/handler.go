package webhook

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/frontdesk/frontdesk/janus/events"
	"github.com/frontdesk/frontdesk/problem"
)

// Publisher takes a batch of events without blocking; *bus.Bus is one.
type Publisher interface {
	Publish(evs ...*events.Event) int
}

// Handler is the event-handler endpoint, an http.Handler. Create it with
// [New]; it holds no goroutines.
type Handler struct {
	cfg        Config
	pub        Publisher
	log        *slog.Logger
	tracker    *Tracker
	correlator *events.Correlator
	now        func() time.Time
	dedupe     *dedupe
	m          *metrics
	creds      []credential // empty: auth off
	reserved   map[string]bool

	bufs  sync.Pool // *bytes.Buffer
	gzips sync.Pool // *gzip.Reader
}

// credential is one accepted pair of Basic auth credentials, as SHA-256
// digests (compared in constant time), and the emitter it is bound to.
type credential struct {
	user, pwd [32]byte
	emitter   string // "" binds to any emitter that is not reserved
}

// Option sets an optional dependency of the Handler.
type Option func(*Handler) error

// WithRegisterer registers the endpoint's metrics on reg (see metrics.go for
// the names: frontdesk_janus_events_received_total{type,emitter},
// frontdesk_janus_event_batches_total, ..._decode_errors_total,
// ..._auth_failures_total, ..._dedupe_hits_total,
// ..._rejected_requests_total{status},
// frontdesk_janus_events_refused_total{reason},
// frontdesk_janus_event_ack_seconds).
func WithRegisterer(reg prometheus.Registerer) Option {
	return func(h *Handler) error { return h.m.register(reg) }
}

// WithLogger sets the logger (default slog.Default()). Credentials are
// never logged.
func WithLogger(l *slog.Logger) Option {
	return func(h *Handler) error { h.log = l; return nil }
}

// WithTracker makes the handler update t instead of a tracker of its own.
func WithTracker(t *Tracker) Option {
	return func(h *Handler) error { h.tracker = t; return nil }
}

// WithCorrelator makes the handler annotate events with c instead of a
// correlator of its own (e.g. to share it with the Admin API poller).
func WithCorrelator(c *events.Correlator) Option {
	return func(h *Handler) error { h.correlator = c; return nil }
}

// WithClock sets the clock used for the dedupe window and the tracker.
func WithClock(now func() time.Time) Option {
	return func(h *Handler) error { h.now = now; return nil }
}

// New returns the endpoint publishing to pub. It fails with ErrBadConfig on
// an invalid cfg, or when registering metrics fails.
func New(cfg Config, pub Publisher, opts ...Option) (*Handler, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if pub == nil {
		return nil, fmt.Errorf("%w: nil publisher", ErrBadConfig)
	}
	h := &Handler{
		cfg:      cfg,
		pub:      pub,
		log:      slog.Default(),
		now:      time.Now,
		dedupe:   newDedupe(cfg.DedupeSize, cfg.DedupeWindow),
		m:        newMetrics(),
		reserved: map[string]bool{},
	}
	if cfg.Username != "" {
		h.creds = append(h.creds, credential{user: sha256.Sum256([]byte(cfg.Username)),
			pwd: sha256.Sum256([]byte(cfg.Password)), emitter: cfg.SharedEmitter})
	}
	for _, src := range cfg.Sources {
		h.creds = append(h.creds, credential{user: sha256.Sum256([]byte(src.Username)),
			pwd: sha256.Sum256([]byte(src.Password)), emitter: src.Emitter})
	}
	for _, name := range cfg.Reserved {
		h.reserved[name] = true
	}
	for _, o := range opts {
		if err := o(h); err != nil {
			return nil, err
		}
	}
	if h.tracker == nil {
		h.tracker = NewTracker()
	}
	if h.correlator == nil {
		h.correlator = events.NewCorrelator(0)
	}
	return h, nil
}

// Tracker returns the tracker of Janus instances this handler updates.
func (h *Handler) Tracker() *Tracker { return h.tracker }

// Path returns the configured route.
func (h *Handler) Path() string { return h.cfg.Path }

// Register adds the endpoint to e as POST <Config.Path>.
func (h *Handler) Register(e *echo.Echo) {
	e.POST(h.cfg.Path, echo.WrapHandler(h))
}

// ServeHTTP handles one post. Replies: 200 with
// {"received":N,"published":P,"duplicates":D,"refused":R} once the batch is
// on the bus (R counts events of a reserved emitter, or of an emitter the
// post's credentials are not bound to, which are dropped);
// 400 (problem JSON with "errors") when some array elements could not be
// decoded (the others are published); 400, 401, 403, 405, 413, 415 problem
// JSON otherwise, with nothing published.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := h.now()
	log := h.log.With("remote", r.RemoteAddr, "path", r.URL.Path)
	bound, err := h.admit(r)
	if err != nil {
		if errors.Is(err, ErrUnauthorized) {
			h.m.authFailures.Inc()
			w.Header().Set("WWW-Authenticate", `Basic realm="janus-events", charset="UTF-8"`)
		}
		if errors.Is(err, ErrMethod) {
			w.Header().Set("Allow", http.MethodPost)
		}
		log.WarnContext(r.Context(), "janus event post refused", "err", err)
		h.fail(w, r, err, nil)
		return
	}

	buf := h.getBuf()
	defer h.bufs.Put(buf)
	if err := h.readBody(w, r, buf); err != nil {
		log.WarnContext(r.Context(), "janus event post unreadable", "err", err)
		h.fail(w, r, err, nil)
		return
	}
	h.m.batches.Inc()

	evs, err := events.DecodeBatch(buf.Bytes())
	elemErrs := elementErrors(err)
	if n := len(evs) + len(elemErrs); n > h.cfg.MaxEvents {
		h.fail(w, r, fmt.Errorf("%w: %d events, limit %d", ErrTooManyEvents, n, h.cfg.MaxEvents), nil)
		return
	}
	if err != nil {
		if len(evs) == 0 {
			h.m.decodeErrors.Add(float64(max(1, len(elemErrs))))
			log.WarnContext(r.Context(), "janus event post not decodable", "err", err)
			switch len(elemErrs) {
			case 0:
			case 1:
				h.fail(w, r, elemErrs[0], elemErrs)
				return
			default:
				h.fail(w, r, fmt.Errorf("%w: none of %d events could be decoded", events.ErrMalformed, len(elemErrs)), elemErrs)
				return
			}
			h.fail(w, r, err, nil)
			return
		}
		h.m.decodeErrors.Add(float64(len(elemErrs)))
	}

	evs, refused := h.bind(evs, bound)
	if refused > 0 {
		log.WarnContext(r.Context(), "janus events of another emitter dropped", "refused", refused, "bound_to", bound)
	}
	now := h.now()
	var freshBuf [DefaultMaxEvents]bool
	fresh := h.dedupe.fresh(now, evs, freshBuf[:0])
	out := evs[:0]
	dups := 0
	for i, ev := range evs {
		h.m.count(ev.Type, ev.Emitter)
		if !fresh[i] {
			dups++
			continue
		}
		h.correlator.Annotate(ev)
		out = append(out, ev)
	}
	if dups > 0 {
		h.m.dedupeHits.Add(float64(dups))
	}
	h.tracker.Observe(now, out...)
	h.pub.Publish(out...)

	if len(elemErrs) > 0 {
		log.WarnContext(r.Context(), "janus event post partly decodable", "published", len(out), "rejected", len(elemErrs))
		h.fail(w, r, fmt.Errorf("%w: %d of %d events could not be decoded", events.ErrMalformed, len(elemErrs), len(evs)+refused+len(elemErrs)), elemErrs)
		h.m.ack.Observe(h.now().Sub(start).Seconds())
		return
	}
	h.ok(w, len(evs)+refused, len(out), dups, refused)
	h.m.ack.Observe(h.now().Sub(start).Seconds())
}

// admit checks the source address, method and credentials, in that order,
// and returns the emitter the credentials are bound to ("" for any
// emitter that is not reserved).
func (h *Handler) admit(r *http.Request) (string, error) {
	if len(h.cfg.AllowedSources) > 0 && !h.allowed(r.RemoteAddr) {
		return "", ErrForbiddenSource
	}
	if r.Method != http.MethodPost {
		return "", ErrMethod
	}
	if len(h.creds) == 0 {
		return "", nil
	}
	user, pwd, ok := r.BasicAuth()
	if !ok {
		return "", ErrUnauthorized
	}
	u := sha256.Sum256([]byte(user))
	p := sha256.Sum256([]byte(pwd))
	// Compare with every credential, always, in constant time over
	// fixed-length digests; user names are distinct, so at most one matches.
	match := -1
	for i := range h.creds {
		c := &h.creds[i]
		if subtle.ConstantTimeCompare(u[:], c.user[:])&subtle.ConstantTimeCompare(p[:], c.pwd[:]) == 1 {
			match = i
		}
	}
	if match < 0 {
		return "", ErrUnauthorized
	}
	return h.creds[match].emitter, nil
}

// bind drops, in place, the events a post may not carry: those of a
// reserved emitter, and those of an emitter other than bound when bound is
// set. It returns the kept events and how many were dropped (counted in
// frontdesk_janus_events_refused_total by reason).
func (h *Handler) bind(evs []*events.Event, bound string) ([]*events.Event, int) {
	kept := evs[:0]
	for _, ev := range evs {
		switch {
		case h.reserved[ev.Emitter]:
			h.m.refused.WithLabelValues(refusedReserved).Inc()
		case bound != "" && ev.Emitter != bound:
			h.m.refused.WithLabelValues(refusedOtherEmitter).Inc()
		default:
			kept = append(kept, ev)
		}
	}
	return kept, len(evs) - len(kept)
}

func (h *Handler) allowed(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range h.cfg.AllowedSources {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func (h *Handler) getBuf() *bytes.Buffer {
	if b, ok := h.bufs.Get().(*bytes.Buffer); ok {
		b.Reset()
		return b
	}
	return new(bytes.Buffer)
}

// readBody reads the (possibly gzip) body into buf within the limits.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request, buf *bytes.Buffer) error {
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	if enc != "" && enc != "identity" && enc != "gzip" {
		return fmt.Errorf("%w: %q", ErrUnsupportedEncoding, enc)
	}
	if r.ContentLength > h.cfg.MaxBodyBytes {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrBodyTooLarge, r.ContentLength, h.cfg.MaxBodyBytes)
	}
	body := http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes)
	if enc != "gzip" {
		if r.ContentLength > 0 {
			buf.Grow(int(r.ContentLength))
		}
		if _, err := buf.ReadFrom(body); err != nil {
			return bodyError(err, h.cfg.MaxBodyBytes)
		}
		return nil
	}
	zr, err := h.gzipReader(body)
	if err != nil {
		return bodyError(err, h.cfg.MaxBodyBytes)
	}
	defer h.gzips.Put(zr)
	n, err := buf.ReadFrom(io.LimitReader(zr, h.cfg.MaxDecodedBytes+1))
	if err != nil {
		return bodyError(err, h.cfg.MaxBodyBytes)
	}
	if n > h.cfg.MaxDecodedBytes {
		return fmt.Errorf("%w: more than %d bytes once decompressed", ErrBodyTooLarge, h.cfg.MaxDecodedBytes)
	}
	return nil
}

func (h *Handler) gzipReader(r io.Reader) (*gzip.Reader, error) {
	if zr, ok := h.gzips.Get().(*gzip.Reader); ok {
		if err := zr.Reset(r); err != nil {
			return nil, err
		}
		return zr, nil
	}
	return gzip.NewReader(r)
}

func bodyError(err error, limit int64) error {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return fmt.Errorf("%w: limit %d bytes", ErrBodyTooLarge, limit)
	case errors.Is(err, gzip.ErrHeader), errors.Is(err, gzip.ErrChecksum), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: %v", ErrBadGzip, err)
	}
	return fmt.Errorf("webhook: read body: %w", err)
}

func elementErrors(err error) []*events.ElementError {
	if err == nil {
		return nil
	}
	var out []*events.ElementError
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			var ee *events.ElementError
			if errors.As(e, &ee) {
				out = append(out, ee)
			}
		}
	}
	return out
}

type elementProblem struct {
	Index  int    `json:"index"`
	Reason string `json:"reason"`
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error, elems []*events.ElementError) {
	status := statusOf(err)
	if status < 500 {
		h.m.rejected.WithLabelValues(strconv.Itoa(status)).Inc()
	}
	p := problem.Wrap(status, err)
	if len(elems) > 0 {
		list := make([]elementProblem, len(elems))
		for i, e := range elems {
			list[i] = elementProblem{Index: e.Index, Reason: e.Err.Error()}
		}
		p = p.With("errors", list)
	}
	problem.Write(w, r, p)
}

func (h *Handler) ok(w http.ResponseWriter, received, published, dups, refused int) {
	b := make([]byte, 0, 64)
	b = append(b, `{"received":`...)
	b = strconv.AppendInt(b, int64(received), 10)
	b = append(b, `,"published":`...)
	b = strconv.AppendInt(b, int64(published), 10)
	b = append(b, `,"duplicates":`...)
	b = strconv.AppendInt(b, int64(dups), 10)
	b = append(b, `,"refused":`...)
	b = strconv.AppendInt(b, int64(refused), 10)
	b = append(b, '}')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}
