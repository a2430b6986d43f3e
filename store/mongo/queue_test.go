package mongo_test

import (
	"testing"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/queuetest"
	"github.com/frontdesk/frontdesk/store/mongotest"
)

func TestQueueStoreContract(t *testing.T) {
	open := opener(mongotest.NewServer(t))
	queuetest.RunStoreContract(t, func(t *testing.T) queue.Store { return open(t).Queue() })
}
