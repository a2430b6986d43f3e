// Package pool keeps Frontdesk's Janus instances: their health (Admin API
// ping and info at an interval, plus liveness from event-handler events),
// their load (participants placed on them), and where each VideoRoom room
// lives. A new room goes to the least-loaded healthy instance with
// capacity; the room-to-instance map is persisted through [Placements] so a
// restart of Frontdesk keeps it.
package pool

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/idgen"
	"github.com/frontdesk/frontdesk/janus/admin"
	"github.com/frontdesk/frontdesk/janus/videoroom"
	"github.com/frontdesk/frontdesk/janus/wire"
	"github.com/prometheus/client_golang/prometheus"
)

// Placements is the persisted room-to-instance map of the pool (which
// Janus instance, by configured name, holds which VideoRoom room, by Janus
// room id), so a restart of Frontdesk keeps it. Both storage backends
// implement it (store/bolt and store/mongo, returned by
// store.Backend.Placements); store/storetest holds its contract test.
type Placements interface {
	// Put records that room lives on instance (non-empty), replacing an
	// earlier placement.
	Put(ctx context.Context, room uint64, instance string) error
	// Get returns the instance holding room; ok is false when room has no
	// placement.
	Get(ctx context.Context, room uint64) (instance string, ok bool, err error)
	// Delete forgets room's placement; an absent room is not an error.
	Delete(ctx context.Context, room uint64) error
	// List returns every placement as room id → instance name.
	List(ctx context.Context) (map[uint64]string, error)
}

// DefaultHealthInterval is the default time between health checks.
const DefaultHealthInterval = 5 * time.Second

// DefaultRoomParticipants is the load a room counts for when its
// participant count is not known (a restored placement): a host and a caller.
const DefaultRoomParticipants = 2

// Option sets an optional pool setting.
type Option func(*Pool)

// WithHealthInterval sets the time between health checks (default
// [DefaultHealthInterval]); a check's own timeout is the same.
func WithHealthInterval(d time.Duration) Option { return func(p *Pool) { p.interval = d } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(p *Pool) { p.log = l } }

// WithRegisterer registers the pool's metrics (instance state and load gauges).
func WithRegisterer(r prometheus.Registerer) Option { return func(p *Pool) { p.reg = r } }

// Pool is the set of Janus instances. Safe for concurrent use; Run drives
// its health checks.
type Pool struct {
	placements Placements
	interval   time.Duration
	log        *slog.Logger
	reg        prometheus.Registerer

	mu        sync.Mutex
	instances map[string]*Instance
	order     []string
	rooms     map[uint64]roomInfo
	watchers  []func(name string, s State)
	restarts  []func(name string)
	// soon carries CheckSoon's requests to Run.
	soon chan string

	stateGauge *prometheus.GaugeVec
	loadGauge  *prometheus.GaugeVec
}

type roomInfo struct {
	instance     string
	participants int
	// since is when this pool learnt of the placement (Place, or a sync
	// that found it in the store).
	since time.Time
}

