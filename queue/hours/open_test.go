package hours

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func must(t *testing.T, zone string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func r(fh, fm, th, tm int) Range { return Range{From: At(fh, fm), To: At(th, tm)} }

// office: Mon–Fri 09:00–12:00 and 13:00–17:00 in zone.
func office(zone string) Schedule {
	s := Schedule{Zone: zone}
	for d := time.Monday; d <= time.Friday; d++ {
		s.Weekly[d] = []Range{r(13, 0, 17, 0), r(9, 0, 12, 0)} // unsorted on purpose
	}
	return s
}

func TestOpen(t *testing.T) {
	berlin := must(t, "Europe/Berlin")
	ny := must(t, "America/New_York")
	kolkata := must(t, "Asia/Kolkata")
	sydney := must(t, "Australia/Sydney")

	// Sunday 2026-03-08: New York springs forward 02:00 EST → 03:00 EDT.
	nySpring := Schedule{Zone: "America/New_York"}
	nySpring.Weekly[time.Sunday] = []Range{r(2, 30, 5, 0)}
	// Sunday 2026-11-01: New York falls back 02:00 EDT → 01:00 EST.
	nyFall := Schedule{Zone: "America/New_York"}
	nyFall.Weekly[time.Sunday] = []Range{r(1, 0, 1, 30)}
	// Sunday 2026-04-05: Sydney falls back 03:00 AEDT → 02:00 AEST.
	syd := Schedule{Zone: "Australia/Sydney"}
	syd.Weekly[time.Sunday] = []Range{r(2, 0, 2, 30)}

	holiday := office("Europe/Berlin")
	holiday.Overrides = []DateOverride{
		{Date: "2026-12-24", Ranges: []Range{r(10, 0, 12, 0)}, Note: "Christmas Eve"},
		{Date: "2026-12-25", Closed: true, Note: "Christmas"},
		{Date: "2026-12-27", Ranges: []Range{r(10, 0, 11, 0)}, Note: "Sunday special"},
	}
	manualOpen, manualClosed := office("Europe/Berlin"), office("Europe/Berlin")
	manualOpen.Manual, manualClosed.Manual = ManualOpen, ManualClosed
	night := Schedule{Zone: "UTC"}
	night.Weekly[time.Monday] = []Range{r(22, 0, 24, 0)}
	night.Weekly[time.Tuesday] = []Range{r(0, 0, 2, 0)}

	tests := []struct {
		name string
		s    Schedule
		at   time.Time
		want bool
	}{
		{"before opening 08:59:59", office("Europe/Berlin"), time.Date(2026, 6, 1, 8, 59, 59, 0, berlin), false},
		{"opening minute 09:00", office("Europe/Berlin"), time.Date(2026, 6, 1, 9, 0, 0, 0, berlin), true},
		{"last second 11:59:59", office("Europe/Berlin"), time.Date(2026, 6, 1, 11, 59, 59, 999, berlin), true},
		{"end exclusive 12:00", office("Europe/Berlin"), time.Date(2026, 6, 1, 12, 0, 0, 0, berlin), false},
		{"second range 13:00", office("Europe/Berlin"), time.Date(2026, 6, 1, 13, 0, 0, 0, berlin), true},
		{"end exclusive 17:00", office("Europe/Berlin"), time.Date(2026, 6, 1, 17, 0, 0, 0, berlin), false},
		{"saturday", office("Europe/Berlin"), time.Date(2026, 6, 6, 10, 0, 0, 0, berlin), false},
		{"UTC instant in summer (CEST)", office("Europe/Berlin"), time.Date(2026, 6, 1, 7, 0, 0, 0, time.UTC), true},
		{"UTC instant in summer before", office("Europe/Berlin"), time.Date(2026, 6, 1, 6, 59, 0, 0, time.UTC), false},
		{"UTC instant in winter (CET)", office("Europe/Berlin"), time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC), true},
		{"UTC instant in winter before", office("Europe/Berlin"), time.Date(2026, 1, 5, 7, 59, 0, 0, time.UTC), false},
		{"half-hour zone", office("Asia/Kolkata"), time.Date(2026, 6, 1, 3, 30, 0, 0, time.UTC), true},
		{"half-hour zone before", office("Asia/Kolkata"), time.Date(2026, 6, 1, 3, 29, 59, 0, time.UTC), false},
		{"kolkata local", office("Asia/Kolkata"), time.Date(2026, 6, 1, 16, 59, 0, 0, kolkata), true},
		{"spring forward: 01:59 EST closed", nySpring, time.Date(2026, 3, 8, 6, 59, 0, 0, time.UTC), false},
		{"spring forward: 03:00 EDT open", nySpring, time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC), true},
		{"spring forward: 04:59 EDT open", nySpring, time.Date(2026, 3, 8, 4, 59, 0, 0, ny), true},
		{"fall back: first 01:15 EDT", nyFall, time.Date(2026, 11, 1, 5, 15, 0, 0, time.UTC), true},
		{"fall back: 01:45 EDT closed", nyFall, time.Date(2026, 11, 1, 5, 45, 0, 0, time.UTC), false},
		{"fall back: second 01:15 EST", nyFall, time.Date(2026, 11, 1, 6, 15, 0, 0, time.UTC), true},
		{"fall back: 01:30 EST closed", nyFall, time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC), false},
		{"sydney fall back first 02:10", syd, time.Date(2026, 4, 4, 15, 10, 0, 0, time.UTC), true},
		{"sydney fall back second 02:10", syd, time.Date(2026, 4, 4, 16, 10, 0, 0, time.UTC), true},
		{"sydney local", syd, time.Date(2026, 4, 5, 2, 40, 0, 0, sydney), false},
		{"holiday closed", holiday, time.Date(2026, 12, 25, 10, 0, 0, 0, berlin), false},
		{"special hours open", holiday, time.Date(2026, 12, 24, 11, 0, 0, 0, berlin), true},
		{"special hours replace weekly", holiday, time.Date(2026, 12, 24, 14, 0, 0, 0, berlin), false},
		{"override opens a sunday", holiday, time.Date(2026, 12, 27, 10, 30, 0, 0, berlin), true},
		{"manual open on saturday", manualOpen, time.Date(2026, 6, 6, 3, 0, 0, 0, berlin), true},
		{"manual closed in hours", manualClosed, time.Date(2026, 6, 1, 10, 0, 0, 0, berlin), false},
		{"until midnight 23:59:59", night, time.Date(2026, 6, 1, 23, 59, 59, 0, time.UTC), true},
		{"after midnight next day", night, time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC), true},
		{"always open", AlwaysOpen(), time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC), true},
		{"zero schedule closed", Schedule{}, time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC), false},
		{"bad zone closed", Schedule{Zone: "Mars/Olympus", Weekly: AlwaysOpen().Weekly}, time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.s.Open(tc.at); got != tc.want {
				t.Fatalf("Open(%s) = %v, want %v", tc.at, got, tc.want)
			}
		})
	}
}

