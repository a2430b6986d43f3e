package auth

import (
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/frontdesk/frontdesk/idgen"
)

// CallRole is a participant's role in one call (not the account's [Role]).
type CallRole string

// Call roles.
const (
	// CallHost is the host (agent) side of a call.
	CallHost CallRole = "host"
	// CallCaller is the caller side of a call.
	CallCaller CallRole = "caller"
)

// String returns "host" or "caller".
func (r CallRole) String() string { return string(r) }

// Valid reports whether r is CallHost or CallCaller.
func (r CallRole) Valid() bool { return r == CallHost || r == CallCaller }

// Ticket is what a call ticket grants: one participant may join one
// VideoRoom room on one instance. The proxy forces the join's "id" and
// "display" from it (Janus VideoRoom "join" request fields).
type Ticket struct {
	// ID is the ticket's unique id ("jti"), for logs and replay accounting.
	ID string
	// CallID is the call the ticket belongs to.
	CallID string
	// Room is the VideoRoom room id ("room" in Janus requests).
	Room uint64
	// Instance is the Janus instance name holding the room, or "builtin"
	// for the built-in SFU.
	Instance string
	// Subject is the participant's identity: a user ID or "guest:<id>". It
	// is also the participant key of the Janus stored token
	// (JanusToken.ParticipantID).
	Subject string
	// ParticipantID is the VideoRoom participant id ("id" in join).
	ParticipantID uint64
	// Display is the display name ("display" in join), at most 128 bytes.
	Display string
	// Role is the role in the call.
	Role CallRole
	// Phone, when set, makes this a phone ticket: it grants only the Janus
	// SIP plugin on Instance, to call this E.164 number ("+" and 2–15
	// digits); Room and ParticipantID are then 0 (not part of the grant).
	Phone string
	// TTL, on input to IssueTicket, is the ticket's lifetime; 0 means the
	// configured default ([WithTicketTTL]). It is capped at [MaxTicketTTL].
	// Not part of the signed ticket; zero on output of VerifyTicket.
	TTL time.Duration
	// IssuedAt and ExpiresAt bound the ticket's validity (set by
	// IssueTicket; ignored on input).
	IssuedAt, ExpiresAt time.Time
}

// MaxTicketTTL caps a call ticket's lifetime: tickets are bearer
// credentials and must stay short-lived.
const MaxTicketTTL = 15 * time.Minute

type ticketClaims struct {
	jwt.RegisteredClaims
	Call     string   `json:"call"`
	Room     uint64   `json:"room"`
	Instance string   `json:"inst"`
	PID      uint64   `json:"pid"`
	Display  string   `json:"display"`
	Role     CallRole `json:"crole"`
	Phone    string   `json:"phone,omitempty"`
}

// validGrant reports whether a ticket grants either a VideoRoom
// participant (room and participant id) or a phone call (a number, and
// no room).
func validGrant(room, pid uint64, phone string) bool {
	if phone == "" {
		return room != 0 && pid != 0
	}
	if room != 0 || len(phone) < 3 || len(phone) > 16 || phone[0] != '+' || phone[1] == '0' {
		return false
	}
	for _, r := range phone[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// IssueTicket signs a call ticket for t, valid for t.TTL, or the
// configured ticket lifetime ([WithTicketTTL], default [DefaultTicketTTL]),
// from now. It
// returns the compact JWT and t with ID, IssuedAt and ExpiresAt filled.
// ErrInvalidInput if CallID, Instance or Subject is empty, Room or
// ParticipantID is 0 (for a ticket without Phone), Phone is not an E.164
// number or comes with a Room, Role is invalid or Display is too long.
func (s *Service) IssueTicket(t Ticket) (string, Ticket, error) {
	if t.CallID == "" || t.Instance == "" || t.Subject == "" || !validGrant(t.Room, t.ParticipantID, t.Phone) ||
		!t.Role.Valid() || len(t.Display) > MaxDisplayLen {
		return "", Ticket{}, fmt.Errorf("auth: issue ticket: incomplete ticket: %w", ErrInvalidInput)
	}
	now := s.now().UTC().Truncate(time.Second)
	t.ID = idgen.Base64URL(12)
	ttl := s.ticketTTL
	if t.TTL > 0 {
		ttl = min(t.TTL, MaxTicketTTL)
	}
	t.TTL = 0
	t.IssuedAt, t.ExpiresAt = now, now.Add(ttl)
	c := ticketClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: jwtIssuer, Audience: jwt.ClaimStrings{audTicket}, Subject: t.Subject, ID: t.ID,
			IssuedAt: numericDate(t.IssuedAt), ExpiresAt: numericDate(t.ExpiresAt),
		},
		Call: t.CallID, Room: t.Room, Instance: t.Instance, PID: t.ParticipantID, Display: t.Display, Role: t.Role,
		Phone: t.Phone,
	}
	raw, err := s.keys.sign(purposeTicket, c)
	if err != nil {
		return "", Ticket{}, err
	}
	s.log.Debug("call ticket issued", "ticket_id", t.ID, "call_id", t.CallID, "subject", t.Subject, "role", t.Role.String(), "instance", t.Instance)
	return raw, t, nil
}

// VerifyTicket checks a call ticket (signature with a known kid, HS256
// only, issuer, audience, expiry) and returns what it grants. Any failure
// is ErrInvalidToken. It does no I/O.
func (s *Service) VerifyTicket(raw string) (Ticket, error) {
	var c ticketClaims
	if err := s.keys.parse(raw, purposeTicket, audTicket, s.now(), &c); err != nil {
		return Ticket{}, err
	}
	if c.Call == "" || c.Instance == "" || c.Subject == "" || !validGrant(c.Room, c.PID, c.Phone) || !c.Role.Valid() || c.IssuedAt == nil {
		return Ticket{}, fmt.Errorf("auth: call ticket: missing claims: %w", ErrInvalidToken)
	}
	return Ticket{
		ID: c.ID, CallID: c.Call, Room: c.Room, Instance: c.Instance, Subject: c.Subject,
		ParticipantID: c.PID, Display: c.Display, Role: c.Role, Phone: c.Phone,
		IssuedAt: c.IssuedAt.Time.UTC(), ExpiresAt: c.ExpiresAt.Time.UTC(),
	}, nil
}
