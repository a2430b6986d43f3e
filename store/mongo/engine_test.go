//go:build enginetest

package mongo_test

import (
	"testing"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/queuetest"
	"github.com/frontdesk/frontdesk/store/mongotest"
)

// TestQueueEngineConcurrency runs queue's two-replica engine test on the
// MongoDB store. It is behind the "enginetest" build tag because on the
// embedded FerretDB (which scans a whole collection for every query but an
// _id lookup, on a 2-core machine shared with other builds) it needs about
// 60 s per mode and can hit queuetest's fixed 60 s deadline; run it with
//
//	MONGODB_URI=mongodb://127.0.0.1:27017 go test -tags enginetest -run Engine ./store/mongo
//
// or without MONGODB_URI to use FerretDB. The store-level offer protocol
// under concurrency is covered in the default run by the queuetest store
// contract (ConcurrentOfferProtocol, 8 workers).
func TestQueueEngineConcurrency(t *testing.T) {
	open := opener(mongotest.NewServer(t))
	queuetest.RunEngineConcurrency(t, func(t *testing.T) queue.Store { return open(t).Queue() })
}
