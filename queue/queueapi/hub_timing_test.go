package queueapi

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
	"github.com/frontdesk/frontdesk/queue/queuetest"
)

// TestHubSchedule checks the live-update schedule to the millisecond in a
// synctest bubble (virtual time): the first change after a quiet spell
// goes out at once, a burst of changes right after it costs one message at
// the end of the interval, an urgent change waits only a tenth of the
// interval after the previous message, and a plain change after it waits
// the full interval again.
func TestHubSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const interval = 250 * time.Millisecond
		env := queuetest.NewEnv(t, queue.NewMemoryStore(), time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC))
		ctx := t.Context()
		q, err := env.Engine.CreateQueue(ctx, queue.Queue{Slug: "s", Name: "S", Mode: queue.ModeAuto, Hours: hours.AlwaysOpen()})
		if err != nil {
			t.Fatal(err)
		}
		j, err := env.Engine.Join(ctx, q.ID, queue.JoinRequest{Caller: queue.Caller{ID: "c1", Name: "Caller"}})
		if err != nil {
			t.Fatal(err)
		}
		a := New(env.Engine, nil, nil, WithHubInterval(interval))
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- a.Run(runCtx) }()
		cl := &client{kind: kindCaller, who: Principal{ID: "c1"}, entryID: j.Entry.ID, queues: []string{string(q.ID)},
			send: make(chan []byte, 1), quit: make(chan struct{})}
		a.hub.mu.Lock()
		a.hub.clients[cl] = struct{}{}
		a.hub.mu.Unlock()
		synctest.Wait()

		start := time.Now()
		change := func(kind queue.EventKind) {
			env.Engine.Feed().Publish(queue.Event{Kind: kind, Queue: queue.QueueID(q.ID)})
		}
		at := func(d time.Duration) { time.Sleep(d - time.Since(start)) }
		got := func(what string, want time.Duration) {
			t.Helper()
			<-cl.send
			if d := time.Since(start); d != want {
				t.Errorf("%s: message at %v, want %v", what, d, want)
			}
		}
		change(queue.EventEntryChanged)
		got("first change after a quiet spell", 0)

		at(10 * time.Millisecond)
		change(queue.EventEntryJoined)
		at(20 * time.Millisecond)
		change(queue.EventEntryChanged)
		got("a burst", interval)

		at(interval + 5*time.Millisecond)
		change(queue.EventEntryOffered) // urgent
		got("an urgent change", interval+interval/10)

		at(interval + interval/10 + 5*time.Millisecond)
		change(queue.EventEntryChanged)
		got("a plain change after the urgent one", interval+interval/10+interval)

		synctest.Wait()
		select {
		case <-cl.send:
			t.Error("a message with no change")
		default:
		}
		// A feed that may have lost events asks for a resync: the client
		// gets a fresh message though no event named its queue.
		at(time.Second)
		env.Engine.Feed().Publish(queue.Event{Kind: queue.EventResync})
		got("a resync", time.Second)
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v", err)
		}
	})
}
