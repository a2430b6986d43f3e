package queue

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/idgen"
)

// MaxNameLen is the longest caller name, in bytes.
const MaxNameLen = 100

// CleanName applies the display-name rule to a caller's name: surrounding
// white space is trimmed; the rest must be 1–MaxNameLen bytes of valid
// UTF-8 without control characters (C0, DEL, C1: NUL, line breaks, tabs),
// format characters (Unicode Cf: bidi embeddings, overrides and isolates,
// zero-width characters) or line and paragraph separators. It returns
// the trimmed name and whether it is acceptable.
func CleanName(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > MaxNameLen || !utf8.ValidString(s) {
		return "", false
	}
	if strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
	}) {
		return "", false
	}
	return s, true
}

// Caller identifies the person joining a queue.
type Caller struct {
	// ID is the account subject or the signed guest identifier.
	ID string
	// Name is the display name; see CleanName.
	Name string
	// Guest is true for a caller without an account.
	Guest bool
}

// JoinRequest is a request to join a queue.
type JoinRequest struct {
	// Caller is who joins.
	Caller Caller
	// Intake holds the answers to the queue's intake fields.
	Intake map[string]string
	// Priority orders the entry before others (higher first). Only hosts
	// and admins may set it; the API passes 0 for callers.
	Priority int
	// Phone is the caller's telephone number, optional: E.164, in a form
	// NormalizeE164 accepts, and allowed by the queue's PhoneSettings.
	Phone string
	// Callback asks to be called back at Phone instead of waiting on the
	// page (the queue must offer callbacks).
	Callback bool
}

// Joined is the result of a successful join.
type Joined struct {
	// Entry is the new entry (offered already when a host was free).
	Entry Entry
	// Queue is the queue as read for the join.
	Queue Queue
	// ResumeToken lets the caller resume after a disconnect within the
	// grace period. It is shown once; only its hash is stored.
	ResumeToken string
}

func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// checkIntake validates answers against the queue's intake fields; unknown
// keys are refused so nothing is silently dropped.
func checkIntake(q *Queue, in map[string]string) error {
	known := map[string]IntakeField{}
	for _, f := range q.Intake {
		known[f.Name] = f
	}
	for k := range in {
		if _, ok := known[k]; !ok {
			return &Refusal{Err: ErrInvalid, Reason: "intake_invalid", Field: k}
		}
	}
	for _, f := range q.Intake {
		v := in[f.Name]
		if v == "" {
			if f.Required {
				return &Refusal{Err: ErrInvalid, Reason: "intake_missing", Field: f.Name}
			}
			continue
		}
		maxLen := f.MaxLen
		if maxLen == 0 {
			maxLen = 500
		}
		if len(v) > maxLen || !utf8.ValidString(v) {
			return &Refusal{Err: ErrInvalid, Reason: "intake_invalid", Field: f.Name}
		}
		if len(f.Options) > 0 {
			ok := false
			for _, o := range f.Options {
				ok = ok || o == v
			}
			if !ok {
				return &Refusal{Err: ErrInvalid, Reason: "intake_invalid", Field: f.Name}
			}
		}
	}
	return nil
}

