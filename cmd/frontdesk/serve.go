package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/config"
	"github.com/frontdesk/frontdesk/server"
)

var serveCommand = &command{
	name:    "serve",
	summary: "run the Frontdesk server",
	run:     serveMain,
}

// serveMain parses the serve command line, loads the configuration (see
// package config), sets up logging and calls serve.
func serveMain(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "serve", "[--config file.yaml] [--section.key value ...]",
		"Run the Frontdesk server. Settings come from defaults, the YAML file, FRONTDESK_* variables\n"+
			"and these flags, in that order (see docs/configuration.md).")
	flags := config.RegisterFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(flags, e.environ)
	if err != nil {
		return err
	}
	logger := newLogger(e.stderr, cfg.Log)
	slog.SetDefault(logger)
	return serve(ctx, cfg, logger)
}

// serve runs Frontdesk with cfg until ctx is done (SIGINT/SIGTERM), then
// shuts down gracefully. It returns nil after a clean shutdown.
//
// This is where components are wired: build each one from its config
// section, mount its routes on srv.Echo() or srv.API(), register its
// readiness with srv.AddReadyCheck, and add its long-running loop (a
// func(ctx) error that returns when ctx is done) to runTogether next to
// the HTTP server. Close what needs closing after runTogether returns, in
// reverse order of construction.
func serve(ctx context.Context, cfg *config.Config, logger *slog.Logger) error {
	bi := readBuildInfo()
	logger.Info("starting frontdesk", "version", bi.Version, "commit", bi.Commit, "go", bi.GoVersion)
	logger.Debug("configuration", "config", cfg)

	reg := prometheus.NewRegistry()
	if err := reg.Register(buildInfoGauge(bi)); err != nil {
		return fmt.Errorf("serve: metrics: %w", err)
	}
	srv, err := server.New(cfg.HTTP, logger, reg, server.WithMetrics(cfg.Metrics))
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}

	a, err := app.New(ctx, cfg, logger, reg, srv)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer a.Close()

	ln, err := srv.Listen()
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("listening", "addr", ln.Addr().String())
	logSetup(ctx, logger, a, cfg.HTTP.PublicURL, ln.Addr())
	err = runTogether(ctx,
		func(ctx context.Context) error { return srv.Serve(ctx, ln) },
		a.Run,
	)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// buildInfoGauge is frontdesk_build_info{version,commit,goversion} 1.
func buildInfoGauge(bi buildInfo) prometheus.Collector {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "frontdesk_build_info",
		Help:        "Always 1; labels carry the version, VCS commit and Go version of the running binary.",
		ConstLabels: prometheus.Labels{"version": bi.Version, "commit": bi.Commit, "goversion": bi.GoVersion},
	})
	g.Set(1)
	return g
}

// setupLogMsg is the log message that carries the first-admin setup code.
const setupLogMsg = "no admin account yet: open the setup page and enter the setup code to create the first admin"

// logSetup logs, while no admin account exists, the URL of the setup page
// and the one-time setup code that creates the first admin there (see
// auth.Setup). The code goes to the log and nowhere else.
func logSetup(ctx context.Context, logger *slog.Logger, a *app.App, publicURL string, addr net.Addr) {
	needed, err := a.Setup().Needed(ctx)
	if err != nil {
		logger.Error("cannot tell whether an admin account exists", "err", err)
		return
	}
	if needed {
		logger.Warn(setupLogMsg, "url", setupURL(publicURL, addr.String()), "code", a.Setup().Code())
	}
}

// setupURL is the address of the setup page: under publicURL when set,
// else on the listen address hostport (an unspecified host such as
// 0.0.0.0 or [::] becomes localhost).
func setupURL(publicURL, hostport string) string {
	if publicURL != "" {
		return strings.TrimRight(publicURL, "/") + "/setup"
	}
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return "http://" + hostport + "/setup"
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/setup"
}
