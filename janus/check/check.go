package check

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/janus/admin"
	"github.com/frontdesk/frontdesk/janus/videoroom"
	"github.com/frontdesk/frontdesk/janus/wire"
)

// Package names Janus reports in "info" (plugins and events members).
const (
	videoRoomPlugin = "janus.plugin.videoroom"
	sipPlugin       = "janus.plugin.sip"
	sampleEVH       = "janus.eventhandler.sampleevh"
)

// videoRoomUnauthorized is VideoRoom's JANUS_VIDEOROOM_ERROR_UNAUTHORIZED
// (janus_videoroom.c), returned for a wrong or missing admin_key.
const videoRoomUnauthorized = 433

// videoRoomMissingElement is JANUS_VIDEOROOM_ERROR_MISSING_ELEMENT
// (janus_videoroom.c): create without admin_key when one is configured.
const videoRoomMissingElement = 429

// minVersion is the oldest Janus Frontdesk supports (1.1.0, info "version").
const minVersion = 1100

// Target is one Janus instance as Frontdesk's config describes it
// (config.JanusInstance).
type Target struct {
	// Name is the instance name used in results.
	Name string
	// AdminURL is the Admin API endpoint, e.g. "http://10.0.0.2:7088/admin".
	AdminURL string
	// AdminSecret is the configured admin_secret.
	AdminSecret string
	// AdminKey is the configured VideoRoom admin_key.
	AdminKey string
	// SIP asks for the [SIPPlugin] check: Frontdesk places phone calls
	// through this instance, so the SIP plugin (janus.plugin.sip) must be
	// loaded. Default false: the check is left out of the results.
	SIP bool
}

// EventCounts are Frontdesk's running totals for its event-handler
// webhook (package webhook's metrics).
type EventCounts struct {
	// Received counts events accepted and decoded.
	Received uint64
	// AuthFailures counts posts refused for wrong or missing Basic auth (401).
	AuthFailures uint64
	// Forbidden counts posts refused because the sender's address is not in
	// events.allow_from (403).
	Forbidden uint64
	// OtherRejected counts posts refused with any other 4xx status.
	OtherRejected uint64
}

// EventWitness tells what Frontdesk's event webhook has seen. The check
// reads it, makes the instance emit VideoRoom events (room created and
// destroyed), and waits for Received to grow; if instead a refusal counter
// grows, it says which setting is wrong.
type EventWitness interface {
	// EventsFrom returns the totals so far for the instance whose
	// server_name (event "emitter") is emitter. An implementation that
	// cannot tell instances apart may count all events.
	EventsFrom(ctx context.Context, emitter string) (EventCounts, error)
}

// Option is an optional setting of [Run].
type Option func(*options)

type options struct {
	hc        *http.Client
	witness   EventWitness
	eventWait time.Duration
	timeout   time.Duration
}

// WithHTTPClient sets the HTTP client for the Admin API (default: a client
// with the per-request timeout).
func WithHTTPClient(hc *http.Client) Option { return func(o *options) { o.hc = hc } }

// WithEventWitness enables the events-delivery check (skipped otherwise).
func WithEventWitness(w EventWitness) Option { return func(o *options) { o.witness = w } }

// WithEventWait sets how long the events-delivery check waits for an event
// to arrive. Default 5s (sampleevh posts at once; a retry backs off from
// 100 ms).
func WithEventWait(d time.Duration) Option { return func(o *options) { o.eventWait = d } }

