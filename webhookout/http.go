package webhookout

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/frontdesk/frontdesk/problem"
)

// Page sizes of GET /export/dead-letters.
const (
	DefaultDeadLetterLimit = 100
	MaxDeadLetterLimit     = 1000
)

// DeadLetter is a dead letter as the admin API shows it: what was sent to
// which target (by name; never its URL or secret) and why it failed.
type DeadLetter struct {
	// ID identifies the dead letter for replay and delete.
	ID string `json:"id"`
	// Target is the target's name.
	Target string `json:"target"`
	// EventID and Kind are the event's id (sent again on replay) and kind.
	EventID string `json:"event_id"`
	Kind    string `json:"kind"`
	// Attempts is how many times it was tried; LastError is the last
	// failure.
	Attempts  int    `json:"attempts"`
	LastError string `json:"last_error"`
	// CreatedAt is when the event was written to the outbox; DeadAt is
	// when it was given up.
	CreatedAt time.Time `json:"created_at"`
	DeadAt    time.Time `json:"dead_at"`
	// Event is the event (schema event-v1), the body that was posted.
	Event json.RawMessage `json:"event"`
}

// Register mounts the exporter's admin endpoints on g (which must already
// require the admin role):
//
//	GET    /export/dead-letters?target=&limit=  -> [DeadLetter] list, newest first (limit 1–1000, default 100)
//	POST   /export/dead-letters/:id/replay      -> 204; delivered again with the same event id
//	DELETE /export/dead-letters/:id             -> 204
//
// Errors are problem documents: 400 (reason invalid, field limit), 404
// (reason not_found), 500.
func (x *Exporter) Register(g *echo.Group) {
	g.GET("/export/dead-letters", func(c echo.Context) error {
		limit := DefaultDeadLetterLimit
		if s := c.QueryParam("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > MaxDeadLetterLimit {
				return problem.New(http.StatusBadRequest, `"limit" must be a whole number from 1 to 1000.`).
					With("reason", "invalid").With("field", "limit")
			}
			limit = n
		}
		ds, err := x.DeadLetters(c.Request().Context(), c.QueryParam("target"), limit)
		if err != nil {
			return httpError(err)
		}
		out := make([]DeadLetter, 0, len(ds))
		for _, d := range ds {
			out = append(out, DeadLetter{ID: d.ID, Target: d.Target, EventID: d.EventID, Kind: string(d.Kind), Attempts: d.Attempts,
				LastError: d.LastError, CreatedAt: d.CreatedAt.UTC(), DeadAt: d.DeadAt.UTC(), Event: json.RawMessage(d.Event)})
		}
		return c.JSON(http.StatusOK, out)
	})
	g.POST("/export/dead-letters/:id/replay", func(c echo.Context) error {
		if err := x.Replay(c.Request().Context(), c.Param("id")); err != nil {
			return httpError(err)
		}
		return c.NoContent(http.StatusNoContent)
	})
	g.DELETE("/export/dead-letters/:id", func(c echo.Context) error {
		if err := x.Delete(c.Request().Context(), c.Param("id")); err != nil {
			return httpError(err)
		}
		return c.NoContent(http.StatusNoContent)
	})
}

// httpError maps the exporter's errors to problem documents; a store
// failure is a 500 whose cause the server logs and hides.
func httpError(err error) error {
	if errors.Is(err, ErrNotFound) {
		return problem.New(http.StatusNotFound, "No such dead letter.").With("reason", "not_found")
	}
	return err
}