// Join puts a caller in the queue (queueID is its ID or slug). It refuses with a *Refusal when the
// queue is closed or about to close (with the next opening time in the
// queue's zone), full, the caller already has a live entry, is in the
// re-entry cooldown, needs an account, or the intake is incomplete.
// Errors: *Refusal (wrapping ErrClosed, ErrFull, ErrAlreadyQueued,
// ErrCooldown, ErrForbidden, ErrInvalid), ErrNotFound (no such queue).
func (e *Engine) Join(ctx context.Context, queueID QueueID, req JoinRequest) (Joined, error) {
	q, err := e.GetQueue(ctx, string(queueID))
	if err != nil {
		return Joined{}, fmt.Errorf("queue: join: %w", err)
	}
	name, ok := CleanName(req.Caller.Name)
	if req.Caller.ID == "" || !ok {
		return Joined{}, &Refusal{Err: ErrInvalid, Reason: "name_invalid", Field: "name"}
	}
	req.Caller.Name = name
	if q.Identity == IdentityAccount && req.Caller.Guest {
		return Joined{}, &Refusal{Err: ErrForbidden, Reason: "account_required"}
	}
	if err := checkIntake(&q, req.Intake); err != nil {
		return Joined{}, err
	}
	phone, err := checkPhone(&q, req.Phone, req.Callback)
	if err != nil {
		return Joined{}, err
	}
	now := e.clock.Now()
	st := StatusAt(&q, now)
	if !st.Admitting {
		r := &Refusal{Err: ErrClosed, Reason: "closed"}
		if st.Open {
			r.Reason = "closing_soon"
		}
		if st.NextOpen != nil {
			r.NextOpen = *st.NextOpen
		}
		return Joined{}, r
	}
	if q.Limits.MaxWaiting > 0 {
		n, err := e.store.CountEntries(ctx, EntryFilter{QueueID: q.ID, States: []EntryState{EntryWaiting, EntryOffered}})
		if err != nil {
			return Joined{}, fmt.Errorf("queue: join: %w", err)
		}
		if n >= q.Limits.MaxWaiting {
			return Joined{}, &Refusal{Err: ErrFull, Reason: "full"}
		}
	}
	// One live entry per caller is enforced by the store (ActiveKey, see
	// CreateEntry's conflict below), so only a cooldown needs the caller's
	// past entries read here.
	if q.Limits.Cooldown > 0 {
		mine, err := e.store.ListEntries(ctx, EntryFilter{QueueID: q.ID, CallerID: req.Caller.ID})
		if err != nil {
			return Joined{}, fmt.Errorf("queue: join: %w", err)
		}
		var last time.Time
		for _, en := range mine {
			if en.State.Live() && q.Limits.OnePerCaller {
				return Joined{}, &Refusal{Err: ErrAlreadyQueued, Reason: "already_queued", EntryID: en.ID}
			}
			if !en.State.Live() && en.EndedAt.After(last) {
				last = en.EndedAt
			}
		}
		if q.Limits.Cooldown > 0 && !last.IsZero() && now.Before(last.Add(q.Limits.Cooldown)) {
			return Joined{}, &Refusal{Err: ErrCooldown, Reason: "cooldown", RetryAfter: last.Add(q.Limits.Cooldown)}
		}
	}
	tok := idgen.Hex(32)
	en := Entry{
		ID: newEntryID(), QueueID: q.ID, Priority: req.Priority,
		CallerID: req.Caller.ID, CallerName: req.Caller.Name, Guest: req.Caller.Guest,
		Intake: req.Intake, State: EntryWaiting, ResumeHash: hashToken(tok), CreatedAt: now,
		History: []Transition{{State: EntryWaiting, At: now, Reason: "join"}},
		Phone:   phone,
	}
	if req.Callback {
		en.Callback = &Callback{}
	}
	if q.Limits.OnePerCaller {
		en.ActiveKey = string(q.ID) + "|" + req.Caller.ID
	}
	en.Deadline = waitDeadline(&q, &en)
	out, err := e.store.CreateEntry(ctx, en)
	if errors.Is(err, ErrConflict) && en.ActiveKey != "" {
		// Another replica (or a double click) admitted this caller first.
		r := &Refusal{Err: ErrAlreadyQueued, Reason: "already_queued"}
		if live, lerr := e.store.ListEntries(ctx, EntryFilter{QueueID: q.ID, CallerID: req.Caller.ID,
			States: []EntryState{EntryWaiting, EntryOffered, EntryConnecting, EntryInCall}}); lerr == nil && len(live) > 0 {
			r.EntryID = live[0].ID
		}
		return Joined{}, r
	}
	if err != nil {
		return Joined{}, fmt.Errorf("queue: join: %w", err)
	}
	e.log.InfoContext(ctx, "queue: joined", "queue", q.ID, "entry", out.ID, "guest", out.Guest, "callback", out.Callback != nil)
	e.publish(Event{Kind: EventEntryJoined, Queue: QueueID(q.ID), Entry: EntryID(out.ID)})
	for _, en := range e.matchQueue(ctx, q) { // the new entry may have been offered at once
		if en.ID == out.ID {
			out = en
		}
	}
	return Joined{Entry: out, Queue: q, ResumeToken: tok}, nil
}

// checkPhone validates a join's phone number and callback request and
// returns the number in E.164 form ("" when none was given).
func checkPhone(q *Queue, raw string, callback bool) (string, error) {
	if raw == "" {
		if callback {
			return "", &Refusal{Err: ErrInvalid, Reason: "phone_required", Field: "phone"}
		}
		return "", nil
	}
	n, ok := NormalizeE164(raw)
	if !ok {
		return "", &Refusal{Err: ErrInvalid, Reason: "phone_invalid", Field: "phone"}
	}
	if !q.Phone.Allows(n) {
		return "", &Refusal{Err: ErrInvalid, Reason: "phone_not_allowed", Field: "phone"}
	}
	if callback && !q.Phone.Callback {
		return "", &Refusal{Err: ErrForbidden, Reason: "callback_unavailable", Field: "callback"}
	}
	return n, nil
}

