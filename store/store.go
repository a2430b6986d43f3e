package store

import (
	"context"
	"fmt"
	"time"

	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/janus/pool"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/store/bolt"
	"github.com/frontdesk/frontdesk/store/mongo"
	"github.com/frontdesk/frontdesk/webhookout"
)

// Defaults applied by [Open] to zero [Config] fields.
const (
	DefaultPath         = "frontdesk.db"
	DefaultDatabase     = "frontdesk"
	DefaultLockTimeout  = bolt.DefaultLockTimeout
	DefaultMongoTimeout = mongo.DefaultConnectTimeout
)

// Config selects and configures the backend. The binary maps its own
// configuration keys onto it (suggested: store.driver, store.path,
// store.lock_timeout, store.mongodb.uri, store.mongodb.database,
// store.mongodb.connect_timeout).
type Config struct {
	// Driver is embedded (default) or mongodb.
	Driver Driver
	// Path is the embedded store's file (default "frontdesk.db"); its
	// directory must exist.
	Path string
	// LockTimeout is how long the embedded store waits for the file lock
	// held by another process before failing (default 1 s).
	LockTimeout time.Duration
	// MongoURI is the MongoDB connection string (required for mongodb).
	// It may hold a password: it is never logged or echoed in errors.
	MongoURI string
	// MongoDatabase is the database name (default "frontdesk").
	MongoDatabase string
	// MongoConnectTimeout bounds connecting, the first ping and index
	// creation (default 10 s).
	MongoConnectTimeout time.Duration
}

// Backend is an open storage backend. Its stores are safe for concurrent
// use and valid until Close.
type Backend struct {
	driver     Driver
	queue      queue.Store
	auth       auth.Store
	placements pool.Placements
	outbox     webhookout.Outbox
	ping       func(context.Context) error
	close      func(context.Context) error
}

// Open opens the backend cfg names: the bbolt file (creating it) or a
// MongoDB connection (ping, then idempotent index creation). Errors:
// [ErrUnknownDriver], [ErrConfig], bolt.ErrLocked when another process holds
// the file, mongo.ErrUnavailable when MongoDB cannot be reached.
func Open(ctx context.Context, cfg Config) (*Backend, error) {
	switch cfg.Driver {
	case DriverEmbedded:
		path := cfg.Path
		if path == "" {
			path = DefaultPath
		}
		db, err := bolt.Open(path, bolt.WithLockTimeout(cfg.LockTimeout))
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		return &Backend{
			driver: DriverEmbedded, queue: db.Queue(), auth: db.Auth(), placements: db.Placements(),
			outbox: db.Outbox(), ping: db.Ping,
			close: func(context.Context) error { return db.Close() },
		}, nil
	case DriverMongoDB:
		if cfg.MongoURI == "" {
			return nil, fmt.Errorf("%w: driver mongodb needs a MongoDB URI", ErrConfig)
		}
		name := cfg.MongoDatabase
		if name == "" {
			name = DefaultDatabase
		}
		db, err := mongo.Open(ctx, cfg.MongoURI, name, mongo.WithConnectTimeout(cfg.MongoConnectTimeout))
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		return &Backend{
			driver: DriverMongoDB, queue: db.Queue(), auth: db.Auth(), placements: db.Placements(),
			outbox: db.Outbox(), ping: db.Ping, close: db.Close,
		}, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrUnknownDriver, cfg.Driver)
}

// Driver returns the backend's driver.
func (b *Backend) Driver() Driver { return b.driver }

// Queue returns the queue store (queues, hosts, entries, calls).
func (b *Backend) Queue() queue.Store { return b.queue }

// Auth returns the auth store (users, sessions, tokens, audit, throttling).
func (b *Backend) Auth() auth.Store { return b.auth }

// Placements returns the Janus room placement map, of the interface the
// Janus instance pool declares.
func (b *Backend) Placements() pool.Placements { return b.placements }

// Outbox returns the outbound webhooks' outbox (pending deliveries and
// dead letters), of the interface package webhookout declares.
func (b *Backend) Outbox() webhookout.Outbox { return b.outbox }

// Ready reports whether the backend can serve requests (bbolt: the file is
// open and intact; MongoDB: the primary answers a ping). It has the shape
// of a readiness check the server registers.
func (b *Backend) Ready(ctx context.Context) error {
	if err := b.ping(ctx); err != nil {
		return fmt.Errorf("store: %s not ready: %w", b.driver, err)
	}
	return nil
}

// Close releases the backend (the file lock, or the connection pool),
// waiting for in-flight MongoDB operations until ctx ends.
func (b *Backend) Close(ctx context.Context) error {
	if err := b.close(ctx); err != nil {
		return fmt.Errorf("store: close %s: %w", b.driver, err)
	}
	return nil
}
