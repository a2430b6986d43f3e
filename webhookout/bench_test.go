package webhookout_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/store/bolt"
	"github.com/frontdesk/frontdesk/webhookout"
)

// BenchmarkOffer is what publishing costs the engine: buffering one event.
func BenchmarkOffer(b *testing.B) {
	x := webhookout.New([]webhookout.Target{{Name: "crm", URL: "http://127.0.0.1:1/", Secret: secret}}, nil,
		webhookout.Options{Queue: b.N + 1, Log: quiet})
	ev := event(queue.EventEntryJoined)
	b.ReportAllocs()
	for b.Loop() {
		x.Offer(ev)
	}
}

// addOnly is a real outbox whose deliveries no worker claims, and which
// reports each write.
type addOnly struct {
	webhookout.Outbox
	added chan int
}

func (a addOnly) Add(ctx context.Context, ds []webhookout.Delivery) error {
	err := a.Outbox.Add(ctx, ds)
	a.added <- len(ds)
	return err
}

func (addOnly) Claim(context.Context, string, string, time.Time, time.Duration) (webhookout.Delivery, bool, error) {
	return webhookout.Delivery{}, false, nil
}

// BenchmarkOfferToOutbox is the window in which a published event lives
// only in memory: from Offer until its delivery is written to the outbox
// (a bbolt file with fsync), one event at a time, as ms/event.
func BenchmarkOfferToOutbox(b *testing.B) {
	db, err := bolt.Open(filepath.Join(b.TempDir(), "fd.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	out := addOnly{Outbox: db.Outbox(), added: make(chan int)}
	x := webhookout.New([]webhookout.Target{{Name: "crm", URL: "http://127.0.0.1:1/", Secret: secret}}, out, opts("bench"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- x.Run(ctx) }()
	ev := event(queue.EventEntryJoined)
	var total time.Duration
	i := 0
	for b.Loop() {
		ev.ID = fmt.Sprintf("%032x", i)
		i++
		start := time.Now()
		x.Offer(ev)
		<-out.added
		total += time.Since(start)
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(i), "ms/event")
	cancel() // the final flush has nothing left to write
	<-done
}