// GetEntry returns entry id. Errors: ErrNotFound.
func (e *Engine) GetEntry(ctx context.Context, id EntryID) (Entry, error) {
	en, err := e.store.GetEntry(ctx, id)
	if err != nil {
		return Entry{}, fmt.Errorf("queue: entry %s: %w", id, err)
	}
	return en, nil
}

// Waiting returns the waiting entries of a queue in queue order (the first
// is next).
func (e *Engine) Waiting(ctx context.Context, queueID QueueID) ([]Entry, error) {
	return e.store.ListEntries(ctx, EntryFilter{QueueID: queueID, States: []EntryState{EntryWaiting}})
}

// Leave ends the caller's entry: abandoned while waiting or offered;
// completed when accepted (connecting or in the call), exactly like the
// caller's Complete: the call ends at once (no rejoin grace). Errors:
// ErrNotFound, ErrForbidden (not the caller's entry), ErrState (already
// ended).
func (e *Engine) Leave(ctx context.Context, callerID string, entryID EntryID) error {
	en, err := e.GetEntry(ctx, entryID)
	if err != nil {
		return err
	}
	if en.CallerID != callerID {
		return fmt.Errorf("queue: entry %s is not yours: %w", entryID, ErrForbidden)
	}
	if !en.State.Live() {
		return fmt.Errorf("queue: entry %s is %s: %w", entryID, en.State, ErrState)
	}
	final := EntryAbandoned
	if en.State == EntryConnecting || en.State == EntryInCall {
		final = EntryCompleted
	}
	return e.endEntry(ctx, entryID, final, "left", e.clock.Now())
}

// Remove ends an entry as removed on behalf of a host or admin. Errors:
// ErrNotFound, ErrState (already ended).
func (e *Engine) Remove(ctx context.Context, entryID EntryID, by string) error {
	en, err := e.GetEntry(ctx, entryID)
	if err != nil {
		return err
	}
	if !en.State.Live() {
		return fmt.Errorf("queue: entry %s is %s: %w", entryID, en.State, ErrState)
	}
	return e.endEntry(ctx, entryID, EntryRemoved, "removed_by:"+by, e.clock.Now())
}

// Disconnected records that the caller's connection dropped. A waiting
// entry keeps its place but is paused (not offered) until the caller
// resumes or the grace period ends (then abandoned). Other states are left
// alone (an accepted caller has the no-show timeout). Errors: ErrNotFound.
func (e *Engine) Disconnected(ctx context.Context, entryID EntryID) error {
	en, err := e.GetEntry(ctx, entryID)
	if err != nil {
		return err
	}
	q, err := e.store.GetQueue(ctx, en.QueueID)
	if err != nil {
		return fmt.Errorf("queue: disconnect: %w", err)
	}
	now := e.clock.Now()
	_, err = e.casEntry(ctx, entryID, func(x *Entry) error {
		if x.State != EntryWaiting || x.Paused || x.Callback != nil {
			return errSkip // a queued callback needs no open page
		}
		x.Paused, x.DisconnectedAt = true, now
		x.History = append(x.History, Transition{State: EntryWaiting, At: now, Reason: "disconnected"})
		x.Deadline = waitDeadline(&q, x)
		return nil
	})
	if errors.Is(err, errSkip) {
		return nil
	}
	if err == nil {
		e.publish(Event{Kind: EventEntryChanged, Queue: QueueID(en.QueueID), Entry: EntryID(en.ID), Reason: "paused"})
	}
	return err
}

// errSkip aborts a CAS loop without error (nothing to do).
var errSkip = errors.New("skip")

