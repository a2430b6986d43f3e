// Package app is Frontdesk's composition root: it builds every component
// (store, auth, Janus instance pool and stored tokens, built-in SFU, event
// bus and webhook, queue engine and API, Janus API proxy) from the
// configuration, connects them through the small interfaces each declares,
// mounts their routes on the HTTP server, and runs their loops.
//
// The adapters between packages live here: the queue's RoomProvisioner
// (rooms.go), TicketIssuer and the proxy's Resolver (calls.go), and the
// pump that turns bus events into call progress and instance liveness
// (progress.go).
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/frontdesk/frontdesk/apidoc"
	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/bus"
	"github.com/frontdesk/frontdesk/cluster"
	"github.com/frontdesk/frontdesk/config"
	"github.com/frontdesk/frontdesk/failover"
	"github.com/frontdesk/frontdesk/idgen"
	janusadmin "github.com/frontdesk/frontdesk/janus/admin"
	"github.com/frontdesk/frontdesk/janus/events"
	"github.com/frontdesk/frontdesk/janus/pool"
	"github.com/frontdesk/frontdesk/janus/tokens"
	"github.com/frontdesk/frontdesk/proxy"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/queueapi"
	"github.com/frontdesk/frontdesk/server"
	"github.com/frontdesk/frontdesk/sfu"
	"github.com/frontdesk/frontdesk/store"
	"github.com/frontdesk/frontdesk/turn"
	"github.com/frontdesk/frontdesk/webhook"
	"github.com/frontdesk/frontdesk/webhookout"
	"github.com/frontdesk/frontdesk/webui"
)

// Intervals of the background loops.
const (
	tokenReconcileInterval = time.Minute
	sweepInterval          = 5 * time.Minute
)

// App is a built Frontdesk. Run it, then Close it.
type App struct {
	log    *slog.Logger
	store  *store.Backend
	bus    *bus.Bus
	auth   *auth.Service
	setup  *auth.Setup
	tokens *tokens.Manager // nil without Janus
	pool   *pool.Pool      // nil without Janus
	sfu    *sfu.Server     // nil when sfu.enabled is false
	sfuLn  net.Listener    // nil when sfu.enabled is false
	// builtinNet reaches the built-in SFUs of every replica (tokens, room
	// operations); with a single replica, only this process's.
	builtinNet *builtinNet
	engine     *queue.Engine
	api        *queueapi.API
	proxy      *proxy.Proxy
	progSub    *bus.Subscription
	echo       *echo.Echo
	export     *webhookout.Exporter // delivers nothing without export.webhooks
	failover   *failover.Failover   // nil without Janus
	unfeed     func()               // ends the proxy's subscription to call.moved
	natsSrv    *cluster.Server      // nil unless cluster.listen is set
	nats       *nats.Conn           // nil for a single replica
}

