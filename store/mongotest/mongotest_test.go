package mongotest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.uber.org/goleak"

	"github.com/frontdesk/frontdesk/store/mongotest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func connect(t *testing.T) (context.Context, *mongo.Database) {
	t.Helper()
	uri, name := mongotest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	c, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	if err := c.Ping(ctx, nil); err != nil {
		t.Fatalf("ping: %v", err)
	}
	return ctx, c.Database(name)
}

// TestOperations checks the operations the mongo store relies on against the
// server in use (FerretDB 1.24 unless MONGODB_URI is set).
func TestOperations(t *testing.T) {
	ctx, db := connect(t)
	coll := db.Collection("entries")

	t.Run("unique index", func(t *testing.T) {
		_, err := coll.Indexes().CreateMany(ctx, []mongo.IndexModel{
			{Keys: bson.D{{Key: "queue", Value: 1}, {Key: "caller", Value: 1}}, Options: options.Index().SetUnique(true).SetName("queue_caller")},
			{Keys: bson.D{{Key: "queue", Value: 1}, {Key: "state", Value: 1}, {Key: "prio", Value: -1}, {Key: "seq", Value: 1}}, Options: options.Index().SetName("queue_state_order")},
		})
		if err != nil {
			t.Fatalf("create indexes: %v", err)
		}
		// Creating the same indexes again must be a no-op (startup is idempotent).
		_, err = coll.Indexes().CreateMany(ctx, []mongo.IndexModel{
			{Keys: bson.D{{Key: "queue", Value: 1}, {Key: "caller", Value: 1}}, Options: options.Index().SetUnique(true).SetName("queue_caller")},
		})
		if err != nil {
			t.Fatalf("create indexes again: %v", err)
		}
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}, {Key: "queue", Value: "q"}, {Key: "caller", Value: "c1"}, {Key: "state", Value: "waiting"}, {Key: "prio", Value: 0}, {Key: "seq", Value: int64(2)}}); err != nil {
			t.Fatal(err)
		}
		_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "b"}, {Key: "queue", Value: "q"}, {Key: "caller", Value: "c1"}})
		if !mongo.IsDuplicateKeyError(err) {
			t.Fatalf("second insert with same queue+caller: got %v, want duplicate key error", err)
		}
	})

	t.Run("find one and update with sort", func(t *testing.T) {
		docs := []any{
			bson.D{{Key: "_id", Value: "b"}, {Key: "queue", Value: "q"}, {Key: "caller", Value: "c2"}, {Key: "state", Value: "waiting"}, {Key: "prio", Value: 0}, {Key: "seq", Value: int64(1)}},
			bson.D{{Key: "_id", Value: "c"}, {Key: "queue", Value: "q"}, {Key: "caller", Value: "c3"}, {Key: "state", Value: "waiting"}, {Key: "prio", Value: 5}, {Key: "seq", Value: int64(3)}},
		}
		if _, err := coll.InsertMany(ctx, docs); err != nil {
			t.Fatal(err)
		}
		want := []string{"c", "b", "a"} // priority first, then sequence
		for _, id := range want {
			var got bson.M
			err := coll.FindOneAndUpdate(ctx,
				bson.D{{Key: "queue", Value: "q"}, {Key: "state", Value: "waiting"}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: "offered"}}}, {Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}}},
				options.FindOneAndUpdate().SetSort(bson.D{{Key: "prio", Value: -1}, {Key: "seq", Value: 1}}).SetReturnDocument(options.After),
			).Decode(&got)
			if err != nil {
				t.Fatalf("take %s: %v", id, err)
			}
			if got["_id"] != id || got["state"] != "offered" || got["version"] != int64(1) {
				t.Fatalf("took %v, want _id %s offered version 1", got, id)
			}
		}
		err := coll.FindOneAndUpdate(ctx, bson.D{{Key: "queue", Value: "q"}, {Key: "state", Value: "waiting"}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: "offered"}}}}).Err()
		if !errors.Is(err, mongo.ErrNoDocuments) {
			t.Fatalf("take from empty queue: got %v, want ErrNoDocuments", err)
		}
	})

	t.Run("version compare and swap", func(t *testing.T) {
		res, err := coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: "a"}, {Key: "version", Value: int64(1)}},
			bson.D{{Key: "queue", Value: "q"}, {Key: "caller", Value: "c1"}, {Key: "state", Value: "waiting"}, {Key: "version", Value: int64(2)}})
		if err != nil || res.MatchedCount != 1 {
			t.Fatalf("replace at version 1: %v, matched %v", err, res)
		}
		res, err = coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: "a"}, {Key: "version", Value: int64(1)}},
			bson.D{{Key: "queue", Value: "q"}, {Key: "caller", Value: "c1"}, {Key: "version", Value: int64(2)}})
		if err != nil || res.MatchedCount != 0 {
			t.Fatalf("stale replace: %v, matched %v; want 0 matched", err, res)
		}
	})

	t.Run("upsert and inc", func(t *testing.T) {
		counters := db.Collection("counters")
		for i := int64(1); i <= 3; i++ {
			var got struct {
				N int64 `bson:"n"`
			}
			err := counters.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: "seq:q"}},
				bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(1)}}}},
				options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&got)
			if err != nil || got.N != i {
				t.Fatalf("counter %d: got %d, %v", i, got.N, err)
			}
		}
		res, err := counters.UpdateOne(ctx, bson.D{{Key: "_id", Value: "room:7"}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "instance", Value: "j1"}}}, {Key: "$setOnInsert", Value: bson.D{{Key: "created", Value: "now"}}}},
			options.UpdateOne().SetUpsert(true))
		if err != nil || res.UpsertedCount != 1 {
			t.Fatalf("upsert: %v %+v", err, res)
		}
		n, err := counters.CountDocuments(ctx, bson.D{})
		if err != nil || n != 2 {
			t.Fatalf("count: %d %v, want 2", n, err)
		}
	})
}

