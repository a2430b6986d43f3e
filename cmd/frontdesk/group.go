package main

import (
	"context"
	"sync"
)

// runTogether runs every fn in its own goroutine with a shared context
// derived from ctx. When any fn returns, the context is cancelled so the
// others stop; runTogether waits for all of them and returns the first
// non-nil error (like golang.org/x/sync/errgroup). Each fn must return
// soon after its context is done.
func runTogether(ctx context.Context, fns ...func(ctx context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for _, fn := range fns {
		wg.Go(func() {
			err := fn(ctx)
			if err != nil {
				once.Do(func() { first = err })
			}
			cancel()
		})
	}
	wg.Wait()
	return first
}
