package auth_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/auth"
)

func TestSweeperLoop(t *testing.T) {
	ev := newEnv(t)
	now := ev.clock.Now()
	for _, sess := range []auth.Session{
		{ID: "expired", UserID: "u", CreatedAt: now.Add(-time.Hour), LastSeenAt: now.Add(-time.Hour), ExpiresAt: now.Add(-time.Minute)},
		{ID: "live", UserID: "u", CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Minute)},
	} {
		if err := ev.st.CreateSession(t.Context(), sess); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	var runErr error
	wg.Go(func() { runErr = ev.svc.RunSweeper(ctx, 2*time.Millisecond) })
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := ev.st.GetSession(t.Context(), "expired"); errors.Is(err, auth.ErrNotFound) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	wg.Wait()
	if _, err := ev.st.GetSession(t.Context(), "expired"); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("sweeper kept the expired session: %v", err)
	}
	if _, err := ev.st.GetSession(t.Context(), "live"); err != nil {
		t.Fatalf("sweeper removed the live session: %v", err)
	}
	if !errors.Is(runErr, context.Canceled) {
		t.Fatalf("RunSweeper returned %v", runErr)
	}
}
