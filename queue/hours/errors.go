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

// FieldError is a schedule that does not validate, naming the field at
// fault. Field is the path in the schedule's JSON form: "zone", "manual",
// "weekly[2]" (weekday index, 0 = Sunday), "overrides[0].date" or
// "overrides[0].ranges". Err is one of the sentinels above (errors.Is
// works); Detail is the offending value, e.g. "17:00–09:00".
type FieldError struct {
	Field  string
	Detail string
	Err    error
}

// Error renders "hours: <field>: <detail>: <sentinel>".
func (e *FieldError) Error() string {
	msg := "hours: " + e.Field + ": "
	if e.Detail != "" {
		msg += e.Detail + ": "
	}
	return msg + e.Err.Error()
}

// Unwrap returns the sentinel.
func (e *FieldError) Unwrap() error { return e.Err }