// WithRequestTimeout bounds each Admin API request. Default 5s.
func WithRequestTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// Run checks one instance and returns one [Result] per [Name], in order
// ([SIPPlugin] only when Target.SIP is set).
// It never returns early: a check that cannot run is reported as [Skip]
// with the reason. Run creates and destroys up to three private VideoRoom
// rooms with random ids on the instance.
func Run(ctx context.Context, t Target, opts ...Option) []Result {
	o := options{eventWait: 5 * time.Second, timeout: 5 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	jopts := []admin.Option{admin.WithRequestTimeout(o.timeout)}
	if o.hc != nil {
		jopts = append(jopts, admin.WithHTTPClient(o.hc))
	}
	r := &run{t: t, o: o, admin: admin.New(t.AdminURL, t.AdminSecret, jopts...)}
	if t.AdminSecret == "" {
		// Without a secret NewAdmin would send "", which Janus refuses the same way.
		r.noSecret = true
	}
	r.adminAPI(ctx)
	r.version()
	r.adminSecret(ctx)
	r.tokenAuth()
	r.videoRoom()
	if t.SIP {
		r.sipPlugin()
	}
	r.adminKey(ctx)
	r.eventHandlers()
	r.sampleEVH()
	r.eventsDelivery(ctx)
	return r.results
}

// run is the state of one Run.
type run struct {
	t        Target
	o        options
	admin    *admin.Client
	noSecret bool
	info     *admin.ServerInfo // nil when info failed
	secretOK bool
	// videoRoomOK is set when the VideoRoom plugin is loaded.
	videoRoomOK bool
	keyOK       bool
	results     []Result
}

func (r *run) add(name Name, s Status, detail, fix string) {
	if s != Fail {
		fix = ""
	}
	r.results = append(r.results, Result{Instance: r.t.Name, Check: name, Status: s, Detail: detail, Fix: fix})
}

func (r *run) adminAPI(ctx context.Context) {
	if r.t.AdminURL == "" {
		r.add(AdminAPI, Fail, "no admin_url configured for this instance",
			"set admin_url (e.g. http://janus:7088/admin) for the instance under janus.instances")
		return
	}
	if err := r.admin.Ping(ctx); err != nil {
		r.add(AdminAPI, Fail, fmt.Sprintf("Admin API at %s does not answer ping: %v", r.t.AdminURL, err),
			"check admin_url, that janus.transport.http.jcfg has admin_http = true with this admin_port, admin_ip and admin_base_path, and that Janus runs and the port is reachable from here")
		return
	}
	info, err := r.admin.Info(ctx)
	if err != nil {
		r.add(AdminAPI, Fail, fmt.Sprintf("Admin API at %s answers ping but not info: %v", r.t.AdminURL, err),
			"check that admin_url points at Janus's Admin API, not at another service")
		return
	}
	r.info = info
	r.add(AdminAPI, Pass, fmt.Sprintf("%s answers (server_name %q)", r.t.AdminURL, info.ServerName), "")
}

func (r *run) version() {
	if r.info == nil {
		r.add(Version, Skip, "needs the Admin API", "")
		return
	}
	if r.info.Version < minVersion {
		r.add(Version, Fail, fmt.Sprintf("Janus %s; Frontdesk needs 1.1 or later", r.info.VersionString),
			"install Janus 1.1 (Debian bookworm: apt-get install janus)")
		return
	}
	r.add(Version, Pass, "Janus "+r.info.VersionString, "")
}

func (r *run) adminSecret(ctx context.Context) {
	if r.info == nil {
		r.add(AdminSecret, Skip, "needs the Admin API", "")
		return
	}
	if r.noSecret {
		r.add(AdminSecret, Fail, "no admin_secret configured for this instance",
			"set admin_secret for the instance under janus.instances to general.admin_secret of janus.jcfg")
		return
	}
	_, err := r.admin.GetStatus(ctx)
	switch {
	case err == nil:
		r.secretOK = true
		r.add(AdminSecret, Pass, "get_status accepted", "")
	case errors.Is(err, &wire.Error{Code: wire.CodeUnauthorized}):
		r.add(AdminSecret, Fail, "Janus refused the configured admin_secret (get_status: error 403, unauthorized request)",
			"make admin_secret of this instance in Frontdesk's config equal general.admin_secret in janus.jcfg (the Janus side is rendered from JANUS_ADMIN_SECRET in the deployment)")
	default:
		r.add(AdminSecret, Fail, fmt.Sprintf("get_status failed: %v", err),
			"see Janus's log; the Admin API answered info but not an authenticated request")
	}
}

func (r *run) tokenAuth() {
	if r.info == nil {
		r.add(TokenAuth, Skip, "needs the Admin API", "")
		return
	}
	if !r.info.AuthToken {
		r.add(TokenAuth, Fail, "token_auth is off: any browser reaching Janus could create sessions and attach to plugins",
			"set token_auth = true in janus.jcfg general (janus-config renders it so) and restart Janus")
		return
	}
	r.add(TokenAuth, Pass, "token_auth is on", "")
}

func (r *run) videoRoom() {
	if r.info == nil {
		r.add(VideoRoom, Skip, "needs the Admin API", "")
		return
	}
	if _, ok := r.info.Plugins[videoRoomPlugin]; !ok {
		r.add(VideoRoom, Fail, "the VideoRoom plugin ("+videoRoomPlugin+") is not loaded; loaded: "+keys(r.info.Plugins),
			"install it (Debian's janus package has it) and make sure plugins.disable in janus.jcfg does not list libjanus_videoroom.so")
		return
	}
	r.videoRoomOK = true
	r.add(VideoRoom, Pass, videoRoomPlugin+" loaded", "")
}

// sipPlugin checks that the SIP plugin is loaded (Admin API info
// "plugins", Janus docs "Admin/Monitor API").
func (r *run) sipPlugin() {
	if r.info == nil {
		r.add(SIPPlugin, Skip, "needs the Admin API", "")
		return
	}
	if _, ok := r.info.Plugins[sipPlugin]; !ok {
		r.add(SIPPlugin, Fail, "the SIP plugin ("+sipPlugin+") is not loaded, so phone calls cannot be placed; loaded: "+keys(r.info.Plugins),
			"install it (Debian's janus package has libjanus_sip.so), keep libjanus_sip.so out of plugins.disable in janus.jcfg (janus-config does with Params.SIP) and configure janus.plugin.sip.jcfg (local_ip reachable by the SIP registrar), then restart Janus")
		return
	}
	r.add(SIPPlugin, Pass, sipPlugin+" loaded", "")
}

func (r *run) adminKey(ctx context.Context) {
	switch {
	case r.info == nil:
		r.add(AdminKey, Skip, "needs the Admin API", "")
		return
	case !r.secretOK:
		r.add(AdminKey, Skip, "needs a working admin_secret (rooms are created through the Admin API message_plugin)", "")
		return
	case !r.videoRoomOK:
		r.add(AdminKey, Skip, "needs the VideoRoom plugin", "")
		return
	case r.t.AdminKey == "":
		r.add(AdminKey, Fail, "no admin_key configured for this instance",
			"set admin_key for the instance under janus.instances to general.admin_key of janus.plugin.videoroom.jcfg")
		return
	}
	err := r.createDestroy(ctx, r.t.AdminKey)
	switch {
	case errors.Is(err, &wire.PluginError{Code: videoRoomUnauthorized}):
		r.add(AdminKey, Fail, "VideoRoom refused the configured admin_key (create: error 433, unauthorized)",
			"make admin_key of this instance in Frontdesk's config equal general.admin_key in janus.plugin.videoroom.jcfg (rendered from JANUS_ADMIN_KEY in the deployment)")
		return
	case err != nil:
		r.add(AdminKey, Fail, fmt.Sprintf("creating a test room failed: %v", err), "see Janus's log")
		return
	}
	// The key works; now make sure VideoRoom really requires it (Janus
	// answers 429 for a missing admin_key, 433 for a wrong one).
	err = r.createDestroy(ctx, "")
	switch {
	case errors.Is(err, &wire.PluginError{Code: videoRoomMissingElement}), errors.Is(err, &wire.PluginError{Code: videoRoomUnauthorized}):
		r.keyOK = true
		r.add(AdminKey, Pass, "a private test room was created and destroyed with the admin_key; without it, creation is refused", "")
	case err == nil:
		r.keyOK = true
		r.add(AdminKey, Fail, "VideoRoom has no admin_key: rooms can be created without one, by anyone who can attach to the plugin",
			"set general.admin_key in janus.plugin.videoroom.jcfg (janus-config renders it) and restart Janus")
	default:
		r.add(AdminKey, Fail, fmt.Sprintf("creating a test room without admin_key failed oddly: %v", err), "see Janus's log")
	}
}

// createDestroy creates a private room with a random id and secret using
// key, then destroys it.
func (r *run) createDestroy(ctx context.Context, key string) error {
	vr := r.admin.PluginRequester(videoRoomPlugin)
	secret := randomHex(16)
	c, err := videoroom.Create(ctx, vr, videoroom.CreateRequest{
		Room: randomRoom(), Description: "frontdesk janus check", Secret: secret, Pin: randomHex(8),
		IsPrivate: true, AdminKey: key, Publishers: 1,
	})
	if err != nil {
		return err
	}
	if err := videoroom.Destroy(ctx, vr, c.Room, secret); err != nil {
		return fmt.Errorf("destroy test room %d: %w", c.Room, err)
	}
	return nil
}

func (r *run) eventHandlers() {
	if r.info == nil {
		r.add(EventHandlers, Skip, "needs the Admin API", "")
		return
	}
	if !r.info.EventHandlers {
		r.add(EventHandlers, Fail, "event handlers are off: Frontdesk would never hear of joins, webrtcup or hangups",
			"set events.broadcast = true in janus.jcfg (janus-config does when an events URL is given) and restart Janus")
		return
	}
	r.add(EventHandlers, Pass, "event handlers are on", "")
}

func (r *run) sampleEVH() {
	if r.info == nil {
		r.add(SampleEVH, Skip, "needs the Admin API", "")
		return
	}
	if _, ok := r.info.Events[sampleEVH]; !ok {
		r.add(SampleEVH, Fail, "the sample HTTP event handler ("+sampleEVH+") is not loaded; loaded: "+keys(r.info.Events),
			"set enabled = true and backend = Frontdesk's events URL (e.g. http://frontdesk:8080/janus/events) in janus.eventhandler.sampleevh.jcfg, and keep libjanus_sampleevh.so out of events.disable")
		return
	}
	r.add(SampleEVH, Pass, sampleEVH+" loaded", "")
}

func (r *run) eventsDelivery(ctx context.Context) {
	switch {
	case r.o.witness == nil:
		r.add(EventsDelivery, Skip, "not checked: no way to ask Frontdesk what it received (pass --frontdesk with Frontdesk's URL)", "")
		return
	case r.info == nil:
		r.add(EventsDelivery, Skip, "needs the Admin API", "")
		return
	case !r.secretOK:
		r.add(EventsDelivery, Skip, "needs a working admin_secret (the check creates a room to make Janus emit events)", "")
		return
	case !r.keyOK:
		r.add(EventsDelivery, Skip, "needs a working admin_key (the check creates a room to make Janus emit events)", "")
		return
	case !r.info.EventHandlers:
		r.add(EventsDelivery, Skip, "event handlers are off", "")
		return
	}
	emitter := r.info.ServerName
	before, err := r.o.witness.EventsFrom(ctx, emitter)
	if err != nil {
		r.add(EventsDelivery, Fail, fmt.Sprintf("cannot read Frontdesk's event count: %v", err),
			"check that Frontdesk runs and the URL given with --frontdesk reaches it (its /metrics endpoint)")
		return
	}
	if err := r.createDestroy(ctx, r.t.AdminKey); err != nil {
		r.add(EventsDelivery, Fail, fmt.Sprintf("creating a test room failed: %v", err), "see Janus's log")
		return
	}
	deadline := time.Now().Add(r.o.eventWait)
	var now EventCounts
	for {
		n, err := r.o.witness.EventsFrom(ctx, emitter)
		if err == nil {
			now = n
			if n.Received > before.Received {
				r.add(EventsDelivery, Pass, fmt.Sprintf("Frontdesk received %d event(s) after a test room was created and destroyed", n.Received-before.Received), "")
				return
			}
			if n.AuthFailures > before.AuthFailures || n.Forbidden > before.Forbidden || n.OtherRejected > before.OtherRejected {
				break // refused posts: no need to wait for the deadline
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	switch {
	case now.AuthFailures > before.AuthFailures:
		r.add(EventsDelivery, Fail, fmt.Sprintf("Janus's event posts reach Frontdesk but fail Basic auth (%d refused with 401)", now.AuthFailures-before.AuthFailures),
			"make backend_user/backend_pwd in janus.eventhandler.sampleevh.jcfg equal Frontdesk's events.user/events.password (EVENTS_PASSWORD in the deployment)")
	case now.Forbidden > before.Forbidden:
		r.add(EventsDelivery, Fail, fmt.Sprintf("Janus's event posts reach Frontdesk but come from an address outside events.allow_from (%d refused with 403)", now.Forbidden-before.Forbidden),
			"add Janus's address (as Frontdesk sees it) to events.allow_from")
	case now.OtherRejected > before.OtherRejected:
		r.add(EventsDelivery, Fail, fmt.Sprintf("Janus's event posts reach Frontdesk but are refused (%d with a 4xx status other than 401/403)", now.OtherRejected-before.OtherRejected),
			"check that sampleevh's backend path is Frontdesk's events.path, json = \"plain\" and compress = false, and that events.max_body is large enough; Frontdesk's log names the reason")
	default:
		r.add(EventsDelivery, Fail, fmt.Sprintf("no event from %q reached Frontdesk within %s of creating and destroying a room", emitter, r.o.eventWait),
			"in janus.eventhandler.sampleevh.jcfg set backend to Frontdesk's events URL (events.path, default /janus/events) at an address Janus can reach; janus.plugin.videoroom.jcfg needs events = true; Janus's log shows sampleevh's delivery errors (\"Couldn't relay event to the backend\")")
	}
}

func keys[V any](m map[string]V) string {
	if len(m) == 0 {
		return "none"
	}
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return strings.Join(ks, ", ")
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// randomRoom returns a random room id in [1e15, 2^53) so it never clashes
// with Frontdesk's rooms in practice and stays exact in JavaScript.
func randomRoom() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	v := uint64(0)
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	const lo, hi = 1_000_000_000_000_000, 1 << 53
	return lo + v%(hi-lo)
}
