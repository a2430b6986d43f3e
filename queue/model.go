package queue

import (
	"slices"
	"time"

	"github.com/frontdesk/frontdesk/queue/hours"
)

// Queue is a help-desk line with its working hours and rules. It is one
// document in the store; Version is bumped by every successful update.
type Queue struct {
	// ID is the unique, immutable identifier (random, URL-safe).
	ID QueueID `json:"id" bson:"_id"`
	// Slug is a unique, URL-safe short name ("it-help"), [a-z0-9-], 1–64.
	Slug string `json:"slug" bson:"slug"`
	// Name is the display name.
	Name string `json:"name" bson:"name"`
	// Description is free text shown to callers.
	Description string `json:"description,omitempty" bson:"description,omitempty"`
	// Hours are the working hours.
	Hours hours.Schedule `json:"hours" bson:"hours"`
	// Mode is auto (routing) or pick (office hours).
	Mode Mode `json:"mode" bson:"mode"`
	// Identity is which callers are admitted: guest or account.
	Identity Identity `json:"identity" bson:"identity"`
	// Limits are admission limits.
	Limits Limits `json:"limits" bson:"limits"`
	// Closing is the behaviour around closing time.
	Closing Closing `json:"closing" bson:"closing"`
	// Timeouts are the offer, no-show, wrap-up and grace durations.
	Timeouts Timeouts `json:"timeouts" bson:"timeouts"`
	// Intake are the fields a caller fills in when joining.
	Intake []IntakeField `json:"intake,omitempty" bson:"intake,omitempty"`
	// Media is where calls are hosted: janus, builtin or auto.
	Media MediaEngine `json:"media" bson:"media"`
	// Phone are the telephone rules: queued callback, the numbers hosts
	// may dial, retries.
	Phone PhoneSettings `json:"phone" bson:"phone"`
	// ServiceLevelThreshold is the answer-time threshold of the service
	// level (Stats.ServiceLevel: answered within it); 0 means
	// DefaultServiceLevelThreshold. Stores keep it under its first name,
	// "service_level", so queues stored before the rename keep theirs.
	ServiceLevelThreshold time.Duration `json:"service_level" bson:"service_level"`
	// HandleTime is the admin's expected handle time of one call: how long
	// a host is busy with a caller, answer to hang-up (0–24 h). It is the
	// wait estimate's prior until real calls have ended; see
	// [Engine.EstimateWait]. 0 means DefaultHandleTime.
	HandleTime time.Duration `json:"handle_time,omitempty" bson:"handle_time,omitempty"`
	// CreatedAt and UpdatedAt are set by the engine.
	CreatedAt time.Time `json:"created_at" bson:"created_at"`
	UpdatedAt time.Time `json:"updated_at" bson:"updated_at"`
	// Version is the optimistic-concurrency counter; see Store.UpdateQueue.
	Version int64 `json:"version" bson:"version"`
}

// Limits are a queue's admission limits. Zero means "no limit" for each.
type Limits struct {
	// MaxWaiting is the maximum number of waiting entries (soft across
	// replicas: two replicas may each admit one past it at the same instant).
	MaxWaiting int `json:"max_waiting" bson:"max_waiting"`
	// MaxWait is how long an entry may wait before it is expired.
	MaxWait time.Duration `json:"max_wait" bson:"max_wait"`
	// OnePerCaller allows at most one live entry per caller in this queue
	// (enforced by the store through Entry.ActiveKey, also across replicas).
	OnePerCaller bool `json:"one_per_caller" bson:"one_per_caller"`
	// Cooldown is how long after an entry ends the same caller must wait
	// before joining again.
	Cooldown time.Duration `json:"cooldown" bson:"cooldown"`
}

// Closing is the behaviour around closing time.
type Closing struct {
	// StopAdmitting stops admitting new callers this long before the
	// queue closes (0 admits until the close).
	StopAdmitting time.Duration `json:"stop_admitting" bson:"stop_admitting"`
	// AtClose is serve (keep serving those waiting) or release (expire them).
	AtClose AtClose `json:"at_close" bson:"at_close"`
}