// New builds a pool of cfgs and restores placements (each restored room
// counts [DefaultRoomParticipants] towards its instance's load). Instances
// start healthy until their first check. It returns an error wrapping
// [ErrInvalidConfig] for an empty or duplicate name or a missing URL.
func New(ctx context.Context, cfgs []InstanceConfig, placements Placements, opts ...Option) (*Pool, error) {
	p := &Pool{
		placements: placements, interval: DefaultHealthInterval, log: slog.Default(),
		instances: map[string]*Instance{}, rooms: map[uint64]roomInfo{}, soon: make(chan string, 64),
	}
	for _, o := range opts {
		o(p)
	}
	for i, c := range cfgs {
		switch {
		case c.Name == "":
			return nil, fmt.Errorf("%w: instance %d: empty name", ErrInvalidConfig, i)
		case p.instances[c.Name] != nil:
			return nil, fmt.Errorf("%w: instance %q: duplicate name", ErrInvalidConfig, c.Name)
		case c.AdminURL == "" || (c.WSURL == "" && c.HTTPURL == ""):
			return nil, fmt.Errorf("%w: instance %q: admin URL and a Janus API URL are required", ErrInvalidConfig, c.Name)
		case c.Capacity < 0:
			return nil, fmt.Errorf("%w: instance %q: negative capacity", ErrInvalidConfig, c.Name)
		}
		p.instances[c.Name] = &Instance{cfg: c, admin: admin.New(c.AdminURL, c.AdminSecret, admin.WithRequestTimeout(p.interval))}
		p.order = append(p.order, c.Name)
	}
	if placements != nil {
		saved, err := placements.List(ctx)
		if err != nil {
			return nil, fmt.Errorf("pool: restore placements: %w", err)
		}
		for room, name := range saved {
			inst := p.instances[name]
			if inst == nil {
				p.log.Warn("pool: placement names an unknown instance; room must be placed again", "room", room, "instance", name)
				continue
			}
			p.rooms[room] = roomInfo{instance: name, participants: DefaultRoomParticipants, since: time.Now()}
			inst.load += DefaultRoomParticipants
			inst.rooms++
		}
	}
	if p.reg != nil {
		p.stateGauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "frontdesk_janus_instance_state",
			Help: "State of each Janus instance: 0 healthy, 1 draining, 2 down."}, []string{"instance"})
		p.loadGauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "frontdesk_janus_instance_load",
			Help: "Participants placed on each Janus instance."}, []string{"instance"})
		if err := p.reg.Register(p.stateGauge); err != nil {
			return nil, fmt.Errorf("pool: metrics: %w", err)
		}
		if err := p.reg.Register(p.loadGauge); err != nil {
			return nil, fmt.Errorf("pool: metrics: %w", err)
		}
	}
	return p, nil
}

// Watch registers f to be called (without the pool's lock held) whenever an
// instance changes state. The proxy uses it to close the connections of an
// instance that went down.
func (p *Pool) Watch(f func(name string, s State)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.watchers = append(p.watchers, f)
}

// Run checks every instance each interval until ctx ends, and reloads the
// placements from the store as often ([Pool.SyncPlacements]). It checks
// once at once, so states are known soon after start.
func (p *Pool) Run(ctx context.Context) error {
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		p.CheckAll(ctx)
		if err := p.SyncPlacements(ctx); err != nil && ctx.Err() == nil {
			p.log.Warn("pool: reload placements", "err", err)
		}
		for wait := true; wait; {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
				wait = false
			case name := <-p.soon:
				p.checkNow(ctx, name)
			}
		}
	}
}

// CheckSoon asks Run to check instance name at once, out of turn: a sign
// that it died arrived (the proxy's connections to it dropped). Requests
// for an instance already down or already asked for are dropped, so a
// burst of dropped connections makes one check. It never blocks.
func (p *Pool) CheckSoon(name string) {
	p.mu.Lock()
	inst := p.instances[name]
	skip := inst == nil || inst.state == StateDown || inst.checkAsked
	if !skip {
		inst.checkAsked = true
	}
	p.mu.Unlock()
	if skip {
		return
	}
	select {
	case p.soon <- name:
	default:
		p.mu.Lock()
		inst.checkAsked = false
		p.mu.Unlock()
	}
}

// checkNow runs a check CheckSoon asked for.
func (p *Pool) checkNow(ctx context.Context, name string) {
	p.check(ctx, name)
	p.mu.Lock()
	p.instances[name].checkAsked = false
	p.mu.Unlock()
}

// CheckAll runs one health check of every instance, concurrently, and
// waits for them.
func (p *Pool) CheckAll(ctx context.Context) {
	var wg sync.WaitGroup
	for _, name := range p.names() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.check(ctx, name)
		}()
	}
	wg.Wait()
}

func (p *Pool) names() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.order...)
}

