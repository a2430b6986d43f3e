package cluster

import (
	"encoding/json"
	"log/slog"
	"strings"
	"sync"

	"github.com/frontdesk/frontdesk/queue"
	"github.com/nats-io/nats.go"
)

// SubjectPrefix starts every event subject: an event is published on
// "frontdesk.events.<queue id>.<kind>" (the kind "entry.joined" is two
// tokens), "_" standing for an event without a queue. Characters a
// subject token cannot hold ('.', '*', '>', white space) become '_'.
const SubjectPrefix = "frontdesk.events"

// Subject is the NATS subject of ev.
func Subject(ev queue.Event) string {
	q := string(ev.Queue)
	if q == "" {
		q = "_"
	}
	return SubjectPrefix + "." + token(q) + "." + string(ev.Kind)
}

// token makes s a valid subject token.
func token(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '.' || r == '*' || r == '>' || r <= ' ' || r == 0x7f:
			return '_'
		}
		return r
	}, s)
}

// Feed is a queue.Feed on NATS: Publish sends the event's JSON form
// (queue.Event, schema version queue.EventSchemaVersion) on its Subject;
// every subscriber, on every replica connected to the same NATS cluster,
// receives every event, its own replica's included. Delivery is at most
// once: when the connection to NATS was lost and came back, or a
// subscriber fell behind and NATS dropped messages for it, subscribers
// get queue.EventResync and re-read what they show from the store.
type Feed struct {
	nc  *nats.Conn
	log *slog.Logger

	mu   sync.Mutex
	subs map[*nats.Subscription]func(queue.Event)
}

// NewFeed returns a feed on nc, which it does not own (close nc after the
// feed's last use). It installs nc's reconnect and error handlers to
// detect lost events. log may be nil (slog.Default()).
func NewFeed(nc *nats.Conn, log *slog.Logger) *Feed {
	if log == nil {
		log = slog.Default()
	}
	f := &Feed{nc: nc, log: log, subs: map[*nats.Subscription]func(queue.Event){}}
	nc.SetReconnectHandler(func(*nats.Conn) { f.resync(nil) })
	nc.SetErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
		f.log.Warn("cluster: nats", "err", err)
		f.resync(sub)
	})
	return f
}

// Publish sends ev to every subscriber of every replica. A failure (the
// connection is closed) is logged: subscribers resynchronise when it is
// back.
func (f *Feed) Publish(ev queue.Event) {
	b, err := json.Marshal(ev)
	if err != nil { // an Event always marshals
		f.log.Error("cluster: encoding event", "kind", string(ev.Kind), "err", err)
		return
	}
	if err := f.nc.Publish(Subject(ev), b); err != nil {
		f.log.Warn("cluster: publishing event", "kind", string(ev.Kind), "err", err)
	}
}

// Subscribe calls fn, on a goroutine of the NATS connection and one
// event at a time, for every event published on the cluster from now on,
// until the returned function is called. An event that does not decode
// (a newer schema, or not Frontdesk's) is logged and delivered as
// queue.EventResync.
func (f *Feed) Subscribe(fn func(queue.Event)) func() {
	sub, err := f.nc.Subscribe(SubjectPrefix+".>", func(m *nats.Msg) {
		var ev queue.Event
		if err := json.Unmarshal(m.Data, &ev); err != nil || ev.Version != queue.EventSchemaVersion {
			// Something changed that this replica cannot read (a newer
			// schema during a rolling upgrade): refresh everything.
			f.log.Warn("cluster: an event this replica cannot read", "version", ev.Version, "err", err)
			fn(queue.Event{Kind: queue.EventResync, Version: queue.EventSchemaVersion})
			return
		}
		fn(ev)
	})
	if err != nil {
		// The connection is closed: nothing will arrive; the caller
		// resynchronises when a new feed is built.
		f.log.Warn("cluster: subscribing", "err", err)
		return func() {}
	}
	f.mu.Lock()
	f.subs[sub] = fn
	f.mu.Unlock()
	return func() {
		f.mu.Lock()
		delete(f.subs, sub)
		f.mu.Unlock()
		_ = sub.Unsubscribe()
	}
}

// resync tells the subscribers of sub (all when nil) that events may have
// been lost.
func (f *Feed) resync(sub *nats.Subscription) {
	f.mu.Lock()
	var fns []func(queue.Event)
	for s, fn := range f.subs {
		if sub == nil || s == sub {
			fns = append(fns, fn)
		}
	}
	f.mu.Unlock()
	for _, fn := range fns {
		fn(queue.Event{Kind: queue.EventResync, Version: queue.EventSchemaVersion})
	}
}

var _ queue.Feed = (*Feed)(nil)
