package queue_test

import (
	"testing"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/queuetest"
)

func TestMemoryStoreContract(t *testing.T) {
	queuetest.RunStoreContract(t, func(t *testing.T) queue.Store { return queue.NewMemoryStore() })
}
