package queueapi

import (
	"time"

	"github.com/frontdesk/frontdesk/queue"

	"github.com/frontdesk/frontdesk/queue/hours"
)

// QueueJSON is the API shape of a queue: the fields mean what they mean
// on Queue, durations are (fractional) seconds, enums are their String
// forms. Status is output only; Version must be echoed back on PUT.
type QueueJSON struct {
	ID          queue.QueueID       `json:"id"`
	Slug        string              `json:"slug"`
	Name        string              `json:"name"`
	Description string              `json:"description"`
	Hours       hours.Schedule      `json:"hours"`
	Mode        queue.Mode          `json:"mode"`
	Identity    queue.Identity      `json:"identity"`
	Media       queue.MediaEngine   `json:"media"`
	Limits      LimitsJSON          `json:"limits"`
	Closing     ClosingJSON         `json:"closing"`
	Timeouts    TimeoutsJSON        `json:"timeouts"`
	Intake      []queue.IntakeField `json:"intake"`
	// Phone: see queue.PhoneSettings.
	Phone PhoneJSON `json:"phone"`
	// ServiceLevelThreshold: see queue.Queue.
	ServiceLevelThreshold queue.Seconds `json:"service_level_threshold"`
	// LegacyServiceLevel is the threshold's former name, still read (when
	// "service_level_threshold" is absent or 0) and never written.
	LegacyServiceLevel *queue.Seconds `json:"service_level,omitempty"`
	HandleTime         queue.Seconds  `json:"handle_time"`
	Version            int64          `json:"version"`
	CreatedAt          time.Time      `json:"created_at"`
	UpdatedAt          time.Time      `json:"updated_at"`
	Status             *queue.Status  `json:"status,omitempty"`
}

// PhoneJSON is PhoneSettings with durations in seconds.
type PhoneJSON struct {
	Callback    bool          `json:"callback"`
	Allow       []string      `json:"allow"`
	Retries     int           `json:"retries"`
	RetryDelay  queue.Seconds `json:"retry_delay"`
	RingTimeout queue.Seconds `json:"ring_timeout"`
}

// LimitsJSON is Limits with durations in seconds.
type LimitsJSON struct {
	MaxWaiting   int           `json:"max_waiting"`
	MaxWait      queue.Seconds `json:"max_wait"`
	OnePerCaller bool          `json:"one_per_caller"`
	Cooldown     queue.Seconds `json:"cooldown"`
}

// ClosingJSON is Closing with durations in seconds.
type ClosingJSON struct {
	StopAdmitting queue.Seconds `json:"stop_admitting"`
	AtClose       queue.AtClose `json:"at_close"`
}

// TimeoutsJSON is Timeouts in seconds. RejoinGrace is rendered with its
// effective value (30 when never set); in a request, absent or null means
// the default (30 s) and 0 ends a call at once when a side leaves.
type TimeoutsJSON struct {
	Offer       queue.Seconds  `json:"offer"`
	NoShow      queue.Seconds  `json:"no_show"`
	WrapUp      queue.Seconds  `json:"wrap_up"`
	Grace       queue.Seconds  `json:"grace"`
	RejoinGrace *queue.Seconds `json:"rejoin_grace,omitempty"`
}

func queueJSON(q queue.Queue, st *queue.Status) QueueJSON {
	rejoin := queue.Seconds(queue.RejoinGrace(&q))
	in := q.Intake
	if in == nil {
		in = []queue.IntakeField{}
	}
	allow := q.Phone.Allow
	if allow == nil {
		allow = []string{}
	}
	return QueueJSON{ID: q.ID, Slug: q.Slug, Name: q.Name, Description: q.Description, Hours: q.Hours,
		Mode: q.Mode, Identity: q.Identity, Media: q.Media,
		Limits:   LimitsJSON{q.Limits.MaxWaiting, queue.Seconds(q.Limits.MaxWait), q.Limits.OnePerCaller, queue.Seconds(q.Limits.Cooldown)},
		Closing:  ClosingJSON{queue.Seconds(q.Closing.StopAdmitting), q.Closing.AtClose},
		Timeouts: TimeoutsJSON{queue.Seconds(q.Timeouts.Offer), queue.Seconds(q.Timeouts.NoShow), queue.Seconds(q.Timeouts.WrapUp), queue.Seconds(q.Timeouts.Grace), &rejoin},
		Intake:   in, ServiceLevelThreshold: queue.Seconds(q.ServiceLevelThreshold), HandleTime: queue.Seconds(queue.HandleTimePrior(&q)),
		Phone: PhoneJSON{Callback: q.Phone.Callback, Allow: allow, Retries: q.Phone.Retries,
			RetryDelay: queue.Seconds(q.Phone.RetryDelay), RingTimeout: queue.Seconds(q.Phone.RingTimeout)},
		Version: q.Version, CreatedAt: q.CreatedAt, UpdatedAt: q.UpdatedAt, Status: st}
}

