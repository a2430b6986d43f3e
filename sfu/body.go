package sfu

import (
	"encoding/json"
	"strings"
)

// body is a VideoRoom request body; its getters return the VideoRoom
// validation errors (429 missing element, 430 invalid element type) with
// Janus's wording ("Missing element (%s)", "Invalid element type (%s
// should be a %s)").
type body map[string]json.RawMessage

func missing(name string) *RoomError {
	return roomCodeErr(RoomCodeMissingElement, "Missing element (%s)", name)
}

func invalid(name, want string) *RoomError {
	return roomCodeErr(RoomCodeInvalidElement, "Invalid element type (%s should be %s)", name, want)
}

func (b body) has(name string) bool {
	v, ok := b[name]
	return ok && string(v) != "null"
}

func (b body) str(name string, required bool) (string, *RoomError) {
	if !b.has(name) {
		if required {
			return "", missing(name)
		}
		return "", nil
	}
	var s string
	if err := json.Unmarshal(b[name], &s); err != nil {
		return "", invalid(name, "a string")
	}
	return s, nil
}

func (b body) u64(name string, required bool) (uint64, *RoomError) {
	if !b.has(name) {
		if required {
			return 0, missing(name)
		}
		return 0, nil
	}
	var v uint64
	if err := json.Unmarshal(b[name], &v); err != nil {
		return 0, invalid(name, "a positive integer")
	}
	return v, nil
}

func (b body) boolean(name string) (value, present bool, err *RoomError) {
	if !b.has(name) {
		return false, false, nil
	}
	if err := json.Unmarshal(b[name], &value); err != nil {
		return false, true, invalid(name, "a boolean")
	}
	return value, true, nil
}

func (b body) strings(name string) ([]string, bool, *RoomError) {
	if !b.has(name) {
		return nil, false, nil
	}
	var v []string
	if err := json.Unmarshal(b[name], &v); err != nil {
		return nil, true, invalid(name, "an array")
	}
	if v == nil {
		v = []string{}
	}
	return v, true, nil
}

// streamSpec is one entry of a subscriber "streams", "subscribe",
// "unsubscribe" or "switch" array, or of a configure "streams" array.
type streamSpec struct {
	Feed      uint64  `json:"feed"`
	FeedID    uint64  `json:"feed_id"`
	MID       string  `json:"mid"`
	SubMID    string  `json:"sub_mid"`
	Send      *bool   `json:"send"`
	Substream *int    `json:"substream"`
	Temporal  *int    `json:"temporal"`
	Keyframe  bool    `json:"keyframe"`
	CrossRef  *string `json:"crossrefid"`
}

func (s streamSpec) feed() uint64 {
	if s.Feed != 0 {
		return s.Feed
	}
	return s.FeedID
}

func (b body) streams(name string, required bool) ([]streamSpec, *RoomError) {
	if !b.has(name) {
		if required {
			return nil, missing(name)
		}
		return nil, nil
	}
	var v []streamSpec
	if err := json.Unmarshal(b[name], &v); err != nil {
		return nil, invalid(name, "an array")
	}
	return v, nil
}

func errData(e *RoomError) map[string]any {
	return map[string]any{"videoroom": "event", "error_code": int(e.Code), "error": e.Reason}
}

func lower(s string) string { return strings.ToLower(s) }
