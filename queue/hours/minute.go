package hours

import (
	"fmt"
	"strconv"
)

// Minute is a local wall-clock time of day in minutes after midnight,
// 0–1440 (1440 is "24:00", only meaningful as a range end). In JSON it is
// the string "HH:MM".
type Minute int

// At returns the Minute for hour h and minute m.
func At(h, m int) Minute { return Minute(h*60 + m) }

// String renders "HH:MM".
func (m Minute) String() string { return fmt.Sprintf("%02d:%02d", int(m)/60, int(m)%60) }

// ParseMinute parses "HH:MM" (00:00–24:00); it returns ErrBadTime otherwise.
func ParseMinute(s string) (Minute, error) {
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("hours: time %q: %w", s, ErrBadTime)
	}
	h, err1 := strconv.Atoi(s[:2])
	mm, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || h < 0 || mm < 0 || mm > 59 || h > 24 || (h == 24 && mm != 0) {
		return 0, fmt.Errorf("hours: time %q: %w", s, ErrBadTime)
	}
	return At(h, mm), nil
}

// MarshalText renders "HH:MM".
func (m Minute) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText parses "HH:MM".
func (m *Minute) UnmarshalText(b []byte) error {
	v, err := ParseMinute(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}