// Timeouts are the queue's durations. Zero values take the defaults noted.
type Timeouts struct {
	// Offer is how long a host has to accept an offer (default 30 s); then
	// the caller returns to the head of the queue and the host goes away.
	Offer time.Duration `json:"offer" bson:"offer"`
	// NoShow is how long after accept the caller has to connect (default
	// 60 s); then the entry ends as no_show.
	NoShow time.Duration `json:"no_show" bson:"no_show"`
	// WrapUp is how long a host stays in wrap_up after a call (default 0:
	// straight back to available).
	WrapUp time.Duration `json:"wrap_up" bson:"wrap_up"`
	// Grace is how long a disconnected caller keeps their place and may
	// resume with the resume token (default 60 s); then abandoned.
	Grace time.Duration `json:"grace" bson:"grace"`
	// RejoinGrace is how long a call goes on after one side left the room
	// (VideoRoom "leaving" or a "hangup", e.g. a page reload or a network
	// blip) waiting for that side to join again with the same feed id;
	// then the call ends as completed. nil means the default (30 s); 0
	// ends the call at once when a side leaves. Unlike the other fields a
	// pointer, so that an explicit 0 differs from "not set".
	RejoinGrace *time.Duration `json:"rejoin_grace,omitempty" bson:"rejoin_grace,omitempty"`
}

// Default timeouts applied when a Timeouts field is zero (RejoinGrace:
// when it is nil; an explicit 0 is kept), and the default service-level
// threshold.
const (
	DefaultOfferTimeout          = 30 * time.Second
	DefaultNoShowTimeout         = 60 * time.Second
	DefaultGrace                 = 60 * time.Second
	DefaultRejoinGrace           = 30 * time.Second
	DefaultServiceLevelThreshold = 60 * time.Second
	// DefaultHandleTime is the expected handle time of a queue whose
	// HandleTime is 0.
	DefaultHandleTime = 5 * time.Minute
	// DefaultMaxWaiting is the maximum number of waiting callers the API
	// gives a queue whose body (POST or PUT /queues) has no
	// limits.max_waiting; an explicit 0 there means no limit.
	DefaultMaxWaiting = 200
)

// IntakeField is a question asked when joining (e.g. topic, question).
type IntakeField struct {
	// Name is the key in Entry.Intake, [a-z0-9_], 1–32.
	Name string `json:"name" bson:"name"`
	// Label is shown to the caller.
	Label string `json:"label" bson:"label"`
	// Required refuses a join without a non-empty value.
	Required bool `json:"required,omitempty" bson:"required,omitempty"`
	// Options, if set, restrict the value to one of them.
	Options []string `json:"options,omitempty" bson:"options,omitempty"`
	// MaxLen caps the value length in bytes (default 500).
	MaxLen int `json:"max_len,omitempty" bson:"max_len,omitempty"`
}

// Host is a user with the host role and their state. One document per
// user; Version is bumped by every successful update.
type Host struct {
	// ID is the user's subject identifier from auth.
	ID HostID `json:"id" bson:"_id"`
	// Name is the display name.
	Name string `json:"name" bson:"name"`
	// Queues are the IDs of the queues this host may serve, assigned by an
	// admin (sorted, no duplicates).
	Queues []QueueID `json:"queues" bson:"queues"`
	// Serving is the subset of Queues the host is serving now, chosen by
	// the host (sorted, no duplicates). nil (JSON null) means all of
	// Queues — a new host, or one that never chose; an empty non-nil list
	// (JSON []) means none: the host gets no offers and cannot take
	// callers. Stores must keep nil and empty apart. Matching (auto-mode
	// offers, pick and next) considers only served queues; see
	// [Host.Serves].
	Serving []QueueID `json:"serving" bson:"serving"`
	// State is the current state.
	State HostState `json:"state" bson:"state"`
	// StateSince is when State was entered.
	StateSince time.Time `json:"state_since" bson:"state_since"`
	// IdleSince is when the host last became available; the auto-mode
	// matcher offers to the host with the oldest IdleSince first.
	IdleSince time.Time `json:"idle_since" bson:"idle_since"`
	// EntryID is the entry offered to or being served by this host ("" when
	// none, including the short claim window, see Store).
	EntryID EntryID `json:"entry_id,omitempty" bson:"entry_id,omitempty"`
	// Deadline is when the engine must next look at this host (offer
	// timeout, end of wrap-up, stale claim); zero when nothing is due.
	Deadline time.Time `json:"deadline,omitzero" bson:"deadline,omitempty"`
	// Version is the optimistic-concurrency counter; see Store.UpdateHost.
	Version int64 `json:"version" bson:"version"`
}

