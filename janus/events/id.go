package events

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// ID is a VideoRoom room or participant identifier. Janus sends these as JSON
// numbers, or as strings when the plugin runs with string_ids = true
// (janus.plugin.videoroom.jcfg); both decode to their text, so the number
// 1234 and the string "1234" are the same ID. The zero value means absent.
type ID string

// UnmarshalJSON accepts a JSON number (kept as its exact decimal text), a
// string, or null.
func (id *ID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return fmt.Errorf("events: empty id")
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("events: id: %w", err)
		}
		*id = ID(s)
	case string(b) == "null":
		*id = ""
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("events: id: %w", err)
		}
		*id = ID(n.String())
	}
	return nil
}
