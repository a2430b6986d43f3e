package turn

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/frontdesk/frontdesk/problem"
)

// UserFunc returns the id of the authenticated user of a request, or an
// error (wrapping [ErrNoUser] when there is none).
type UserFunc func(c echo.Context) (string, error)

// Handler returns the echo handler of GET /api/v1/ice-servers: it answers
// 200 with a JSON array of RTCIceServer objects ([{urls, username,
// credential}], see [Issuer.ICEServers]) for the user that user returns,
// with Cache-Control: no-store (the credential is personal and short-lived).
// Mount it behind authentication. Errors are problem documents
// ([httpStatus] maps them).
func Handler(iss *Issuer, user UserFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := user(c)
		if err != nil {
			return problem.Wrap(httpStatus(err), err)
		}
		servers, err := iss.ICEServers(id)
		if err != nil {
			return problem.Wrap(httpStatus(err), err)
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.JSON(http.StatusOK, servers)
	}
}

// httpStatus maps the package's errors to HTTP statuses.
func httpStatus(err error) int {
	switch {
	case errors.Is(err, ErrNoUser):
		return http.StatusUnauthorized
	default:
		return http.StatusInternalServerError
	}
}
