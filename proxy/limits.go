package proxy

import (
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/frontdesk/frontdesk/auth"
)

// participantKey names the participant a ticket admits: every ticket minted
// for the same participant of the same call (each GET /entries/:id/call
// mints a fresh one) shares it, so per-participant limits hold across
// tickets.
func participantKey(t auth.Ticket) string {
	return t.CallID + "/" + strconv.FormatUint(t.Room, 10) + "/" + strconv.FormatUint(t.ParticipantID, 10)
}

// limiterIdle is how long an unused limiter is kept: long enough to refill
// its burst at any sane rate.
const limiterIdle = 2 * time.Minute

// limiters are token buckets by key (golang.org/x/time/rate), dropped when
// idle.
type limiters struct {
	perSecond float64
	burst     int

	mu     sync.Mutex
	m      map[string]*limiterEntry
	lastGC time.Time
}

type limiterEntry struct {
	l    *rate.Limiter
	last time.Time
}

func newLimiters(perSecond float64, burst int) *limiters {
	return &limiters{perSecond: perSecond, burst: burst, m: map[string]*limiterEntry{}}
}

// allow takes one token from key's bucket and reports whether there was one.
func (ls *limiters) allow(key string) bool {
	now := time.Now()
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if now.Sub(ls.lastGC) > limiterIdle {
		for k, e := range ls.m {
			if now.Sub(e.last) > limiterIdle {
				delete(ls.m, k)
			}
		}
		ls.lastGC = now
	}
	e := ls.m[key]
	if e == nil {
		e = &limiterEntry{l: rate.NewLimiter(rate.Limit(ls.perSecond), ls.burst)}
		ls.m[key] = e
	}
	e.last = now
	return e.l.AllowN(now, 1)
}