// New builds Frontdesk from cfg and mounts its routes on srv. It opens the
// store, so Close must be called even if Run is not.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger, reg *prometheus.Registry, srv *server.Server) (_ *App, err error) {
	a := &App{log: log, echo: srv.Echo()}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()

	// Store.
	driver, err := store.ParseDriver(cfg.Store.Driver.String())
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	a.store, err = store.Open(ctx, store.Config{
		Driver: driver, Path: cfg.Store.File(),
		MongoURI: cfg.Store.MongoDB.URI.Reveal(), MongoDatabase: cfg.Store.MongoDB.Database,
	})
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	srv.AddReadyCheck("store", a.store.Ready)

	// Event bus.
	if a.bus, err = bus.New(bus.WithRegisterer(reg)); err != nil {
		return nil, fmt.Errorf("app: bus: %w", err)
	}

	// Auth.
	keys, generated, err := keyRing(cfg.Auth.Keys.Reveal(), filepath.Join(cfg.Store.DataDir, "frontdesk.keys"))
	if err != nil {
		return nil, fmt.Errorf("app: auth keys: %w", err)
	}
	if generated {
		log.Warn("app: no auth.keys configured; generated a key ring in the data directory (set FRONTDESK_AUTH_KEYS in production)")
	}
	origins := append([]string{}, cfg.HTTP.AllowedOrigins...)
	if u, err := url.Parse(cfg.HTTP.PublicURL); err == nil && u.Host != "" {
		origins = append(origins, u.Scheme+"://"+u.Host) // the origin only: public_url may have a path
	}
	a.auth, err = auth.New(a.store.Auth(), keys,
		auth.WithLogger(log), auth.WithSecureCookies(cfg.HTTP.CookieSecure),
		auth.WithSignup(cfg.Auth.SignupEnabled), auth.WithSessionMaxAge(cfg.Auth.SessionTTL),
		auth.WithAllowedOrigins(origins...), auth.WithCreateRates(cfg.Auth.SignupsPerMinute, cfg.Auth.GuestsPerMinute))
	if err != nil {
		return nil, fmt.Errorf("app: auth: %w", err)
	}
	if cfg.Auth.BootstrapAdminEmail != "" {
		created, err := a.auth.BootstrapAdmin(ctx, cfg.Auth.BootstrapAdminEmail, cfg.Auth.BootstrapAdminPassword.Reveal())
		if err != nil {
			return nil, fmt.Errorf("app: bootstrap admin: %w", err)
		}
		if created {
			log.Info("app: bootstrap admin created", "email", cfg.Auth.BootstrapAdminEmail)
		}
	}
	api := srv.API()
	api.Use(a.auth.Middleware())
	a.auth.Register(api)
	// The first admin can be made in the browser at /setup with the code
	// the binary logs at start-up while no admin exists.
	a.setup = a.auth.NewSetup()
	a.setup.Register(api)
	apidoc.Register(api) // GET /api/v1/openapi.json, public
	admin := api.Group("/admin", auth.RequireRole(auth.RoleAdmin))

	// Janus instances and their stored tokens.
	if len(cfg.Janus.Instances) > 0 {
		var cfgs []pool.InstanceConfig
		admins := map[string]tokens.Admin{}
		for _, in := range cfg.Janus.Instances {
			cfgs = append(cfgs, pool.InstanceConfig{Name: in.Name, WSURL: in.WSURL, HTTPURL: in.HTTPURL, AdminURL: in.AdminURL,
				AdminSecret: in.AdminSecret.Reveal(), AdminKey: in.AdminKey.Reveal(), Capacity: in.Capacity})
			admins[in.Name] = tokens.FromJanus(janusadmin.New(in.AdminURL, in.AdminSecret.Reveal()))
		}
		a.pool, err = pool.New(ctx, cfgs, a.store.Placements(), pool.WithHealthInterval(cfg.Janus.HealthInterval),
			pool.WithLogger(log), pool.WithRegisterer(reg))
		if err != nil {
			return nil, fmt.Errorf("app: %w", err)
		}
		a.pool.Register(admin)
		a.tokens = tokens.New(a.store.Auth(), admins, tokens.WithLogger(log))
	}

	// Built-in SFU (sfu.enabled), on a loopback listener only the proxy
	// dials: every Janus API request needs a stored token the resolver adds
	// for a live room's participant, and VideoRoom "create" an admin key
	// nobody holds (rooms are created from Go). Off, a.sfu, a.sfuLn and the
	// builtin URLs stay empty and no room is placed on it.
	var builtinWS, builtinHTTP string
	var sfuSecret, sfuSelf string
	if cfg.Replicated() {
		sfuSecret, sfuSelf = cfg.SFUSecret(), cfg.SFU.AdvertiseURL
	}
	a.builtinNet = newBuiltinNet(sfuSecret, sfuSelf, idgen.Bytes(32))
	if cfg.SFU.Enabled {
		a.sfu, err = sfu.New(sfuConfig(cfg), sfu.WithLogger(log),
			sfu.WithTokenAuth(a.builtinNet.tokenAuth(func(room uint64) bool { return a.sfu.RoomExists(room) })),
			sfu.WithEmitter(sfu.EmitterFunc(func(ev *events.Event) { a.bus.Publish(ev) })))
		if err != nil {
			return nil, fmt.Errorf("app: sfu: %w", err)
		}
		if err := reg.Register(a.sfu.Collector()); err != nil {
			return nil, fmt.Errorf("app: sfu metrics: %w", err)
		}
		if a.sfuLn, err = net.Listen("tcp", cfg.SFU.ListenOrDefault()); err != nil {
			return nil, fmt.Errorf("app: sfu listener: %w", err)
		}
		local := dialable(a.sfuLn.Addr())
		builtinWS, builtinHTTP = "ws://"+local+"/janus", "http://"+local+"/janus"
	}
	if !cfg.SFU.Enabled && len(cfg.Janus.Instances) == 0 {
		log.Warn("app: sfu.enabled is false and no Janus instance is configured: no call can start")
	}

	// Queue.
	var minter queue.TokenMinter = noJanusTokens{}
	if a.tokens != nil {
		minter = a.tokens
	}
	rms := &rooms{pool: a.pool, net: a.builtinNet, log: log}
	if a.sfu != nil {
		rms.builtin = a.sfu
	}
	var feed queue.Feed = &queue.LocalFeed{}
	if cfg.Replicated() {
		if feed, err = a.joinCluster(cfg, srv); err != nil {
			return nil, err
		}
	}
	// Outbound webhooks; their dead letters are listed, replayed and
	// deleted under /admin/export even with no target configured now.
	a.export = webhookout.New(exportTargets(cfg.Export), a.store.Outbox(), webhookout.Options{Log: log})
	a.export.Register(admin)
	if len(cfg.Export.Webhooks) > 0 {
		feed = a.export.Feed(feed) // this replica exports the events its engine produces
	}
	engineOpts := []queue.Option{queue.WithLogger(log), queue.WithFeed(feed)}
	var lines *phoneLines
	if len(cfg.Phone.Accounts) > 0 && a.pool != nil {
		lines = &phoneLines{pool: a.pool, tokens: a.tokens, sip: map[string]bool{}, accounts: cfg.Phone}
		for _, in := range cfg.Janus.Instances {
			lines.sip[in.Name] = in.SIP
		}
		engineOpts = append(engineOpts, queue.WithPhoneLines(lines))
	}
	a.engine, err = queue.NewEngine(queue.Deps{Store: a.store.Queue(), Rooms: rms, Tickets: tickets{a.auth}, Tokens: minter},
		engineOpts...)
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	if lines != nil {
		lines.queues = a.engine
	}
	a.api = queueapi.New(a.engine, identifier{}, a.auth.Origins().Check, queueapi.WithLogger(log),
		queueapi.WithJoinRate(cfg.Queue.JoinPerMinute, cfg.Queue.JoinBurst))
	a.api.Register(api)
	if a.progSub, err = a.bus.Subscribe(bus.Filter{Types: events.TypeCall | events.TypeCore | events.TypeWebRTC | events.TypePlugin},
		bus.WithName("call-progress"), bus.WithBuffer(4096)); err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}

	// Janus event-handler webhook.
	if len(cfg.Janus.Instances) > 0 || cfg.Events.User != "" {
		prefixes, err := webhook.ParsePrefixes(cfg.Events.AllowFrom...)
		if err != nil {
			return nil, fmt.Errorf("app: events.allow_from: %w", err)
		}
		h, err := webhook.New(webhookConfig(cfg, prefixes),
			a.bus, webhook.WithRegisterer(reg), webhook.WithLogger(log), webhook.WithCorrelator(events.NewCorrelator(1<<16)))
		if err != nil {
			return nil, fmt.Errorf("app: webhook: %w", err)
		}
		h.Register(srv.Echo())
	}

	// ICE servers for browsers, with short-lived TURN credentials (TURN
	// REST API, coturn use-auth-secret).
	ice, err := turn.New(cfg.TURN.SharedSecret.Reveal(), cfg.TURN.URLs, cfg.TURN.TTL, turn.WithLogger(log))
	if err != nil {
		return nil, fmt.Errorf("app: turn: %w", err)
	}
	api.GET("/ice-servers", turn.Handler(ice, func(c echo.Context) (string, error) {
		p, ok := auth.PrincipalFrom(c)
		if !ok {
			return "", turn.ErrNoUser
		}
		// A TURN REST username is "<expiry>:<user>", so the user part may
		// hold no ':' (guest ids are "guest:<id>").
		return strings.ReplaceAll(p.UserID, ":", "-"), nil
	}))

	// The Janus API proxy for browsers.
	res := &resolver{calls: a.engine, pool: a.pool, builtinWS: builtinWS, builtinAPI: builtinHTTP, net: a.builtinNet,
		accounts: cfg.Phone}
	if lines != nil {
		res.phones = a.engine
	}
	if a.sfu != nil {
		res.builtin = a.sfu
	}
	proxyOpts := []proxy.Option{proxy.WithAllowedOrigins(origins...), proxy.WithLogger(log), proxy.WithRegisterer(reg),
		proxy.WithEvicter(res), proxy.WithPhoneSteps(a.phoneStep)}
	if a.pool != nil {
		// Connections to one instance dropping is the first sign it died:
		// check it at once rather than at the next health check.
		proxyOpts = append(proxyOpts, proxy.WithBackendLost(a.pool.CheckSoon))
	}
	a.proxy, err = proxy.New(a.auth, res, proxyOpts...)
	if err != nil {
		return nil, fmt.Errorf("app: proxy: %w", err)
	}
	// A call that moved to a new room (on any replica) has its clients
	// reconnect with a new ticket (docs/failover.md).
	a.unfeed = a.engine.Feed().Subscribe(func(ev queue.Event) {
		if ev.Kind == queue.EventCallEnded && ev.Call != "" {
			// A phone call Frontdesk ended (the ring timeout): hang it up.
			a.proxy.ClosePhone(string(ev.Call))
			return
		}
		if ev.Kind != queue.EventCallMoved || ev.Call == "" {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, err := a.engine.Store().GetCall(ctx, ev.Call)
		if err != nil {
			a.log.Warn("app: reading a moved call", "call", ev.Call, "err", err)
			return
		}
		a.proxy.CloseCall(string(c.ID), c.Room.ID)
	})

	// Janus failover: the calls of an instance that is lost move to the
	// others.
	if a.pool != nil {
		if a.failover, err = failover.New(a.engine, failover.Options{Log: log, Registerer: reg}); err != nil {
			return nil, fmt.Errorf("app: %w", err)
		}
		a.pool.Watch(func(name string, s pool.State) {
			if s == pool.StateDown {
				a.proxy.CloseInstance(name)
				a.failover.Lost(name, queue.MoveInstanceDown)
			}
		})
		a.pool.OnRestart(a.restarted)
		admin.POST("/instances/:name/evacuate", a.evacuate)
	}
	h := echo.WrapHandler(a.proxy)
	srv.Echo().Any("/janus", h)
	srv.Echo().Any("/janus/*", h)
	srv.OnShutdown(func() { _ = a.proxy.Close() })

	// The web UI (caller, host and admin pages).
	webui.Register(srv.Echo())
	return a, nil
}

