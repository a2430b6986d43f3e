package queueapi_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
	"github.com/frontdesk/frontdesk/queue/queueapi"
	"github.com/frontdesk/frontdesk/queue/queuetest"
)

// FuzzQueueJSON decodes untrusted queue bodies (POST/PUT /queues) and
// checks that whatever validates round-trips through the store.
func FuzzQueueJSON(f *testing.F) {
	f.Add([]byte(queueBody))
	f.Add([]byte(`{"slug":"x","name":"x","mode":"pick","hours":{"zone":"UTC","weekly":[[{"from":"00:00","to":"24:00"}]],"manual":"open"},"timeouts":{"offer":1.5}}`))
	f.Add([]byte(`{"slug":"x","name":"x","limits":{"max_wait":-1}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var j queueapi.QueueJSON
		if json.Unmarshal(data, &j) != nil {
			return
		}
		env := queuetest.NewEnv(t, queue.NewMemoryStore(), monday10)
		q, err := env.Engine.CreateQueue(t.Context(), j.Queue())
		if err != nil {
			if !errors.Is(err, queue.ErrInvalid) && !errors.Is(err, hours.ErrBadZone) && !errors.Is(err, hours.ErrBadRange) &&
				!errors.Is(err, hours.ErrOverlap) && !errors.Is(err, hours.ErrBadDate) && !errors.Is(err, hours.ErrBadManual) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		got, err := env.Engine.GetQueue(t.Context(), string(q.ID))
		if err != nil || got.Slug != q.Slug {
			t.Fatalf("stored queue: %v", err)
		}
		st := queue.StatusAt(&got, monday10)
		if st.Admitting && !st.Open {
			t.Fatal("admitting while closed")
		}
	})
}
