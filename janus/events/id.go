package events

import (
	"bytes"
	"fmt"
	"strconv"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// ID is a VideoRoom room or participant identifier. Janus sends these as JSON
// numbers, or as strings when the plugin runs with string_ids = true
// (janus.plugin.videoroom.jcfg); both decode to their text, so the number
// 1234 and the string "1234" are the same ID. The zero value means absent.
type ID string

// UnmarshalJSON accepts a JSON number (kept as its exact text), a string,
// or null; anything else is an error.
func (id *ID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch jsontext.Value(b).Kind() {
	case '"':
		var s string
		if err := jsonv2.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("events: id: %w", err)
		}
		*id = ID(s)
	case 'n':
		*id = ""
	case '0':
		if !jsontext.Value(b).IsValid() {
			return fmt.Errorf("events: id: invalid number %.20q", b)
		}
		*id = ID(b)
	default:
		return fmt.Errorf("events: id: want a number or a string, got %.20q", b)
	}
	return nil
}

// Uint64 is the ID as a number when it is a decimal one (Frontdesk's rooms
// and participants), else 0.
func (id ID) Uint64() uint64 {
	n, err := strconv.ParseUint(string(id), 10, 64)
	if err != nil {
		return 0
	}
	return n
}
