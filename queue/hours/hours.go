// Package hours models a queue's working hours: an IANA time zone, weekly
// ranges per weekday (several per day), date overrides for holidays and
// special hours, and a manual open/closed override; and answers "is it open
// at t?" and "when does it next open?" correctly across DST changes.
//
// All wall-clock reasoning happens in the schedule's zone: a range
// "09:00–17:00" on Monday means 09:00 to 17:00 local time on each Monday,
// whatever the UTC offset is that day. Range ends are exclusive.
package hours

import "fmt"

// Manual is a manual override of the schedule set by an admin or host.
type Manual int

const (
	// ManualNone follows the schedule.
	ManualNone Manual = iota
	// ManualOpen forces the queue open, whatever the schedule says.
	ManualOpen
	// ManualClosed forces the queue closed, whatever the schedule says.
	ManualClosed
)

var manualNames = [...]string{"none", "open", "closed"}

// String returns "none", "open" or "closed".
func (m Manual) String() string {
	if m < 0 || int(m) >= len(manualNames) {
		return fmt.Sprintf("Manual(%d)", int(m))
	}
	return manualNames[m]
}

// ParseManual parses the String form; it returns ErrBadManual for others.
func ParseManual(s string) (Manual, error) {
	for i, n := range manualNames {
		if n == s {
			return Manual(i), nil
		}
	}
	return 0, fmt.Errorf("hours: %q: %w", s, ErrBadManual)
}

// MarshalText renders the String form.
func (m Manual) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText parses the String form ("" means none).
func (m *Manual) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*m = ManualNone
		return nil
	}
	v, err := ParseManual(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// Range is a half-open interval of local wall-clock time within one day,
// [From, To), in minutes after local midnight. From is 0–1439, To is
// 1–1440 (1440 means "until midnight") and To > From. In JSON both are
// "HH:MM" strings ("24:00" allowed for To).
type Range struct {
	From Minute `json:"from" bson:"from"`
	To   Minute `json:"to" bson:"to"`
}

// DateOverride replaces the weekly ranges on one local date: a holiday
// (Closed, or no Ranges) or special hours (Ranges).
type DateOverride struct {
	// Date is the local calendar date, "YYYY-MM-DD".
	Date string `json:"date" bson:"date"`
	// Closed marks the whole day closed; Ranges are then ignored.
	Closed bool `json:"closed,omitempty" bson:"closed,omitempty"`
	// Ranges are the opening ranges on that date (empty means closed).
	Ranges []Range `json:"ranges,omitempty" bson:"ranges,omitempty"`
	// Note is a free-text label shown to callers, e.g. "Christmas Day".
	Note string `json:"note,omitempty" bson:"note,omitempty"`
}

// Schedule is a queue's working hours. The zero value (no zone, no ranges,
// ManualNone) is "always closed"; use AlwaysOpen for a 24/7 schedule.
type Schedule struct {
	// Zone is an IANA time zone name, e.g. "Europe/Berlin"; "" means UTC.
	Zone string `json:"zone" bson:"zone"`
	// Weekly holds the opening ranges per weekday, indexed by
	// time.Weekday (0 = Sunday). Ranges of one day must not overlap.
	Weekly [7][]Range `json:"weekly" bson:"weekly"`
	// Overrides replace the weekly ranges on specific local dates.
	Overrides []DateOverride `json:"overrides,omitempty" bson:"overrides,omitempty"`
	// Manual forces the queue open or closed when not ManualNone.
	Manual Manual `json:"manual" bson:"manual"`
}

// AlwaysOpen returns a schedule open 24 hours on all seven days in UTC.
func AlwaysOpen() Schedule {
	var s Schedule
	for d := range s.Weekly {
		s.Weekly[d] = []Range{{From: 0, To: 1440}}
	}
	return s
}

// Empty reports whether s says nothing about when it is open: no weekly
// ranges, no date overrides and no manual override (the zone aside). Such
// a schedule is always closed.
func (s *Schedule) Empty() bool {
	for _, rs := range s.Weekly {
		if len(rs) > 0 {
			return false
		}
	}
	return len(s.Overrides) == 0 && s.Manual == ManualNone
}

// Clone returns a deep copy of s (no shared slices).
func (s Schedule) Clone() Schedule {
	c := s
	for d := range s.Weekly {
		if s.Weekly[d] != nil {
			c.Weekly[d] = append([]Range(nil), s.Weekly[d]...)
		}
	}
	if s.Overrides != nil {
		c.Overrides = make([]DateOverride, len(s.Overrides))
		for i, o := range s.Overrides {
			o.Ranges = append([]Range(nil), o.Ranges...)
			c.Overrides[i] = o
		}
	}
	return c
}
