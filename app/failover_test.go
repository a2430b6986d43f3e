package app_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/config"
	"github.com/frontdesk/frontdesk/janus"
	"github.com/frontdesk/frontdesk/janus/janustest"
	"github.com/frontdesk/frontdesk/janus/videoroom"
	"github.com/frontdesk/frontdesk/proxy"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/hours"
)

// failoverRig is a Frontdesk with two real Janus instances, each in its own
// network namespace, and a Pion API that reaches both.
type failoverRig struct {
	a     *app.App
	addr  string
	janus map[string]*janustest.Instance
	api   *webrtc.API
	q     queue.Queue
}

func newFailoverRig(tb testing.TB) *failoverRig {
	tb.Helper()
	j1, ev1 := apptest.StartJanus(tb, "janus-fo-1")
	j2, ev2 := apptest.StartJanus(tb, "janus-fo-2")
	a, addr := apptest.Start(tb, apptest.WithJanusInstances(j1, j2), func(c *config.Config) {
		for i := range c.Janus.Instances {
			c.Janus.Instances[i].Capacity = 0 // no limit: twenty calls fit on one
		}
	})
	ev1.To(addr)
	ev2.To(addr)
	r := &failoverRig{a: a, addr: addr, janus: map[string]*janustest.Instance{j1.Name: j1, j2.Name: j2},
		api: janustest.PionAPI(j1.HostInterface, j2.HostInterface)}
	q, err := a.Engine().CreateQueue(tb.Context(), queue.Queue{Slug: "desk", Name: "Help desk", Mode: queue.ModeAuto,
		Hours: hours.AlwaysOpen(), Media: queue.MediaJanus, Limits: queue.Limits{MaxWaiting: 100}})
	if err != nil {
		tb.Fatal(err)
	}
	r.q = q
	return r
}

// other returns the name of the instance that is not name.
func (r *failoverRig) other(name string) string {
	for n := range r.janus {
		if n != name {
			return n
		}
	}
	return ""
}

// only makes every new room go to instance on (the other is drained)
// until the returned function undrains it.
func (r *failoverRig) only(tb testing.TB, on string) func() {
	tb.Helper()
	off := r.other(on)
	if err := r.a.Pool().Drain(tb.Context(), off); err != nil {
		tb.Fatal(err)
	}
	return func() {
		if err := r.a.Pool().Undrain(tb.Context(), off); err != nil {
			tb.Fatal(err)
		}
	}
}

// party is one side of a call, speaking the Janus API through the proxy
// as a client that follows a move does: when the call's room changes, it
// fetches a new ticket and joins the new room.
type party struct {
	role  queue.PartyRole
	user  string
	entry queue.EntryID
	feed  uint64 // its own feed id
	peer  uint64 // the other side's

	conn *janus.Client
	pub  *janustest.Publisher
	sub  *janustest.Subscriber
	room uint64
}

