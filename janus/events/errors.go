package events

import "errors"

var (
	// ErrMalformed means the bytes are not valid JSON; the wrapping error
	// carries the decoder's reason and byte offset.
	ErrMalformed = errors.New("malformed JSON")
	// ErrNotObject means an event is valid JSON but not a JSON object.
	ErrNotObject = errors.New("event is not a JSON object")
	// ErrMissingType means an event object has no integer "type" member
	// (every Janus event has one, src/events.c).
	ErrMissingType = errors.New(`event has no integer "type"`)
	// ErrEmpty means a body holds no event at all (empty, or an empty array).
	ErrEmpty = errors.New("no events")
)
