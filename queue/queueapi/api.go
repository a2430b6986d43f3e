package queueapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/queue"

	"github.com/frontdesk/frontdesk/problem"
	"github.com/frontdesk/frontdesk/queue/hours"
	"github.com/frontdesk/frontdesk/ratelimit"
	"github.com/labstack/echo/v4"
)

// API serves the queue REST API and the live-update WebSocket under the
// group it is registered on (app mounts it at /api/v1).
//
// The routes, who may call each and their bodies are in the OpenAPI
// document (apidoc/openapi.yaml, served at /api/v1/openapi.json); Register
// lists them.
//
// Errors are problem JSON (RFC 9457) whose "detail" is a sentence for
// people (never an error's internal text); refusals carry "reason" and,
// when closed, "next_open" (RFC 3339 in the queue's zone), for cooldown
// "retry_after" (and a Retry-After header), for already_queued
// "entry_id"; invalid fields (intake, name, queue fields, body values)
// carry "field", a path in the body such as "hours.weekly[2]" or
// "timeouts.offer". A body over 64 KiB is 413 ("too_large"); data after
// the body's JSON value is 400. Joins are rate-limited per client address
// (WithJoinRate; 429 "rate_limited" with Retry-After).
//
// # Calls, leaving and coming back
//
// POST /entries/:id/complete is the explicit hang-up of either side: the
// call ends at once as completed (the host goes to wrap-up), 204; an entry
// that is not connecting or in_call any more (e.g. already completed) is
// 409 "wrong_state"; anyone else gets 403 (404 if they may not see the
// entry). DELETE /entries/:id by the owner abandons a waiting or offered
// entry and, while connecting or in_call, does exactly what complete does.
// When a side leaves the room without hanging up (a reload, a network
// blip: VideoRoom "leaving" or "hangup"), the call goes on for the queue's
// timeouts.rejoin_grace (seconds, default 30; 0 ends it at once); GET
// /entries/:id/call gives that side a fresh ticket for the same feed id to
// join again. Meanwhile the entry view has "caller_away_until" or
// "host_away_until" (RFC 3339), and "peer_away_until" (the other side's,
// for the entry's caller or host) on GET /entries/:id, GET
// /entries/:id/call and the live updates (see Hub). If that side is not
// back by then the call ends as completed.
//
// # Hosts and the queues they serve
//
// A host (GET/PUT /hosts/:id, the Host type) has "queues", the queue IDs an
// admin assigned (PUT /hosts/:id {"name","queues"}), and "serving", the
// subset the host serves now: null means all of "queues" (a new host, or
// one that never chose), [] means none. PUT /hosts/:id/serving
// {"queues":[…]} sets it and returns the Host (200); "queues": null resets
// to all; a missing "queues" is 400. An ID not in the host's "queues" is
// 422 with "reason":"not_assigned", "field":"queues" and "queue" (the ID).
// Another host's serving is 403 (admins may set anyone's). Only served
// queues are matched: auto-mode offers, POST /queues/:id/next and
// /entries/:id/pick (409 "wrong_state" for an assigned queue that is not
// served now); removing a queue from "queues" removes it from "serving".
// Statistics count as available/staffed only the hosts serving the queue.
type API struct {
	eng   *queue.Engine
	ids   Identifier
	hub   *Hub
	log   *slog.Logger
	joins *ratelimit.Keyed
}

// Option configures an API.
type Option func(*API)

// WithLogger sets the API's logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(a *API) { a.log = l } }

// WithJoinRate limits joins (POST /queues/:id/entries) per client address
// (echo's RealIP, so as trusted proxies allow) to perMinute a minute on
// average with bursts of burst; perMinute ≤ 0 removes the limit. A join
// over the limit is 429 with "reason":"rate_limited" and Retry-After.
// Default DefaultJoinsPerMinute and DefaultJoinBurst.
func WithJoinRate(perMinute, burst int) Option {
	return func(a *API) { a.joins = ratelimit.PerMinute(perMinute, burst) }
}

// WithHubInterval sets the live-update coalescing interval (default
// 250 ms: at most four updates per second per client).
func WithHubInterval(d time.Duration) Option { return func(a *API) { a.hub.interval = d } }

// WithStatsInterval sets how often the hub recomputes a queue's statistics
// for admins (default 1 s; they read a day of entries). The live figures
// (waiting now, longest wait now, hosts available and staffed) are fresh
// in every message regardless.
func WithStatsInterval(d time.Duration) Option { return func(a *API) { a.hub.statsEvery = d } }

