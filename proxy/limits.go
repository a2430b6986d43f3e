package proxy

import (
	"strconv"
	"time"

	"github.com/frontdesk/frontdesk/auth"
)

// participantKey names the participant a ticket admits: every ticket minted
// for the same participant of the same call (each GET /entries/:id/call
// mints a fresh one) shares it, so per-participant limits hold across
// tickets.
func participantKey(t auth.Ticket) string {
	return t.CallID + "/" + strconv.FormatUint(t.Room, 10) + "/" + strconv.FormatUint(t.ParticipantID, 10)
}

// allowHTTP takes one token from the HTTP request bucket of t's participant.
func (p *Proxy) allowHTTP(t auth.Ticket) bool {
	ok, _ := p.httpLimits.Allow(participantKey(t), time.Now())
	return ok
}
