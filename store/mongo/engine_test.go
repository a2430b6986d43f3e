package mongo_test

import (
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/queuetest"
	"github.com/frontdesk/frontdesk/store/mongotest"
)

// TestQueueEngineConcurrency runs queue's two-replica engine test on the
// MongoDB store: two engines on one database, callers and hosts acting at
// once, no double assignment and no lost entry. On the embedded FerretDB
// (which scans a whole collection for every query but an _id lookup) it
// runs a smaller load with a longer deadline than on bbolt; with
// MONGODB_URI set it runs against that MongoDB.
func TestQueueEngineConcurrency(t *testing.T) {
	open := opener(mongotest.NewServer(t))
	queuetest.RunEngineConcurrencyWith(t, func(t *testing.T) queue.Store { return open(t).Queue() },
		queuetest.Load{Callers: 40, Hosts: 4, Deadline: 3 * time.Minute})
}
