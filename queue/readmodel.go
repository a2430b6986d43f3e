package queue

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Snapshot answers the read-model queries (a queue's board, an entry's
// status, a host's console) for one moment: each queue is read from the
// store at most once per Snapshot, so a live update that renders many
// views reads each queue once. A REST request takes a new Snapshot; the
// live-update hub takes one per flush. Not safe for concurrent use.
type Snapshot struct {
	e      *Engine
	now    time.Time
	boards map[QueueID]*Board
	queues map[QueueID]Queue // read already, board not built yet
}

// Snapshot returns an empty snapshot at the engine's time now.
func (e *Engine) Snapshot() *Snapshot {
	return &Snapshot{e: e, now: e.clock.Now(), boards: map[QueueID]*Board{}, queues: map[QueueID]Queue{}}
}

// WithQueue records q as read at the snapshot's moment (by the command
// that just ran, e.g. Joined.Queue), so the queries do not read it again.
// It returns s.
func (s *Snapshot) WithQueue(q Queue) *Snapshot {
	if _, ok := s.boards[q.ID]; !ok {
		s.queues[q.ID] = q
	}
	return s
}

// Now is the snapshot's time (the engine's clock when it was taken).
func (s *Snapshot) Now() time.Time { return s.now }

// Board is one queue as its live views show it: the queue with its status
// now, the waiting entries in queue order and the hosts assigned to it.
type Board struct {
	// Queue is the queue.
	Queue Queue
	// Status is whether it is open and admitting, at the snapshot's time.
	Status Status
	// Waiting are the waiting entries, first (next) first.
	Waiting []Entry
	// Hosts are the hosts assigned to the queue, in any state.
	Hosts []Host

	pos map[EntryID]int
}

// Position is entryID's 1-based place among the waiting entries (1 is
// next), or 0 when it is not waiting.
func (b *Board) Position(entryID EntryID) int { return b.pos[entryID] }

// HostFree reports whether a host serving the queue now is available: the
// caller at the head of an auto queue is about to be offered.
func (b *Board) HostFree() bool {
	return slices.ContainsFunc(b.Hosts, func(h Host) bool { return h.State == HostAvailable && h.Serves(b.Queue.ID) })
}

// Board returns queueID's board (by ID, not slug). Errors: ErrNotFound.
func (s *Snapshot) Board(ctx context.Context, queueID QueueID) (*Board, error) {
	if b, ok := s.boards[queueID]; ok {
		return b, nil
	}
	if q, ok := s.queues[queueID]; ok {
		return s.boardOf(ctx, q)
	}
	q, err := s.e.store.GetQueue(ctx, queueID)
	if err != nil {
		return nil, fmt.Errorf("queue: board %s: %w", queueID, err)
	}
	return s.boardOf(ctx, q)
}

// boardOf is Board for a queue already read.
func (s *Snapshot) boardOf(ctx context.Context, q Queue) (*Board, error) {
	if b, ok := s.boards[q.ID]; ok {
		return b, nil
	}
	waiting, err := s.e.Waiting(ctx, q.ID)
	if err != nil {
		return nil, fmt.Errorf("queue: board %s: %w", q.ID, err)
	}
	hosts, err := s.e.store.ListHosts(ctx, HostFilter{QueueID: q.ID})
	if err != nil {
		return nil, fmt.Errorf("queue: board %s: %w", q.ID, err)
	}
	b := &Board{Queue: q, Status: StatusAt(&q, s.now), Waiting: waiting, Hosts: hosts, pos: make(map[EntryID]int, len(waiting))}
	for i, en := range waiting {
		b.pos[en.ID] = i + 1
	}
	s.boards[q.ID] = b
	return b, nil
}

// EntryStatus is an entry as its caller (or a host of its queue) sees it.
type EntryStatus struct {
	// Entry is the entry.
	Entry Entry
	// Board is the entry's queue.
	Board *Board
	// Position is the 1-based place among the waiting entries; 0 unless
	// waiting.
	Position int
	// EstimatedWait is the estimated time until the entry is answered
	// (see Engine.EstimateWait for a waiting entry, Engine.EstimateAnswer
	// for an offered one); valid only when HasEstimate.
	EstimatedWait time.Duration
	// HasEstimate is false when no estimate can be made (no staffed host
	// serves the queue) or the entry is neither waiting nor offered.
	HasEstimate bool
	// HostFree: see Board.HostFree.
	HostFree bool
	// Call is the entry's call while it is connecting or in the call and
	// the viewer is one of its two sides; nil otherwise. It carries no
	// ticket: a ticket is minted only on request (Engine.Ticket).
	Call *Call
}

// EntryStatus returns entryID's status as viewerID (a user ID) sees it.
// Errors: ErrNotFound.
func (s *Snapshot) EntryStatus(ctx context.Context, entryID EntryID, viewerID string) (EntryStatus, error) {
	en, err := s.e.GetEntry(ctx, entryID)
	if err != nil {
		return EntryStatus{}, err
	}
	return s.EntryStatusOf(ctx, en, viewerID)
}

// EntryStatusOf is EntryStatus for an entry already read.
func (s *Snapshot) EntryStatusOf(ctx context.Context, en Entry, viewerID string) (EntryStatus, error) {
	b, err := s.Board(ctx, en.QueueID)
	if err != nil {
		return EntryStatus{Entry: en}, err
	}
	st := EntryStatus{Entry: en, Board: b, Position: b.Position(en.ID), HostFree: b.HostFree()}
	switch {
	case st.Position > 0:
		st.EstimatedWait, st.HasEstimate = s.e.EstimateWait(ctx, &b.Queue, st.Position, b.Hosts)
	case en.State == EntryOffered:
		st.EstimatedWait, st.HasEstimate = s.e.EstimateAnswer(ctx, &b.Queue, &en), true
	case en.State == EntryConnecting || en.State == EntryInCall:
		if c, _, err := s.e.callOf(ctx, &en, viewerID); err == nil {
			st.Call = &c
		}
	}
	return st, nil
}

// Console is what a host's console shows: the host, the entry offered to
// it or the entry of its call (in_call or wrap_up), and each queue
// assigned to it with whether it serves it now.
type Console struct {
	// Host is the host.
	Host Host
	// Offer is the entry offered to the host, if any.
	Offer *Entry
	// Current is the entry of the host's call while in_call or wrap_up.
	Current *Entry
	// Queues are the host's assigned queues (Host.Queues), in that order;
	// a queue that cannot be read (deleted meanwhile) is left out.
	Queues []ConsoleQueue
}

// ConsoleQueue is one queue on a host's console.
type ConsoleQueue struct {
	// Board is the queue's board.
	Board *Board
	// Serving is whether the host serves the queue now (Host.Serves):
	// offers and pick/next come only from served queues.
	Serving bool
}

// Console returns hostID's console. Errors: ErrNotFound.
func (s *Snapshot) Console(ctx context.Context, hostID HostID) (Console, error) {
	h, err := s.e.GetHost(ctx, hostID)
	if err != nil {
		return Console{}, err
	}
	c := Console{Host: h, Queues: make([]ConsoleQueue, 0, len(h.Queues))}
	if h.EntryID != "" {
		if en, err := s.e.store.GetEntry(ctx, h.EntryID); err == nil {
			switch h.State {
			case HostOffered:
				c.Offer = &en
			case HostInCall, HostWrapUp:
				c.Current = &en
			}
		}
	}
	for _, id := range h.Queues {
		b, err := s.Board(ctx, id)
		if err != nil {
			continue
		}
		c.Queues = append(c.Queues, ConsoleQueue{Board: b, Serving: h.Serves(id)})
	}
	return c, nil
}

// LiveStats returns day's statistics (from an earlier Engine.Stats) with
// the live figures (waiting now, longest wait now, hosts available and
// staffed) recomputed from queueID's board at the snapshot's time, so a
// cached day of statistics never shows a stale staffing figure.
func (s *Snapshot) LiveStats(ctx context.Context, queueID QueueID, day Stats) (Stats, error) {
	b, err := s.Board(ctx, queueID)
	if err != nil {
		return day, err
	}
	day.setLive(&b.Queue, b.Waiting, b.Hosts, s.now)
	return day, nil
}

// liveStates are the states of an entry that has not ended.
var liveStates = []EntryState{EntryWaiting, EntryOffered, EntryConnecting, EntryInCall}

// LiveEntries returns queueID's entries that have not ended, in queue
// order (waiting entries first by position, then the others).
func (e *Engine) LiveEntries(ctx context.Context, queueID QueueID) ([]Entry, error) {
	es, err := e.store.ListEntries(ctx, EntryFilter{QueueID: queueID, States: liveStates})
	if err != nil {
		return nil, fmt.Errorf("queue: live entries: %w", err)
	}
	return es, nil
}

// CallerEntries returns callerID's entries that have not ended, in any
// queue (a caller's page finds them again after a reload).
func (e *Engine) CallerEntries(ctx context.Context, callerID string) ([]Entry, error) {
	es, err := e.store.ListEntries(ctx, EntryFilter{CallerID: callerID, States: liveStates})
	if err != nil {
		return nil, fmt.Errorf("queue: caller entries: %w", err)
	}
	return es, nil
}

// History returns queueID's entries that joined in [from, to), in queue
// order, whatever their state.
func (e *Engine) History(ctx context.Context, queueID QueueID, from, to time.Time) ([]Entry, error) {
	es, err := e.store.ListEntries(ctx, EntryFilter{QueueID: queueID, CreatedFrom: from, CreatedTo: to})
	if err != nil {
		return nil, fmt.Errorf("queue: history: %w", err)
	}
	return es, nil
}

// IsHostOf reports whether hostID is a host assigned to queueID (whether
// or not it serves it now). An unknown host is not a host of any queue.
func (e *Engine) IsHostOf(ctx context.Context, hostID HostID, queueID QueueID) (bool, error) {
	h, err := e.store.GetHost(ctx, hostID)
	switch {
	case isNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("queue: host %s: %w", hostID, err)
	}
	return slices.Contains(h.Queues, queueID), nil
}

// Now is the engine's time now.
func (e *Engine) Now() time.Time { return e.clock.Now() }
