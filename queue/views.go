package queue

import (
	"encoding/json"
	"reflect"
	"strconv"
	"time"

	"github.com/frontdesk/frontdesk/queue/hours"
)

// UnmarshalJSON parses (fractional) seconds, 0–1e9. Anything else is a
// *json.UnmarshalTypeError, which encoding/json completes with the path of
// the field at fault (e.g. "timeouts.offer").
func (s *Seconds) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || f < 0 || f > 1e9 {
		what := "number " + string(b)
		if err != nil {
			what = jsonKind(b)
		}
		return &json.UnmarshalTypeError{Value: what, Type: reflect.TypeFor[Seconds]()}
	}
	*s = Seconds(time.Duration(f * float64(time.Second)))
	return nil
}

// QueueJSON is the API shape of a queue: the fields mean what they mean
// on Queue, durations are (fractional) seconds, enums are their String
// forms. Status is output only; Version must be echoed back on PUT.
type QueueJSON struct {
	ID           string         `json:"id"`
	Slug         string         `json:"slug"`
	Name         string         `json:"name"`
	Description  string         `json:"description"`
	Hours        hours.Schedule `json:"hours"`
	Mode         Mode           `json:"mode"`
	Identity     Identity       `json:"identity"`
	Media        MediaEngine    `json:"media"`
	Limits       LimitsJSON     `json:"limits"`
	Closing      ClosingJSON    `json:"closing"`
	Timeouts     TimeoutsJSON   `json:"timeouts"`
	Intake       []IntakeField  `json:"intake"`
	ServiceLevel Seconds        `json:"service_level"`
	HandleTime   Seconds        `json:"handle_time"`
	Version      int64          `json:"version"`
	CreatedAt    time.Time      `json:"created_at"`
	UpdatedAt    time.Time      `json:"updated_at"`
	Status       *Status        `json:"status,omitempty"`
}

// LimitsJSON is Limits with durations in seconds.
type LimitsJSON struct {
	MaxWaiting   int     `json:"max_waiting"`
	MaxWait      Seconds `json:"max_wait"`
	OnePerCaller bool    `json:"one_per_caller"`
	Cooldown     Seconds `json:"cooldown"`
}

// ClosingJSON is Closing with durations in seconds.
type ClosingJSON struct {
	StopAdmitting Seconds `json:"stop_admitting"`
	AtClose       AtClose `json:"at_close"`
}

// TimeoutsJSON is Timeouts in seconds. RejoinGrace is rendered with its
// effective value (30 when never set); in a request, absent or null means
// the default (30 s) and 0 ends a call at once when a side leaves.
type TimeoutsJSON struct {
	Offer       Seconds  `json:"offer"`
	NoShow      Seconds  `json:"no_show"`
	WrapUp      Seconds  `json:"wrap_up"`
	Grace       Seconds  `json:"grace"`
	RejoinGrace *Seconds `json:"rejoin_grace,omitempty"`
}

func queueJSON(q Queue, st *Status) QueueJSON {
	rejoin := Seconds(rejoinGrace(&q))
	in := q.Intake
	if in == nil {
		in = []IntakeField{}
	}
	return QueueJSON{ID: q.ID, Slug: q.Slug, Name: q.Name, Description: q.Description, Hours: q.Hours,
		Mode: q.Mode, Identity: q.Identity, Media: q.Media,
		Limits:   LimitsJSON{q.Limits.MaxWaiting, Seconds(q.Limits.MaxWait), q.Limits.OnePerCaller, Seconds(q.Limits.Cooldown)},
		Closing:  ClosingJSON{Seconds(q.Closing.StopAdmitting), q.Closing.AtClose},
		Timeouts: TimeoutsJSON{Seconds(q.Timeouts.Offer), Seconds(q.Timeouts.NoShow), Seconds(q.Timeouts.WrapUp), Seconds(q.Timeouts.Grace), &rejoin},
		Intake:   in, ServiceLevel: Seconds(q.ServiceLevel), HandleTime: Seconds(handleTimePrior(&q)),
		Version: q.Version, CreatedAt: q.CreatedAt, UpdatedAt: q.UpdatedAt, Status: st}
}

