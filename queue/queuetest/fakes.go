package queuetest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/queue"
)

// Clock is a manual queue.Clock for deterministic tests: time moves only
// with Advance.
type Clock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

// NewClock returns a Clock showing start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After returns a channel that receives when Advance passes now+d.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, waiter{at: c.now.Add(d), ch: ch})
	return ch
}

// Advance moves the clock forward by d and fires due After channels.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
		} else {
			kept = append(kept, w)
		}
	}
	c.waiters = kept
}

// Set moves the clock to t (forward or back) and fires due channels.
func (c *Clock) Set(t time.Time) {
	c.Advance(t.Sub(c.Now()))
}

// Rooms is a fake queue.RoomProvisioner that records rooms.
type Rooms struct {
	mu      sync.Mutex
	next    uint64
	live    map[uint64]queue.RoomRequest
	created int
	// Engine is the engine reported for MediaAuto requests (default janus).
	Engine queue.MediaEngine
	// Fail makes CreateRoom fail when set.
	Fail error
	// During, when set, is called by CreateRoom before it creates the
	// room (outside the fake's lock): a test acts while a call is being
	// set up.
	During func()
}

// NewRooms returns an empty Rooms.
func NewRooms() *Rooms {
	return &Rooms{next: 1000, live: map[uint64]queue.RoomRequest{}, Engine: queue.MediaJanus}
}

// CreateRoom implements queue.RoomProvisioner.
func (r *Rooms) CreateRoom(_ context.Context, req queue.RoomRequest) (queue.Room, error) {
	if r.During != nil {
		r.During()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Fail != nil {
		return queue.Room{}, r.Fail
	}
	if len(req.Secret) < 32 || len(req.PIN) < 8 {
		return queue.Room{}, fmt.Errorf("fake rooms: weak secret or pin: %w", queue.ErrInvalid)
	}
	r.next++
	r.created++
	eng := req.Engine
	if eng == queue.MediaAuto {
		eng = r.Engine
	}
	inst := ""
	if eng == queue.MediaJanus {
		inst = "janus-1"
	}
	r.live[r.next] = req
	return queue.Room{Engine: eng, Instance: inst, ID: r.next, Secret: req.Secret, PIN: req.PIN}, nil
}

// DestroyRoom implements queue.RoomProvisioner.
func (r *Rooms) DestroyRoom(_ context.Context, room queue.Room) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.live, room.ID)
	return nil
}

// Live returns how many rooms exist now.
func (r *Rooms) Live() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.live)
}

// Created returns how many rooms were ever created.
func (r *Rooms) Created() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.created
}

// Tickets is a fake queue.TicketIssuer producing readable tickets.
type Tickets struct {
	mu     sync.Mutex
	Issued []queue.TicketRequest
}

// Count is how many tickets have been issued.
func (t *Tickets) Count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.Issued)
}

// IssueTicket implements queue.TicketIssuer: "ticket:<call>:<role>:<user>".
func (t *Tickets) IssueTicket(_ context.Context, req queue.TicketRequest) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.Issued = append(t.Issued, req)
	return fmt.Sprintf("ticket:%s:%s:%s", req.CallID, req.Role, req.UserID), nil
}

// Tokens is a fake queue.TokenMinter that tracks live tokens.
type Tokens struct {
	mu   sync.Mutex
	n    int
	live map[string]string // token → instance
}

// NewTokens returns an empty Tokens.
func NewTokens() *Tokens { return &Tokens{live: map[string]string{}} }

// MintToken implements queue.TokenMinter.
func (t *Tokens) MintToken(_ context.Context, instance string) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if instance == "" {
		return "", errors.New("fake tokens: no instance")
	}
	t.n++
	tok := fmt.Sprintf("janus-token-%d", t.n)
	t.live[tok] = instance
	return tok, nil
}

// RevokeToken implements queue.TokenMinter.
func (t *Tokens) RevokeToken(_ context.Context, instance, token string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.live, token)
	return nil
}

// Live returns how many tokens are live.
func (t *Tokens) Live() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.live)
}

// Env is an engine over a store with fake call-side collaborators.
type Env struct {
	Engine  *queue.Engine
	Clock   *Clock
	Rooms   *Rooms
	Tickets *Tickets
	Tokens  *Tokens
}

// NewEnv returns an engine over s with a fake clock at start and fakes.
func NewEnv(tb testing.TB, s queue.Store, start time.Time, opts ...queue.Option) *Env {
	tb.Helper()
	return NewEnvWith(tb, s, NewClock(start), NewRooms(), &Tickets{}, NewTokens(), opts...)
}

var discard = slog.New(slog.DiscardHandler)

// Lines is a fake queue.PhoneLines handing out lines on instance
// "janus-sip" and tracking the live ones.
type Lines struct {
	mu   sync.Mutex
	n    int
	live map[string]queue.QueueID // token → queue
	// Fail makes OpenLine fail when set.
	Fail error
}

// NewLines returns a Lines with no live line.
func NewLines() *Lines { return &Lines{live: map[string]queue.QueueID{}} }

// OpenLine implements queue.PhoneLines.
func (l *Lines) OpenLine(_ context.Context, queueID queue.QueueID) (string, string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.Fail != nil {
		return "", "", l.Fail
	}
	l.n++
	tok := fmt.Sprintf("sip-token-%d", l.n)
	l.live[tok] = queueID
	return "janus-sip", tok, nil
}

// CloseLine implements queue.PhoneLines.
func (l *Lines) CloseLine(_ context.Context, _, token string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.live, token)
	return nil
}

// Live returns how many lines are open.
func (l *Lines) Live() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.live)
}
