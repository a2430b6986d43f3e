package bus

import (
	"errors"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/frontdesk/frontdesk/janus/events"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func ev(emitter string, t events.Type, session, handle uint64, room, participant events.ID) *events.Event {
	return &events.Event{Emitter: emitter, Type: t, SessionID: session, HandleID: handle, Room: room, Participant: participant}
}

func TestFilterMatches(t *testing.T) {
	e := ev("janus-a", events.TypeMedia, 1, 2, "100", "7")
	tests := []struct {
		name string
		f    Filter
		want bool
	}{
		{"zero filter matches all", Filter{}, true},
		{"type in mask", Filter{Types: events.TypeWebRTC | events.TypeMedia}, true},
		{"type not in mask", Filter{Types: events.TypePlugin}, false},
		{"emitter", Filter{Emitters: []string{"janus-b", "janus-a"}}, true},
		{"other emitter", Filter{Emitters: []string{"janus-b"}}, false},
		{"room", Filter{Rooms: []events.ID{"100"}}, true},
		{"other room", Filter{Rooms: []events.ID{"101"}}, false},
		{"participant", Filter{Participants: []events.ID{"7"}}, true},
		{"other participant", Filter{Participants: []events.ID{"8"}}, false},
		{"session and handle", Filter{Sessions: []uint64{1}, Handles: []uint64{2}}, true},
		{"other handle", Filter{Handles: []uint64{3}}, false},
		{"all fields AND", Filter{Types: events.TypeMedia, Emitters: []string{"janus-a"}, Rooms: []events.ID{"100"}, Participants: []events.ID{"7"}}, true},
		{"AND fails on one", Filter{Types: events.TypeMedia, Rooms: []events.ID{"999"}}, false},
		{"predicate", Filter{Match: func(e *events.Event) bool { return e.HandleID == 2 }}, true},
		{"predicate refuses", Filter{Match: func(*events.Event) bool { return false }}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.Matches(e); got != tt.want {
				t.Fatalf("Matches = %v, want %v", got, tt.want)
			}
		})
	}
	if (Filter{}).Matches(nil) {
		t.Fatal("nil event matched")
	}
}

func TestPublishFansOutInOrder(t *testing.T) {
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	room, _ := b.Subscribe(Filter{Rooms: []events.ID{"100"}})
	core, _ := b.Subscribe(Filter{Types: events.TypeCore})
	all, _ := b.Subscribe(Filter{})

	e1 := ev("a", events.TypePlugin, 1, 2, "100", "7")
	e2 := ev("a", events.TypeCore, 0, 0, "", "")
	e3 := ev("a", events.TypeWebRTC, 1, 2, "100", "7")
	if n := b.Publish(e1, e2, nil, e3); n != 6 {
		t.Fatalf("delivered %d, want 6", n)
	}
	expect := func(s *Subscription, want ...*events.Event) {
		t.Helper()
		for i, w := range want {
			if got := <-s.C(); got != w {
				t.Fatalf("event %d = %+v, want %+v", i, got, w)
			}
		}
		select {
		case extra := <-s.C():
			t.Fatalf("unexpected event %+v", extra)
		default:
		}
	}
	expect(room, e1, e3)
	expect(core, e2)
	expect(all, e1, e2, e3)
}

func TestPublishNeverBlocksAndCountsDrops(t *testing.T) {
	reg := prometheus.NewRegistry()
	b, err := New(WithRegisterer(reg), WithDefaultBuffer(8))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	slow, _ := b.Subscribe(Filter{}, WithBuffer(2), WithName("slow"))
	roomy, _ := b.Subscribe(Filter{}, WithName("roomy"))
	for i := range 10 {
		b.Publish(ev("a", events.TypeMedia, 1, uint64(i), "", ""))
	}
	if got := slow.Dropped(); got != 8 {
		t.Fatalf("slow dropped %d, want 8", got)
	}
	if got := roomy.Dropped(); got != 2 {
		t.Fatalf("roomy (buffer 8) dropped %d, want 2", got)
	}
	if got := testutil.ToFloat64(b.drops.WithLabelValues("slow")); got != 8 {
		t.Fatalf("drop metric = %v, want 8", got)
	}
	if got := testutil.ToFloat64(b.publish); got != 10 {
		t.Fatalf("published metric = %v, want 10", got)
	}
	// The oldest events are the ones kept.
	if e := <-slow.C(); e.HandleID != 0 {
		t.Fatalf("first kept event has handle %d, want 0", e.HandleID)
	}
}

func TestSubscriptionClose(t *testing.T) {
	b, _ := New()
	defer b.Close()
	s, _ := b.Subscribe(Filter{})
	b.Publish(ev("a", events.TypeCore, 0, 0, "", ""))
	s.Close()
	s.Close() // idempotent
	if b.Len() != 0 {
		t.Fatalf("Len() = %d after Close", b.Len())
	}
	if n := b.Publish(ev("a", events.TypeCore, 0, 0, "", "")); n != 0 {
		t.Fatalf("delivered %d to a closed subscription", n)
	}
	if _, ok := <-s.C(); !ok {
		t.Fatal("the event buffered before Close was lost")
	}
	if _, ok := <-s.C(); ok {
		t.Fatal("channel not closed")
	}
}

func TestBusClose(t *testing.T) {
	b, _ := New()
	s, _ := b.Subscribe(Filter{})
	b.Close()
	b.Close()
	if _, ok := <-s.C(); ok {
		t.Fatal("subscription channel open after Bus.Close")
	}
	s.Close()
	if _, err := b.Subscribe(Filter{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Subscribe after Close: %v", err)
	}
	if n := b.Publish(ev("a", events.TypeCore, 0, 0, "", "")); n != 0 {
		t.Fatalf("Publish after Close delivered %d", n)
	}
}

func TestOptionsValidate(t *testing.T) {
	if _, err := New(WithDefaultBuffer(0)); err == nil {
		t.Fatal("buffer 0 accepted")
	}
	reg := prometheus.NewRegistry()
	if _, err := New(WithRegisterer(reg)); err != nil {
		t.Fatal(err)
	}
	if _, err := New(WithRegisterer(reg)); err == nil {
		t.Fatal("second registration on the same registry accepted")
	}
}

// TestConcurrentPublishSubscribeClose runs publishers, consumers and
// closers at once (meaningful under -race); every goroutine is waited on.
func TestConcurrentPublishSubscribeClose(t *testing.T) {
	b, _ := New(WithDefaultBuffer(16))
	var publishers, consumers sync.WaitGroup
	stop := make(chan struct{})
	for p := range 2 {
		publishers.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				b.Publish(ev("a", events.TypeMedia, uint64(p), uint64(i), "1", "2"))
			}
		})
	}
	for range 4 {
		consumers.Go(func() {
			for range 50 {
				s, err := b.Subscribe(Filter{Rooms: []events.ID{"1"}})
				if err != nil {
					t.Error(err)
					return
				}
				<-s.C()
				s.Close()
				for range s.C() {
				}
			}
		})
	}
	consumers.Wait()
	close(stop)
	publishers.Wait()
	if b.Len() != 0 {
		t.Fatalf("Len() = %d after every subscription closed", b.Len())
	}
	b.Close()
}
