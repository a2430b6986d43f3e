package server

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/frontdesk/frontdesk/problem"
)

// Check reports whether a component can serve: nil means ready. It must
// return promptly when ctx is done (/readyz gives each check a deadline,
// see [WithReadyTimeout]). Its error text is shown on /readyz, so it must
// not contain secrets.
type Check func(ctx context.Context) error

type namedCheck struct {
	name  string
	check Check
}

// AddReadyCheck registers a readiness check under name (e.g. "store",
// "janus"). /readyz runs every check concurrently; a second registration
// under the same name replaces the first. Safe for concurrent use.
func (s *Server) AddReadyCheck(name string, check Check) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.checks {
		if s.checks[i].name == name {
			s.checks[i].check = check
			return
		}
	}
	s.checks = append(s.checks, namedCheck{name, check})
}

// healthz is the liveness probe: 200 whenever the process serves HTTP.
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz is the readiness probe: 200 {"status":"ready","checks":{...}} when
// every check passes; otherwise a 503 problem whose detail lists the failing
// checks and whose "checks" member maps each check to "ok" or its error.
// While shutting down it answers 503 without running the checks.
func (s *Server) readyz(c echo.Context) error {
	if s.draining.Load() {
		return problem.Wrap(http.StatusServiceUnavailable, fmt.Errorf("%w: shutting down", ErrNotReady))
	}
	results := s.runChecks(c.Request().Context())
	var failing []string
	for name, r := range results {
		if r != "ok" {
			failing = append(failing, name)
		}
	}
	if len(failing) > 0 {
		sort.Strings(failing)
		return problem.Wrap(http.StatusServiceUnavailable,
			fmt.Errorf("%w: failing checks: %s", ErrNotReady, strings.Join(failing, ", "))).
			With("checks", results)
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "ready", "checks": results})
}

// runChecks runs every check concurrently, each with the ready timeout, and
// returns name → "ok" or the error text. It waits for all of them.
func (s *Server) runChecks(ctx context.Context) map[string]string {
	s.mu.Lock()
	checks := append([]namedCheck(nil), s.checks...)
	s.mu.Unlock()

	results := make(map[string]string, len(checks))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, nc := range checks {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, s.readyTimeout)
			defer cancel()
			res := "ok"
			if err := runCheck(cctx, nc.check); err != nil {
				res = err.Error()
			}
			mu.Lock()
			results[nc.name] = res
			mu.Unlock()
		})
	}
	wg.Wait()
	return results
}

// runCheck calls check, turning a panic into an error so one broken
// component cannot take the probe down.
func runCheck(ctx context.Context, check Check) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("check panicked: %v", r)
		}
	}()
	return check(ctx)
}