// Queue converts the API shape to a Queue (Status is ignored).
func (j QueueJSON) Queue() Queue {
	q := Queue{ID: j.ID, Slug: j.Slug, Name: j.Name, Description: j.Description, Hours: j.Hours,
		Mode: j.Mode, Identity: j.Identity, Media: j.Media,
		Limits:   Limits{j.Limits.MaxWaiting, time.Duration(j.Limits.MaxWait), j.Limits.OnePerCaller, time.Duration(j.Limits.Cooldown)},
		Closing:  Closing{time.Duration(j.Closing.StopAdmitting), j.Closing.AtClose},
		Timeouts: Timeouts{time.Duration(j.Timeouts.Offer), time.Duration(j.Timeouts.NoShow), time.Duration(j.Timeouts.WrapUp), time.Duration(j.Timeouts.Grace), nil},
		Intake:   j.Intake, ServiceLevel: time.Duration(j.ServiceLevel), HandleTime: time.Duration(j.HandleTime), Version: j.Version}
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
	ID            string            `json:"id"`
	QueueID       string            `json:"queue_id"`
	State         EntryState        `json:"state"`
	Priority      int               `json:"priority"`
	CallerID      string            `json:"caller_id"`
	CallerName    string            `json:"caller_name"`
	Guest         bool              `json:"guest"`
	Intake        map[string]string `json:"intake"`
	HostID        string            `json:"host_id,omitempty"`
	Paused        bool              `json:"paused"`
	CreatedAt     time.Time         `json:"created_at"`
	AnsweredAt    *time.Time        `json:"answered_at,omitempty"`
	EndedAt       *time.Time        `json:"ended_at,omitempty"`
	OfferExpires  *time.Time        `json:"offer_expires,omitempty"`
	CallerAway    *time.Time        `json:"caller_away_until,omitempty"`
	HostAway      *time.Time        `json:"host_away_until,omitempty"`
	PeerAwayUntil *time.Time        `json:"peer_away_until,omitempty"`
	Position      int               `json:"position,omitempty"`
	EstimatedWait *Seconds          `json:"estimated_wait,omitempty"`
	History       []Transition      `json:"history"`
}

func opt(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func entryJSON(en Entry) EntryJSON {
	in := en.Intake
	if in == nil {
		in = map[string]string{}
	}
	j := EntryJSON{ID: en.ID, QueueID: en.QueueID, State: en.State, Priority: en.Priority, CallerID: en.CallerID,
		CallerName: en.CallerName, Guest: en.Guest, Intake: in, HostID: en.HostID, Paused: en.Paused,
		CreatedAt: en.CreatedAt, AnsweredAt: opt(en.AnsweredAt), EndedAt: opt(en.EndedAt), History: en.History}
	if en.State == EntryOffered {
		j.OfferExpires = opt(en.Deadline)
	}
	j.CallerAway, j.HostAway = opt(en.CallerAwayUntil), opt(en.HostAwayUntil)
	j.PeerAwayUntil = peerAway(en, "")
	return j
}

// peerAway is the away time of the side of en's call that viewerID is not
// on (nil when that side is present or viewerID is neither side).
func peerAway(en Entry, viewerID string) *time.Time {
	switch {
	case viewerID == "":
		return nil
	case viewerID == en.CallerID:
		return opt(en.HostAwayUntil)
	case viewerID == en.HostID:
		return opt(en.CallerAwayUntil)
	}
	return nil
}

// entryJSONFor is entryJSON with peer_away_until for viewerID.
func entryJSONFor(en Entry, viewerID string) EntryJSON {
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
	ID       string      `json:"id"`
	Engine   MediaEngine `json:"engine"`
	Instance string      `json:"instance,omitempty"`
	RoomID   uint64      `json:"room_id"`
	FeedID   uint64      `json:"feed_id"`
	PeerName string      `json:"peer_name"`
	PeerFeed uint64      `json:"peer_feed_id"`
	Ticket   string      `json:"ticket,omitempty"`

	PeerAwayUntil *time.Time `json:"peer_away_until,omitempty"`
}

// callJSON renders call c for userID; en is the call's entry (for the
// peer's away time), or a zero Entry.
func callJSON(c Call, en Entry, userID, ticket string) CallJSON {
	j := CallJSON{ID: c.ID, Engine: c.Room.Engine, Instance: c.Room.Instance, RoomID: c.Room.ID, Ticket: ticket,
		PeerAwayUntil: peerAway(en, userID)}
	for _, p := range c.Participants {
		if p.UserID == userID {
			j.FeedID = p.FeedID
		} else {
			j.PeerName, j.PeerFeed = p.Name, p.FeedID
		}
	}
	return j
}

// jsonKind names the kind of a JSON value for an error message.
func jsonKind(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}