func TestNextOpen(t *testing.T) {
	berlin := must(t, "Europe/Berlin")
	ny := must(t, "America/New_York")
	nySpring := Schedule{Zone: "America/New_York"}
	nySpring.Weekly[time.Sunday] = []Range{r(2, 30, 5, 0)}
	nyFall := Schedule{Zone: "America/New_York"}
	nyFall.Weekly[time.Sunday] = []Range{r(1, 0, 1, 30)}
	holiday := office("Europe/Berlin")
	holiday.Overrides = []DateOverride{
		{Date: "2026-12-24", Ranges: []Range{r(10, 0, 12, 0)}},
		{Date: "2026-12-25", Closed: true},
	}
	manualClosed := office("Europe/Berlin")
	manualClosed.Manual = ManualClosed
	// Samoa skipped 2011-12-30 entirely (UTC−10 → UTC+14).
	apia := Schedule{Zone: "Pacific/Apia", Weekly: AlwaysOpen().Weekly}
	apia.Weekly[time.Thursday] = nil // 2011-12-29 closed
	yearly := Schedule{Zone: "UTC", Overrides: []DateOverride{{Date: "2027-06-01", Ranges: []Range{r(9, 0, 10, 0)}}}}

	tests := []struct {
		name   string
		s      Schedule
		at     time.Time
		want   time.Time
		wantOK bool
	}{
		{"already open", office("Europe/Berlin"), time.Date(2026, 6, 1, 10, 0, 0, 0, berlin), time.Date(2026, 6, 1, 10, 0, 0, 0, berlin), true},
		{"08:59:59 opens at 09:00", office("Europe/Berlin"), time.Date(2026, 6, 1, 8, 59, 59, 0, berlin), time.Date(2026, 6, 1, 9, 0, 0, 0, berlin), true},
		{"lunch", office("Europe/Berlin"), time.Date(2026, 6, 1, 12, 0, 0, 0, berlin), time.Date(2026, 6, 1, 13, 0, 0, 0, berlin), true},
		{"friday evening to monday", office("Europe/Berlin"), time.Date(2026, 6, 5, 17, 0, 0, 0, berlin), time.Date(2026, 6, 8, 9, 0, 0, 0, berlin), true},
		{"over the spring DST weekend", office("Europe/Berlin"), time.Date(2026, 3, 27, 18, 0, 0, 0, berlin), time.Date(2026, 3, 30, 7, 0, 0, 0, time.UTC), true},
		{"over the autumn DST weekend", office("Europe/Berlin"), time.Date(2026, 10, 23, 18, 0, 0, 0, berlin), time.Date(2026, 10, 26, 8, 0, 0, 0, time.UTC), true},
		{"start in the spring gap opens at 03:00 EDT", nySpring, time.Date(2026, 3, 8, 0, 0, 0, 0, ny), time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC), true},
		{"fall back: second 01:00 (EST)", nyFall, time.Date(2026, 11, 1, 5, 45, 0, 0, time.UTC), time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC), true},
		{"fall back: first 01:00 (EDT)", nyFall, time.Date(2026, 11, 1, 0, 0, 0, 0, ny), time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC), true},
		{"holiday skipped", holiday, time.Date(2026, 12, 24, 12, 30, 0, 0, berlin), time.Date(2026, 12, 28, 9, 0, 0, 0, berlin), true},
		{"special hours", holiday, time.Date(2026, 12, 23, 17, 0, 0, 0, berlin), time.Date(2026, 12, 24, 10, 0, 0, 0, berlin), true},
		{"manual closed has no answer", manualClosed, time.Date(2026, 6, 1, 8, 0, 0, 0, berlin), time.Time{}, false},
		{"never opens", Schedule{Zone: "UTC"}, time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC), time.Time{}, false},
		{"far override", yearly, time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC), time.Date(2027, 6, 1, 9, 0, 0, 0, time.UTC), true},
		{"skipped day in Samoa", apia, time.Date(2011, 12, 29, 12, 0, 0, 0, time.UTC), time.Date(2011, 12, 30, 10, 0, 0, 0, time.UTC), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.s.NextOpen(tc.at)
			if ok != tc.wantOK || !got.Equal(tc.want) {
				t.Fatalf("NextOpen(%s) = %s %v, want %s %v", tc.at, got, ok, tc.want, tc.wantOK)
			}
			if ok {
				if !tc.s.Open(got) {
					t.Fatalf("not open at the returned instant %s", got)
				}
				if loc, _ := tc.s.Location(); got.Location().String() != loc.String() {
					t.Fatalf("returned in %s, want the schedule's zone %s", got.Location(), loc)
				}
			}
		})
	}
}