// check asks one instance for its Admin info: an answer means healthy (or
// draining when it does not accept new sessions); no answer means down.
func (p *Pool) check(ctx context.Context, name string) {
	p.mu.Lock()
	inst := p.instances[name]
	forced := inst.forced
	p.mu.Unlock()
	cctx, cancel := context.WithTimeout(ctx, p.interval)
	info, err := inst.admin.Info(cctx)
	cancel()
	if ctx.Err() != nil {
		return
	}
	next := StateDown
	if err == nil {
		next = StateHealthy
		if !info.AcceptingNewSessions {
			next = StateDraining
		}
		p.checkSentinel(ctx, inst)
	}
	p.mu.Lock()
	inst.lastCheck = time.Now()
	inst.lastErr = ""
	if err != nil {
		inst.lastErr = err.Error()
	} else {
		inst.version = info.VersionString
	}
	stale := inst.forced != forced // drained, undrained or shut down meanwhile
	p.mu.Unlock()
	if !stale {
		p.setState(name, next)
	}
}

// force sets an instance's state from an operation (drain, undrain, a
// shutdown event) rather than a health check: a check that was under way
// then does not overwrite it with what it saw before.
func (p *Pool) force(name string, s State) {
	p.mu.Lock()
	if inst := p.instances[name]; inst != nil {
		inst.forced++
	}
	p.mu.Unlock()
	p.setState(name, s)
}

// setState changes an instance's state and tells the watchers.
func (p *Pool) setState(name string, s State) {
	p.mu.Lock()
	inst := p.instances[name]
	if inst == nil || inst.state == s {
		p.mu.Unlock()
		return
	}
	prev := inst.state
	inst.state = s
	watchers := append([]func(string, State){}, p.watchers...)
	if p.stateGauge != nil {
		p.stateGauge.WithLabelValues(name).Set(float64(s))
	}
	p.mu.Unlock()
	p.log.Info("pool: instance state changed", "instance", name, "from", prev.String(), "to", s.String())
	for _, w := range watchers {
		w(name, s)
	}
}

// OnRestart registers f to be called (without the pool's lock held) with
// the name of an instance that restarted in place: it answers, but its
// sentinel room is gone, and with it every room and stored token it held.
func (p *Pool) OnRestart(f func(name string)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.restarts = append(p.restarts, f)
}

// sentinelRoom is the VideoRoom room id the pool keeps on instance name
// to notice a restart in place: FNV-1a of "frontdesk-sentinel:<name>" in
// the 53 bits a browser's JSON number holds (the same on every replica,
// so they share one).
func sentinelRoom(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte("frontdesk-sentinel:" + name))
	return h.Sum64()&(1<<53-1) | 1
}

// checkSentinel looks for inst's sentinel room (VideoRoom "exists" through
// the Admin API): found, all is well; missing after it was seen, the
// instance restarted and the OnRestart callbacks run; missing, it is made
// (private, with the instance's admin_key). Without an admin key, or when
// the instance does not answer, it does nothing.
func (p *Pool) checkSentinel(ctx context.Context, inst *Instance) {
	if inst.cfg.AdminKey == "" {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, p.interval)
	defer cancel()
	req := inst.admin.PluginRequester(videoroom.Plugin)
	room := sentinelRoom(inst.cfg.Name)
	ok, err := videoroom.Exists(cctx, req, room)
	if err != nil {
		return
	}
	p.mu.Lock()
	seen := inst.sentinelSeen
	restarts := append([]func(string){}, p.restarts...)
	p.mu.Unlock()
	if ok {
		if !seen {
			p.mu.Lock()
			inst.sentinelSeen = true
			p.mu.Unlock()
		}
		return
	}
	_, err = videoroom.Create(cctx, req, videoroom.CreateRequest{Room: room, Description: "Frontdesk sentinel: its absence means this Janus restarted",
		AdminKey: inst.cfg.AdminKey, IsPrivate: true, Secret: idgen.Hex(16)})
	if err != nil && !errors.Is(err, &wire.PluginError{Code: videoroom.ErrCodeRoomExists}) {
		p.log.Warn("pool: making the sentinel room", "instance", inst.cfg.Name, "err", err)
		return
	}
	p.mu.Lock()
	inst.sentinelSeen = true
	p.mu.Unlock()
	if seen {
		p.log.Warn("pool: instance restarted (its sentinel room is gone): its rooms are lost", "instance", inst.cfg.Name)
		for _, f := range restarts {
			f(inst.cfg.Name)
		}
	}
}

