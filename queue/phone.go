package queue

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// PhoneSettings are a queue's telephone rules: queued callback and which
// numbers its hosts may dial. The SIP account the calls go out on is
// configuration, not part of the queue (it holds a password).
type PhoneSettings struct {
	// Callback lets a caller join with "call me back at this number"
	// instead of waiting on the page (queued callback): the entry keeps
	// its place without an open page and, when a host accepts it, the
	// host's console dials the number.
	Callback bool `json:"callback" bson:"callback"`
	// Allow are the E.164 numbers hosts of this queue may dial, and
	// callers may leave: an exact number ("+15551234567") or a prefix
	// ending in "*" ("+1555*", "+44*"; "+*" allows every number). Empty
	// allows none, so a queue places no phone calls until an admin says
	// where they may go (toll fraud).
	Allow []string `json:"allow,omitempty" bson:"allow,omitempty"`
	// Retries is how many more times a callback that was not answered,
	// or found the line busy, is tried (0–5; 0: once only).
	Retries int `json:"retries" bson:"retries"`
	// RetryDelay is how long a callback waits before it is offered again
	// after a failed attempt (0 means DefaultRetryDelay).
	RetryDelay time.Duration `json:"retry_delay" bson:"retry_delay"`
	// RingTimeout is how long a callback may ring before the attempt ends
	// as no answer (0 means DefaultRingTimeout).
	RingTimeout time.Duration `json:"ring_timeout" bson:"ring_timeout"`
}

// Defaults of PhoneSettings and the bound on retries.
const (
	DefaultRetryDelay  = 2 * time.Minute
	DefaultRingTimeout = 30 * time.Second
	MaxCallbackRetries = 5
)

// e164 is an E.164 number in its written form: "+", a country code that
// does not start with 0, and at most 15 digits in all (ITU-T E.164 §6).
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// ValidE164 reports whether s is an E.164 number written "+" and 2–15
// digits, the first not 0, with no spaces or punctuation.
func ValidE164(s string) bool { return e164.MatchString(s) }

// NormalizeE164 removes the spaces, dots, dashes and parentheses people
// type in a number ("+1 (555) 010-2030" → "+15550102030") and reports
// whether the result is a valid E.164 number.
func NormalizeE164(s string) (string, bool) {
	out := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', '-', '(', ')', '\u00a0':
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	return out, ValidE164(out)
}

// validAllowPattern reports whether p is an allow-list pattern (see
// PhoneSettings.Allow).
func validAllowPattern(p string) bool {
	if prefix, ok := strings.CutSuffix(p, "*"); ok {
		return prefix == "+" || (strings.HasPrefix(prefix, "+") && len(prefix) <= 16 && strings.Trim(prefix[1:], "0123456789") == "" && prefix[1] != '0')
	}
	return ValidE164(p)
}

// Allows reports whether number (E.164) matches one of the allow-list
// patterns.
func (p PhoneSettings) Allows(number string) bool {
	if !ValidE164(number) {
		return false
	}
	for _, pat := range p.Allow {
		if prefix, ok := strings.CutSuffix(pat, "*"); ok {
			if strings.HasPrefix(number, prefix) {
				return true
			}
		} else if pat == number {
			return true
		}
	}
	return false
}

func (p PhoneSettings) retryDelay() time.Duration { return orDefault(p.RetryDelay, DefaultRetryDelay) }
func (p PhoneSettings) ringTimeout() time.Duration {
	return orDefault(p.RingTimeout, DefaultRingTimeout)
}

// validatePhone checks a queue's phone settings; fields are named as in
// the API's JSON.
func validatePhone(p PhoneSettings) error {
	for i, pat := range p.Allow {
		if !validAllowPattern(pat) {
			return &FieldError{Field: fmt.Sprintf("phone.allow[%d]", i),
				Message: fmt.Sprintf("%q is not an E.164 number or prefix; write it as +15551234567 or +1555*.", clipString(pat, 32))}
		}
	}
	if p.Retries < 0 || p.Retries > MaxCallbackRetries {
		return &FieldError{Field: "phone.retries", Message: fmt.Sprintf("Retries must be between 0 and %d.", MaxCallbackRetries)}
	}
	if p.RetryDelay < 0 || p.RetryDelay > 24*time.Hour {
		return &FieldError{Field: "phone.retry_delay", Message: "The retry delay must be between 0 and 24 hours."}
	}
	if p.RingTimeout < 0 || p.RingTimeout > 5*time.Minute {
		return &FieldError{Field: "phone.ring_timeout", Message: "The ring timeout must be between 0 and 5 minutes."}
	}
	return nil
}

