package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/frontdesk/frontdesk/janus/pool"
	"github.com/frontdesk/frontdesk/problem"
	"github.com/frontdesk/frontdesk/queue"
)

// restarted handles a Janus instance's core "started" event: a Janus that
// started again in place (same address) lost its rooms and stored tokens
// although it answers, so its clients reconnect and its calls move. Names
// that are not Janus instances here are ignored.
func (a *App) restarted(name string) {
	if a.pool == nil || a.failover == nil {
		return
	}
	if _, err := a.pool.State(name); err != nil {
		return
	}
	a.proxy.CloseInstance(name)
	a.failover.Lost(name, queue.MoveRestarted)
}

// evacuateReply is the body of POST /api/v1/admin/instances/:name/evacuate.
type evacuateReply struct {
	// Instance is the instance evacuated.
	Instance string `json:"instance"`
	// Calls is how many live calls it held when the evacuation started;
	// they move one after another, paced.
	Calls int `json:"calls"`
}

// evacuate drains an instance (no new sessions or rooms) and moves its
// live calls to the others, paced (202 with the number of calls; 404 for
// an unknown instance; 503 when the instance cannot be drained).
func (a *App) evacuate(c echo.Context) error {
	name := c.Param("name")
	n, err := a.Evacuate(c.Request().Context(), name)
	switch {
	case errors.Is(err, pool.ErrUnknownInstance):
		return problem.Wrap(http.StatusNotFound, err)
	case err != nil:
		return problem.Wrap(http.StatusServiceUnavailable, err)
	}
	return c.JSON(http.StatusAccepted, evacuateReply{Instance: name, Calls: n})
}

// Evacuate drains the Janus instance name and moves its live calls to the
// others, paced; it returns how many there were. Errors:
// pool.ErrUnknownInstance, ErrNoJanus without janus.instances, the Admin
// API's when the instance cannot be drained.
func (a *App) Evacuate(ctx context.Context, name string) (int, error) {
	if a.pool == nil || a.failover == nil {
		return 0, ErrNoJanus
	}
	if err := a.pool.Drain(ctx, name); err != nil {
		return 0, fmt.Errorf("app: evacuate: %w", err)
	}
	n, err := a.failover.Evacuate(ctx, name)
	if err != nil {
		return 0, fmt.Errorf("app: evacuate: %w", err)
	}
	return n, nil
}

// ErrNoJanus: an operation on Janus instances without any configured.
var ErrNoJanus = errors.New("app: no Janus instance configured")