// ObserveShutdown marks an instance down at once: a core "shutdown" event
// (event type 256, subtype 2) arrived from its emitter. Unknown names are
// ignored.
func (p *Pool) ObserveShutdown(name string) { p.force(name, StateDown) }

// ObserveStarted reacts to a core "started" event (type 256, subtype 1) by
// checking the instance at once, which makes it healthy if it answers.
func (p *Pool) ObserveStarted(ctx context.Context, name string) {
	p.mu.Lock()
	_, ok := p.instances[name]
	p.mu.Unlock()
	if ok {
		p.check(ctx, name)
	}
}

// Drain stops an instance from taking new sessions (Admin
// accept_new_sessions false) and new rooms; its rooms keep running.
func (p *Pool) Drain(ctx context.Context, name string) error {
	inst, err := p.instance(name)
	if err != nil {
		return err
	}
	if err := inst.admin.AcceptNewSessions(ctx, false); err != nil {
		return fmt.Errorf("pool: drain %s: %w", name, err)
	}
	p.force(name, StateDraining)
	return nil
}

// Undrain lets a drained instance take new sessions and rooms again.
func (p *Pool) Undrain(ctx context.Context, name string) error {
	inst, err := p.instance(name)
	if err != nil {
		return err
	}
	if err := inst.admin.AcceptNewSessions(ctx, true); err != nil {
		return fmt.Errorf("pool: undrain %s: %w", name, err)
	}
	p.force(name, StateHealthy)
	return nil
}

func (p *Pool) instance(name string) (*Instance, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	inst := p.instances[name]
	if inst == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownInstance, name)
	}
	return inst, nil
}

// Place chooses the least-loaded healthy instance with room for
// participants (ties go to the first configured), records and persists the
// placement of room there, and returns the instance. Placing a room again
// moves it. It returns [ErrNoCapacity] when no instance fits.
func (p *Pool) Place(ctx context.Context, room uint64, participants int) (*Instance, error) {
	p.mu.Lock()
	p.forgetLocked(room)
	var best *Instance
	for _, name := range p.order {
		inst := p.instances[name]
		if inst.state != StateHealthy {
			continue
		}
		if inst.cfg.Capacity > 0 && inst.load+participants > inst.cfg.Capacity {
			continue
		}
		if best == nil || inst.load < best.load {
			best = inst
		}
	}
	if best == nil {
		p.mu.Unlock()
		return nil, ErrNoCapacity
	}
	best.load += participants
	best.rooms++
	p.rooms[room] = roomInfo{instance: best.cfg.Name, participants: participants, since: time.Now()}
	p.gaugeLoadLocked(best)
	p.mu.Unlock()
	if p.placements != nil {
		if err := p.placements.Put(ctx, room, best.cfg.Name); err != nil {
			p.Release(ctx, room)
			return nil, fmt.Errorf("pool: persist placement: %w", err)
		}
	}
	return best, nil
}

