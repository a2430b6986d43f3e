package bus

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/frontdesk/frontdesk/janus/events"
)

// DefaultBuffer is the per-subscription buffer, in events, when neither
// WithDefaultBuffer nor WithBuffer says otherwise.
const DefaultBuffer = 1024

// Bus fans events out to subscriptions. The zero value is not usable; call
// [New]. It is safe for concurrent use.
type Bus struct {
	mu      sync.RWMutex // publishers hold it shared; Subscribe and Close exclusively
	subs    []*Subscription
	closed  bool
	buffer  int
	drops   *prometheus.CounterVec
	publish prometheus.Counter
}

// Option configures a Bus.
type Option func(*Bus) error

// WithRegisterer registers the bus metrics on reg:
// frontdesk_bus_published_events_total and
// frontdesk_bus_dropped_events_total{subscriber}.
func WithRegisterer(reg prometheus.Registerer) Option {
	return func(b *Bus) error {
		for _, c := range []prometheus.Collector{b.drops, b.publish} {
			if err := reg.Register(c); err != nil {
				return fmt.Errorf("bus: register metrics: %w", err)
			}
		}
		return nil
	}
}

// WithDefaultBuffer sets the buffer of subscriptions that do not choose
// one (n >= 1).
func WithDefaultBuffer(n int) Option {
	return func(b *Bus) error {
		if n < 1 {
			return fmt.Errorf("bus: buffer %d: must be at least 1", n)
		}
		b.buffer = n
		return nil
	}
}

// New returns an open Bus.
func New(opts ...Option) (*Bus, error) {
	b := &Bus{
		buffer: DefaultBuffer,
		drops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_bus_dropped_events_total",
			Help: "Events not delivered to a subscriber because its buffer was full, by subscriber name.",
		}, []string{"subscriber"}),
		publish: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "frontdesk_bus_published_events_total",
			Help: "Events published on the in-process event bus.",
		}),
	}
	for _, o := range opts {
		if err := o(b); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// SubscribeOption configures one subscription.
type SubscribeOption func(*Subscription)

// WithBuffer sets the subscription's buffer in events (values below 1 are
// raised to 1).
func WithBuffer(n int) SubscribeOption {
	return func(s *Subscription) { s.buffer = max(n, 1) }
}

// WithName names the subscription in the drop metric label; keep the set of
// names small and fixed (e.g. "queue", "tracker"). The default is "unnamed".
func WithName(name string) SubscribeOption {
	return func(s *Subscription) { s.name = name }
}

// Subscribe returns a subscription receiving the events that pass f, from
// now on, in publication order. Close it when done. Fails with ErrClosed
// after [Bus.Close].
func (b *Bus) Subscribe(f Filter, opts ...SubscribeOption) (*Subscription, error) {
	s := &Subscription{bus: b, filter: f.compile(), buffer: b.buffer, name: "unnamed"}
	for _, o := range opts {
		o(s)
	}
	s.ch = make(chan *events.Event, s.buffer)
	s.dropCounter = b.drops.WithLabelValues(s.name)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrClosed
	}
	b.subs = append(b.subs, s)
	return s, nil
}

// Publish offers each event to every matching subscription without
// blocking and returns how many deliveries were made. An event that does
// not fit a subscriber's buffer is dropped for that subscriber and counted.
// Events must not be modified after publishing: subscribers share them.
// Publishing on a closed bus does nothing.
func (b *Bus) Publish(evs ...*events.Event) (delivered int) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return 0
	}
	for _, ev := range evs {
		if ev == nil {
			continue
		}
		b.publish.Inc()
		for _, s := range b.subs {
			if !s.filter.matches(ev) {
				continue
			}
			select {
			case s.ch <- ev:
				delivered++
			default:
				s.dropped.Add(1)
				s.dropCounter.Inc()
			}
		}
	}
	return delivered
}

// Close closes every subscription (their channels are closed once drained
// of nothing more) and makes Subscribe fail. It is idempotent.
func (b *Bus) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.closed = true
	for _, s := range b.subs {
		s.closeLocked()
	}
	b.subs = nil
}

// Len returns the number of open subscriptions.
func (b *Bus) Len() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.subs)
}

// Subscription is one subscriber's view of the bus.
type Subscription struct {
	bus         *Bus
	filter      compiled
	buffer      int
	name        string
	ch          chan *events.Event
	dropped     atomic.Uint64
	dropCounter prometheus.Counter
	closed      bool // guarded by bus.mu
}

// C returns the channel events arrive on. It is closed by Close or
// Bus.Close; events already buffered can still be read.
func (s *Subscription) C() <-chan *events.Event { return s.ch }

// Name returns the subscription's metric name.
func (s *Subscription) Name() string { return s.name }

// Dropped returns how many events were dropped because the buffer was full.
func (s *Subscription) Dropped() uint64 { return s.dropped.Load() }

// Close unsubscribes and closes the channel. It is idempotent and safe to
// call concurrently with Publish.
func (s *Subscription) Close() {
	b := s.bus
	b.mu.Lock()
	defer b.mu.Unlock()
	if s.closed {
		return
	}
	s.closeLocked()
	for i, o := range b.subs {
		if o == s {
			b.subs = append(b.subs[:i:i], b.subs[i+1:]...)
			break
		}
	}
}

func (s *Subscription) closeLocked() {
	if !s.closed {
		s.closed = true
		close(s.ch)
	}
}
