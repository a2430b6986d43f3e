package queue

import (
	"fmt"
	"strings"
)

// enumString renders v from names, or "Type(n)" when out of range.
func enumString(typ string, names []string, v int) string {
	if v < 0 || v >= len(names) {
		return fmt.Sprintf("%s(%d)", typ, v)
	}
	return names[v]
}

// enumParse finds s in names; it returns ErrInvalid otherwise.
func enumParse(typ string, names []string, s string) (int, error) {
	for i, n := range names {
		if n == s {
			return i, nil
		}
	}
	return 0, &FieldError{Field: strings.ReplaceAll(typ, " ", "_"), Message: fmt.Sprintf("Unknown %s %q; use one of: %s.", typ, s, strings.Join(names, ", "))}
}

// Mode is how callers are matched to hosts.
type Mode int

const (
	// ModeAuto is contact-center routing: the longest-waiting caller is
	// offered to the longest-idle available host.
	ModeAuto Mode = iota
	// ModePick is office hours: a host takes the next caller or picks one
	// from the list.
	ModePick
)

var modeNames = []string{"auto", "pick"}

// String returns "auto" or "pick".
func (m Mode) String() string { return enumString("Mode", modeNames, int(m)) }

// MarshalText renders the String form.
func (m Mode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText parses the String form; ErrInvalid otherwise.
func (m *Mode) UnmarshalText(b []byte) error {
	v, err := enumParse("mode", modeNames, string(b))
	*m = Mode(v)
	return err
}

// Identity is which callers a queue admits.
type Identity int

const (
	// IdentityGuest admits guests (no account) and account holders.
	IdentityGuest Identity = iota
	// IdentityAccount admits only callers signed in with an account.
	IdentityAccount
)

var identityNames = []string{"guest", "account"}

// String returns "guest" or "account".
func (i Identity) String() string { return enumString("Identity", identityNames, int(i)) }

// MarshalText renders the String form.
func (i Identity) MarshalText() ([]byte, error) { return []byte(i.String()), nil }

// UnmarshalText parses the String form; ErrInvalid otherwise.
func (i *Identity) UnmarshalText(b []byte) error {
	v, err := enumParse("identity", identityNames, string(b))
	*i = Identity(v)
	return err
}

// AtClose is what happens to callers still waiting when the queue closes.
type AtClose int

const (
	// AtCloseServe keeps serving callers already waiting after closing time.
	AtCloseServe AtClose = iota
	// AtCloseRelease ends their entries as expired at closing time.
	AtCloseRelease
)

var atCloseNames = []string{"serve", "release"}

// String returns "serve" or "release".
func (a AtClose) String() string { return enumString("AtClose", atCloseNames, int(a)) }

// MarshalText renders the String form.
func (a AtClose) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText parses the String form; ErrInvalid otherwise.
func (a *AtClose) UnmarshalText(b []byte) error {
	v, err := enumParse("at_close", atCloseNames, string(b))
	*a = AtClose(v)
	return err
}

// MediaEngine is where a queue's calls are hosted.
type MediaEngine int

const (
	// MediaAuto uses a Janus instance when one is healthy, else the built-in SFU.
	MediaAuto MediaEngine = iota
	// MediaJanus always uses a Janus instance.
	MediaJanus
	// MediaBuiltin always uses the built-in Pion SFU.
	MediaBuiltin
)

var mediaNames = []string{"auto", "janus", "builtin"}

// String returns "auto", "janus" or "builtin".
func (m MediaEngine) String() string { return enumString("MediaEngine", mediaNames, int(m)) }

// MarshalText renders the String form.
func (m MediaEngine) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText parses the String form; ErrInvalid otherwise.
func (m *MediaEngine) UnmarshalText(b []byte) error {
	v, err := enumParse("media", mediaNames, string(b))
	*m = MediaEngine(v)
	return err
}

// HostState is a host's availability. Transitions:
// offline|away ⇄ available → offered → in_call → wrap_up → available;
// offered → away on offer timeout or decline; offered → available when a
// claim is rolled back.
type HostState int

const (
	// HostOffline is not serving (signed out or not on duty).
	HostOffline HostState = iota
	// HostAvailable is ready to take a caller.
	HostAvailable
	// HostOffered has a caller offered and not yet accepted (or is being
	// claimed by the matcher, see Store).
	HostOffered
	// HostInCall is in a call with a caller.
	HostInCall
	// HostWrapUp is finishing after a call; available again after the
	// queue's wrap-up time.
	HostWrapUp
	// HostAway is on duty but not taking callers (also set after a missed
	// or declined offer).
	HostAway
)

var hostStateNames = []string{"offline", "available", "offered", "in_call", "wrap_up", "away"}

// String returns the snake_case name, e.g. "in_call".
func (s HostState) String() string { return enumString("HostState", hostStateNames, int(s)) }

// MarshalText renders the String form.
func (s HostState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses the String form; ErrInvalid otherwise.
func (s *HostState) UnmarshalText(b []byte) error {
	v, err := enumParse("host state", hostStateNames, string(b))
	*s = HostState(v)
	return err
}

// EntryState is the state of a caller's entry. Live states: waiting,
// offered, connecting, in_call. Final states: completed, abandoned,
// no_show, expired, removed, no_answer, busy.
type EntryState int

const (
	// EntryWaiting is in the queue, waiting for a host.
	EntryWaiting EntryState = iota
	// EntryOffered is offered to one host (Entry.HostID).
	EntryOffered
	// EntryConnecting is accepted; the room exists and both sides are
	// joining.
	EntryConnecting
	// EntryInCall has the caller's media up with the host.
	EntryInCall
	// EntryCompleted ended after a call.
	EntryCompleted
	// EntryAbandoned ended because the caller left or lost the connection
	// for longer than the grace period.
	EntryAbandoned
	// EntryNoShow ended because the caller did not connect within the
	// no-show timeout after accept.
	EntryNoShow
	// EntryExpired ended because of the max wait time or release at close.
	EntryExpired
	// EntryRemoved ended by a host or admin.
	EntryRemoved
	// EntryNoAnswer ended because a queued callback was not answered (or
	// failed) on its last attempt; see PhoneSettings.Retries.
	EntryNoAnswer
	// EntryBusy ended because a queued callback found the line busy (SIP
	// 486, 600 or 603) on its last attempt.
	EntryBusy
)

var entryStateNames = []string{"waiting", "offered", "connecting", "in_call", "completed", "abandoned", "no_show", "expired", "removed", "no_answer", "busy"}

// String returns the snake_case name, e.g. "no_show".
func (s EntryState) String() string { return enumString("EntryState", entryStateNames, int(s)) }

// Live reports whether s is not final (waiting, offered, connecting, in_call).
func (s EntryState) Live() bool { return s >= EntryWaiting && s <= EntryInCall }

// MarshalText renders the String form.
func (s EntryState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses the String form; ErrInvalid otherwise.
func (s *EntryState) UnmarshalText(b []byte) error {
	v, err := enumParse("entry state", entryStateNames, string(b))
	*s = EntryState(v)
	return err
}

// CallState is the state of a call.
type CallState int

const (
	// CallCreated has its room; nobody has joined yet.
	CallCreated CallState = iota
	// CallActive has at least one participant's media up.
	CallActive
	// CallEnded is over; its room is destroyed and tokens revoked.
	CallEnded
)

var callStateNames = []string{"created", "active", "ended"}

// String returns "created", "active" or "ended".
func (s CallState) String() string { return enumString("CallState", callStateNames, int(s)) }

// MarshalText renders the String form.
func (s CallState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses the String form; ErrInvalid otherwise.
func (s *CallState) UnmarshalText(b []byte) error {
	v, err := enumParse("call state", callStateNames, string(b))
	*s = CallState(v)
	return err
}

// PartyRole is a participant's role in a call.
type PartyRole int

const (
	// PartyHost is the host side of a call.
	PartyHost PartyRole = iota
	// PartyCaller is the caller side of a call.
	PartyCaller
)

var partyNames = []string{"host", "caller"}

// String returns "host" or "caller".
func (r PartyRole) String() string { return enumString("PartyRole", partyNames, int(r)) }

// MarshalText renders the String form.
func (r PartyRole) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText parses the String form; ErrInvalid otherwise.
func (r *PartyRole) UnmarshalText(b []byte) error {
	v, err := enumParse("party role", partyNames, string(b))
	*r = PartyRole(v)
	return err
}