// Serves reports whether the host serves queueID now: it is assigned
// (in Queues) and, when Serving is set, ticked in Serving.
func (h *Host) Serves(queueID QueueID) bool {
	if !slices.Contains(h.Queues, queueID) {
		return false
	}
	return h.Serving == nil || slices.Contains(h.Serving, queueID)
}

// ServedQueues returns the IDs of the queues the host serves now (Queues
// filtered by Serving), in Queues order; never nil.
func (h *Host) ServedQueues() []QueueID {
	out := make([]QueueID, 0, len(h.Queues))
	for _, q := range h.Queues {
		if h.Serving == nil || slices.Contains(h.Serving, q) {
			out = append(out, q)
		}
	}
	return out
}

// Transition is one timestamped state change of an entry.
type Transition struct {
	// State is the state entered.
	State EntryState `json:"state" bson:"state"`
	// At is when it was entered.
	At time.Time `json:"at" bson:"at"`
	// HostID is the host involved, if any.
	HostID HostID `json:"host_id,omitempty" bson:"host_id,omitempty"`
	// Reason is a short machine-readable cause ("offer_timeout",
	// "declined", "left", "grace_over", "max_wait", "closed", ...).
	Reason string `json:"reason,omitempty" bson:"reason,omitempty"`
}

// Entry is a caller's place in a queue, with its full history. One document
// per entry; Version is bumped by every successful update.
type Entry struct {
	// ID is the unique identifier (random, URL-safe).
	ID EntryID `json:"id" bson:"_id"`
	// QueueID is the queue.
	QueueID QueueID `json:"queue_id" bson:"queue_id"`
	// Seq is the per-queue sequence number assigned by Store.CreateEntry,
	// strictly increasing in creation order (gaps allowed).
	Seq int64 `json:"seq" bson:"seq"`
	// Priority orders entries before Seq: higher first (default 0).
	Priority int `json:"priority" bson:"priority"`
	// CallerID is the caller's subject (account) or guest identifier.
	CallerID string `json:"caller_id" bson:"caller_id"`
	// CallerName is the display name.
	CallerName string `json:"caller_name" bson:"caller_name"`
	// Guest is true for a caller without an account.
	Guest bool `json:"guest" bson:"guest"`
	// Intake holds the answers to the queue's intake fields.
	Intake map[string]string `json:"intake,omitempty" bson:"intake,omitempty"`
	// Phone is the caller's telephone number (E.164), when they gave one:
	// for a queued callback, or for the host to call them by phone.
	Phone string `json:"phone,omitempty" bson:"phone,omitempty"`
	// Callback, when set, makes the entry a queued callback: the caller
	// is called back at Phone and needs no open page.
	Callback *Callback `json:"callback,omitempty" bson:"callback,omitempty"`
	// State is the current state.
	State EntryState `json:"state" bson:"state"`
	// HostID is the host the entry is offered to or served by ("" when
	// waiting).
	HostID HostID `json:"host_id,omitempty" bson:"host_id,omitempty"`
	// CallID is the call, once accepted.
	CallID CallID `json:"call_id,omitempty" bson:"call_id,omitempty"`
	// Paused marks a waiting entry whose caller is disconnected within the
	// grace period: it keeps its place but is not offered.
	Paused bool `json:"paused,omitempty" bson:"paused,omitempty"`
	// ActiveKey, when non-empty, must be unique among live entries (see
	// Store.CreateEntry). The engine sets it to QueueID+"|"+CallerID when
	// the queue allows one entry per caller.
	ActiveKey string `json:"active_key,omitempty" bson:"active_key,omitempty"`
	// ResumeHash is the SHA-256 of the caller's resume token (hex); the
	// token itself is never stored.
	ResumeHash string `json:"resume_hash,omitempty" bson:"resume_hash,omitempty"`
	// CreatedAt is when the caller joined.
	CreatedAt time.Time `json:"created_at" bson:"created_at"`
	// OfferedAt is the last time the entry was offered.
	OfferedAt time.Time `json:"offered_at,omitzero" bson:"offered_at,omitempty"`
	// AnsweredAt is when a host accepted (speed of answer ends here).
	AnsweredAt time.Time `json:"answered_at,omitzero" bson:"answered_at,omitempty"`
	// StartedAt is when the call media came up (handle time starts here).
	StartedAt time.Time `json:"started_at,omitzero" bson:"started_at,omitempty"`
	// EndedAt is when the entry reached a final state.
	EndedAt time.Time `json:"ended_at,omitzero" bson:"ended_at,omitempty"`
	// WrapUpEndedAt is when the host left wrap-up after this entry's call
	// (became available, away or offline, or the wrap-up timeout passed);
	// zero while the host is still wrapping up, or for an entry that had
	// no call.
	WrapUpEndedAt time.Time `json:"wrap_up_ended_at,omitzero" bson:"wrap_up_ended_at,omitempty"`
	// DisconnectedAt is when the caller's connection dropped (grace start).
	DisconnectedAt time.Time `json:"disconnected_at,omitzero" bson:"disconnected_at,omitempty"`
	// CallerAwayUntil and HostAwayUntil are set while that side of an
	// in_call entry has left the room and may join again (until the
	// queue's RejoinGrace from the leave); zero when present. The entry's
	// Deadline is the earlier of them; when it passes, the call ends.
	CallerAwayUntil time.Time `json:"caller_away_until,omitzero" bson:"caller_away_until,omitempty"`
	HostAwayUntil   time.Time `json:"host_away_until,omitzero" bson:"host_away_until,omitempty"`
	// Deadline is when the engine must next look at this entry (offer
	// timeout, no-show, end of grace, max wait); zero when nothing is due.
	Deadline time.Time `json:"deadline,omitzero" bson:"deadline,omitempty"`
	// History holds every transition, oldest first; the first is waiting.
	History []Transition `json:"history" bson:"history"`
	// Version is the optimistic-concurrency counter; see Store.UpdateEntry.
	Version int64 `json:"version" bson:"version"`
}

