package bolt

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.etcd.io/bbolt"
)

// groupCommit gathers concurrent writes into one bbolt transaction, so
// that they share one commit and its fsyncs ("group commit"). It adds no
// delay: a write that finds no commit in progress commits at once (alone
// or with whatever queued meanwhile); writes that arrive while a commit
// is in progress queue up and go together in the next one, led by the
// first of them. The busier the disk, the bigger the groups.
//
// A leader may wait a little for more writes first (see gather). No
// goroutine is started: the caller of each group's first write runs that
// group's transaction and then passes the leader role to the first queued
// write. Every write's durability is the same as a plain Update: its
// caller returns only after the commit (and fsync) that holds it.
type groupCommit struct {
	// maxWait bounds how long a leader waits for the writers of the
	// previous group to come back (see run); 0 never waits.
	maxWait time.Duration

	mu      sync.Mutex
	busy    bool // a leader is committing
	pending []*groupWrite
	prev    int           // size of the last group committed
	arrived chan struct{} // a write queued (buffered 1; leaders wait on it)
}

type groupWrite struct {
	fn   func(tx *bbolt.Tx) error
	done chan error    // the write's result (buffered)
	lead chan struct{} // closed when this write must lead the next group
}

// run runs fn in a read-write transaction shared with concurrent run
// calls. fn may run more than once (when another write in its group
// fails, the group is retried without it), so it must derive everything
// it writes from tx. A write whose fn fails is run again alone after the
// rest of its group committed, and its own result is returned.
func (g *groupCommit) run(db *bbolt.DB, fn func(tx *bbolt.Tx) error) error {
	w := &groupWrite{fn: fn, done: make(chan error, 1), lead: make(chan struct{})}
	g.mu.Lock()
	if g.arrived == nil {
		g.arrived = make(chan struct{}, 1)
	}
	g.pending = append(g.pending, w)
	select {
	case g.arrived <- struct{}{}:
	default:
	}
	if g.busy {
		g.mu.Unlock()
		select {
		case err := <-w.done:
			return err
		case <-w.lead:
		}
	} else {
		g.busy = true
		g.mu.Unlock()
	}
	// Leader: commit everything queued now (this write included).
	g.gather()
	g.mu.Lock()
	group := g.pending
	g.pending = nil
	g.mu.Unlock()
	commitGroup(db, group)
	g.mu.Lock()
	g.prev = len(group)
	if len(g.pending) > 0 {
		close(g.pending[0].lead) // the next group's leader
	} else {
		g.busy = false
	}
	g.mu.Unlock()
	return <-w.done
}

// gather lets a leader wait, at most maxWait, until as many writes are
// queued as the previous group had: under a steady load the writers just
// released by the last commit are on their way back, and waiting for them
// makes one group (one commit) of what would otherwise be two alternating
// half-size groups. A lone writer (previous group of one) never waits.
func (g *groupCommit) gather() {
	if g.maxWait <= 0 {
		return
	}
	var timer *time.Timer
	for {
		g.mu.Lock()
		enough := len(g.pending) >= g.prev
		g.mu.Unlock()
		if enough {
			break
		}
		if timer == nil {
			timer = time.NewTimer(g.maxWait)
			defer timer.Stop()
		}
		select {
		case <-g.arrived:
		case <-timer.C:
			return
		}
	}
}

// errInGroup marks the index of a write whose fn failed inside a group.
type errInGroup struct {
	i   int
	err error
}

func (e *errInGroup) Error() string { return e.err.Error() }

// commitGroup commits the writes of group in one transaction, dropping
// (and then running alone) any write whose fn fails, and delivers every
// write's result.
func commitGroup(db *bbolt.DB, group []*groupWrite) {
	var failed []*groupWrite
	for len(group) > 0 {
		err := db.Update(func(tx *bbolt.Tx) error {
			for i, w := range group {
				if err := safeRun(w.fn, tx); err != nil {
					return &errInGroup{i: i, err: err}
				}
			}
			return nil
		})
		var eg *errInGroup
		if errors.As(err, &eg) && len(group) > 1 {
			failed = append(failed, group[eg.i])
			group = append(group[:eg.i:eg.i], group[eg.i+1:]...)
			continue
		}
		if eg != nil {
			err = eg.err
		}
		for _, w := range group {
			w.done <- err // nil, the single write's own error, or the commit's
		}
		break
	}
	for _, w := range failed {
		w.done <- db.Update(func(tx *bbolt.Tx) error { return safeRun(w.fn, tx) })
	}
}

// safeRun runs fn, turning a panic into an error: a write that panics
// must fail alone, not leave its group's other writers waiting forever.
func safeRun(fn func(tx *bbolt.Tx) error, tx *bbolt.Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("bolt: write panicked: %v", r)
		}
	}()
	return fn(tx)
}

// batch runs fn in a read-write transaction that may be shared with other
// concurrent batch calls (one commit, one set of fsyncs; see
// groupCommit). fn may run more than once, so it must derive everything
// it writes from tx and not accumulate state outside it.
func (d *DB) batch(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return mapErr(d.group.run(d.bdb, fn))
}
