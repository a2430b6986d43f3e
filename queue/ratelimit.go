package queue

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Default per-address join limits (see WithJoinRate): ten joins a minute
// on average, in bursts of up to five.
const (
	DefaultJoinsPerMinute = 10
	DefaultJoinBurst      = 5
)

// addrLimiter is a token bucket per client address. Buckets idle for
// longer than it takes to refill are dropped as new addresses come in, so
// memory is bounded by the addresses seen in the last refill time.
type addrLimiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	idle    time.Duration
	buckets map[string]*bucket
	adds    int
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// newAddrLimiter allows perMinute events a minute per address with bursts
// of burst; perMinute ≤ 0 allows everything (nil limiter).
func newAddrLimiter(perMinute, burst int) *addrLimiter {
	if perMinute <= 0 {
		return nil
	}
	burst = max(burst, 1)
	every := rate.Limit(float64(perMinute) / 60)
	return &addrLimiter{every: every, burst: burst, buckets: map[string]*bucket{},
		idle: time.Duration(float64(burst)/float64(every)*float64(time.Second)) + time.Minute}
}

// allow reports whether addr may act at now, and if not, how long until it
// may. A nil limiter allows everything.
func (l *addrLimiter) allow(addr string, now time.Time) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[addr]
	if !ok {
		l.adds++
		if l.adds%1024 == 0 {
			for k, v := range l.buckets {
				if now.Sub(v.seen) > l.idle {
					delete(l.buckets, k)
				}
			}
		}
		b = &bucket{lim: rate.NewLimiter(l.every, l.burst)}
		l.buckets[addr] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}
