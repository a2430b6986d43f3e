// Package mongotest gives tests a MongoDB-wire server: FerretDB v1.24 with
// its SQLite handler, embedded in the test binary and listening on loopback,
// or a real MongoDB when the environment variable MONGODB_URI is set.
//
// FerretDB has no transactions and no change streams and is slow (a sorted
// FindOneAndUpdate over 1,000 documents takes tens of milliseconds): use it to
// check correctness, never as a performance reference.
package mongotest

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/frontdesk/frontdesk/idgen"
)

// EnvURI names the environment variable that, when set, points the tests at
// a real MongoDB (e.g. "mongodb://127.0.0.1:27017") instead of FerretDB.
const EnvURI = "MONGODB_URI"

// Server is a MongoDB-wire endpoint for one test. It is stopped by the
// test's cleanup.
type Server struct {
	// URI is the connection string, e.g. "mongodb://127.0.0.1:40123/".
	URI string
	// Real is true when URI came from MONGODB_URI (a real MongoDB).
	Real bool
}

// NewServer starts an embedded FerretDB for t (its SQLite files in
// t.TempDir()), or returns MONGODB_URI's server when that is set. The server
// stops, and its goroutines end, when t's cleanup runs.
//
// The embedded server is reached through a loopback proxy that runs one
// command at a time, because FerretDB 1.24 does not make a single-document
// update (findAndModify, $inc, a filter on Version) atomic against
// concurrent connections, and MongoDB does; see serialize.go.
func NewServer(t testing.TB) *Server {
	t.Helper()
	if uri := os.Getenv(EnvURI); uri != "" {
		return &Server{URI: uri, Real: true}
	}
	dir := t.TempDir()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{
			Level: slog.LevelError,
		})),
		Handler: "sqlite",
		// No fsync: test data need not survive a crash, and an fsync costs
		// milliseconds on this kind of disk.
		SQLiteURL: "file:" + filepath.ToSlash(dir) + "/?_pragma=synchronous(OFF)",
	})
	if err != nil {
		t.Fatalf("mongotest: start FerretDB: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	stop := func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("mongotest: FerretDB stopped with %v", err)
		}
	}
	u, err := url.Parse(f.MongoDBURI())
	if err != nil {
		stop()
		t.Fatalf("mongotest: FerretDB URI: %v", err)
	}
	ser, err := startSerializer(u.Host)
	if err != nil {
		stop()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ser.Close()
		stop()
	})
	return &Server{URI: "mongodb://" + ser.Addr() + "/"}
}

// NewDatabase returns the name of a database that no other test uses, made
// from t's name and random bytes. With a real MongoDB the database is dropped
// by t's cleanup; FerretDB's files vanish with the temp dir.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := DatabaseName(t)
	if s.Real {
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := mongo.Connect(options.Client().ApplyURI(s.URI))
			if err != nil {
				t.Errorf("mongotest: drop %s: %v", name, err)
				return
			}
			defer func() { _ = c.Disconnect(ctx) }()
			if err := c.Database(name).Drop(ctx); err != nil {
				t.Errorf("mongotest: drop %s: %v", name, err)
			}
		})
	}
	return name
}

// Start is NewServer followed by NewDatabase: the usual one-liner for a test
// that needs one fresh database.
func Start(t testing.TB) (uri, database string) {
	t.Helper()
	s := NewServer(t)
	return s.URI, s.NewDatabase(t)
}

var unsafeName = regexp.MustCompile(`[^a-zA-Z0-9_]+`)

// DatabaseName makes a database name valid for MongoDB and FerretDB (at most
// 63 characters of [a-zA-Z0-9_-]) from t's name and 4 random bytes.
func DatabaseName(t testing.TB) string {
	base := strings.Trim(unsafeName.ReplaceAllString(t.Name(), "_"), "_")
	if len(base) > 40 {
		base = base[len(base)-40:]
	}
	return fmt.Sprintf("t_%s_%s", base, idgen.Hex(4))
}

// testWriter sends FerretDB's log lines (errors only) to t.Log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