// UniqueKey is the value a store must keep unique across all entries to
// enforce ActiveKey: ActiveKey while the entry is live and ActiveKey is
// set, else "entry:"+ID (never colliding). A MongoDB store can keep it in a
// field with a plain unique index; it must recompute it on every write.
func (e Entry) UniqueKey() string {
	if e.ActiveKey != "" && e.State.Live() {
		return e.ActiveKey
	}
	return "entry:" + string(e.ID)
}

// Participant is one side of a call. Token is a Janus stored token and is
// a secret: stores persist it, but the HTTP/WebSocket API renders calls
// only through view types that omit it, and nothing logs it.
type Participant struct {
	// Role is host or caller.
	Role PartyRole `json:"role" bson:"role"`
	// UserID is the host's or caller's subject.
	UserID string `json:"user_id" bson:"user_id"`
	// Name is the display name.
	Name string `json:"name" bson:"name"`
	// FeedID is the VideoRoom participant id assigned to this side.
	FeedID uint64 `json:"feed_id" bson:"feed_id"`
	// Token is the Janus stored token minted for this side ("" on the
	// built-in SFU, which needs none).
	Token string `json:"token,omitempty" bson:"token,omitempty"`
	// JoinedAt (first join), UpAt (first media up) and LeftAt (last
	// leave) are set from call-progress events.
	JoinedAt time.Time `json:"joined_at,omitzero" bson:"joined_at,omitempty"`
	UpAt     time.Time `json:"up_at,omitzero" bson:"up_at,omitempty"`
	LeftAt   time.Time `json:"left_at,omitzero" bson:"left_at,omitempty"`
	// RejoinedAt is the last time this side joined again after leaving
	// (a "leaving" or "hangup" older than it is stale and ignored).
	RejoinedAt time.Time `json:"rejoined_at,omitzero" bson:"rejoined_at,omitempty"`
}