func TestNextClose(t *testing.T) {
	berlin := must(t, "Europe/Berlin")
	ny := must(t, "America/New_York")
	night := Schedule{Zone: "UTC"}
	night.Weekly[time.Monday] = []Range{r(22, 0, 24, 0)}
	night.Weekly[time.Tuesday] = []Range{r(0, 0, 2, 0)}
	nyFall := Schedule{Zone: "America/New_York"}
	nyFall.Weekly[time.Sunday] = []Range{r(1, 0, 1, 30)}
	gap := Schedule{Zone: "Europe/Berlin"}
	gap.Weekly[time.Sunday] = []Range{r(1, 0, 2, 30)} // 2026-03-29: 02:00 → 03:00

	tests := []struct {
		name   string
		s      Schedule
		at     time.Time
		want   time.Time
		wantOK bool
	}{
		{"morning", office("Europe/Berlin"), time.Date(2026, 6, 1, 10, 0, 0, 0, berlin), time.Date(2026, 6, 1, 12, 0, 0, 0, berlin), true},
		{"last second", office("Europe/Berlin"), time.Date(2026, 6, 1, 16, 59, 59, 0, berlin), time.Date(2026, 6, 1, 17, 0, 0, 0, berlin), true},
		{"closed has none", office("Europe/Berlin"), time.Date(2026, 6, 1, 12, 0, 0, 0, berlin), time.Time{}, false},
		{"across midnight", night, time.Date(2026, 6, 1, 23, 0, 0, 0, time.UTC), time.Date(2026, 6, 2, 2, 0, 0, 0, time.UTC), true},
		{"always open has none", AlwaysOpen(), time.Date(2026, 6, 1, 23, 0, 0, 0, time.UTC), time.Time{}, false},
		{"end in spring gap", gap, time.Date(2026, 3, 29, 1, 30, 0, 0, berlin), time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), true},
		{"fall back first", nyFall, time.Date(2026, 11, 1, 5, 10, 0, 0, time.UTC), time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), true},
		{"fall back second", nyFall, time.Date(2026, 11, 1, 6, 10, 0, 0, time.UTC), time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC), true},
		{"ny local", nyFall, time.Date(2026, 11, 8, 1, 0, 0, 0, ny), time.Date(2026, 11, 8, 1, 30, 0, 0, ny), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.s.NextClose(tc.at)
			if ok != tc.wantOK || !got.Equal(tc.want) {
				t.Fatalf("NextClose(%s) = %s %v, want %s %v", tc.at, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	ok := office("Europe/Berlin")
	overlap := office("UTC")
	overlap.Weekly[time.Monday] = []Range{r(9, 0, 12, 0), r(11, 0, 13, 0)}
	backwards := office("UTC")
	backwards.Weekly[time.Monday] = []Range{r(12, 0, 9, 0)}
	badDate := office("UTC")
	badDate.Overrides = []DateOverride{{Date: "25.12.2026", Closed: true}}
	twice := office("UTC")
	twice.Overrides = []DateOverride{{Date: "2026-12-25", Closed: true}, {Date: "2026-12-25"}}
	tests := []struct {
		name  string
		s     Schedule
		want  error
		field string
	}{
		{"ok", ok, nil, ""},
		{"zone", Schedule{Zone: "Europe/Atlantis"}, ErrBadZone, "zone"},
		{"overlap", overlap, ErrOverlap, "weekly[1]"},
		{"backwards", backwards, ErrBadRange, "weekly[1]"},
		{"bad date", badDate, ErrBadDate, "overrides[0].date"},
		{"date twice", twice, ErrBadDate, "overrides[1].date"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.s.Validate()
			if !errors.Is(err, tc.want) {
				t.Fatalf("Validate() = %v, want %v", err, tc.want)
			}
			var fe *FieldError
			if tc.want != nil && (!errors.As(err, &fe) || fe.Field != tc.field) {
				t.Fatalf("Validate() = %v, want a FieldError naming %q", err, tc.field)
			}
		})
	}
}

func TestJSON(t *testing.T) {
	in := `{"zone":"Europe/Berlin","weekly":[[],[{"from":"09:00","to":"24:00"}],[],[],[],[],[]],"manual":"closed"}`
	var s Schedule
	if err := json.Unmarshal([]byte(in), &s); err != nil {
		t.Fatal(err)
	}
	if s.Weekly[time.Monday][0] != r(9, 0, 24, 0) || s.Manual != ManualClosed {
		t.Fatalf("decoded %+v", s)
	}
	out, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back Schedule
	if err := json.Unmarshal(out, &back); err != nil || back.Weekly[time.Monday][0] != s.Weekly[time.Monday][0] {
		t.Fatalf("round trip %s: %v", out, err)
	}
	for _, bad := range []string{`"9:00"`, `"24:01"`, `"12:60"`, `"ab:cd"`} {
		var m Minute
		if err := json.Unmarshal([]byte(bad), &m); !errors.Is(err, ErrBadTime) {
			t.Errorf("Minute %s: err %v, want ErrBadTime", bad, err)
		}
	}
}
