// Package ratelimit holds token buckets by key (a client address, a
// participant) on golang.org/x/time/rate, with idle buckets dropped so
// memory is bounded by the keys seen within one refill time.
package ratelimit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Keyed is a token bucket per key. A nil *Keyed allows everything. It is
// safe for concurrent use.
type Keyed struct {
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

// PerMinute allows perMinute events a minute per key on average, in bursts
// of up to burst (at least 1); perMinute ≤ 0 returns nil, which allows
// everything.
func PerMinute(perMinute, burst int) *Keyed {
	if perMinute <= 0 {
		return nil
	}
	return New(rate.Limit(float64(perMinute)/60), burst)
}

// New allows perSecond events a second per key on average, in bursts of up
// to burst (at least 1); perSecond ≤ 0 returns nil, which allows
// everything.
func New(perSecond rate.Limit, burst int) *Keyed {
	if perSecond <= 0 {
		return nil
	}
	burst = max(burst, 1)
	refill := time.Duration(float64(burst) / float64(perSecond) * float64(time.Second))
	return &Keyed{every: perSecond, burst: burst, buckets: map[string]*bucket{}, idle: refill + time.Minute}
}

// Allow takes one token from key's bucket at now and reports whether there
// was one; when not, it also returns how long until there will be.
func (l *Keyed) Allow(key string, now time.Time) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
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
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// Len is how many buckets are held (for tests and metrics).
func (l *Keyed) Len() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