// Call is the room for one accepted entry, where it lives and who is in it.
// Room.Secret, Room.PIN and Participant.Token are secrets: stores persist
// them (the JSON tags are for stores), the API never renders this type.
type Call struct {
	// ID is the unique identifier.
	ID CallID `json:"id" bson:"_id"`
	// QueueID, EntryID and HostID link the call to its entry.
	QueueID QueueID `json:"queue_id" bson:"queue_id"`
	EntryID EntryID `json:"entry_id" bson:"entry_id"`
	HostID  HostID  `json:"host_id" bson:"host_id"`
	// Room is where the call is hosted.
	Room Room `json:"room" bson:"room"`
	// Participants are the host and the caller.
	Participants []Participant `json:"participants" bson:"participants"`
	// State is created, active or ended.
	State CallState `json:"state" bson:"state"`
	// CreatedAt, StartedAt (first media up) and EndedAt.
	CreatedAt time.Time `json:"created_at" bson:"created_at"`
	StartedAt time.Time `json:"started_at,omitzero" bson:"started_at,omitempty"`
	EndedAt   time.Time `json:"ended_at,omitzero" bson:"ended_at,omitempty"`
	// Phone is the telephone call the host's console places (a queued
	// callback, or a call to the caller's number beside the video call);
	// nil when none. Its Token is a secret.
	Phone *PhoneLeg `json:"phone,omitempty" bson:"phone,omitempty"`
	// Moves counts the times the call was placed in a new room because its
	// media server was lost or evacuated ([Engine.MoveCall]).
	Moves int `json:"moves,omitempty" bson:"moves,omitempty"`
	// MovingUntil is set while one replica places the call in a new room:
	// no other replica moves it before then (a claim that outlives a
	// replica that died mid-move).
	MovingUntil time.Time `json:"moving_until,omitzero" bson:"moving_until,omitempty"`
	// Version is the optimistic-concurrency counter; see Store.UpdateCall.
	Version int64 `json:"version" bson:"version"`
}

// Room identifies a VideoRoom room (Janus VideoRoom plugin, "create"
// request) or a built-in SFU room. Secret and PIN are secrets.
type Room struct {
	// Engine is janus or builtin (never auto once created).
	Engine MediaEngine `json:"engine" bson:"engine"`
	// Instance is the Janus instance name, or "builtin" (config.BuiltinInstance)
	// for the built-in SFU.
	Instance string `json:"instance,omitempty" bson:"instance,omitempty"`
	// ID is the numeric VideoRoom room id ("room" in Janus requests).
	ID uint64 `json:"id" bson:"id"`
	// Secret is the room secret (VideoRoom "secret"); never sent to browsers.
	Secret string `json:"secret" bson:"secret"`
	// PIN is the room pin (VideoRoom "pin"); never sent to browsers.
	PIN string `json:"pin" bson:"pin"`
	// Addr is the base URL of the replica whose built-in SFU holds the
	// room (its sfu.advertise_url), for a builtin room made by one of
	// several replicas; empty otherwise. Never sent to browsers.
	Addr string `json:"addr,omitempty" bson:"addr,omitempty"`
}
