// Package problem renders HTTP errors as RFC 9457 "Problem Details for HTTP
// APIs" (media type application/problem+json), and is the one place where
// Frontdesk maps errors to HTTP responses.
//
// Domain packages return errors; their HTTP handlers wrap them with [Wrap]
// (choosing the status) or return [New]; the server installs
// [HTTPErrorHandler] so every echo route answers with the same JSON shape.
// Handlers that are plain net/http use [Write].
package problem

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"
)

// InternalDetail is the detail of a 500 whose cause is hidden: a sentence
// for people, with nothing of the cause.
const InternalDetail = "Something went wrong on our side. Please try again."

// ContentType is the media type of a problem document (RFC 9457 §3).
const ContentType = "application/problem+json"

// Details is a problem document (RFC 9457 §3.1). It implements error so a
// handler can return it; Err keeps the underlying cause for errors.Is/As and
// is never serialised.
type Details struct {
	// Type is a URI reference naming the problem type; "about:blank" when empty.
	Type string `json:"type,omitempty"`
	// Title is a short, human-readable summary of the problem type; defaults
	// to the HTTP status text.
	Title string `json:"title"`
	// Status is the HTTP status code (100–599).
	Status int `json:"status"`
	// Detail is a human-readable explanation specific to this occurrence.
	// It must never contain secrets.
	Detail string `json:"detail,omitempty"`
	// Instance is a URI reference identifying this occurrence, usually the
	// request path.
	Instance string `json:"instance,omitempty"`
	// Extensions are extra members (RFC 9457 §3.2), e.g. "reason" or
	// "next_open"; they are merged into the top-level JSON object.
	Extensions map[string]any `json:"-"`
	// Err is the cause, for errors.Is/As; not serialised.
	Err error `json:"-"`
}

// New returns a problem with the given HTTP status and detail text.
func New(status int, detail string) *Details {
	return &Details{Title: http.StatusText(status), Status: status, Detail: detail}
}

// Wrap returns a problem with the given HTTP status whose detail is
// err.Error() and whose cause is err. A nil err yields nil.
func Wrap(status int, err error) *Details {
	if err == nil {
		return nil
	}
	return &Details{Title: http.StatusText(status), Status: status, Detail: err.Error(), Err: err}
}

// With returns d with the extension member key set to v (RFC 9457 §3.2).
// Keys that collide with the standard members are ignored when rendering.
func (d *Details) With(key string, v any) *Details {
	if d.Extensions == nil {
		d.Extensions = map[string]any{}
	}
	d.Extensions[key] = v
	return d
}

// Error implements error as "<status text>: <detail>".
func (d *Details) Error() string {
	if d.Detail == "" {
		return d.Title
	}
	return d.Title + ": " + d.Detail
}

// Unwrap returns the cause.
func (d *Details) Unwrap() error { return d.Err }

// MarshalJSON renders the standard members plus the extensions, with the
// standard members winning on a name clash.
func (d *Details) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(d.Extensions)+5)
	for k, v := range d.Extensions {
		m[k] = v
	}
	typ := d.Type
	if typ == "" {
		typ = "about:blank"
	}
	m["type"] = typ
	m["title"] = d.Title
	m["status"] = d.Status
	if d.Detail != "" {
		m["detail"] = d.Detail
	} else {
		delete(m, "detail")
	}
	if d.Instance != "" {
		m["instance"] = d.Instance
	} else {
		delete(m, "instance")
	}
	return json.Marshal(m)
}

// Write sends d as the response on a plain net/http handler. If d.Instance is
// empty it is set to the request path.
func Write(w http.ResponseWriter, r *http.Request, d *Details) {
	if d.Instance == "" && r != nil {
		d.Instance = r.URL.Path
	}
	if d.Title == "" {
		d.Title = http.StatusText(d.Status)
	}
	body, err := json.Marshal(d)
	if err != nil {
		body = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500}`)
		d.Status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(d.Status)
	_, _ = w.Write(body)
}

// From converts any error to a problem: a *Details is returned as is; an
// *echo.HTTPError keeps its code and message; anything else becomes a 500
// whose detail hides the cause behind [InternalDetail] (the cause is kept
// in Err for logging).
func From(err error) *Details {
	var d *Details
	if errors.As(err, &d) {
		return d
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		p := New(he.Code, http.StatusText(he.Code))
		if msg, ok := he.Message.(string); ok && msg != "" {
			p.Detail = msg
		}
		p.Err = err
		return p
	}
	p := New(http.StatusInternalServerError, InternalDetail)
	p.Err = err
	return p
}

// HTTPErrorHandler returns an echo.HTTPErrorHandler that renders every error
// returned by a route as a problem document (via [From]) and logs 5xx causes
// at error level on logger. Install it as e.HTTPErrorHandler.
func HTTPErrorHandler(logger *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		d := From(err)
		if d.Status >= 500 && logger != nil {
			logger.ErrorContext(c.Request().Context(), "request failed",
				"method", c.Request().Method, "path", c.Request().URL.Path,
				"status", d.Status, "err", d.Err)
		}
		Write(c.Response(), c.Request(), d)
	}
}
