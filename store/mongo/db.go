package mongo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
)

// DefaultConnectTimeout bounds connecting, the first ping and index
// creation in [Open].
const DefaultConnectTimeout = 10 * time.Second

// Collection names.
const (
	collPlacements  = "placements"
	collQueues      = "queue_queues"
	collHosts       = "queue_hosts"
	collEntries     = "queue_entries"
	collCounters    = "queue_counters"
	collCalls       = "queue_calls"
	collUsers       = "auth_users"
	collSessions    = "auth_sessions"
	collAPITokens   = "auth_api_tokens"
	collJanusTokens = "auth_janus_tokens"
	collAudit       = "auth_audit"
	collThrottle    = "auth_throttle"
	collOutbox      = "webhook_outbox"
)

// Option changes an optional setting of [Open].
type Option func(*openOptions)

type openOptions struct {
	connectTimeout time.Duration
	appName        string
}

// WithConnectTimeout bounds connecting, pinging and creating indexes in
// [Open]; d <= 0 means [DefaultConnectTimeout].
func WithConnectTimeout(d time.Duration) Option {
	return func(o *openOptions) {
		if d > 0 {
			o.connectTimeout = d
		}
	}
}

// WithAppName sets the application name the server logs for this client
// (MongoDB "appName"); the default is "frontdesk".
func WithAppName(name string) Option {
	return func(o *openOptions) { o.appName = name }
}

// DB is a connection to one MongoDB database holding Frontdesk's
// collections. It is safe for concurrent use; the per-domain stores share
// its connection pool.
type DB struct {
	client *mongo.Client
	db     *mongo.Database
}

// Open connects to uri (a MongoDB connection string), pings the primary,
// and creates the indexes of every collection in database. Index creation
// is idempotent, so every replica may do it at start. Errors: [ErrConfig]
// for an empty URI or database name, [ErrUnavailable] when the server
// cannot be reached within the connect timeout, or a wrapped driver error.
func Open(ctx context.Context, uri, database string, opts ...Option) (*DB, error) {
	o := openOptions{connectTimeout: DefaultConnectTimeout, appName: "frontdesk"}
	for _, opt := range opts {
		opt(&o)
	}
	if uri == "" || database == "" {
		return nil, fmt.Errorf("%w: URI and database name are required", ErrConfig)
	}
	copts := options.Client().ApplyURI(uri).SetAppName(o.appName).
		SetConnectTimeout(o.connectTimeout).SetServerSelectionTimeout(o.connectTimeout)
	client, err := mongo.Connect(copts)
	if err != nil {
		// The URI itself is not echoed: it may hold a password.
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	ctx, cancel := context.WithTimeout(ctx, o.connectTimeout)
	defer cancel()
	d := &DB{client: client, db: client.Database(database)}
	if err := d.Ping(ctx); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	if err := d.ensureIndexes(ctx); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	return d, nil
}

// Close disconnects, waiting for in-flight operations until ctx ends.
func (d *DB) Close(ctx context.Context) error {
	if err := d.client.Disconnect(ctx); err != nil && !errors.Is(err, mongo.ErrClientDisconnected) {
		return fmt.Errorf("mongo: close: %w", err)
	}
	return nil
}

// Ping checks that the primary answers; it is the MongoDB store's
// readiness check. Errors wrap [ErrUnavailable].
func (d *DB) Ping(ctx context.Context) error {
	if err := d.client.Ping(ctx, readpref.Primary()); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

// Name returns the database name.
func (d *DB) Name() string { return d.db.Name() }

func (d *DB) coll(name string) *mongo.Collection { return d.db.Collection(name) }

// namedIndex is an index model with its stable name.
type namedIndex struct {
	name  string
	model mongo.IndexModel
}

// index is a shorthand for an index model with a stable name.
func index(name string, unique bool, keys ...bson.E) namedIndex {
	o := options.Index().SetName(name)
	if unique {
		o.SetUnique(true)
	}
	return namedIndex{name: name, model: mongo.IndexModel{Keys: bson.D(keys), Options: o}}
}

func asc(field string) bson.E  { return bson.E{Key: field, Value: 1} }
func desc(field string) bson.E { return bson.E{Key: field, Value: -1} }

// indexes lists the secondary indexes of each collection. Names are fixed
// so that creating them again at the next start is a no-op.
var indexes = map[string][]namedIndex{
	collQueues: {index("slug_unique", true, asc("slug"))},
	collHosts:  {index("idle_order", false, asc("idle_since"), asc("_id"))},
	collEntries: {
		index("unique_key", true, asc("unique_key")),
		index("queue_order", false, asc("queue_id"), desc("priority"), asc("seq")),
		index("queue_state_order", false, asc("queue_id"), asc("state"), desc("priority"), asc("seq")),
		index("caller", false, asc("caller_id")),
		index("deadline", false, asc("deadline")),
	},
	collCalls:       {index("created_order", false, asc("created_at"), asc("_id"))},
	collUsers:       {index("email_unique", true, asc("email"))},
	collSessions:    {index("user", false, asc("user_id")), index("expires", false, asc("expires_at"))},
	collAPITokens:   {index("user_order", false, asc("user_id"), asc("created_at"), asc("_id"))},
	collJanusTokens: {index("instance", false, asc("instance")), index("call", false, asc("call_id"))},
	collAudit:       {index("time_order", false, desc("time"), desc("_id"))},
	collThrottle:    {index("expires", false, asc("expires_at"))},
	collOutbox: {
		index("due", false, asc("target"), asc("state"), asc("next_at"), asc("_id")),
		index("dead_order", false, asc("state"), desc("dead_at"), desc("_id")),
	},
}

// ensureIndexes creates the indexes that do not exist yet (by name). Only
// missing ones are sent because FerretDB 1.24 fails (a recovered panic that
// drops the connection) on createIndexes for some already existing
// multi-key indexes; MongoDB would accept either.
func (d *DB) ensureIndexes(ctx context.Context) error {
	for coll, models := range indexes {
		specs, err := d.coll(coll).Indexes().ListSpecifications(ctx)
		if err != nil {
			return fmt.Errorf("mongo: list indexes of %s: %w", coll, err)
		}
		have := make(map[string]bool, len(specs))
		for _, s := range specs {
			have[s.Name] = true
		}
		var missing []mongo.IndexModel
		for _, m := range models {
			if !have[m.name] {
				missing = append(missing, m.model)
			}
		}
		if len(missing) == 0 {
			continue
		}
		if _, err := d.coll(coll).Indexes().CreateMany(ctx, missing); err != nil {
			return fmt.Errorf("mongo: create indexes of %s: %w", coll, err)
		}
	}
	return nil
}

// isDup reports a duplicate-key write error (unique index or _id). FerretDB
// 1.24 (SQLite handler) reports a unique-index violation by an update or
// replace as an InternalError carrying SQLite's message instead of error
// 11000, so that message is recognised too.
func isDup(err error) bool {
	return err != nil && (mongo.IsDuplicateKeyError(err) || strings.Contains(err.Error(), "UNIQUE constraint failed"))
}