// join connects with a fresh ticket, publishes and subscribes to the peer
// (retrying while the peer has not published yet).
func (p *party) join(ctx context.Context, r *failoverRig) error {
	p.close()
	ticket, call, err := r.a.Engine().Ticket(ctx, p.entry, p.user)
	if err != nil {
		return fmt.Errorf("ticket: %w", err)
	}
	for _, pp := range call.Participants {
		if pp.Role == p.role {
			p.feed = pp.FeedID
		} else {
			p.peer = pp.FeedID
		}
	}
	p.conn, err = janus.Dial(ctx, "ws://"+r.addr+"/janus", janus.WithHeader(http.Header{proxy.TicketHeader: {ticket}}))
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	s, err := p.conn.CreateSession(ctx)
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	h, err := s.Attach(ctx, videoroom.Plugin)
	if err != nil {
		return fmt.Errorf("attach: %w", err)
	}
	for {
		p.pub, err = janustest.StartPublisher(ctx, r.api, h, videoroom.JoinPublisherRequest{Room: call.Room.ID})
		if !errors.Is(err, &janus.PluginError{Code: 436}) || ctx.Err() != nil {
			break // 436: the old participant is still being kicked
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	sh, err := s.Attach(ctx, videoroom.Plugin)
	if err != nil {
		return fmt.Errorf("attach subscriber: %w", err)
	}
	for {
		p.sub, err = janustest.StartSubscriber(ctx, r.api, sh, videoroom.JoinSubscriberRequest{Room: call.Room.ID,
			Streams: []videoroom.SubscribeStream{{Feed: p.peer}}})
		if !errors.Is(err, &janus.PluginError{Code: 428}) || ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond) // 428: the peer has not published here yet
	}
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	p.room = call.Room.ID
	return nil
}

// flowing waits until p receives the peer's audio and video.
func (p *party) flowing(ctx context.Context) error {
	for p.sub.AudioPackets.Load() < 5 || p.sub.VideoPackets.Load() < 5 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s receives audio=%d video=%d packets", p.role, p.sub.AudioPackets.Load(), p.sub.VideoPackets.Load())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

// follow waits for the call's room to change, then joins the new room
// and waits for media.
func (p *party) follow(ctx context.Context, r *failoverRig, from uint64) error {
	for {
		c, _, err := r.a.Engine().CallOf(ctx, p.entry, p.user)
		if err == nil && c.Room.ID != from {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the call never left room %d: %v", from, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	for {
		err := p.join(ctx, r)
		if err == nil {
			return p.flowing(ctx)
		}
		if ctx.Err() != nil {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (p *party) close() {
	if p.sub != nil {
		p.sub.Close()
		p.sub = nil
	}
	if p.pub != nil {
		p.pub.Close()
		p.pub = nil
	}
	if p.conn != nil {
		p.conn.Close()
		p.conn = nil
	}
}

// liveCall is one call between a host and a caller, both in the room.
type liveCall struct {
	entry queue.EntryID
	call  queue.CallID
	room  uint64
	sides [2]*party
}

// startCalls starts n calls (host hN with caller cN), each with both
// sides publishing and receiving through the proxy.
func (r *failoverRig) startCalls(ctx context.Context, tb testing.TB, n int, tag string) []*liveCall {
	tb.Helper()
	eng := r.a.Engine()
	var calls []*liveCall
	for i := range n {
		host := queue.HostID(fmt.Sprintf("h-%s-%d", tag, i))
		if _, err := eng.PutHost(ctx, host, "Host", []queue.QueueID{r.q.ID}); err != nil {
			tb.Fatal(err)
		}
		j, err := eng.Join(ctx, r.q.ID, queue.JoinRequest{Caller: queue.Caller{ID: fmt.Sprintf("c-%s-%d", tag, i), Name: "Caller"}})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := eng.SetAvailability(ctx, host, queue.HostAvailable); err != nil {
			tb.Fatal(err)
		}
		// Hosts of earlier calls serve the queue too: whoever is offered
		// the caller takes the call.
		en := waitEntry(tb, eng, string(j.Entry.ID), queue.EntryOffered)
		host = en.HostID
		acc, err := eng.Accept(ctx, host, en.ID)
		if err != nil {
			tb.Fatal(err)
		}
		calls = append(calls, &liveCall{entry: en.ID, call: acc.Call.ID, room: acc.Call.Room.ID, sides: [2]*party{
			{role: queue.PartyHost, user: string(host), entry: en.ID},
			{role: queue.PartyCaller, user: en.CallerID, entry: en.ID}}})
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for _, c := range calls {
		for _, p := range c.sides {
			tb.Cleanup(p.close)
			wg.Go(func() {
				if err := p.join(ctx, r); err != nil {
					errs <- err
					return
				}
				errs <- p.flowing(ctx)
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			tb.Fatal(err)
		}
	}
	for _, c := range calls {
		waitEntry(tb, eng, string(c.entry), queue.EntryInCall)
	}
	return calls
}

// watchInCall records every state the entries are seen in until stop.
func watchInCall(ctx context.Context, eng *queue.Engine, calls []*liveCall) (stop func() map[queue.EntryState]int) {
	seen := map[queue.EntryState]int{}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			for _, c := range calls {
				if en, err := eng.GetEntry(ctx, c.entry); err == nil {
					seen[en.State]++
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return func() map[queue.EntryState]int { cancel(); <-done; return seen }
}

// failOver makes instance lose its rooms (how), has every party follow its
// call to a new room, and returns how long each call took from the loss
// until both sides received media again, sorted.
func (r *failoverRig) failOver(ctx context.Context, tb testing.TB, calls []*liveCall, instance string, how func(*janustest.Instance)) []time.Duration {
	tb.Helper()
	stop := watchInCall(ctx, r.a.Engine(), calls)
	lost := time.Now()
	how(r.janus[instance])
	took := make([]time.Duration, len(calls))
	errs := make(chan error, 2*len(calls))
	var wg sync.WaitGroup
	for i, c := range calls {
		wg.Go(func() {
			var cw sync.WaitGroup
			for _, p := range c.sides {
				cw.Go(func() {
					if err := p.follow(ctx, r, c.room); err != nil {
						errs <- fmt.Errorf("call %d %s: %w", i, p.role, err)
					}
				})
			}
			cw.Wait()
			took[i] = time.Since(lost)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Error(err)
	}
	seen := stop()
	if tb.Failed() {
		tb.FailNow()
	}
	for s, n := range seen {
		if s != queue.EntryInCall {
			tb.Fatalf("entries seen %v during the failover (%d times %s), want in_call only", seen, n, s)
		}
	}
	for _, c := range calls {
		call, err := r.a.Engine().Store().GetCall(ctx, c.call)
		if err != nil || call.Room.Instance == instance && call.Room.ID == c.room || call.State == queue.CallEnded {
			tb.Fatalf("call %s after the failover: %+v, %v", c.call, call.Room, err)
		}
		c.room = call.Room.ID
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	return took
}

// TestFailoverOnJanus: calls between Pion participants on one of two real
// Janus instances; that Janus is killed (SIGKILL), or killed and started
// again at once at the same address with no rooms. Every call comes back
// on a new room with both sides publishing and receiving, the entries
// never leave in_call, and after the hang-ups nothing was abandoned and
// every call completed once.
func TestFailoverOnJanus(t *testing.T) {
	r := newFailoverRig(t)
	tests := []struct {
		name string
		n    int
		how  func(*janustest.Instance)
	}{
		{"killed", 1, (*janustest.Instance).Kill},
		{"restarted in place", 1, func(j *janustest.Instance) { j.Kill(); j.Restart() }},
		{"twenty calls, killed", 20, (*janustest.Instance).Kill},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
			defer cancel()
			on := []string{"janus-fo-1", "janus-fo-2"}[i%2]
			r.allUp(ctx, t)
			undrain := r.only(t, on)
			calls := r.startCalls(ctx, t, tt.n, fmt.Sprint(i))
			undrain()
			took := r.failOver(ctx, t, calls, on, tt.how)
			t.Logf("%s: %d call(s) back with media after %v (first) to %v (last)", tt.name, tt.n, took[0], took[len(took)-1])
			for _, c := range calls {
				if err := r.a.Engine().Complete(ctx, c.sides[0].user, c.entry); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	st, err := r.a.Engine().Stats(t.Context(), r.q.ID, time.Now().Add(-time.Hour), time.Now().Add(time.Second))
	if err != nil || st.Answered != 22 || st.Completed != 22 || st.Abandoned != 0 {
		t.Fatalf("stats answered=%d completed=%d abandoned=%d, %v; want 22, 22, 0", st.Answered, st.Completed, st.Abandoned, err)
	}
}

// TestEvacuate: ten live calls on one instance; an admin evacuates it.
// All ten move, paced, to the other instance with both sides receiving
// media, the entries stay in_call, and the evacuated instance is draining.
func TestEvacuate(t *testing.T) {
	r := newFailoverRig(t)
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()
	undrain := r.only(t, "janus-fo-1")
	calls := r.startCalls(ctx, t, 10, "ev")
	undrain()
	took := r.failOver(ctx, t, calls, "janus-fo-1", func(*janustest.Instance) {
		n, err := r.a.Evacuate(ctx, "janus-fo-1")
		if err != nil || n != 10 {
			t.Errorf("evacuate: %d calls, %v", n, err)
		}
	})
	t.Logf("evacuated 10 calls: the first back after %v, the last after %v", took[0], took[len(took)-1])
	for _, c := range calls {
		call, _ := r.a.Engine().Store().GetCall(ctx, c.call)
		if call.Room.Instance != "janus-fo-2" {
			t.Fatalf("call %s is on %s after the evacuation", c.call, call.Room.Instance)
		}
	}
	if s, _ := r.a.Pool().State("janus-fo-1"); s.String() != "draining" {
		t.Fatalf("evacuated instance is %s, want draining", s)
	}
	if took[len(took)-1] < 9*200*time.Millisecond {
		t.Fatalf("ten calls moved in %v: not paced", took[len(took)-1])
	}
}

// allUp starts again any instance a failover killed, undrains any left
// drained, and waits until the pool sees both healthy.
func (r *failoverRig) allUp(ctx context.Context, tb testing.TB) {
	tb.Helper()
	for name, j := range r.janus {
		if !j.Running() {
			j.Restart()
		}
		if s, _ := r.a.Pool().State(name); s.String() == "draining" {
			if err := r.a.Pool().Undrain(ctx, name); err != nil {
				tb.Fatal(err)
			}
		}
		waitHealthy(ctx, tb, r.a, name)
	}
}

// waitHealthy waits until the pool sees instance healthy.
func waitHealthy(ctx context.Context, tb testing.TB, a *app.App, instance string) {
	tb.Helper()
	for {
		if s, err := a.Pool().State(instance); err == nil && s.String() == "healthy" {
			return
		}
		select {
		case <-ctx.Done():
			tb.Fatalf("%s never became healthy", instance)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// BenchmarkFailover: a call between two Pion participants on one of two
// real Janus instances; SIGKILL of that Janus; the time until both
// participants receive media again on the other instance. Reports p50-ms
// and max-ms over b.N failovers (use -benchtime=Nx), alternating the
// instance killed (the killed one is started again between runs).
func BenchmarkFailover(b *testing.B) {
	r := newFailoverRig(b)
	var took []time.Duration
	for i := range b.N {
		ctx, cancel := context.WithTimeout(b.Context(), 60*time.Second)
		on := []string{"janus-fo-1", "janus-fo-2"}[i%2]
		r.allUp(ctx, b)
		undrain := r.only(b, on)
		calls := r.startCalls(ctx, b, 1, fmt.Sprint("b", i))
		undrain()
		took = append(took, r.failOver(ctx, b, calls, on, (*janustest.Instance).Kill)...)
		if err := r.a.Engine().Complete(ctx, calls[0].sides[0].user, calls[0].entry); err != nil {
			b.Fatal(err)
		}
		for _, p := range calls[0].sides {
			p.close()
		}
		cancel()
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(took[len(took)-1].Milliseconds()), "max-ms")
	b.ReportMetric(0, "ns/op")
}