func clipString(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Callback is the state of a queued callback: an entry whose caller asked
// to be called back at Entry.Phone instead of waiting on the page.
type Callback struct {
	// Attempts counts the numbers of times the host's console dialled.
	Attempts int `json:"attempts" bson:"attempts"`
	// LastResult is the outcome of the last failed attempt: "no_answer",
	// "busy" or "failed"; empty before the first.
	LastResult string `json:"last_result,omitempty" bson:"last_result,omitempty"`
	// LastCode is the SIP status of the last failed attempt (RFC 3261
	// §21, e.g. 486 Busy Here, 480 Temporarily Unavailable, 487 Request
	// Terminated); 0 when none came (e.g. Frontdesk stopped the ringing).
	LastCode int `json:"last_code,omitempty" bson:"last_code,omitempty"`
	// RetryAt is when a retried callback may be offered again; zero when
	// it is not waiting for a retry. While it is in the future the entry
	// is Paused.
	RetryAt time.Time `json:"retry_at,omitzero" bson:"retry_at,omitempty"`
}

// PhoneState is the progress of one phone leg (Janus SIP plugin, events
// "calling", "ringing"/"proceeding"/"progress", "accepted", "hangup").
type PhoneState int

const (
	// PhoneIdle: the leg exists (a ticket was issued) and nothing was dialled.
	PhoneIdle PhoneState = iota
	// PhoneDialing: the INVITE went out (SIP plugin event "calling").
	PhoneDialing
	// PhoneRinging: the far end is ringing (a 180/183 provisional answer,
	// events "ringing", "proceeding" or "progress").
	PhoneRinging
	// PhoneAnswered: the far end answered (200 OK, event "accepted").
	PhoneAnswered
	// PhoneEnded: the call is over (event "hangup", or the host's console
	// went away).
	PhoneEnded
)

var phoneStateNames = []string{"idle", "dialing", "ringing", "answered", "ended"}

// String returns the snake_case name, e.g. "ringing".
func (s PhoneState) String() string { return enumString("PhoneState", phoneStateNames, int(s)) }

// MarshalText renders the String form.
func (s PhoneState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses the String form; ErrInvalid otherwise.
func (s *PhoneState) UnmarshalText(b []byte) error {
	v, err := enumParse("phone state", phoneStateNames, string(b))
	*s = PhoneState(v)
	return err
}

// PhoneLeg is a telephone call placed by the host's console through a
// Janus instance's SIP plugin. Token is a Janus stored token (a secret:
// never rendered by the API, never logged).
type PhoneLeg struct {
	// Number is the E.164 number dialled; the ticket allows no other.
	Number string `json:"number" bson:"number"`
	// Instance is the Janus instance whose SIP plugin places the call.
	Instance string `json:"instance" bson:"instance"`
	// Token is the stored token, limited to janus.plugin.sip, for the
	// host's connection.
	Token string `json:"token,omitempty" bson:"token,omitempty"`
	// State is the leg's progress.
	State PhoneState `json:"state" bson:"state"`
	// Code and Reason are the final SIP status and reason phrase (RFC 3261
	// §21) of a leg that ended; 0 when none came.
	Code   int    `json:"code,omitempty" bson:"code,omitempty"`
	Reason string `json:"reason,omitempty" bson:"reason,omitempty"`
	// CreatedAt, DialedAt, RingingAt, AnsweredAt and EndedAt are when the
	// leg reached each state.
	CreatedAt  time.Time `json:"created_at" bson:"created_at"`
	DialedAt   time.Time `json:"dialed_at,omitzero" bson:"dialed_at,omitempty"`
	RingingAt  time.Time `json:"ringing_at,omitzero" bson:"ringing_at,omitempty"`
	AnsweredAt time.Time `json:"answered_at,omitzero" bson:"answered_at,omitempty"`
	EndedAt    time.Time `json:"ended_at,omitzero" bson:"ended_at,omitempty"`
}

// PhoneLines gives phone legs a Janus instance with the SIP plugin and a
// stored token for it (Janus Admin API "add_token" limited to
// janus.plugin.sip). Without it the engine places no phone calls.
type PhoneLines interface {
	// OpenLine picks the instance for a phone call of queueID and mints a
	// token there. Errors: ErrNoPhone (no SIP account for the queue, or no
	// instance that can take it).
	OpenLine(ctx context.Context, queueID QueueID) (instance, token string, err error)
	// CloseLine revokes the token; an unknown one is not an error.
	CloseLine(ctx context.Context, instance, token string) error
}

// ErrNoPhone: phone calls are not possible for this queue now (no SIP
// account configured for it, no Janus instance with the SIP plugin, or no
// number to call).
var ErrNoPhone = errors.New("phone calls unavailable")

// WithPhoneLines lets the engine place phone calls (queued callback and
// "call by phone") on lines from p.
func WithPhoneLines(p PhoneLines) Option { return func(e *Engine) { e.phones = p } }

// PhoneEventKind is what the SIP plugin reported on a phone leg.
type PhoneEventKind int

const (
	// PhoneEventCalling: the INVITE was sent (event "calling").
	PhoneEventCalling PhoneEventKind = iota
	// PhoneEventRinging: a provisional answer came ("ringing",
	// "proceeding", "progress").
	PhoneEventRinging
	// PhoneEventAnswered: the far end answered ("accepted").
	PhoneEventAnswered
	// PhoneEventHangup: the call ended ("hangup", with Code and Reason),
	// or the console's connection to Janus ended (Code 0).
	PhoneEventHangup
)

// PhoneEvent is one step of a phone leg, as the proxy saw it in the SIP
// plugin's events on the host's connection.
type PhoneEvent struct {
	// Kind is the step.
	Kind PhoneEventKind
	// Code and Reason are the SIP status and reason of a hangup (RFC 3261
	// §21); 0 and "" otherwise.
	Code   int
	Reason string
}

// phoneOutcome classifies a call that ended before it was answered, by
// its final SIP status (RFC 3261 §21): busy for 486 Busy Here, 600 Busy
// Everywhere and 603 Decline; no answer for 408 Request Timeout, 480
// Temporarily Unavailable, 487 Request Terminated (the ringing was
// stopped) and no status at all; failed for anything else (404, 484,
// 503, ...).
func phoneOutcome(code int) (EntryState, string) {
	switch code {
	case 486, 600, 603:
		return EntryBusy, "busy"
	case 0, 408, 480, 487:
		return EntryNoAnswer, "no_answer"
	}
	return EntryNoAnswer, "failed"
}

// PhoneTicket opens a phone leg for the host of entryID to the caller's
// number (Entry.Phone) and returns the host's phone ticket: while the
// entry is connecting or in its call with hostID, or while the host is
// wrapping up after it. A leg that is still live is replaced. Errors:
// ErrNotFound, ErrForbidden (not this entry's host), ErrState (also for
// a queued callback, whose call is already the phone call), ErrNoPhone
// (no number, number not allowed by the queue, no line).
func (e *Engine) PhoneTicket(ctx context.Context, hostID HostID, entryID EntryID) (string, Call, error) {
	en, err := e.GetEntry(ctx, entryID)
	if err != nil {
		return "", Call{}, err
	}
	if en.HostID != hostID || hostID == "" {
		return "", Call{}, fmt.Errorf("queue: phone %s: %w", entryID, ErrForbidden)
	}
	if en.CallID == "" {
		return "", Call{}, fmt.Errorf("queue: phone %s: entry has no call: %w", entryID, ErrState)
	}
	if en.Callback != nil {
		// Its call is the phone call: Engine.Ticket gives its ticket.
		return "", Call{}, fmt.Errorf("queue: phone %s: a callback's phone leg is its call: %w", entryID, ErrState)
	}
	if !en.State.Live() {
		h, err := e.GetHost(ctx, hostID)
		if err != nil {
			return "", Call{}, err
		}
		if wrappingUp(&h) != entryID {
			return "", Call{}, fmt.Errorf("queue: phone %s: entry is %s and its wrap-up is over: %w", entryID, en.State, ErrState)
		}
	}
	q, err := e.store.GetQueue(ctx, en.QueueID)
	if err != nil {
		return "", Call{}, fmt.Errorf("queue: phone: %w", err)
	}
	if en.Phone == "" || !q.Phone.Allows(en.Phone) {
		return "", Call{}, fmt.Errorf("queue: phone %s: no number this queue may call: %w", entryID, ErrNoPhone)
	}
	c, err := e.openLeg(ctx, &q, en.CallID, en.Phone)
	if err != nil {
		return "", Call{}, err
	}
	t, err := e.phoneTicket(ctx, &c)
	return t, c, err
}

// provisionCallback creates the call record of an accepted queued
// callback: no room, only the host, and a phone leg to the caller's
// number; it returns the host's phone ticket.
func (e *Engine) provisionCallback(ctx context.Context, q *Queue, en Entry, h Host, callID CallID, now time.Time) (Call, string, error) {
	if e.phones == nil {
		return Call{}, "", fmt.Errorf("queue: callback: no SIP lines configured: %w", ErrNoPhone)
	}
	if !q.Phone.Allows(en.Phone) {
		return Call{}, "", fmt.Errorf("queue: callback: the queue no longer allows this number: %w", ErrNoPhone)
	}
	inst, tok, err := e.phones.OpenLine(ctx, q.ID)
	if err != nil {
		return Call{}, "", fmt.Errorf("queue: callback: %w", err)
	}
	call := Call{ID: callID, QueueID: q.ID, EntryID: en.ID, HostID: h.ID, State: CallCreated, CreatedAt: now,
		Participants: []Participant{{Role: PartyHost, UserID: string(h.ID), Name: h.Name}},
		Phone:        &PhoneLeg{Number: en.Phone, Instance: inst, Token: tok, CreatedAt: now}}
	call, err = e.store.CreateCall(ctx, call)
	if err != nil {
		_ = e.phones.CloseLine(ctx, inst, tok)
		return Call{}, "", fmt.Errorf("queue: store call: %w", err)
	}
	ticket, err := e.phoneTicket(ctx, &call)
	if err != nil {
		e.endLeg(ctx, callID, now)
		e.finishCall(ctx, en, now)
		return Call{}, "", err
	}
	return call, ticket, nil
}

// openLeg gives callID a new phone leg to number (revoking a previous
// leg's token).
func (e *Engine) openLeg(ctx context.Context, q *Queue, callID CallID, number string) (Call, error) {
	if e.phones == nil {
		return Call{}, fmt.Errorf("queue: phone: no SIP lines configured: %w", ErrNoPhone)
	}
	inst, tok, err := e.phones.OpenLine(ctx, q.ID)
	if err != nil {
		return Call{}, fmt.Errorf("queue: phone: %w", err)
	}
	var old *PhoneLeg
	c, err := e.casCall(ctx, callID, func(c *Call) error {
		old = c.Phone
		c.Phone = &PhoneLeg{Number: number, Instance: inst, Token: tok, CreatedAt: e.clock.Now()}
		return nil
	})
	if err != nil {
		_ = e.phones.CloseLine(ctx, inst, tok)
		return Call{}, fmt.Errorf("queue: phone: %w", err)
	}
	if old != nil {
		e.closeLeg(ctx, old)
	}
	return c, nil
}

func (e *Engine) closeLeg(ctx context.Context, leg *PhoneLeg) {
	if e.phones == nil || leg == nil || leg.Token == "" {
		return
	}
	if err := e.phones.CloseLine(ctx, leg.Instance, leg.Token); err != nil {
		e.log.WarnContext(ctx, "queue: closing phone line", "instance", leg.Instance, "err", err)
	}
}

// phoneTicket issues the host's ticket for c's phone leg.
func (e *Engine) phoneTicket(ctx context.Context, c *Call) (string, error) {
	for _, p := range c.Participants {
		if p.Role != PartyHost {
			continue
		}
		t, err := e.tickets.IssueTicket(ctx, TicketRequest{CallID: c.ID, Engine: MediaJanus, Instance: c.Phone.Instance,
			FeedID: p.FeedID, UserID: p.UserID, Name: p.Name, Role: PartyHost, Phone: c.Phone.Number, TTL: e.ticketTTL})
		if err != nil {
			return "", fmt.Errorf("queue: issue phone ticket: %w", err)
		}
		return t, nil
	}
	return "", fmt.Errorf("queue: call %s has no host: %w", c.ID, ErrState)
}

// PhoneCredentials returns the phone leg of callID (with its token) for
// the bearer of a valid phone ticket to number: the proxy calls it to
// find the instance and inject the token. Errors: ErrNotFound (no such
// call or no leg to that number), ErrState (the leg ended).
func (e *Engine) PhoneCredentials(ctx context.Context, callID CallID, number string) (QueueID, PhoneLeg, error) {
	c, err := e.store.GetCall(ctx, callID)
	if err != nil {
		return "", PhoneLeg{}, fmt.Errorf("queue: phone credentials: %w", err)
	}
	if c.Phone == nil || c.Phone.Number != number {
		return "", PhoneLeg{}, fmt.Errorf("queue: phone credentials: %w", ErrNotFound)
	}
	if c.Phone.State == PhoneEnded {
		return "", PhoneLeg{}, fmt.Errorf("queue: phone credentials: the phone call ended: %w", ErrState)
	}
	return c.QueueID, *c.Phone, nil
}

// PhoneProgress records a step of callID's phone leg to number. For a
// queued callback it drives the entry: answered → in_call; a hang-up
// after the answer → completed; a hang-up before it → a retry (the entry
// waits again, paused until Callback.RetryAt) or, when the queue's
// retries are used up, no_answer or busy by the SIP status (see
// phoneOutcome). Steps of a leg that already ended, or of an older leg,
// are ignored. Errors: ErrNotFound.
func (e *Engine) PhoneProgress(ctx context.Context, callID CallID, number string, ev PhoneEvent) error {
	now := e.clock.Now()
	var before PhoneLeg
	c, err := e.casCall(ctx, callID, func(c *Call) error {
		if c.Phone == nil || c.Phone.Number != number || c.Phone.State == PhoneEnded {
			return errSkip
		}
		before = *c.Phone
		l := c.Phone
		switch ev.Kind {
		case PhoneEventCalling:
			if l.State >= PhoneDialing {
				return errSkip
			}
			l.State, l.DialedAt = PhoneDialing, now
		case PhoneEventRinging:
			if l.State >= PhoneRinging {
				return errSkip
			}
			l.State, l.RingingAt = PhoneRinging, now
		case PhoneEventAnswered:
			if l.State >= PhoneAnswered {
				return errSkip
			}
			l.State, l.AnsweredAt = PhoneAnswered, now
		case PhoneEventHangup:
			l.State, l.EndedAt, l.Code, l.Reason = PhoneEnded, now, ev.Code, clipString(ev.Reason, 64)
		}
		return nil
	})
	if errors.Is(err, errSkip) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("queue: phone progress: %w", err)
	}
	if ev.Kind == PhoneEventHangup {
		e.closeLeg(ctx, c.Phone)
	}
	e.log.InfoContext(ctx, "queue: phone", "call", callID, "state", c.Phone.State.String(), "code", c.Phone.Code)
	en, err := e.store.GetEntry(ctx, c.EntryID)
	if err != nil {
		return fmt.Errorf("queue: phone progress: %w", err)
	}
	if en.Callback == nil || en.CallID != callID {
		// A phone call beside a video call: it does not drive the entry.
		e.publish(Event{Kind: EventEntryChanged, Queue: c.QueueID, Entry: c.EntryID, Host: c.HostID, Call: callID, Reason: "phone_" + c.Phone.State.String()})
		return nil
	}
	return e.callbackStep(ctx, en, c, before, ev, now)
}

// callbackStep applies a phone step to a callback entry.
func (e *Engine) callbackStep(ctx context.Context, en Entry, c Call, before PhoneLeg, ev PhoneEvent, now time.Time) error {
	q, err := e.store.GetQueue(ctx, en.QueueID)
	if err != nil {
		return fmt.Errorf("queue: callback: %w", err)
	}
	switch ev.Kind {
	case PhoneEventCalling:
		// The ring timeout runs from the INVITE.
		_, err := e.casEntry(ctx, en.ID, func(x *Entry) error {
			if x.State != EntryConnecting || x.CallID != c.ID {
				return errSkip
			}
			x.Callback.Attempts++
			x.Deadline = now.Add(q.Phone.ringTimeout())
			return nil
		})
		if err != nil && !errors.Is(err, errSkip) {
			return err
		}
		e.publish(Event{Kind: EventEntryChanged, Queue: q.ID, Entry: en.ID, Host: en.HostID, Call: c.ID, Reason: "phone_dialing"})
	case PhoneEventRinging:
		e.publish(Event{Kind: EventEntryChanged, Queue: q.ID, Entry: en.ID, Host: en.HostID, Call: c.ID, Reason: "phone_ringing"})
	case PhoneEventAnswered:
		_, err := e.casEntry(ctx, en.ID, func(x *Entry) error {
			if x.State != EntryConnecting || x.CallID != c.ID {
				return errSkip
			}
			x.to(EntryInCall, now, x.HostID, "phone_answered")
			x.StartedAt, x.Deadline = now, time.Time{}
			return nil
		})
		if errors.Is(err, errSkip) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := e.casCall(ctx, c.ID, func(x *Call) error {
			if x.State != CallCreated {
				return errSkip
			}
			x.State, x.StartedAt = CallActive, now
			return nil
		}); err != nil && !errors.Is(err, errSkip) {
			e.log.WarnContext(ctx, "queue: callback answered", "call", c.ID, "err", err)
		}
		e.publish(Event{Kind: EventCallReady, Queue: q.ID, Entry: en.ID, Host: en.HostID, Call: c.ID})
	case PhoneEventHangup:
		if before.State == PhoneAnswered {
			return e.endEntryIf(ctx, en.ID, EntryCompleted, func(x *Entry) (string, bool) {
				return "phone_hangup", x.CallID == c.ID
			}, now)
		}
		return e.callbackFailed(ctx, &q, en.ID, c.ID, ev.Code, now)
	}
	return nil
}

// callbackFailed ends an attempt of a callback that was not answered:
// the entry waits again (paused until the retry delay passes) while the
// queue's retries last, else it ends as no_answer or busy. The call ends
// and the host goes to wrap-up as after any call.
func (e *Engine) callbackFailed(ctx context.Context, q *Queue, entryID EntryID, callID CallID, code int, now time.Time) error {
	final, result := phoneOutcome(code)
	var prev Entry
	retry := false
	_, err := e.casEntry(ctx, entryID, func(x *Entry) error {
		if x.State != EntryConnecting || x.CallID != callID || x.Callback == nil {
			return errSkip
		}
		prev = x.Clone()
		x.Callback.LastResult, x.Callback.LastCode = result, code
		if x.Callback.Attempts == 0 {
			x.Callback.Attempts = 1 // the host never dialled: that counts too
		}
		if x.Callback.Attempts <= q.Phone.Retries {
			retry = true
			x.to(EntryWaiting, now, x.HostID, result)
			x.HostID, x.CallID = "", ""
			x.Paused, x.DisconnectedAt = true, time.Time{}
			x.Callback.RetryAt = now.Add(q.Phone.retryDelay())
			x.Deadline = waitDeadline(q, x)
			return nil
		}
		x.to(final, now, x.HostID, result)
		return nil
	})
	if errors.Is(err, errSkip) {
		return nil
	}
	if err != nil {
		return err
	}
	e.log.InfoContext(ctx, "queue: callback attempt failed", "queue", q.ID, "entry", entryID, "result", result, "code", code, "retry", retry)
	e.forgetPace(q.ID)
	e.endLeg(ctx, callID, now)
	e.finishCall(ctx, prev, now)
	e.publish(Event{Kind: EventCallEnded, Queue: q.ID, Entry: entryID, Host: prev.HostID, Call: callID, Reason: result})
	if retry {
		e.publish(Event{Kind: EventEntryChanged, Queue: q.ID, Entry: entryID, Reason: "callback_retry"})
	}
	return nil
}

// endLeg marks callID's phone leg ended (when Frontdesk, not the SIP
// plugin, ends it: the ring timeout) and revokes its token.
func (e *Engine) endLeg(ctx context.Context, callID CallID, now time.Time) {
	c, err := e.casCall(ctx, callID, func(c *Call) error {
		if c.Phone == nil || c.Phone.State == PhoneEnded {
			return errSkip
		}
		c.Phone.State, c.Phone.EndedAt = PhoneEnded, now
		return nil
	})
	if err == nil {
		e.closeLeg(ctx, c.Phone)
	}
}

// retryDue un-pauses a callback whose retry delay passed, so it is
// offered again (keeping its place).
func (e *Engine) retryDue(ctx context.Context, q *Queue, en Entry, now time.Time) error {
	_, err := e.casEntry(ctx, en.ID, func(x *Entry) error {
		if x.State != EntryWaiting || x.Callback == nil || x.Callback.RetryAt.IsZero() || now.Before(x.Callback.RetryAt) {
			return errSkip
		}
		x.Paused, x.Callback.RetryAt = false, time.Time{}
		x.History = append(x.History, Transition{State: EntryWaiting, At: now, Reason: "callback_retry"})
		x.Deadline = waitDeadline(q, x)
		return nil
	})
	if errors.Is(err, errSkip) {
		return nil
	}
	if err == nil {
		e.publish(Event{Kind: EventEntryChanged, Queue: q.ID, Entry: en.ID, Reason: "callback_retry_due"})
	}
	return err
}
