package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/frontdesk/frontdesk/idgen"
	"github.com/frontdesk/frontdesk/janus/wire"
)

// Client is a client of the Janus Admin API over HTTP (Janus docs,
// "Admin/Monitor API"): POST /admin, /admin/<session> and
// /admin/<session>/<handle> with "admin_secret". "info" and "ping" need
// no secret; everything else does. The secret is never logged or put in
// errors. Safe for concurrent use.
type Client struct {
	base   string
	secret string
	opts   options
	prefix string
	seq    atomic.Uint64
}

// New returns an Admin API client for url (e.g.
// "http://10.0.0.2:7088/admin") authenticating with secret (admin_secret).
func New(url, secret string, opts ...Option) *Client {
	o := options{httpClient: http.DefaultClient, requestTimeout: 10 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	return &Client{base: strings.TrimRight(url, "/"), secret: secret, opts: o, prefix: "adm-" + idgen.Hex(4) + "-"}
}

// URL returns the Admin API base URL.
func (a *Client) URL() string { return a.base }

// maxReply bounds a reply's size (bytes).
const maxReply = 16 << 20

// call posts an Admin API request and returns the decoded reply, or a
// *wire.Error for {"janus":"error"}. path is "", "/<session>" or
// "/<session>/<handle>".
func (a *Client) call(ctx context.Context, path, verb string, extra map[string]any) (*wire.Message, error) {
	if _, ok := ctx.Deadline(); !ok && a.opts.requestTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.opts.requestTimeout)
		defer cancel()
	}
	req := &wire.Request{Janus: verb, Transaction: a.prefix + strconv.FormatUint(a.seq.Add(1), 36), AdminSecret: a.secret, Extra: extra}
	b, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("janus admin: %s: encode: %w", verb, err)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+path, bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("janus admin: %s: %w", verb, err)
	}
	hr.Header.Set("Content-Type", "application/json")
	for k, v := range a.opts.header {
		hr.Header[k] = v
	}
	resp, err := a.opts.httpClient.Do(hr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("janus admin: %s: %w", verb, ctx.Err())
		}
		return nil, fmt.Errorf("janus admin: %s: %w: %v", verb, ErrUnreachable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err != nil {
		return nil, fmt.Errorf("janus admin: %s: %w: %v", verb, ErrUnreachable, err)
	}
	msgs, err := wire.DecodeMessages(body)
	if err != nil {
		if resp.StatusCode/100 != 2 {
			// Janus's HTTP transport answers some errors with a Janus
			// reply and a 4xx/5xx status; anything else is no answer.
			return nil, fmt.Errorf("janus admin: %s: %w: HTTP %d", verb, ErrUnreachable, resp.StatusCode)
		}
		return nil, fmt.Errorf("janus admin: %s: %w: %w", verb, ErrUnexpectedReply, err)
	}
	m := msgs[0]
	if m.Janus == "error" && m.Error != nil {
		return nil, fmt.Errorf("janus admin: %s: %w", verb, m.Error)
	}
	return m, nil
}

// field decodes one top-level member of an Admin reply into v.
func field(m *wire.Message, name string, v any) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(m.Raw, &obj); err != nil {
		return fmt.Errorf("%w: %v", ErrUnexpectedReply, err)
	}
	raw, ok := obj[name]
	if !ok {
		return fmt.Errorf("%w: no %q in reply", ErrUnexpectedReply, name)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%w: %q: %v", ErrUnexpectedReply, name, err)
	}
	return nil
}