// Run runs the components' loops until ctx ends, and returns the first
// error of one of them (which ends the others).
func (a *App) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type loop struct {
		name string
		run  func(context.Context) error
	}
	loops := []loop{
		{"queue engine", a.engine.Run},
		{"queue live updates", a.api.Run},
		{"auth sweeper", func(ctx context.Context) error { return a.auth.RunSweeper(ctx, sweepInterval) }},
		{"call progress", func(ctx context.Context) error {
			return pumpProgress(ctx, a.progSub, a.engine, a.pool, a.restarted, a.log)
		}},
	}
	if a.failover != nil {
		loops = append(loops, loop{"failover", a.failover.Run})
	}
	if a.export != nil {
		loops = append(loops, loop{"event export", a.export.Run})
	}
	if a.pool != nil {
		loops = append(loops, loop{"janus pool", a.pool.Run},
			loop{"janus tokens", func(ctx context.Context) error { return a.tokens.Run(ctx, tokenReconcileInterval) }})
	}
	if a.sfu != nil {
		hs := &http.Server{Handler: a.builtinNet.handler(a.sfu.Handler(), a.sfu), ReadHeaderTimeout: 10 * time.Second}
		loops = append(loops, loop{"built-in SFU", func(ctx context.Context) error {
			errc := make(chan error, 1)
			go func() { errc <- hs.Serve(a.sfuLn) }()
			select {
			case <-ctx.Done():
				sctx, c := context.WithTimeout(context.Background(), 2*time.Second)
				defer c()
				_ = hs.Shutdown(sctx)
				<-errc
				return nil
			case err := <-errc:
				return err
			}
		}})
	}
	errc := make(chan error, len(loops))
	for _, l := range loops {
		go func() {
			err := l.run(ctx)
			if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, http.ErrServerClosed) {
				err = fmt.Errorf("app: %s: %w", l.name, err)
			} else {
				err = nil
			}
			cancel()
			errc <- err
		}()
	}
	var first error
	for range loops {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Close releases what New acquired (proxy connections, SFU, bus, NATS,
// store).
func (a *App) Close() {
	if a.unfeed != nil {
		a.unfeed()
	}
	if a.nats != nil {
		a.nats.Close()
	}
	if a.natsSrv != nil {
		a.natsSrv.Shutdown()
	}
	if a.proxy != nil {
		_ = a.proxy.Close()
	}
	if a.sfu != nil {
		_ = a.sfu.Close()
	}
	if a.sfuLn != nil {
		_ = a.sfuLn.Close()
	}
	if a.bus != nil {
		a.bus.Close()
	}
	if a.store != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.store.Close(ctx); err != nil {
			a.log.Warn("app: close store", "err", err)
		}
	}
}

// Engine returns the queue engine (for tests and the CLI).
func (a *App) Engine() *queue.Engine { return a.engine }

// Pool returns the Janus instance pool (nil without janus.instances), for
// tests and the CLI.
func (a *App) Pool() *pool.Pool { return a.pool }

// Auth returns the auth service (for tests and the CLI).
func (a *App) Auth() *auth.Service { return a.auth }

// Setup returns the first-admin setup behind /setup; the binary logs its
// code at start-up when [auth.Setup.Needed] holds.
func (a *App) Setup() *auth.Setup { return a.setup }

// BuiltinSFUAddr returns the built-in SFU's listener address
// ("127.0.0.1:port" by default, sfu.listen; "" when sfu.enabled is false),
// for tests: every Janus API request there needs a token only the
// replicas can make.
func (a *App) BuiltinSFUAddr() string {
	if a.sfuLn == nil {
		return ""
	}
	return a.sfuLn.Addr().String()
}

// dialable is addr with an unspecified IP (0.0.0.0, ::) replaced by
// loopback, for this process to dial its own listener.
func dialable(addr net.Addr) string {
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil || !ap.Addr().IsUnspecified() {
		return addr.String()
	}
	lo := netip.IPv6Loopback()
	if ap.Addr().Is4() {
		lo = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	return netip.AddrPortFrom(lo, ap.Port()).String()
}

// Routes returns every route mounted on the HTTP server (method, echo path
// template such as "/api/v1/queues/:id"), for tests that compare them with
// the OpenAPI document.
func (a *App) Routes() []*echo.Route { return a.echo.Routes() }

// sfuConfig maps the configuration onto the SFU's. On a loopback-only
// listen address (a laptop) the SFU offers loopback candidates too.
func sfuConfig(cfg *config.Config) sfu.Config {
	c := sfu.Config{
		UDPPortMin: uint16(cfg.SFU.UDPPortMin), UDPPortMax: uint16(cfg.SFU.UDPPortMax),
		Interfaces: cfg.SFU.Interfaces, Name: BuiltinInstance, AdminKey: idgen.Hex(32),
	}
	if cfg.SFU.NAT1To1IP != "" {
		c.NAT1To1IPs = []string{cfg.SFU.NAT1To1IP}
	}
	for _, s := range cfg.SFU.ICEServers {
		c.ICEServers = append(c.ICEServers, sfu.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential.Reveal()})
	}
	if host, _, err := net.SplitHostPort(cfg.HTTP.Listen); err == nil {
		if ip := net.ParseIP(host); (ip != nil && ip.IsLoopback()) || host == "localhost" {
			c.IncludeLoopback = true
		}
	}
	return c
}

// webhookConfig maps the configuration onto the webhook's: each instance's
// own credentials carry only its events, the shared pair only the single
// instance's (config validation refuses it with two or more), and no post
// may carry the built-in SFU's events.
func webhookConfig(cfg *config.Config, sources []netip.Prefix) webhook.Config {
	wc := webhook.Config{Path: cfg.Events.Path, Username: cfg.Events.User, Password: cfg.Events.Password.Reveal(),
		AllowedSources: sources, MaxBodyBytes: cfg.Events.MaxBody, Reserved: []string{BuiltinInstance}}
	if len(cfg.Janus.Instances) == 1 {
		wc.SharedEmitter = cfg.Janus.Instances[0].Name
	}
	for _, in := range cfg.Janus.Instances {
		if in.EventsUser != "" {
			wc.Sources = append(wc.Sources, webhook.Source{Emitter: in.Name, Username: in.EventsUser,
				Password: in.EventsPassword.Reveal()})
		}
	}
	return wc
}

// noJanusTokens is the token minter when no Janus is configured: builtin
// rooms need no Janus tokens, so asking for one is a wiring error.
type noJanusTokens struct{}

func (noJanusTokens) MintToken(context.Context, string) (string, error) {
	return "", errors.New("app: no Janus instance configured")
}
func (noJanusTokens) RevokeToken(context.Context, string, string) error { return nil }