// Resume un-pauses a caller's entry after a reconnect, given the resume
// token from Join; the entry keeps its place. Resuming a live entry that
// is not paused is a no-op. Errors: ErrNotFound, ErrResumeToken (wrong
// token, or the entry already ended, e.g. abandoned after the grace).
func (e *Engine) Resume(ctx context.Context, entryID EntryID, token string) (Entry, error) {
	en, err := e.GetEntry(ctx, entryID)
	if err != nil {
		return Entry{}, err
	}
	if subtle.ConstantTimeCompare([]byte(hashToken(token)), []byte(en.ResumeHash)) != 1 {
		return Entry{}, fmt.Errorf("queue: resume %s: %w", entryID, ErrResumeToken)
	}
	if !en.State.Live() {
		return Entry{}, fmt.Errorf("queue: resume %s: entry is %s: %w", entryID, en.State, ErrResumeToken)
	}
	if !en.Paused {
		return en, nil
	}
	q, err := e.store.GetQueue(ctx, en.QueueID)
	if err != nil {
		return Entry{}, fmt.Errorf("queue: resume: %w", err)
	}
	now := e.clock.Now()
	out, err := e.casEntry(ctx, entryID, func(x *Entry) error {
		if !x.State.Live() {
			return fmt.Errorf("queue: resume %s: entry is %s: %w", entryID, x.State, ErrResumeToken)
		}
		if !x.Paused {
			return errSkip
		}
		x.Paused, x.DisconnectedAt = false, time.Time{}
		x.History = append(x.History, Transition{State: x.State, At: now, Reason: "resumed"})
		x.Deadline = waitDeadline(&q, x)
		return nil
	})
	if errors.Is(err, errSkip) {
		return e.GetEntry(ctx, entryID)
	}
	if err != nil {
		return Entry{}, err
	}
	e.publish(Event{Kind: EventEntryChanged, Queue: QueueID(q.ID), Entry: EntryID(entryID), Reason: "resumed"})
	e.matchQueue(ctx, q)
	return out, nil
}

// endEntry moves a live entry to a final state and cleans up after it:
// an offered host is released (available again), a call is ended and its
// host put in wrap-up. An entry already ended is left alone.
func (e *Engine) endEntry(ctx context.Context, entryID EntryID, final EntryState, reason string, now time.Time) error {
	return e.endEntryIf(ctx, entryID, final, func(*Entry) (string, bool) { return reason, true }, now)
}

// endEntryIf is endEntry when cond, checked on the stored entry inside the
// compare-and-set, says so and gives the reason.
func (e *Engine) endEntryIf(ctx context.Context, entryID EntryID, final EntryState, cond func(*Entry) (string, bool), now time.Time) error {
	var prev Entry
	var reason string
	en, err := e.casEntry(ctx, entryID, func(x *Entry) error {
		if !x.State.Live() {
			return errSkip
		}
		var ok bool
		if reason, ok = cond(x); !ok {
			return errSkip
		}
		prev = x.Clone()
		x.to(final, now, x.HostID, reason)
		return nil
	})
	if errors.Is(err, errSkip) {
		return nil
	}
	if err != nil {
		return err
	}
	e.log.InfoContext(ctx, "queue: entry ended", "queue", en.QueueID, "entry", en.ID, "state", final.String(), "reason", reason)
	switch prev.State {
	case EntryOffered:
		e.releaseHost(ctx, prev.HostID, prev.ID, HostAvailable, now)
	case EntryConnecting, EntryInCall:
		e.forgetPace(en.QueueID)
		e.finishCall(ctx, prev, now)
	}
	ev := Event{Kind: EventEntryLeft, Queue: QueueID(en.QueueID), Entry: EntryID(en.ID), Host: HostID(prev.HostID), Reason: reason}
	if prev.State == EntryConnecting || prev.State == EntryInCall {
		ev.Kind, ev.Call = EventCallEnded, CallID(prev.CallID)
	}
	e.publish(ev)
	return nil
}

// releaseHost moves the host holding entryID (offered or in a call) to
// state s; wrap_up gets the queue's wrap-up deadline. An available host is
// matched again.
func (e *Engine) releaseHost(ctx context.Context, hostID HostID, entryID EntryID, s HostState, now time.Time) {
	if hostID == "" {
		return
	}
	h, err := e.casHost(ctx, hostID, func(h *Host) error {
		if h.EntryID != entryID || (h.State != HostOffered && h.State != HostInCall) {
			return errSkip
		}
		h.to(s, now)
		return nil
	})
	if err != nil {
		if !errors.Is(err, errSkip) {
			e.log.WarnContext(ctx, "queue: releasing host", "host", hostID, "err", err)
		}
		return
	}
	e.hostChanged(h)
	if s == HostAvailable {
		e.matchHost(ctx, hostID)
	}
}
