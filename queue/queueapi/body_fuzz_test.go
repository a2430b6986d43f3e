package queueapi

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/frontdesk/frontdesk/problem"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/labstack/echo/v4"
)

// leak matches internal error text that must never reach a person.
var leak = regexp.MustCompile(`\b(queue|queueapi|bolt|hours|json|mongo|store|auth|echo|http|strconv):|%!|\bnil\b|EOF`)

// FuzzQueueBody decodes untrusted queue bodies (POST/PUT /queues) the way
// the API does and checks that every refusal is a 400 or 413 problem whose
// detail is for people, and that a body that decodes either validates or
// fails with a field and a message for people.
func FuzzQueueBody(f *testing.F) {
	f.Add([]byte(`{"slug":"it-help","name":"IT","hours":{"zone":"Europe/Berlin","weekly":[[],[{"from":"09:00","to":"17:00"}],[],[],[],[],[]]}}`))
	f.Add([]byte(`{"slug":"a","name":"A","hours":{"zone":"Mars/Olympus"}}`))
	f.Add([]byte(`{"slug":"a","name":"A","timeouts":{"offer":"20s"}}`))
	f.Add([]byte(`{"slug":"a","name":"A","hours":{"weekly":[[{"from":"17:00","to":"09:00"}]],"overrides":[{"date":"2026-13-45"}]}} {}`))
	f.Add([]byte(`{"slug":"a","mode":"fast","limits":{"max_waiting":-1},"intake":[{"name":"A B"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		e := echo.New()
		rec := httptest.NewRecorder()
		c := e.NewContext(httptest.NewRequest(http.MethodPost, "/queues", bytes.NewReader(body)), rec)
		var in QueueJSON
		raw, err := decodeRaw(c, &in)
		if err != nil {
			var p *problem.Details
			if !errors.As(err, &p) || (p.Status != http.StatusBadRequest && p.Status != http.StatusRequestEntityTooLarge) {
				t.Fatalf("decode error %v is not a 400/413 problem", err)
			}
			if p.Detail == "" || leak.MatchString(p.Detail) {
				t.Fatalf("detail %q is not for people", p.Detail)
			}
			return
		}
		applyQueueDefaults(raw, &in, true)
		q := in.Queue()
		if err := q.Validate(); err != nil {
			var fe *queue.FieldError
			if !errors.As(err, &fe) || fe.Field == "" || !errors.Is(err, queue.ErrInvalid) {
				t.Fatalf("Validate() = %v, want a FieldError wrapping queue.ErrInvalid", err)
			}
			if msg := humanMessage(err); msg == "" || leak.MatchString(msg) {
				t.Fatalf("message %q is not for people", msg)
			}
		}
	})
}