// SyncPlacements makes the pool's rooms those of the store, which other
// replicas place rooms in and release them from too: a room placed
// elsewhere counts towards its instance's load here
// ([DefaultRoomParticipants]), and a room released elsewhere stops
// counting. A room this pool placed after the store was read is kept.
// Without a placement store it does nothing.
func (p *Pool) SyncPlacements(ctx context.Context) error {
	if p.placements == nil {
		return nil
	}
	read := time.Now()
	saved, err := p.placements.List(ctx)
	if err != nil {
		return fmt.Errorf("pool: list placements: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	changed := map[*Instance]bool{}
	for room, ri := range p.rooms {
		if name, ok := saved[room]; (!ok || name != ri.instance) && ri.since.Before(read) {
			if inst := p.instances[ri.instance]; inst != nil {
				changed[inst] = true
			}
			p.forgetLocked(room)
		}
	}
	for room, name := range saved {
		inst := p.instances[name]
		if _, known := p.rooms[room]; known || inst == nil {
			continue
		}
		p.rooms[room] = roomInfo{instance: name, participants: DefaultRoomParticipants, since: read}
		inst.load += DefaultRoomParticipants
		inst.rooms++
		changed[inst] = true
	}
	for inst := range changed {
		p.gaugeLoadLocked(inst)
	}
	return nil
}

// Instance returns the instance named name, which a call record names as
// its room's holder. It returns [ErrUnknownInstance] for a name not
// configured here and [ErrInstanceDown] (with the instance) when it is
// down.
func (p *Pool) Instance(name string) (*Instance, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	inst := p.instances[name]
	switch {
	case inst == nil:
		return nil, fmt.Errorf("%w: %q", ErrUnknownInstance, name)
	case inst.state == StateDown:
		return inst, fmt.Errorf("%w: %s", ErrInstanceDown, name)
	}
	return inst, nil
}

// Lookup returns the instance holding room. It returns [ErrNotPlaced] for
// an unknown room and [ErrInstanceDown] (with the instance) when the
// instance is down.
func (p *Pool) Lookup(room uint64) (*Instance, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ri, ok := p.rooms[room]
	if !ok {
		return nil, fmt.Errorf("%w: %d", ErrNotPlaced, room)
	}
	inst := p.instances[ri.instance]
	if inst.state == StateDown {
		return inst, fmt.Errorf("%w: %s holds room %d", ErrInstanceDown, inst.cfg.Name, room)
	}
	return inst, nil
}

// RoomsOn returns the rooms placed on an instance, in ascending order; for
// an instance that went down these are the rooms to place again.
func (p *Pool) RoomsOn(name string) []uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []uint64
	for room, ri := range p.rooms {
		if ri.instance == name {
			out = append(out, room)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Release forgets room's placement (the room was destroyed) and removes its
// load. Releasing an unknown room does nothing.
func (p *Pool) Release(ctx context.Context, room uint64) error {
	p.mu.Lock()
	p.forgetLocked(room)
	p.mu.Unlock()
	if p.placements != nil {
		if err := p.placements.Delete(ctx, room); err != nil {
			return fmt.Errorf("pool: release room %d: %w", room, err)
		}
	}
	return nil
}

func (p *Pool) forgetLocked(room uint64) {
	ri, ok := p.rooms[room]
	if !ok {
		return
	}
	delete(p.rooms, room)
	if inst := p.instances[ri.instance]; inst != nil {
		inst.load -= ri.participants
		inst.rooms--
		p.gaugeLoadLocked(inst)
	}
}

func (p *Pool) gaugeLoadLocked(inst *Instance) {
	if p.loadGauge != nil {
		p.loadGauge.WithLabelValues(inst.cfg.Name).Set(float64(inst.load))
	}
}

// Statuses returns a snapshot of every instance, in configuration order.
func (p *Pool) Statuses() []Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Status, 0, len(p.order))
	for _, name := range p.order {
		i := p.instances[name]
		out = append(out, Status{Name: name, State: i.state, Load: i.load, Rooms: i.rooms, Capacity: i.cfg.Capacity,
			Version: i.version, LastCheck: i.lastCheck, LastError: i.lastErr, WSURL: i.cfg.WSURL, HTTPURL: i.cfg.HTTPURL})
	}
	return out
}

// State returns an instance's state.
func (p *Pool) State(name string) (State, error) {
	inst, err := p.instance(name)
	if err != nil {
		return StateDown, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return inst.state, nil
}