type ServerInfo struct {
	// Name is the server name ("Janus WebRTC Server").
	Name string `json:"name"`
	// Version is the numeric version, e.g. 1102 for 1.1.2.
	Version int `json:"version"`
	// VersionString is e.g. "1.1.2".
	VersionString string `json:"version_string"`
	// ServerName is the configured server_name (the event-handler emitter).
	ServerName string `json:"server-name"`
	// SessionTimeout is session_timeout in seconds.
	SessionTimeout int `json:"session-timeout"`
	// APISecret tells whether an API secret is required.
	APISecret bool `json:"api_secret"`
	// AuthToken tells whether token authentication is on.
	AuthToken bool `json:"auth_token"`
	// EventHandlers tells whether event handlers are enabled.
	EventHandlers bool `json:"event_handlers"`
	// AcceptingNewSessions is false while draining.
	AcceptingNewSessions bool `json:"accepting-new-sessions"`
	// Plugins maps plugin package names to their descriptions.
	Plugins map[string]json.RawMessage `json:"plugins"`
	// Transports maps transport package names to their descriptions.
	Transports map[string]json.RawMessage `json:"transports"`
	// Events maps event handler package names to their descriptions.
	Events map[string]json.RawMessage `json:"events"`
	// Raw is the whole reply.
	Raw json.RawMessage `json:"-"`
}

// Info returns the server's info (no secret needed).
func (a *Client) Info(ctx context.Context) (*ServerInfo, error) {
	m, err := a.call(ctx, "", "info", nil)
	if err != nil {
		return nil, err
	}
	var si ServerInfo
	if err := json.Unmarshal(m.Raw, &si); err != nil {
		return nil, fmt.Errorf("janus admin: info: %w: %v", ErrUnexpectedReply, err)
	}
	si.Raw = m.Raw
	return &si, nil
}

// Ping checks that the Admin API answers ("pong"; no secret needed).
func (a *Client) Ping(ctx context.Context) error {
	m, err := a.call(ctx, "", "ping", nil)
	if err != nil {
		return err
	}
	if m.Janus != "pong" {
		return fmt.Errorf("janus admin: ping: %w: %s", ErrUnexpectedReply, m.Janus)
	}
	return nil
}

// GetStatus returns the server's run-time settings ("status" member of the
// get_status reply: token_auth, session_timeout, log_level, ...).
func (a *Client) GetStatus(ctx context.Context) (map[string]any, error) {
	m, err := a.call(ctx, "", "get_status", nil)
	if err != nil {
		return nil, err
	}
	var st map[string]any
	if err := field(m, "status", &st); err != nil {
		return nil, fmt.Errorf("janus admin: get_status: %w", err)
	}
	return st, nil
}

// ListSessions returns the ids of the server's sessions.
func (a *Client) ListSessions(ctx context.Context) ([]uint64, error) {
	m, err := a.call(ctx, "", "list_sessions", nil)
	if err != nil {
		return nil, err
	}
	var ids []uint64
	if err := field(m, "sessions", &ids); err != nil {
		return nil, fmt.Errorf("janus admin: list_sessions: %w", err)
	}
	return ids, nil
}

// ListHandles returns the ids of the handles of a session (458 if unknown).
func (a *Client) ListHandles(ctx context.Context, session uint64) ([]uint64, error) {
	m, err := a.call(ctx, "/"+strconv.FormatUint(session, 10), "list_handles", nil)
	if err != nil {
		return nil, err
	}
	var ids []uint64
	if err := field(m, "handles", &ids); err != nil {
		return nil, fmt.Errorf("janus admin: list_handles: %w", err)
	}
	return ids, nil
}

// HandleInfo returns the "info" member of handle_info for a handle: plugin,
// WebRTC and ICE state, streams and statistics, as raw JSON.
func (a *Client) HandleInfo(ctx context.Context, session, handle uint64) (json.RawMessage, error) {
	m, err := a.call(ctx, "/"+strconv.FormatUint(session, 10)+"/"+strconv.FormatUint(handle, 10), "handle_info", nil)
	if err != nil {
		return nil, err
	}
	var info json.RawMessage
	if err := field(m, "info", &info); err != nil {
		return nil, fmt.Errorf("janus admin: handle_info: %w", err)
	}
	return info, nil
}

// StoredToken is one entry of list_tokens.
type StoredToken struct {
	// Token is the token string (a secret: never log it).
	Token string `json:"token"`
	// AllowedPlugins lists the plugin package names the token may attach to.
	AllowedPlugins []string `json:"allowed_plugins"`
}