// New returns the API over eng. ids identifies requests; checkOrigin
// decides whether a WebSocket handshake's Origin is allowed (required:
// nil refuses every cross-origin handshake except same host).
func New(eng *queue.Engine, ids Identifier, checkOrigin func(r *http.Request) bool, opts ...Option) *API {
	a := &API{eng: eng, ids: ids, log: slog.Default(), joins: ratelimit.PerMinute(DefaultJoinsPerMinute, DefaultJoinBurst)}
	a.hub = newHub(a, checkOrigin)
	for _, o := range opts {
		o(a)
	}
	return a
}

// Run runs the live-update hub until ctx is done, then closes every
// WebSocket and waits for their goroutines; it returns ctx.Err().
func (a *API) Run(ctx context.Context) error { return a.hub.run(ctx) }

// Register mounts the routes on g.
func (a *API) Register(g *echo.Group) {
	g.GET("/queues", a.listQueues)
	g.POST("/queues", a.createQueue)
	g.GET("/queues/:id", a.getQueue)
	g.PUT("/queues/:id", a.putQueue)
	g.DELETE("/queues/:id", a.deleteQueue)
	g.PUT("/queues/:id/manual", a.setManual)
	g.GET("/queues/:id/entries", a.listEntries)
	g.POST("/queues/:id/entries", a.join)
	g.POST("/queues/:id/next", a.next)
	g.GET("/queues/:id/stats", a.stats)
	g.GET("/queues/:id/history", a.history)
	g.GET("/queues/:id/export.csv", a.exportCSV)
	g.GET("/hosts", a.listHosts)
	g.PUT("/hosts/:id", a.putHost)
	g.GET("/hosts/:id", a.getHost)
	g.DELETE("/hosts/:id", a.deleteHost)
	g.PUT("/hosts/:id/availability", a.setAvailability)
	g.PUT("/hosts/:id/serving", a.setServing)
	g.GET("/entries", a.myEntries)
	g.GET("/entries/:id", a.getEntry)
	g.DELETE("/entries/:id", a.leave)
	g.POST("/entries/:id/resume", a.resume)
	g.POST("/entries/:id/accept", a.accept)
	g.POST("/entries/:id/decline", a.decline)
	g.POST("/entries/:id/pick", a.pick)
	g.POST("/entries/:id/complete", a.complete)
	g.GET("/entries/:id/call", a.call)
	g.POST("/entries/:id/phone", a.phone)
	g.GET("/ws", a.hub.serve)
}

// problemFor maps the package's errors to problem documents: the one place
// where queue errors become HTTP statuses. The detail is always a sentence
// for people (see humanMessage), never an error's internal text; the cause
// stays in Err for the logs.
func problemFor(err error) error {
	if err == nil {
		return nil
	}
	var d *problem.Details
	if errors.As(err, &d) {
		return d
	}
	p := problem.New(statusOf(err), humanMessage(err))
	p.Err = err
	var fe *queue.FieldError
	if errors.As(err, &fe) {
		p.With("field", fe.Field)
	}
	var r *queue.Refusal
	if errors.As(err, &r) {
		p.With("reason", r.Reason)
		if !r.NextOpen.IsZero() {
			p.With("next_open", r.NextOpen.Format(time.RFC3339))
		}
		if !r.RetryAfter.IsZero() {
			p.With("retry_after", r.RetryAfter.Format(time.RFC3339))
		}
		if r.EntryID != "" {
			p.With("entry_id", r.EntryID)
		}
		if r.Field != "" {
			p.With("field", r.Field)
		}
		if r.Queue != "" {
			p.With("queue", r.Queue)
		}
		return p
	}
	for _, s := range []struct {
		err    error
		reason string
	}{{queue.ErrNotFound, "not_found"}, {queue.ErrVersion, "version_mismatch"}, {queue.ErrConflict, "conflict"}, {queue.ErrState, "wrong_state"},
		{queue.ErrForbidden, "forbidden"}, {queue.ErrResumeToken, "bad_resume_token"}, {queue.ErrNoPhone, "no_phone"}, {queue.ErrInvalid, "invalid"}, {ErrUnauthenticated, "unauthenticated"}} {
		if errors.Is(err, s.err) {
			p.With("reason", s.reason)
			break
		}
	}
	return p
}