// Queue converts the API shape to a Queue (Status is ignored).
func (j QueueJSON) Queue() queue.Queue {
	q := queue.Queue{ID: queue.QueueID(j.ID), Slug: j.Slug, Name: j.Name, Description: j.Description, Hours: j.Hours,
		Mode: j.Mode, Identity: j.Identity, Media: j.Media,
		Limits:   queue.Limits{MaxWaiting: j.Limits.MaxWaiting, MaxWait: time.Duration(j.Limits.MaxWait), OnePerCaller: j.Limits.OnePerCaller, Cooldown: time.Duration(j.Limits.Cooldown)},
		Closing:  queue.Closing{StopAdmitting: time.Duration(j.Closing.StopAdmitting), AtClose: j.Closing.AtClose},
		Timeouts: queue.Timeouts{Offer: time.Duration(j.Timeouts.Offer), NoShow: time.Duration(j.Timeouts.NoShow), WrapUp: time.Duration(j.Timeouts.WrapUp), Grace: time.Duration(j.Timeouts.Grace)},
		Intake:   j.Intake, ServiceLevelThreshold: time.Duration(j.ServiceLevelThreshold), HandleTime: time.Duration(j.HandleTime), Version: j.Version,
		Phone: queue.PhoneSettings{Callback: j.Phone.Callback, Allow: j.Phone.Allow, Retries: j.Phone.Retries,
			RetryDelay: time.Duration(j.Phone.RetryDelay), RingTimeout: time.Duration(j.Phone.RingTimeout)}}
	if q.ServiceLevelThreshold == 0 && j.LegacyServiceLevel != nil {
		q.ServiceLevelThreshold = time.Duration(*j.LegacyServiceLevel)
	}
	if j.Timeouts.RejoinGrace != nil {
		d := time.Duration(*j.Timeouts.RejoinGrace)
		q.Timeouts.RejoinGrace = &d
	}
	return q
}

// EntryJSON is the API shape of an entry (no resume hash, no active key):
// the fields mean what they mean on Entry; absent times are omitted.
// OfferExpires is set while offered. While one side of a call has left the
// room and may come back (Queue RejoinGrace), "caller_away_until" or
// "host_away_until" is set (RFC 3339: when the call ends unless that side
// joins again), and "peer_away_until" is the other side's away time as
// seen by the viewer when the viewer is the entry's caller or host (the
// caller sees host_away_until, the host caller_away_until). Position (1 = next) and
// EstimatedWait (seconds, see Engine.EstimateWait) are set for waiting
// entries when known.
type EntryJSON struct {
	ID            queue.EntryID     `json:"id"`
	QueueID       queue.QueueID     `json:"queue_id"`
	State         queue.EntryState  `json:"state"`
	Priority      int               `json:"priority"`
	CallerID      string            `json:"caller_id"`
	CallerName    string            `json:"caller_name"`
	Guest         bool              `json:"guest"`
	Intake        map[string]string `json:"intake"`
	HostID        queue.HostID      `json:"host_id,omitempty"`
	Paused        bool              `json:"paused"`
	CreatedAt     time.Time         `json:"created_at"`
	AnsweredAt    *time.Time        `json:"answered_at,omitempty"`
	EndedAt       *time.Time        `json:"ended_at,omitempty"`
	OfferExpires  *time.Time        `json:"offer_expires,omitempty"`
	CallerAway    *time.Time        `json:"caller_away_until,omitempty"`
	HostAway      *time.Time        `json:"host_away_until,omitempty"`
	PeerAwayUntil *time.Time        `json:"peer_away_until,omitempty"`
	// Phone is the caller's number (E.164), shown to the caller and to
	// hosts; absent when none was given.
	Phone string `json:"phone,omitempty"`
	// Callback is set on a queued callback: attempts, last result, retry time.
	Callback      *queue.Callback    `json:"callback,omitempty"`
	Position      int                `json:"position,omitempty"`
	EstimatedWait *queue.Seconds     `json:"estimated_wait,omitempty"`
	History       []queue.Transition `json:"history"`
}

