package pool

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/frontdesk/frontdesk/problem"
)

// Register mounts the pool's admin endpoints on g (which must already
// require the admin role):
//
//	GET  /instances              -> [Status] list
//	POST /instances/:name/drain   -> 204; the instance takes no new sessions
//	POST /instances/:name/undrain -> 204
func (p *Pool) Register(g *echo.Group) {
	g.GET("/instances", func(c echo.Context) error {
		return c.JSON(http.StatusOK, p.Statuses())
	})
	g.POST("/instances/:name/drain", func(c echo.Context) error {
		if err := p.Drain(c.Request().Context(), c.Param("name")); err != nil {
			return httpError(err)
		}
		return c.NoContent(http.StatusNoContent)
	})
	g.POST("/instances/:name/undrain", func(c echo.Context) error {
		if err := p.Undrain(c.Request().Context(), c.Param("name")); err != nil {
			return httpError(err)
		}
		return c.NoContent(http.StatusNoContent)
	})
}

// httpError maps the pool's errors to problem documents.
func httpError(err error) error {
	switch {
	case errors.Is(err, ErrUnknownInstance), errors.Is(err, ErrNotPlaced):
		return problem.Wrap(http.StatusNotFound, err)
	case errors.Is(err, ErrNoCapacity), errors.Is(err, ErrInstanceDown):
		return problem.Wrap(http.StatusServiceUnavailable, err)
	default:
		return problem.Wrap(http.StatusBadGateway, err)
	}
}