func statusOf(err error) int {
	switch {
	case errors.Is(err, ErrUnauthenticated):
		return http.StatusUnauthorized
	case errors.Is(err, queue.ErrForbidden), errors.Is(err, queue.ErrResumeToken):
		return http.StatusForbidden
	case errors.Is(err, queue.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, queue.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, queue.ErrNotAssigned):
		return http.StatusUnprocessableEntity
	case errors.Is(err, queue.ErrCooldown):
		return http.StatusTooManyRequests
	case errors.Is(err, queue.ErrNoPhone):
		return http.StatusServiceUnavailable
	case errors.Is(err, queue.ErrClosed), errors.Is(err, queue.ErrFull), errors.Is(err, queue.ErrAlreadyQueued),
		errors.Is(err, queue.ErrConflict), errors.Is(err, queue.ErrVersion), errors.Is(err, queue.ErrState):
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// maxBody caps request bodies (bytes); a longer body is 413.
const maxBody = 64 << 10

// decode reads a strict JSON body into v: one JSON value (trailing data is
// refused), no unknown fields, at most maxBody bytes. Errors are problems
// with reason "bad_body" (400, naming the field when known) or
// "too_large" (413).
func decode(c echo.Context, v any) error {
	_, err := decodeRaw(c, v)
	return err
}

// decodeRaw is decode that also returns the body's bytes.
func decodeRaw(c echo.Context, v any) ([]byte, error) {
	raw, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, maxBody))
	if err != nil {
		return nil, bodyProblem(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		p := bodyProblem(err)
		if f := hoursField(raw, err); f != "" {
			p.With("field", f)
		}
		return nil, p
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, bodyProblem(errTrailing)
	}
	return raw, nil
}

// hoursField locates a schedule value that failed to decode (err wraps
// hours.ErrBadTime or hours.ErrBadManual) in the body raw, as a field path
// ("hours.weekly[2][0].from", "hours.overrides[0].ranges[1].to",
// "hours.manual" or "manual"); "" when it is neither or cannot be found.
func hoursField(raw []byte, err error) string {
	var body struct {
		Manual json.RawMessage `json:"manual"`
		Hours  struct {
			Weekly    [][]map[string]json.RawMessage `json:"weekly"`
			Overrides []struct {
				Ranges []map[string]json.RawMessage `json:"ranges"`
			} `json:"overrides"`
		} `json:"hours"`
	}
	if json.Unmarshal(raw, &body) != nil {
		return ""
	}
	if errors.Is(err, hours.ErrBadManual) {
		if len(body.Manual) > 0 {
			return "manual"
		}
		return "hours.manual"
	}
	if !errors.Is(err, hours.ErrBadTime) {
		return ""
	}
	bad := func(prefix string, rs []map[string]json.RawMessage) string {
		for i, r := range rs {
			for _, k := range []string{"from", "to"} {
				var m hours.Minute
				if json.Unmarshal(r[k], &m) != nil {
					return fmt.Sprintf("%s[%d].%s", prefix, i, k)
				}
			}
		}
		return ""
	}
	for d, rs := range body.Hours.Weekly {
		if f := bad(fmt.Sprintf("hours.weekly[%d]", d), rs); f != "" {
			return f
		}
	}
	for i, o := range body.Hours.Overrides {
		if f := bad(fmt.Sprintf("hours.overrides[%d].ranges", i), o.Ranges); f != "" {
			return f
		}
	}
	return ""
}

// errTrailing is a body with more after its JSON value.
var errTrailing = errors.New("data after the JSON value")

// bodyProblem turns a decoding error into a problem for people.
func bodyProblem(err error) *problem.Details {
	bad := func(msg, field string) *problem.Details {
		p := problem.New(http.StatusBadRequest, msg).With("reason", "bad_body")
		if field != "" {
			p.With("field", field)
		}
		p.Err = err
		return p
	}
	var mbe *http.MaxBytesError
	var ute *json.UnmarshalTypeError
	var se *json.SyntaxError
	var fe *queue.FieldError
	switch {
	case errors.As(err, &mbe):
		p := problem.New(http.StatusRequestEntityTooLarge, fmt.Sprintf("The request body is larger than %d KiB.", maxBody>>10)).With("reason", "too_large")
		p.Err = err
		return p
	case errors.Is(err, errTrailing):
		return bad("The request body has more after its JSON value; send exactly one JSON value.", "")
	case errors.As(err, &ute):
		return bad(fmt.Sprintf("%q must be %s.", ute.Field, kindOf(ute.Type)), ute.Field)
	case errors.As(err, &se):
		return bad(fmt.Sprintf("The request body is not valid JSON (at byte %d).", se.Offset), "")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return bad("The request body is empty or cut short.", "")
	case errors.As(err, &fe):
		return bad(fe.Message, fe.Field)
	case errors.Is(err, hours.ErrBadTime):
		return bad(queue.HoursMessage(&hours.FieldError{Err: hours.ErrBadTime}), "hours")
	case errors.Is(err, hours.ErrBadManual):
		return bad(queue.HoursMessage(&hours.FieldError{Err: hours.ErrBadManual}), "")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return bad(fmt.Sprintf("Unknown field %q.", name), name)
	}
	return bad("The request body is not valid for this request.", "")
}

// kindOf says in words what a JSON value for a Go type must be.
func kindOf(t reflect.Type) string {
	switch {
	case t == reflect.TypeFor[queue.Seconds]():
		return "a number of seconds (0 or more)"
	case t == reflect.TypeFor[hours.Minute]():
		return `a time of day "HH:MM"`
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "of another type"
}

// logFor returns the API logger with this request's attributes.
func (a *API) logFor(c echo.Context) *slog.Logger {
	r := c.Request()
	l := a.log.With("method", r.Method, "path", r.URL.Path)
	if id := c.Response().Header().Get(echo.HeaderXRequestID); id != "" {
		l = l.With("request_id", id)
	}
	return l
}

func (a *API) who(c echo.Context) (Principal, error) {
	p, err := a.ids.Identify(c.Request())
	if err != nil {
		if !errors.Is(err, ErrUnauthenticated) {
			err = fmt.Errorf("%w: %w", ErrUnauthenticated, err)
		}
		return Principal{}, problemFor(err)
	}
	return p, nil
}

func (a *API) need(c echo.Context, min Role) (Principal, error) {
	p, err := a.who(c)
	if err != nil {
		return p, err
	}
	if p.Role < min {
		return p, problemFor(fmt.Errorf("queueapi: needs role %s: %w", min, queue.ErrForbidden))
	}
	return p, nil
}

// hostOf requires an admin, or a host who serves queueID.
func (a *API) hostOf(c echo.Context, queueID queue.QueueID) (Principal, error) {
	p, err := a.need(c, RoleHost)
	if err != nil || p.Role == RoleAdmin {
		return p, err
	}
	ok, err := a.eng.IsHostOf(c.Request().Context(), queue.HostID(p.ID), queueID)
	if err != nil {
		return p, problemFor(err)
	}
	if !ok {
		return p, problemFor(fmt.Errorf("queueapi: not a host of this queue: %w", queue.ErrForbidden))
	}
	return p, nil
}

// hostQueue is the queue named by the path for an admin or one of its
// hosts. Whether the principal may act at all is checked first, so a
// request without one gets 401 whether or not the queue exists.
func (a *API) hostQueue(c echo.Context) (queue.Queue, Principal, error) {
	if _, err := a.need(c, RoleHost); err != nil {
		return queue.Queue{}, Principal{}, err
	}
	q, err := a.queueParam(c)
	if err != nil {
		return q, Principal{}, err
	}
	p, err := a.hostOf(c, q.ID)
	return q, p, err
}

func (a *API) queueParam(c echo.Context) (queue.Queue, error) {
	q, err := a.eng.GetQueue(c.Request().Context(), c.Param("id"))
	return q, problemFor(sayNotFound("No such queue.", err))
}

func (a *API) listQueues(c echo.Context) error {
	if _, err := a.who(c); err != nil {
		return err
	}
	qs, err := a.eng.ListQueues(c.Request().Context())
	if err != nil {
		return problemFor(err)
	}
	now := a.eng.Now()
	out := make([]QueueJSON, 0, len(qs))
	for _, q := range qs {
		st := queue.StatusAt(&q, now)
		out = append(out, queueJSON(q, &st))
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) createQueue(c echo.Context) error {
	if _, err := a.need(c, RoleAdmin); err != nil {
		return err
	}
	var in QueueJSON
	raw, err := decodeRaw(c, &in)
	if err != nil {
		return err
	}
	applyQueueDefaults(raw, &in, true)
	q, err := a.eng.CreateQueue(c.Request().Context(), in.Queue())
	if err != nil {
		return problemFor(err)
	}
	st := queue.StatusAt(&q, a.eng.Now())
	return c.JSON(http.StatusCreated, queueJSON(q, &st))
}

// applyQueueDefaults fills what a queue body (raw, already decoded into
// in) leaves out: without "limits.max_waiting" the queue takes
// DefaultMaxWaiting (an explicit 0 means no limit); on create, without
// "hours" (absent or null) or with hours that have no weekly ranges, no
// overrides and no manual override, the queue is always open (in the
// given zone, else UTC).
func applyQueueDefaults(raw []byte, in *QueueJSON, create bool) {
	var probe struct {
		Hours  json.RawMessage `json:"hours"`
		Limits struct {
			MaxWaiting json.RawMessage `json:"max_waiting"`
		} `json:"limits"`
	}
	_ = json.Unmarshal(raw, &probe) // raw decoded strictly already
	if len(probe.Limits.MaxWaiting) == 0 {
		in.Limits.MaxWaiting = queue.DefaultMaxWaiting
	}
	if create && in.Hours.Empty() {
		zone := in.Hours.Zone
		in.Hours = hours.AlwaysOpen()
		in.Hours.Zone = zone
	}
}

// getQueue answers anyone, signed in or not: the caller page shows the
// desk's name and whether it is open before it asks for a name (a guest
// principal, which anyone can get, sees the same).
func (a *API) getQueue(c echo.Context) error {
	q, err := a.queueParam(c)
	if err != nil {
		return err
	}
	st := queue.StatusAt(&q, a.eng.Now())
	return c.JSON(http.StatusOK, queueJSON(q, &st))
}

func (a *API) putQueue(c echo.Context) error {
	if _, err := a.need(c, RoleAdmin); err != nil {
		return err
	}
	old, err := a.queueParam(c)
	if err != nil {
		return err
	}
	var in QueueJSON
	raw, err := decodeRaw(c, &in)
	if err != nil {
		return err
	}
	applyQueueDefaults(raw, &in, false)
	q := in.Queue()
	q.ID = old.ID
	q, err = a.eng.UpdateQueue(c.Request().Context(), q)
	if err != nil {
		return problemFor(err)
	}
	st := queue.StatusAt(&q, a.eng.Now())
	return c.JSON(http.StatusOK, queueJSON(q, &st))
}

func (a *API) deleteQueue(c echo.Context) error {
	if _, err := a.need(c, RoleAdmin); err != nil {
		return err
	}
	q, err := a.queueParam(c)
	if err != nil {
		return err
	}
	if err := a.eng.DeleteQueue(c.Request().Context(), q.ID); err != nil {
		return problemFor(err)
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *API) setManual(c echo.Context) error {
	q, _, err := a.hostQueue(c)
	if err != nil {
		return err
	}
	var in struct {
		Manual hours.Manual `json:"manual"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	q, err = a.eng.SetManual(c.Request().Context(), q.ID, in.Manual)
	if err != nil {
		return problemFor(err)
	}
	st := queue.StatusAt(&q, a.eng.Now())
	return c.JSON(http.StatusOK, queueJSON(q, &st))
}

func (a *API) listEntries(c echo.Context) error {
	q, _, err := a.hostQueue(c)
	if err != nil {
		return err
	}
	live, err := a.eng.LiveEntries(c.Request().Context(), q.ID)
	if err != nil {
		return problemFor(err)
	}
	out := make([]EntryJSON, 0, len(live))
	pos := 0
	for _, en := range live {
		j := entryJSON(en)
		if en.State == queue.EntryWaiting {
			pos++
			j.Position = pos
		}
		out = append(out, j)
	}
	return c.JSON(http.StatusOK, out)
}

// joinBody is the body of a join.
type joinBody struct {
	Name     string            `json:"name"`
	Intake   map[string]string `json:"intake"`
	Priority int               `json:"priority"`
	Phone    string            `json:"phone"`
	Callback bool              `json:"callback"`
}

func (a *API) join(c echo.Context) error {
	p, err := a.who(c)
	if err != nil {
		return err
	}
	if ok, wait := a.joins.Allow(c.RealIP(), a.eng.Now()); !ok {
		c.Response().Header().Set("Retry-After", strconv.Itoa(max(int(wait.Seconds()+0.999), 1)))
		return problemFor(&queue.Refusal{Err: queue.ErrCooldown, Reason: "rate_limited"})
	}
	var in joinBody
	if c.Request().ContentLength != 0 {
		if err := decode(c, &in); err != nil {
			return err
		}
	}
	if in.Priority != 0 && p.Role < RoleHost {
		return problemFor(fmt.Errorf("queueapi: only hosts and admins set a priority: %w", queue.ErrForbidden))
	}
	name := in.Name
	if name == "" {
		name = p.Name
	}
	ctx := c.Request().Context()
	j, err := a.eng.Join(ctx, queue.QueueID(c.Param("id")), queue.JoinRequest{Caller: queue.Caller{ID: p.ID, Name: name, Guest: p.Guest}, Intake: in.Intake, Priority: in.Priority,
		Phone: in.Phone, Callback: in.Callback})
	if err != nil {
		var r *queue.Refusal
		if errors.As(err, &r) && !r.RetryAfter.IsZero() {
			secs := int(r.RetryAfter.Sub(a.eng.Now()).Seconds() + 0.999)
			c.Response().Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		}
		if !errors.Is(err, queue.ErrNotFound) { // an unknown queue is the client's typo, not news
			a.logFor(c).InfoContext(ctx, "queueapi: join refused", "err", err) // the path names the queue
		}
		return problemFor(sayNotFound("No such queue.", err))
	}
	view := a.entryView(ctx, a.eng.Snapshot().WithQueue(j.Queue), j.Entry, p.ID)
	return c.JSON(http.StatusCreated, struct {
		Entry       EntryJSON `json:"entry"`
		ResumeToken string    `json:"resume_token"`
	}{view, j.ResumeToken})
}

// entryView renders an entry's status (position, estimated wait,
// peer_away_until) as viewerID sees it, from the engine's read model; an
// entry whose queue cannot be read is rendered without them.
func (a *API) entryView(ctx context.Context, snap *queue.Snapshot, en queue.Entry, viewerID string) EntryJSON {
	st, err := snap.EntryStatusOf(ctx, en, viewerID)
	if err != nil {
		return entryJSONFor(en, viewerID)
	}
	return entryStatusJSON(st, viewerID)
}

func (a *API) next(c echo.Context) error {
	q, p, err := a.hostQueue(c)
	if err != nil {
		return err
	}
	acc, err := a.eng.Next(c.Request().Context(), queue.HostID(p.ID), q.ID)
	if err != nil {
		return problemFor(err)
	}
	return c.JSON(http.StatusOK, acceptedJSON(acc, p.ID))
}

func acceptedJSON(acc queue.Accepted, hostID string) any {
	return struct {
		Entry EntryJSON `json:"entry"`
		Call  CallJSON  `json:"call"`
	}{entryJSONFor(acc.Entry, hostID), callJSON(acc.Call, acc.Entry, hostID, acc.HostTicket)}
}

// window parses ?from=&to= (RFC 3339); the default is the last 24 hours.
func (a *API) window(c echo.Context) (time.Time, time.Time, error) {
	now := a.eng.Now()
	from, to := now.Add(-24*time.Hour), now.Add(time.Millisecond) // up to and including now
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := c.QueryParam(f.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return from, to, problem.New(http.StatusBadRequest, fmt.Sprintf("%q must be a time in RFC 3339 form, e.g. 2026-06-01T09:00:00Z.", f.name)).
					With("reason", "invalid").With("field", f.name)
			}
			*f.dst = t
		}
	}
	if to.Before(from) || to.Sub(from) > 366*24*time.Hour {
		return from, to, problem.New(http.StatusBadRequest, "The window must be 0–366 days long.").With("reason", "invalid").With("field", "to")
	}
	return from, to, nil
}

func (a *API) stats(c echo.Context) error {
	q, _, err := a.hostQueue(c)
	if err != nil {
		return err
	}
	from, to, err := a.window(c)
	if err != nil {
		return err
	}
	st, err := a.eng.Stats(c.Request().Context(), q.ID, from, to)
	if err != nil {
		return problemFor(err)
	}
	return c.JSON(http.StatusOK, st)
}

func (a *API) historyEntries(c echo.Context) (queue.Queue, []queue.Entry, error) {
	q, _, err := a.hostQueue(c)
	if err != nil {
		return q, nil, err
	}
	from, to, err := a.window(c)
	if err != nil {
		return q, nil, err
	}
	es, err := a.eng.History(c.Request().Context(), q.ID, from, to)
	return q, es, problemFor(err)
}

func (a *API) history(c echo.Context) error {
	_, es, err := a.historyEntries(c)
	if err != nil {
		return err
	}
	out := make([]EntryJSON, 0, len(es))
	for _, en := range es {
		out = append(out, entryJSON(en))
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) exportCSV(c echo.Context) error {
	q, es, err := a.historyEntries(c)
	if err != nil {
		return err
	}
	loc, lerr := q.Hours.Location()
	if lerr != nil {
		loc = time.UTC
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+q.Slug+`-entries.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	return WriteCSV(c.Response(), es, loc)
}

func (a *API) listHosts(c echo.Context) error {
	if _, err := a.need(c, RoleAdmin); err != nil {
		return err
	}
	hs, err := a.eng.ListHosts(c.Request().Context(), queue.QueueID(c.QueryParam("queue")))
	if err != nil {
		return problemFor(err)
	}
	if hs == nil {
		hs = []queue.Host{}
	}
	return c.JSON(http.StatusOK, hs)
}

func (a *API) putHost(c echo.Context) error {
	if _, err := a.need(c, RoleAdmin); err != nil {
		return err
	}
	var in struct {
		Name   string          `json:"name"`
		Queues []queue.QueueID `json:"queues"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	h, err := a.eng.PutHost(c.Request().Context(), queue.HostID(c.Param("id")), in.Name, in.Queues)
	if err != nil {
		return problemFor(sayNotFound("No such queue among \"queues\".", err))
	}
	return c.JSON(http.StatusOK, h)
}

// selfOrAdmin resolves :id ("me" allowed) to a host the principal may see.
func (a *API) selfOrAdmin(c echo.Context) (Principal, string, error) {
	p, err := a.need(c, RoleHost)
	if err != nil {
		return p, "", err
	}
	id := c.Param("id")
	if id == "me" {
		id = p.ID
	}
	if id != p.ID && p.Role != RoleAdmin {
		return p, "", problemFor(fmt.Errorf("queueapi: another host: %w", queue.ErrForbidden))
	}
	return p, id, nil
}

func (a *API) getHost(c echo.Context) error {
	_, id, err := a.selfOrAdmin(c)
	if err != nil {
		return err
	}
	h, err := a.eng.GetHost(c.Request().Context(), queue.HostID(id))
	if err != nil {
		return problemFor(sayNotFound("No such host.", err))
	}
	return c.JSON(http.StatusOK, h)
}

func (a *API) deleteHost(c echo.Context) error {
	if _, err := a.need(c, RoleAdmin); err != nil {
		return err
	}
	if err := a.eng.DeleteHost(c.Request().Context(), queue.HostID(c.Param("id"))); err != nil {
		return problemFor(sayNotFound("No such host.", err))
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *API) setAvailability(c echo.Context) error {
	_, id, err := a.selfOrAdmin(c)
	if err != nil {
		return err
	}
	var in struct {
		State queue.HostState `json:"state"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	h, err := a.eng.SetAvailability(c.Request().Context(), queue.HostID(id), in.State)
	if err != nil {
		return problemFor(sayNotFound("No such host.", err))
	}
	return c.JSON(http.StatusOK, h)
}

func (a *API) setServing(c echo.Context) error {
	_, id, err := a.selfOrAdmin(c)
	if err != nil {
		return err
	}
	var in struct {
		Queues json.RawMessage `json:"queues"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if len(in.Queues) == 0 {
		return problem.New(http.StatusBadRequest, `"queues" is required (an array of queue ids, or null for all)`).
			With("reason", "bad_body").With("field", "queues")
	}
	var queues []queue.QueueID
	if err := json.Unmarshal(in.Queues, &queues); err != nil {
		return problem.New(http.StatusBadRequest, `"queues" must be an array of queue ids or null`).
			With("reason", "bad_body").With("field", "queues")
	}
	if queues == nil && string(in.Queues) != "null" {
		queues = []queue.QueueID{}
	}
	h, err := a.eng.SetServing(c.Request().Context(), queue.HostID(id), queues)
	if err != nil {
		return problemFor(sayNotFound("No such host.", err))
	}
	return c.JSON(http.StatusOK, h)
}

// entryFor loads :id and checks the principal may see it: its caller, a
// host of its queue, or an admin. It reports whether p is the owner.
func (a *API) entryFor(c echo.Context) (Principal, queue.Entry, bool, error) {
	p, err := a.who(c)
	if err != nil {
		return p, queue.Entry{}, false, err
	}
	en, err := a.eng.GetEntry(c.Request().Context(), queue.EntryID(c.Param("id")))
	if err != nil {
		return p, queue.Entry{}, false, problemFor(sayNotFound("No such entry.", err))
	}
	if en.CallerID == p.ID {
		return p, en, true, nil
	}
	if _, err := a.hostOf(c, en.QueueID); err != nil {
		// Do not reveal that someone else's entry exists.
		return p, queue.Entry{}, false, problemFor(say("No such entry.", fmt.Errorf("queueapi: entry %s: %w", en.ID, queue.ErrNotFound)))
	}
	return p, en, false, nil
}

func (a *API) myEntries(c echo.Context) error {
	p, err := a.who(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	live, err := a.eng.CallerEntries(ctx, p.ID)
	if err != nil {
		return problemFor(err)
	}
	snap := a.eng.Snapshot()
	out := make([]EntryJSON, 0, len(live))
	for _, en := range live {
		out = append(out, a.entryView(ctx, snap, en, p.ID))
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) getEntry(c echo.Context) error {
	p, en, _, err := a.entryFor(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.entryView(c.Request().Context(), a.eng.Snapshot(), en, p.ID))
}

func (a *API) leave(c echo.Context) error {
	p, en, owner, err := a.entryFor(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if owner {
		err = a.eng.Leave(ctx, p.ID, en.ID)
	} else {
		err = a.eng.Remove(ctx, en.ID, p.ID)
	}
	if err != nil {
		return problemFor(err)
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *API) resume(c echo.Context) error {
	_, en, owner, err := a.entryFor(c)
	if err != nil {
		return err
	}
	if !owner {
		return problemFor(fmt.Errorf("queueapi: resume: %w", queue.ErrForbidden))
	}
	var in struct {
		Token string `json:"token"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	out, err := a.eng.Resume(c.Request().Context(), en.ID, in.Token)
	if err != nil {
		return problemFor(err)
	}
	return c.JSON(http.StatusOK, a.entryView(c.Request().Context(), a.eng.Snapshot(), out, out.CallerID))
}

func (a *API) hostAction(c echo.Context) (Principal, queue.Entry, error) {
	p, err := a.need(c, RoleHost)
	if err != nil {
		return p, queue.Entry{}, err
	}
	en, err := a.eng.GetEntry(c.Request().Context(), queue.EntryID(c.Param("id")))
	if err != nil {
		return p, queue.Entry{}, problemFor(sayNotFound("No such entry.", err))
	}
	if _, err := a.hostOf(c, en.QueueID); err != nil {
		return p, queue.Entry{}, err
	}
	return p, en, nil
}

func (a *API) accept(c echo.Context) error {
	p, en, err := a.hostAction(c)
	if err != nil {
		return err
	}
	acc, err := a.eng.Accept(c.Request().Context(), queue.HostID(p.ID), en.ID)
	if err != nil {
		return problemFor(err)
	}
	return c.JSON(http.StatusOK, acceptedJSON(acc, p.ID))
}

func (a *API) decline(c echo.Context) error {
	p, en, err := a.hostAction(c)
	if err != nil {
		return err
	}
	if err := a.eng.Decline(c.Request().Context(), queue.HostID(p.ID), en.ID); err != nil {
		return problemFor(err)
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *API) pick(c echo.Context) error {
	p, en, err := a.hostAction(c)
	if err != nil {
		return err
	}
	acc, err := a.eng.Pick(c.Request().Context(), queue.HostID(p.ID), en.ID)
	if err != nil {
		return problemFor(err)
	}
	return c.JSON(http.StatusOK, acceptedJSON(acc, p.ID))
}

func (a *API) complete(c echo.Context) error {
	p, en, _, err := a.entryFor(c)
	if err != nil {
		return err
	}
	if err := a.eng.Complete(c.Request().Context(), p.ID, en.ID); err != nil {
		return problemFor(err)
	}
	return c.NoContent(http.StatusNoContent)
}

// phone opens a phone leg from the entry's host to the caller's number
// and returns the call with the host's phone ticket.
func (a *API) phone(c echo.Context) error {
	p, err := a.need(c, RoleHost)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	id := queue.EntryID(c.Param("id"))
	ticket, call, err := a.eng.PhoneTicket(ctx, queue.HostID(p.ID), id)
	if err != nil {
		return problemFor(sayNotFound("No such entry.", err))
	}
	en, _ := a.eng.GetEntry(ctx, id)
	return c.JSON(http.StatusOK, callJSON(call, en, p.ID, ticket))
}

func (a *API) call(c echo.Context) error {
	p, en, _, err := a.entryFor(c)
	if err != nil {
		return err
	}
	ticket, call, err := a.eng.Ticket(c.Request().Context(), en.ID, p.ID)
	if err != nil {
		return problemFor(err)
	}
	if latest, err := a.eng.GetEntry(c.Request().Context(), en.ID); err == nil {
		en = latest
	}
	return c.JSON(http.StatusOK, callJSON(call, en, p.ID, ticket))
}