// TestConcurrentAtomicity checks MongoDB's single-document atomicity on the
// server in use: concurrent $inc loses nothing and concurrent sorted
// find-and-modify claims hand out each document exactly once.
func TestConcurrentAtomicity(t *testing.T) {
	ctx, db := connect(t)
	const workers, perWorker = 8, 10

	t.Run("inc", func(t *testing.T) {
		coll := db.Collection("counters")
		seen := make(chan int64, workers*perWorker)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for range perWorker {
					if t.Failed() {
						return
					}
					var got struct {
						N int64 `bson:"n"`
					}
					err := coll.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: "c"}},
						bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(1)}}}},
						options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&got)
					if err != nil && mongo.IsDuplicateKeyError(err) {
						// Two first upserts raced; MongoDB asks the client to retry.
						err = coll.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: "c"}},
							bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(1)}}}},
							options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&got)
					}
					if err != nil {
						t.Error(err)
						return
					}
					seen <- got.N
				}
			})
		}
		wg.Wait()
		close(seen)
		got := map[int64]bool{}
		for n := range seen {
			if got[n] {
				t.Fatalf("counter value %d returned twice: an increment was lost", n)
			}
			got[n] = true
		}
		if len(got) != workers*perWorker {
			t.Fatalf("%d distinct values, want %d", len(got), workers*perWorker)
		}
	})

	t.Run("claim", func(t *testing.T) {
		coll := db.Collection("entries")
		const n = 40
		var docs []any
		for i := range n {
			docs = append(docs, bson.D{{Key: "_id", Value: int64(i)}, {Key: "state", Value: "waiting"}, {Key: "seq", Value: int64(i)}})
		}
		if _, err := coll.InsertMany(ctx, docs); err != nil {
			t.Fatal(err)
		}
		claims := make(chan int64, n*2)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for {
					var got struct {
						ID int64 `bson:"_id"`
					}
					err := coll.FindOneAndUpdate(ctx, bson.D{{Key: "state", Value: "waiting"}},
						bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: "offered"}, {Key: "host", Value: w}}}},
						options.FindOneAndUpdate().SetSort(bson.D{{Key: "seq", Value: 1}})).Decode(&got)
					if errors.Is(err, mongo.ErrNoDocuments) {
						return
					}
					if err != nil {
						t.Error(err)
						return
					}
					select {
					case claims <- got.ID:
					default:
						t.Error("more claims than twice the documents: claims are not atomic")
						return
					}
				}
			})
		}
		wg.Wait()
		close(claims)
		got := map[int64]int{}
		for id := range claims {
			got[id]++
		}
		for i := range int64(n) {
			if got[i] != 1 {
				t.Errorf("document %d claimed %d times, want 1", i, got[i])
			}
		}
	})
}
