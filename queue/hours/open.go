package hours

import (
	"fmt"
	"slices"
	"time"
)

// searchDays bounds how far NextOpen and NextClose look ahead (a bit over
// a year, so a yearly holiday override cannot hide the next opening).
const searchDays = 400

// Location loads the schedule's zone ("" is UTC). Errors wrap ErrBadZone.
func (s *Schedule) Location() (*time.Location, error) {
	if s.Zone == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(s.Zone)
	if err != nil {
		return nil, fmt.Errorf("hours: zone %q: %w", s.Zone, ErrBadZone)
	}
	return loc, nil
}

// Validate checks the zone, every range (0 ≤ From < To ≤ 24:00), that the
// ranges of one day do not overlap, and the override dates (one override
// per date). Errors are a *FieldError naming the field at fault and
// wrapping ErrBadZone, ErrBadManual, ErrBadRange, ErrOverlap or ErrBadDate.
func (s *Schedule) Validate() error {
	if _, err := s.Location(); err != nil {
		return &FieldError{Field: "zone", Detail: fmt.Sprintf("%q", s.Zone), Err: ErrBadZone}
	}
	if s.Manual < ManualNone || s.Manual > ManualClosed {
		return &FieldError{Field: "manual", Detail: fmt.Sprint(int(s.Manual)), Err: ErrBadManual}
	}
	for d, rs := range s.Weekly {
		if err := checkRanges(fmt.Sprintf("weekly[%d]", d), rs); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for i, o := range s.Overrides {
		field := fmt.Sprintf("overrides[%d]", i)
		if _, err := time.Parse(time.DateOnly, o.Date); err != nil {
			return &FieldError{Field: field + ".date", Detail: fmt.Sprintf("%q", o.Date), Err: ErrBadDate}
		}
		if seen[o.Date] {
			return &FieldError{Field: field + ".date", Detail: o.Date + " twice", Err: ErrBadDate}
		}
		seen[o.Date] = true
		if err := checkRanges(field+".ranges", o.Ranges); err != nil {
			return err
		}
	}
	return nil
}

// checkRanges validates the ranges of one day; field names them in errors.
func checkRanges(field string, rs []Range) error {
	for _, r := range rs {
		if r.From < 0 || r.From >= 1440 || r.To <= r.From || r.To > 1440 {
			return &FieldError{Field: field, Detail: fmt.Sprintf("%s–%s", r.From, r.To), Err: ErrBadRange}
		}
	}
	sorted := slices.Clone(rs)
	slices.SortFunc(sorted, func(a, b Range) int { return int(a.From - b.From) })
	for i := 1; i < len(sorted); i++ {
		if sorted[i].From < sorted[i-1].To {
			return &FieldError{Field: field, Detail: fmt.Sprintf("%s–%s and %s–%s", sorted[i-1].From, sorted[i-1].To, sorted[i].From, sorted[i].To), Err: ErrOverlap}
		}
	}
	return nil
}

// rangesOn returns the sorted opening ranges on the local date y-m-d: the
// override's if there is one for that date, else the weekday's.
func (s *Schedule) rangesOn(y int, m time.Month, d int) []Range {
	var rs []Range
	found := false
	date := ""
	if len(s.Overrides) > 0 {
		date = fmt.Sprintf("%04d-%02d-%02d", y, int(m), d)
	}
	for _, o := range s.Overrides {
		if o.Date == date {
			found = true
			if !o.Closed {
				rs = o.Ranges
			}
			break
		}
	}
	if !found {
		rs = s.Weekly[time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Weekday()]
	}
	if !slices.IsSortedFunc(rs, func(a, b Range) int { return int(a.From - b.From) }) {
		rs = slices.Clone(rs)
		slices.SortFunc(rs, func(a, b Range) int { return int(a.From - b.From) })
	}
	return rs
}

// OverrideOn returns the override for the local date of t, if any.
func (s *Schedule) OverrideOn(t time.Time) (DateOverride, bool) {
	loc, err := s.Location()
	if err != nil {
		return DateOverride{}, false
	}
	date := t.In(loc).Format(time.DateOnly)
	for _, o := range s.Overrides {
		if o.Date == date {
			return o, true
		}
	}
	return DateOverride{}, false
}

// openWall reports whether the schedule (ignoring Manual) is open at t,
// comparing t's local wall-clock time with the ranges of its local date.
// In a repeated hour (DST fall-back) both occurrences count as that wall
// time; wall times skipped by a spring-forward gap never happen.
func (s *Schedule) openWall(t time.Time, loc *time.Location) bool {
	l := t.In(loc)
	y, m, d := l.Date()
	sec := l.Hour()*3600 + l.Minute()*60 + l.Second()
	for _, r := range s.rangesOn(y, m, d) {
		if int(r.From)*60 <= sec && sec < int(r.To)*60 {
			return true
		}
	}
	return false
}

// Open reports whether the queue is open at t: the manual override if set,
// else whether t's local wall-clock time falls in a range [From, To) of its
// local date (the date override's ranges, or the weekday's). A schedule
// with a bad zone is closed.
func (s *Schedule) Open(t time.Time) bool {
	switch s.Manual {
	case ManualOpen:
		return true
	case ManualClosed:
		return false
	}
	loc, err := s.Location()
	if err != nil {
		return false
	}
	return s.openWall(t, loc)
}

// instant returns the first instant on local date y-m-d whose wall-clock
// time is at or after minute (minute 1440 is the next day's midnight). In
// a DST gap that is the transition instant; in a repeated hour it is the
// first occurrence.
func instant(y int, m time.Month, d int, minute Minute, loc *time.Location) time.Time {
	h, mm := int(minute)/60, int(minute)%60
	t := time.Date(y, m, d, h, mm, 0, 0, loc)
	if h == 24 {
		return t // time.Date normalises to the next day's 00:00
	}
	if !sameWall(t, y, m, d, minute) {
		ty, tm, td := t.Date()
		want := time.Date(y, m, d, h, mm, 0, 0, time.UTC)
		got := time.Date(ty, tm, td, t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
		// Skipped wall time: the gap's end is the first instant past it.
		start, end := t.ZoneBounds()
		if got.Before(want) {
			return end
		}
		return start
	}
	// Repeated hour: prefer an earlier instant with the same wall clock.
	for _, back := range []time.Duration{time.Hour, 30 * time.Minute, 2 * time.Hour} {
		if e := t.Add(-back); sameWall(e, y, m, d, minute) {
			return e
		}
	}
	return t
}

// NextOpen returns the first instant at or after t at which the queue is
// open, in the schedule's zone, and true; or false when it will not open
// within about 400 days (or is manually closed: reopening then depends on
// a person). With ManualOpen or when open at t it returns t.
func (s *Schedule) NextOpen(t time.Time) (time.Time, bool) {
	switch s.Manual {
	case ManualOpen:
		return t, true
	case ManualClosed:
		return time.Time{}, false
	}
	loc, err := s.Location()
	if err != nil {
		return time.Time{}, false
	}
	t = t.In(loc)
	if s.openWall(t, loc) {
		return t, true
	}
	y, m, d := t.Date()
	for i := range searchDays {
		day := time.Date(y, m, d+i, 12, 0, 0, 0, time.UTC)
		dy, dm, dd := day.Date()
		for _, r := range s.rangesOn(dy, dm, dd) {
			for _, at := range occurrences(dy, dm, dd, r.From, loc) {
				if at.Before(t) {
					continue
				}
				if s.openWall(at, loc) {
					return at.In(loc), true
				}
			}
		}
	}
	return time.Time{}, false
}

// closeHorizon bounds how far NextClose looks: a queue open without a
// break for longer counts as "not closing soon".
const closeHorizon = 14 * 24 * time.Hour

// NextClose returns the first instant after t at which the queue stops
// being open, and true; or false when it is closed at t, is manually open,
// or stays open without a break for 14 days or more. Contiguous ranges (e.g.
// "18:00–24:00" then "00:00–02:00" the next day) count as one opening.
func (s *Schedule) NextClose(t time.Time) (time.Time, bool) {
	if s.Manual != ManualNone {
		return time.Time{}, false
	}
	loc, err := s.Location()
	if err != nil || !s.openWall(t, loc) {
		return time.Time{}, false
	}
	cur := t.In(loc)
	for cur.Sub(t) < closeHorizon {
		y, m, d := cur.Date()
		sec := cur.Hour()*3600 + cur.Minute()*60 + cur.Second()
		var end time.Time
		for _, r := range s.rangesOn(y, m, d) {
			if int(r.From)*60 <= sec && sec < int(r.To)*60 {
				for _, at := range occurrences(y, m, d, r.To, loc) {
					if at.After(cur) {
						end = at
						break
					}
				}
				break
			}
		}
		if end.IsZero() || !end.After(cur) {
			return cur, true
		}
		if !s.openWall(end, loc) {
			return end.In(loc), true
		}
		cur = end.In(loc)
	}
	return time.Time{}, false
}

// sameWall reports whether t (already in its zone) shows the wall-clock
// time minute on local date y-m-d, to the second.
func sameWall(t time.Time, y int, m time.Month, d int, minute Minute) bool {
	ty, tm, td := t.Date()
	return ty == y && tm == m && td == d && t.Hour()*60+t.Minute() == int(minute) && t.Second() == 0
}

// occurrences returns the instants, oldest first, at which local date
// y-m-d shows wall time minute: one normally, two in a repeated hour, and
// in a DST gap the instant the gap ends.
func occurrences(y int, m time.Month, d int, minute Minute, loc *time.Location) []time.Time {
	first := instant(y, m, d, minute, loc)
	out := []time.Time{first}
	for _, later := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour} {
		if at := first.Add(later).In(loc); sameWall(at, y, m, d, minute) {
			out = append(out, at)
			break
		}
	}
	return out
}
