package mongo_test

import (
	"testing"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/queuetest"
	"github.com/frontdesk/frontdesk/store/mongotest"
)

func TestQueueStoreContract(t *testing.T) {
	open := opener(mongotest.NewServer(t))
	// FerretDB needs ~0.15 s per offered entry in the concurrent part:
	// 100 entries keep the package's tests well under a minute.
	queuetest.RunStoreContractWith(t, func(t *testing.T) queue.Store { return open(t).Queue() }, queuetest.ContractLoad{Entries: 100})
}
