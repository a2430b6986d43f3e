package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/frontdesk/frontdesk/janus/pool"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
	"github.com/frontdesk/frontdesk/store"
	"github.com/frontdesk/frontdesk/store/bolt"
	"github.com/frontdesk/frontdesk/store/mongotest"
	"github.com/frontdesk/frontdesk/store/storetest"
	"github.com/frontdesk/frontdesk/webhookout"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// configs returns one embedded and one MongoDB (FerretDB, or MONGODB_URI)
// configuration, each on fresh storage that stays across Open calls.
func configs(t *testing.T) map[string]store.Config {
	srv := mongotest.NewServer(t)
	return map[string]store.Config{
		"embedded": {Path: filepath.Join(t.TempDir(), "fd.db")},
		"mongodb":  {Driver: store.DriverMongoDB, MongoURI: srv.URI, MongoDatabase: srv.NewDatabase(t)},
	}
}

func open(t *testing.T, cfg store.Config) *store.Backend {
	t.Helper()
	b, err := store.Open(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Open(%s): %v", cfg.Driver, err)
	}
	return b
}

func closeBackend(t *testing.T, b *store.Backend) {
	t.Helper()
	if err := b.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  store.Config
		want error
	}{
		{"unknown driver", store.Config{Driver: store.Driver(7)}, store.ErrUnknownDriver},
		{"mongodb without URI", store.Config{Driver: store.DriverMongoDB}, store.ErrConfig},
		{"missing directory", store.Config{Path: filepath.Join(t.TempDir(), "no", "such", "dir", "fd.db")}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := store.Open(t.Context(), tc.cfg)
			if err == nil {
				_ = b.Close(context.Background())
				t.Fatal("Open succeeded")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestParseDriver(t *testing.T) {
	tests := []struct {
		in      string
		want    store.Driver
		wantErr bool
	}{
		{"", store.DriverEmbedded, false},
		{"embedded", store.DriverEmbedded, false},
		{"mongodb", store.DriverMongoDB, false},
		{"MongoDB", 0, true},
		{"bolt", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := store.ParseDriver(tc.in)
			if (err != nil) != tc.wantErr || (!tc.wantErr && got != tc.want) {
				t.Fatalf("ParseDriver(%q) = %v, %v", tc.in, got, err)
			}
			if !tc.wantErr && got.String() != map[string]string{"": "embedded"}[tc.in]+tc.in {
				t.Fatalf("String() = %q", got.String())
			}
		})
	}
}

// TestSecondProcessLocked: while one Backend holds the file, a second Open
// of the same file fails with bolt.ErrLocked after the lock timeout
// instead of hanging (flock also conflicts within one process on Linux).
func TestSecondProcessLocked(t *testing.T) {
	cfg := store.Config{Path: filepath.Join(t.TempDir(), "fd.db"), LockTimeout: 200 * time.Millisecond}
	b := open(t, cfg)
	defer closeBackend(t, b)
	_, err := store.Open(t.Context(), cfg)
	if !errors.Is(err, bolt.ErrLocked) {
		t.Fatalf("second Open: err = %v, want bolt.ErrLocked", err)
	}
}

func TestReady(t *testing.T) {
	for name, cfg := range configs(t) {
		t.Run(name, func(t *testing.T) {
			b := open(t, cfg)
			if err := b.Ready(t.Context()); err != nil {
				t.Fatalf("Ready: %v", err)
			}
			if b.Driver() != cfg.Driver {
				t.Fatalf("Driver = %s, want %s", b.Driver(), cfg.Driver)
			}
			closeBackend(t, b)
			if err := b.Ready(t.Context()); err == nil {
				t.Fatal("Ready after Close succeeded")
			}
		})
	}
}

func TestPlacements(t *testing.T) {
	for name, cfg := range configs(t) {
		t.Run(name, func(t *testing.T) {
			n := 0
			storetest.RunPlacements(t, func(t *testing.T) pool.Placements {
				c := cfg
				n++
				if c.Driver == store.DriverEmbedded {
					c.Path = filepath.Join(t.TempDir(), fmt.Sprint("fd", n, ".db"))
				} else {
					c.MongoDatabase = fmt.Sprint(c.MongoDatabase, "_", n)
				}
				b := open(t, c)
				t.Cleanup(func() { closeBackend(t, b) })
				return b.Placements()
			})
		})
	}
}

func TestOutbox(t *testing.T) {
	for name, cfg := range configs(t) {
		t.Run(name, func(t *testing.T) {
			n := 0
			storetest.RunOutbox(t, func(t *testing.T) webhookout.Outbox {
				c := cfg
				n++
				if c.Driver == store.DriverEmbedded {
					c.Path = filepath.Join(t.TempDir(), fmt.Sprint("fd", n, ".db"))
				} else {
					c.MongoDatabase = fmt.Sprint(c.MongoDatabase, "_", n)
				}
				b := open(t, c)
				t.Cleanup(func() { closeBackend(t, b) })
				return b.Outbox()
			})
		})
	}
}

// TestRestart writes queues with working hours, hosts, entries with their
// places (priorities, a paused one, an offered one), a call and room
// placements; closes the backend; opens it again and finds everything,
// in the same order, and the queue counter continuing after the last Seq.
func TestRestart(t *testing.T) {
	for name, cfg := range configs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			base := time.Date(2026, 3, 29, 0, 30, 0, 123_000_000, time.UTC)
			b := open(t, cfg)
			qs := b.Queue()
			h := hours.Schedule{Zone: "Europe/Berlin"}
			h.Weekly[time.Monday] = []hours.Range{{From: hours.At(9, 0), To: hours.At(12, 0)}, {From: hours.At(13, 0), To: hours.At(17, 0)}}
			h.Overrides = []hours.DateOverride{{Date: "2026-12-24", Ranges: []hours.Range{{From: hours.At(9, 0), To: hours.At(11, 0)}}, Note: "Christmas Eve"}}
			q1, err := qs.CreateQueue(ctx, queue.Queue{ID: "q1", Slug: "it-help", Name: "IT help", Hours: h, Mode: queue.ModeAuto, CreatedAt: base})
			if err != nil {
				t.Fatal(err)
			}
			q2, err := qs.CreateQueue(ctx, queue.Queue{ID: "q2", Slug: "office-hours", Name: "Office hours", Hours: hours.AlwaysOpen(), Mode: queue.ModePick, CreatedAt: base})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := qs.CreateHost(ctx, queue.Host{ID: "h1", Name: "Ada", Queues: []queue.QueueID{"q1"}, State: queue.HostAvailable, IdleSince: base}); err != nil {
				t.Fatal(err)
			}
			for i := range 12 {
				e := queue.Entry{ID: queue.EntryID(fmt.Sprintf("e%02d", i)), QueueID: "q1", CallerID: fmt.Sprint("c", i), Priority: i % 3,
					State: queue.EntryWaiting, CreatedAt: base.Add(time.Duration(i) * time.Second), Paused: i == 4,
					History: []queue.Transition{{State: queue.EntryWaiting, At: base, Reason: "join"}}}
				if _, err := qs.CreateEntry(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
			offered, err := qs.ClaimNext(ctx, queue.Claim{QueueID: "q1", HostID: "h1", At: base.Add(time.Minute), Deadline: base.Add(2 * time.Minute)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := qs.CreateCall(ctx, queue.Call{ID: "call1", QueueID: "q1", EntryID: offered.ID, HostID: "h1",
				Room: queue.Room{Engine: queue.MediaJanus, Instance: "janus-a", ID: 4242, Secret: "s", PIN: "p"}, State: queue.CallCreated, CreatedAt: base}); err != nil {
				t.Fatal(err)
			}
			if err := b.Placements().Put(ctx, 4242, "janus-a"); err != nil {
				t.Fatal(err)
			}
			before, err := qs.ListEntries(ctx, queue.EntryFilter{QueueID: "q1"})
			if err != nil {
				t.Fatal(err)
			}
			closeBackend(t, b)

			b = open(t, cfg)
			defer closeBackend(t, b)
			qs = b.Queue()
			queues, err := qs.ListQueues(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(queues) != 2 || !sameQueue(queues[0], q1) || !sameQueue(queues[1], q2) {
				t.Fatalf("queues after restart = %+v", queues)
			}
			after, err := qs.ListEntries(ctx, queue.EntryFilter{QueueID: "q1"})
			if err != nil {
				t.Fatal(err)
			}
			if len(after) != len(before) {
				t.Fatalf("%d entries after restart, want %d", len(after), len(before))
			}
			for i := range before {
				if after[i].ID != before[i].ID || after[i].Seq != before[i].Seq || after[i].State != before[i].State ||
					after[i].Paused != before[i].Paused || after[i].Version != before[i].Version || len(after[i].History) != len(before[i].History) {
					t.Fatalf("entry %d after restart = %+v, want %+v", i, after[i], before[i])
				}
			}
			// The next claim continues in queue order: the head is the
			// highest-priority, earliest entry not offered or paused.
			next, err := qs.ClaimNext(ctx, queue.Claim{QueueID: "q1", HostID: "h1", At: base.Add(3 * time.Minute)})
			if err != nil {
				t.Fatal(err)
			}
			if want := firstWaiting(before); string(next.ID) != want {
				t.Fatalf("claim after restart took %s, want %s", next.ID, want)
			}
			e, err := qs.CreateEntry(ctx, queue.Entry{ID: "late", QueueID: "q1", CallerID: "late", State: queue.EntryWaiting, CreatedAt: base})
			if err != nil {
				t.Fatal(err)
			}
			for _, old := range before {
				if e.Seq <= old.Seq {
					t.Fatalf("Seq after restart %d not above %d", e.Seq, old.Seq)
				}
			}
			if c, err := qs.GetCall(ctx, "call1"); err != nil || c.Room.ID != 4242 || c.Room.Secret != "s" {
				t.Fatalf("call after restart = %+v, %v", c, err)
			}
			if inst, ok, err := b.Placements().Get(ctx, 4242); err != nil || !ok || inst != "janus-a" {
				t.Fatalf("placement after restart = %q %v %v", inst, ok, err)
			}
		})
	}
}

func sameQueue(got, want queue.Queue) bool {
	got.CreatedAt, want.CreatedAt = got.CreatedAt.UTC(), want.CreatedAt.UTC()
	got.UpdatedAt, want.UpdatedAt = got.UpdatedAt.UTC(), want.UpdatedAt.UTC()
	if got.UpdatedAt.IsZero() {
		got.UpdatedAt = time.Time{}
	}
	if want.UpdatedAt.IsZero() {
		want.UpdatedAt = time.Time{}
	}
	return reflect.DeepEqual(got, want)
}

func firstWaiting(es []queue.Entry) string {
	for _, e := range es {
		if e.State == queue.EntryWaiting && !e.Paused {
			return string(e.ID)
		}
	}
	return ""
}

// TestClaimWithoutDeadline: an entry claimed with a zero Deadline is not
// "due" for a DeadlineBefore filter on either backend.
func TestClaimWithoutDeadline(t *testing.T) {
	for name, cfg := range configs(t) {
		t.Run(name, func(t *testing.T) {
			b := open(t, cfg)
			defer closeBackend(t, b)
			qs, ctx := b.Queue(), t.Context()
			at := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
			if _, err := qs.CreateEntry(ctx, queue.Entry{ID: "e", QueueID: "q", CallerID: "c", State: queue.EntryWaiting, CreatedAt: at}); err != nil {
				t.Fatal(err)
			}
			e, err := qs.ClaimNext(ctx, queue.Claim{QueueID: "q", HostID: "h", At: at})
			if err != nil || !e.Deadline.IsZero() {
				t.Fatalf("claim = %+v, %v; want zero Deadline", e, err)
			}
			due, err := qs.ListEntries(ctx, queue.EntryFilter{DeadlineBefore: at.Add(time.Hour)})
			if err != nil || len(due) != 0 {
				t.Fatalf("due entries = %d, %v; want none", len(due), err)
			}
		})
	}
}

// TestMongoErrorsHideURI: a bad or unreachable MongoDB URI is reported
// without its password.
func TestMongoErrorsHideURI(t *testing.T) {
	tests := []struct {
		name string
		uri  string
	}{
		{"malformed", "mongodb://frontdesk:s3cretpw@[::1"},
		{"unreachable", "mongodb://frontdesk:s3cretpw@127.0.0.1:1/?connectTimeoutMS=200"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := store.Open(t.Context(), store.Config{Driver: store.DriverMongoDB, MongoURI: tc.uri, MongoConnectTimeout: 300 * time.Millisecond})
			if err == nil {
				_ = b.Close(context.Background())
				t.Fatal("Open succeeded")
			}
			if strings.Contains(err.Error(), "s3cretpw") {
				t.Fatalf("error reveals the password: %v", err)
			}
		})
	}
}