func opt(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func entryJSON(en queue.Entry) EntryJSON {
	in := en.Intake
	if in == nil {
		in = map[string]string{}
	}
	j := EntryJSON{ID: en.ID, QueueID: en.QueueID, State: en.State, Priority: en.Priority, CallerID: en.CallerID,
		CallerName: en.CallerName, Guest: en.Guest, Intake: in, HostID: en.HostID, Paused: en.Paused,
		CreatedAt: en.CreatedAt, AnsweredAt: opt(en.AnsweredAt), EndedAt: opt(en.EndedAt), History: en.History,
		Phone: en.Phone, Callback: en.Callback}
	if en.State == queue.EntryOffered {
		j.OfferExpires = opt(en.Deadline)
	}
	j.CallerAway, j.HostAway = opt(en.CallerAwayUntil), opt(en.HostAwayUntil)
	j.PeerAwayUntil = peerAway(en, "")
	return j
}

// peerAway is the away time of the side of en's call that viewerID is not
// on (nil when that side is present or viewerID is neither side).
func peerAway(en queue.Entry, viewerID string) *time.Time {
	switch {
	case viewerID == "":
		return nil
	case viewerID == en.CallerID:
		return opt(en.HostAwayUntil)
	case viewerID == string(en.HostID):
		return opt(en.CallerAwayUntil)
	}
	return nil
}

// entryJSONFor is entryJSON with peer_away_until for viewerID.
func entryJSONFor(en queue.Entry, viewerID string) EntryJSON {
	j := entryJSON(en)
	j.PeerAwayUntil = peerAway(en, viewerID)
	return j
}

// CallJSON is what a participant needs to join a call: the call ID, the
// engine and Janus instance, the VideoRoom room id, their own feed id
// (participant id to join with), the other side's name and feed id, and a
// fresh call ticket (a new one on every GET, always for the same feed id,
// so a participant who reloads joins again as the same feed; live updates
// carry no ticket). PeerAwayUntil
// ("peer_away_until", RFC 3339) is set while the other side has left the
// room and the call waits for it to come back (see EntryJSON). No room
// secret, pin or Janus token.
type CallJSON struct {
	ID       queue.CallID      `json:"id"`
	Engine   queue.MediaEngine `json:"engine"`
	Instance string            `json:"instance,omitempty"`
	RoomID   uint64            `json:"room_id"`
	FeedID   uint64            `json:"feed_id"`
	PeerName string            `json:"peer_name"`
	PeerFeed uint64            `json:"peer_feed_id"`
	Ticket   string            `json:"ticket,omitempty"`
	// Phone is the call's phone leg, when the host's console places one:
	// the number, its state and final SIP status. With room_id 0 the
	// call is phone only (a queued callback) and the ticket is a phone
	// ticket (Janus SIP plugin only, see docs/janus-clients.md).
	Phone *PhoneLegJSON `json:"phone,omitempty"`

	PeerAwayUntil *time.Time `json:"peer_away_until,omitempty"`
}

// PhoneLegJSON is a call's phone leg without its Janus token or instance.
type PhoneLegJSON struct {
	Number string           `json:"number"`
	State  queue.PhoneState `json:"state"`
	Code   int              `json:"code,omitempty"`
	Reason string           `json:"reason,omitempty"`
}

// callJSON renders call c for userID; en is the call's entry (for the
// peer's away time), or a zero Entry.
func callJSON(c queue.Call, en queue.Entry, userID, ticket string) CallJSON {
	j := CallJSON{ID: c.ID, Engine: c.Room.Engine, Instance: c.Room.Instance, RoomID: c.Room.ID, Ticket: ticket,
		PeerAwayUntil: peerAway(en, userID)}
	if l := c.Phone; l != nil {
		j.Phone = &PhoneLegJSON{Number: l.Number, State: l.State, Code: l.Code, Reason: l.Reason}
		if c.Room.ID == 0 {
			j.Instance, j.PeerName = "", en.CallerName
		}
	}
	for _, p := range c.Participants {
		if p.UserID == userID {
			j.FeedID = p.FeedID
		} else {
			j.PeerName, j.PeerFeed = p.Name, p.FeedID
		}
	}
	return j
}

// entryStatusJSON renders an entry's status (engine read model) as viewerID
// sees it: the entry with its position and estimated wait.
func entryStatusJSON(st queue.EntryStatus, viewerID string) EntryJSON {
	j := entryJSONFor(st.Entry, viewerID)
	j.Position = st.Position
	if st.HasEstimate {
		s := queue.Seconds(st.EstimatedWait)
		j.EstimatedWait = &s
	}
	return j
}
