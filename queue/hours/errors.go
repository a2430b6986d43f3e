package hours

import "errors"

var (
	// ErrBadTime is returned for a time of day that is not "HH:MM" in 00:00–24:00.
	ErrBadTime = errors.New("bad time of day")
	// ErrBadRange is returned for a range whose end is not after its start.
	ErrBadRange = errors.New("bad range")
	// ErrOverlap is returned when two ranges of the same day overlap.
	ErrOverlap = errors.New("overlapping ranges")
	// ErrBadZone is returned for a zone that is not a known IANA name.
	ErrBadZone = errors.New("unknown time zone")
	// ErrBadDate is returned for an override date that is not "YYYY-MM-DD".
	ErrBadDate = errors.New("bad date")
	// ErrBadManual is returned for an unknown manual override name.
	ErrBadManual = errors.New("bad manual override")
)
