package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/frontdesk/frontdesk/config"
	"github.com/frontdesk/frontdesk/janus/check"
)

// janusCommand groups Janus deployment tools ("frontdesk janus check").
var janusCommand = &command{
	name:    "janus",
	summary: "Janus deployment tools (check)",
	subs:    []*command{janusCheckCommand},
}

var janusCheckCommand = &command{
	name:    "check",
	summary: "verify every configured Janus instance and say exactly what is wrong",
	run:     janusCheck,
}

// errChecksFailed is returned (exit status 1) when any check fails; the
// table has already been printed.
var errChecksFailed = errors.New("janus check: some checks failed (see the fix lines above)")

// janusCheck runs package check against each instance of janus.instances
// (or the one named by --instance), prints the results as a table on
// stdout and fails when any check fails.
func janusCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "janus check", "[--config file.yaml] [--instance name] [--frontdesk URL] [--event-wait 5s]",
		"Check each Janus instance of the configuration as Frontdesk needs it: the Admin API answers,\n"+
			"admin_secret is right, token_auth is on, VideoRoom accepts admin_key (a private throwaway room is\n"+
			"created and destroyed), event handlers and the sample HTTP event handler are on, and - with\n"+
			"--frontdesk - that Janus's events reach Frontdesk (read from its /metrics). Exit status 1 when any\n"+
			"check fails.")
	instance := fs.String("instance", "", "check only the instance with this name (default: all)")
	frontdesk := fs.String("frontdesk", "", "Frontdesk's base URL for the events-delivery check, e.g. http://127.0.0.1:8080 (default: http.public_url; empty skips the check)")
	eventWait := fs.Duration("event-wait", 5*time.Second, "how long to wait for an event to reach Frontdesk")
	timeout := fs.Duration("timeout", 5*time.Second, "timeout of each Admin API request")
	flags := config.RegisterFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(flags, e.environ)
	if err != nil {
		return err
	}
	var targets []check.Target
	for _, in := range cfg.Janus.Instances {
		if *instance != "" && in.Name != *instance {
			continue
		}
		targets = append(targets, check.Target{Name: in.Name, AdminURL: in.AdminURL,
			AdminSecret: in.AdminSecret.Reveal(), AdminKey: in.AdminKey.Reveal(), SIP: in.SIP})
	}
	switch {
	case *instance != "" && len(targets) == 0:
		return fmt.Errorf("%w: no Janus instance named %q in janus.instances", errUsage, *instance)
	case len(targets) == 0:
		return errors.New("janus check: no Janus instances configured (janus.instances); Frontdesk uses the built-in SFU")
	}
	opts := []check.Option{check.WithEventWait(*eventWait), check.WithRequestTimeout(*timeout)}
	if url := metricsURL(*frontdesk, cfg); url != "" {
		opts = append(opts, check.WithEventWitness(check.MetricsWitness{URL: url,
			Client: &http.Client{Timeout: *timeout}, Token: cfg.Metrics.Token.Reveal()}))
	}
	var results []check.Result
	for _, t := range targets {
		results = append(results, check.Run(ctx, t, opts...)...)
	}
	if err := check.WriteTable(e.stdout, results); err != nil {
		return err
	}
	if check.Failed(results) {
		return errChecksFailed
	}
	return nil
}

// metricsURL is where "janus check" reads Frontdesk's /metrics: under the
// --frontdesk base URL when given, else on metrics.listen when /metrics has
// its own listener, else under http.public_url; "" skips the events check.
func metricsURL(frontdesk string, cfg *config.Config) string {
	switch {
	case frontdesk != "":
		return check.MetricsURL(frontdesk)
	case cfg.Metrics.Listen != "":
		return check.MetricsURL("http://" + cfg.Metrics.Listen)
	case cfg.HTTP.PublicURL != "":
		return check.MetricsURL(cfg.HTTP.PublicURL)
	}
	return ""
}