// AddToken adds a stored token (token_auth must be on), allowed to attach to
// plugins (all plugins when none is named).
func (a *Client) AddToken(ctx context.Context, token string, plugins ...string) error {
	extra := map[string]any{"token": token}
	if len(plugins) > 0 {
		extra["plugins"] = plugins
	}
	_, err := a.call(ctx, "", "add_token", extra)
	return err
}

// RemoveToken removes a stored token (470 when unknown).
func (a *Client) RemoveToken(ctx context.Context, token string) error {
	_, err := a.call(ctx, "", "remove_token", map[string]any{"token": token})
	return err
}

// ListTokens returns every stored token with its allowed plugins.
func (a *Client) ListTokens(ctx context.Context) ([]StoredToken, error) {
	m, err := a.call(ctx, "", "list_tokens", nil)
	if err != nil {
		return nil, err
	}
	var d struct {
		Tokens []StoredToken `json:"tokens"`
	}
	if err := field(m, "data", &d); err != nil {
		return nil, fmt.Errorf("janus admin: list_tokens: %w", err)
	}
	return d.Tokens, nil
}

// AllowToken lets token attach to plugins as well.
func (a *Client) AllowToken(ctx context.Context, token string, plugins ...string) error {
	_, err := a.call(ctx, "", "allow_token", map[string]any{"token": token, "plugins": plugins})
	return err
}

// DisallowToken stops token from attaching to plugins.
func (a *Client) DisallowToken(ctx context.Context, token string, plugins ...string) error {
	_, err := a.call(ctx, "", "disallow_token", map[string]any{"token": token, "plugins": plugins})
	return err
}

// AcceptNewSessions turns session creation on or off (off drains the
// instance: create then fails with 472).
func (a *Client) AcceptNewSessions(ctx context.Context, accept bool) error {
	_, err := a.call(ctx, "", "accept_new_sessions", map[string]any{"accept": accept})
	return err
}

// MessagePlugin sends a synchronous request to a plugin with no session
// (e.g. VideoRoom create, destroy, listparticipants) and returns the plugin's
// "response". A plugin error (error_code) becomes *PluginError.
func (a *Client) MessagePlugin(ctx context.Context, plugin string, body any) (json.RawMessage, error) {
	m, err := a.call(ctx, "", "message_plugin", map[string]any{"plugin": plugin, "request": body})
	if err != nil {
		return nil, err
	}
	var resp json.RawMessage
	if err := field(m, "response", &resp); err != nil {
		return nil, fmt.Errorf("janus admin: message_plugin: %w", err)
	}
	if perr := wire.PluginErrorOf(&wire.PluginData{Plugin: plugin, Data: resp}); perr != nil {
		return resp, fmt.Errorf("janus admin: message_plugin: %w", perr)
	}
	return resp, nil
}

// QueryEventHandler sends a request to an event handler (e.g.
// "janus.eventhandler.sampleevh" with {"request":"tweak", ...}) and returns
// its "response".
func (a *Client) QueryEventHandler(ctx context.Context, handler string, body any) (json.RawMessage, error) {
	m, err := a.call(ctx, "", "query_eventhandler", map[string]any{"handler": handler, "request": body})
	if err != nil {
		return nil, err
	}
	var resp json.RawMessage
	if err := field(m, "response", &resp); err != nil {
		return nil, fmt.Errorf("janus admin: query_eventhandler: %w", err)
	}
	return resp, nil
}

// PluginRequester returns a requester that sends synchronous requests to
// plugin through [Client.MessagePlugin], with the same shape as
// janus.Handle.Request, for code that manages rooms without a session.
func (a *Client) PluginRequester(plugin string) *Plugin {
	return &Plugin{a: a, plugin: plugin}
}

// Plugin sends synchronous plugin requests through the Admin API.
type Plugin struct {
	a      *Client
	plugin string
}

// Request sends body to the plugin with message_plugin and returns its
// response; see [Client.MessagePlugin].
func (p *Plugin) Request(ctx context.Context, body any) (json.RawMessage, error) {
	return p.a.MessagePlugin(ctx, p.plugin, body)
}
