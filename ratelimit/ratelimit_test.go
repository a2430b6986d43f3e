package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

func TestKeyed(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name      string
		l         *Keyed
		key       string
		at        time.Duration
		want      bool
		wantAfter time.Duration
	}{
		{"burst 1 of 2", PerMinute(6, 2), "a", 0, true, 0},
		{"burst 2 of 2", nil, "a", 0, true, 0},
		{"over the burst", nil, "a", 0, false, 10 * time.Second},
		{"another key has its own bucket", nil, "b", 0, true, 0},
		{"refilled after 10 s", nil, "a", 10 * time.Second, true, 0},
		{"and empty again", nil, "a", 10 * time.Second, false, 10 * time.Second},
	}
	var l *Keyed
	for _, tt := range tests {
		if tt.l != nil {
			l = tt.l
		}
		t.Run(tt.name, func(t *testing.T) {
			ok, after := l.Allow(tt.key, t0.Add(tt.at))
			if ok != tt.want || after.Round(time.Second) != tt.wantAfter {
				t.Fatalf("Allow = %v, %v; want %v, %v", ok, after, tt.want, tt.wantAfter)
			}
		})
	}
}

func TestKeyedOffAndIdle(t *testing.T) {
	var off *Keyed = PerMinute(0, 5)
	for range 100 {
		if ok, _ := off.Allow("a", time.Now()); !ok {
			t.Fatal("a limit of 0 a minute must allow everything")
		}
	}
	l := PerMinute(60, 1)
	t0 := time.Unix(1_700_000_000, 0)
	for i := range 1024 {
		l.Allow(fmt.Sprint(i), t0)
	}
	// Much later, the next new keys sweep the idle ones away.
	for i := range 1024 {
		l.Allow(fmt.Sprint("later", i), t0.Add(time.Hour))
	}
	if n := l.Len(); n > 1024 {
		t.Fatalf("%d buckets held, want the idle ones dropped", n)
	}
}
