package mongo_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/frontdesk/frontdesk/store/mongo"
	"github.com/frontdesk/frontdesk/store/mongotest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// opener returns a function that opens a store on a fresh database of srv
// for each (sub)test, closed by that test's cleanup.
func opener(srv *mongotest.Server) func(t testing.TB) *mongo.DB {
	return func(t testing.TB) *mongo.DB {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db, err := mongo.Open(ctx, srv.URI, srv.NewDatabase(t), mongo.WithConnectTimeout(10*time.Second))
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() {
			if err := db.Close(context.Background()); err != nil {
				t.Error(err)
			}
		})
		return db
	}
}
