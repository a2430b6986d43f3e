package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/frontdesk/frontdesk/cluster"
	"github.com/frontdesk/frontdesk/config"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/server"
	"github.com/frontdesk/frontdesk/webhookout"
	"github.com/nats-io/nats.go"
)

// errNATSDown: the replica has no connection to NATS now (readiness).
var errNATSDown = errors.New("app: not connected to nats")

// joinCluster connects this replica to the others: it starts the embedded
// NATS server routed to cluster.routes (cluster.listen), or uses the
// external NATS at nats.url, and returns the queue's event feed on it.
// Readiness fails while the connection is down.
func (a *App) joinCluster(cfg *config.Config, srv *server.Server) (queue.Feed, error) {
	url := cfg.NATS.URL.Reveal()
	if cfg.Cluster.Listen != "" {
		s, err := cluster.StartServer(cluster.ServerConfig{Listen: "127.0.0.1:0", ClusterName: cfg.Cluster.Name,
			ClusterListen: cfg.Cluster.Listen, Routes: cfg.Cluster.Routes, RouteSecret: cfg.Cluster.Secret.Reveal()})
		if err != nil {
			return nil, fmt.Errorf("app: %w", err)
		}
		a.natsSrv, url = s, s.ClientURL()
	}
	nc, err := nats.Connect(url, nats.Name("frontdesk"), nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond))
	if err != nil {
		// The URL may carry credentials: the error names no address.
		return nil, fmt.Errorf("app: connecting to nats: %w", err)
	}
	a.nats = nc
	srv.AddReadyCheck("nats", func(context.Context) error {
		if !nc.IsConnected() {
			return errNATSDown
		}
		return nil
	})
	a.log.Info("app: one of several replicas", "embedded_nats", a.natsSrv != nil, "routes", len(cfg.Cluster.Routes))
	return cluster.NewFeed(nc, a.log), nil
}

// exportTargets are export.webhooks as webhookout targets.
func exportTargets(e config.Export) []webhookout.Target {
	out := make([]webhookout.Target, 0, len(e.Webhooks))
	for _, w := range e.Webhooks {
		t := webhookout.Target{Name: w.Name, URL: w.URL.Reveal(), Secret: w.Secret.Reveal()}
		for _, k := range w.Events {
			t.Kinds = append(t.Kinds, queue.EventKind(k))
		}
		out = append(out, t)
	}
	return out
}
