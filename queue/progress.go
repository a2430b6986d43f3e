package queue

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ProgressKind is a call-progress event kind, from the Janus event handler
// (VideoRoom plugin events "joined" and "leaving", webrtc event
// "webrtcup", core/handle "hangup") or the built-in SFU's equivalents.
type ProgressKind int

const (
	// ProgressJoined: the participant joined the room (VideoRoom "joined").
	ProgressJoined ProgressKind = iota
	// ProgressWebRTCUp: the participant's PeerConnection is up (Janus
	// webrtc event "up", the "webrtcup" message).
	ProgressWebRTCUp
	// ProgressLeaving: the participant left the room (VideoRoom "leaving").
	ProgressLeaving
	// ProgressHangup: the participant's PeerConnection was hung up
	// (Janus "hangup").
	ProgressHangup
)

var progressNames = []string{"joined", "webrtcup", "leaving", "hangup"}

// String returns "joined", "webrtcup", "leaving" or "hangup".
func (k ProgressKind) String() string { return enumString("ProgressKind", progressNames, int(k)) }

// ParseProgressKind parses the String form; ErrInvalid otherwise.
func ParseProgressKind(s string) (ProgressKind, error) {
	v, err := enumParse("progress kind", progressNames, s)
	return ProgressKind(v), err
}

// Progress is one call-progress event for a participant in a room.
// Janus "leaving" events carry no session or handle id: correlate by room
// and participant (feed) id, as here.
type Progress struct {
	// Kind is what happened.
	Kind ProgressKind
	// Instance is the Janus instance (emitter) name; "" for builtin.
	Instance string
	// RoomID is the VideoRoom room id.
	RoomID uint64
	// FeedID is the VideoRoom participant id.
	FeedID uint64
	// At is when it happened (event timestamp); zero means now.
	At time.Time
}

// CallProgress applies one call-progress event; the event pipeline calls
// it for every event about a room Frontdesk created. Effects:
//   - joined: the participant's JoinedAt is recorded.
//   - webrtcup: UpAt is recorded; the call becomes active; when it is the
//     caller, the entry moves connecting → in_call (handle time starts,
//     no-show timer stops).
//   - leaving/hangup: LeftAt is recorded; if the entry is in the call it
//     ends as completed (room destroyed, tokens revoked, host to wrap-up);
//     if the host leaves before the caller connected, the entry returns to
//     waiting at its place.
//
// Events for unknown rooms or feeds are ignored (nil error) since the same
// Janus serves other rooms. Events are idempotent.
func (e *Engine) CallProgress(ctx context.Context, p Progress) error {
	if p.At.IsZero() {
		p.At = e.clock.Now()
	}
	calls, err := e.store.ListCalls(ctx, CallFilter{Instance: p.Instance, RoomID: p.RoomID,
		States: []CallState{CallCreated, CallActive}})
	if err != nil {
		return fmt.Errorf("queue: progress: %w", err)
	}
	for _, c := range calls {
		if c.Room.Instance != p.Instance {
			continue
		}
		for _, part := range c.Participants {
			if part.FeedID == p.FeedID {
				return e.applyProgress(ctx, c.ID, part.Role, p)
			}
		}
	}
	return nil
}

func (e *Engine) applyProgress(ctx context.Context, callID string, role PartyRole, p Progress) error {
	c, err := e.casCall(ctx, callID, func(c *Call) error {
		for i := range c.Participants {
			pp := &c.Participants[i]
			if pp.FeedID != p.FeedID {
				continue
			}
			switch p.Kind {
			case ProgressJoined:
				if !pp.JoinedAt.IsZero() {
					return errSkip
				}
				pp.JoinedAt = p.At
			case ProgressWebRTCUp:
				if !pp.UpAt.IsZero() {
					return errSkip
				}
				pp.UpAt = p.At
				if c.State == CallCreated {
					c.State, c.StartedAt = CallActive, p.At
				}
			case ProgressLeaving, ProgressHangup:
				if !pp.LeftAt.IsZero() {
					return errSkip
				}
				pp.LeftAt = p.At
			}
		}
		return nil
	})
	if errors.Is(err, errSkip) {
		return nil
	}
	if err != nil {
		return err
	}
	switch p.Kind {
	case ProgressWebRTCUp:
		if role != PartyCaller {
			return nil
		}
		_, err := e.casEntry(ctx, c.EntryID, func(x *Entry) error {
			if x.State != EntryConnecting {
				return errSkip
			}
			x.to(EntryInCall, p.At, x.HostID, "media_up")
			x.StartedAt, x.Deadline = p.At, time.Time{}
			return nil
		})
		if err != nil && !errors.Is(err, errSkip) {
			return err
		}
		e.changed(c.QueueID)
	case ProgressLeaving, ProgressHangup:
		en, err := e.GetEntry(ctx, c.EntryID)
		if err != nil {
			return err
		}
		switch {
		case en.State == EntryInCall:
			return e.endEntry(ctx, en.ID, EntryCompleted, role.String()+"_"+p.Kind.String(), p.At)
		case en.State == EntryConnecting && role == PartyHost:
			return e.hostLeftBeforeCaller(ctx, en, c, p.At)
		}
	}
	return nil
}

// hostLeftBeforeCaller ends the call and puts the entry back in the queue.
func (e *Engine) hostLeftBeforeCaller(ctx context.Context, en Entry, c Call, now time.Time) error {
	q, err := e.store.GetQueue(ctx, en.QueueID)
	if err != nil {
		return fmt.Errorf("queue: progress: %w", err)
	}
	_, err = e.casEntry(ctx, en.ID, func(x *Entry) error {
		if x.State != EntryConnecting {
			return errSkip
		}
		x.to(EntryWaiting, now, x.HostID, "host_left")
		x.HostID, x.CallID, x.AnsweredAt = "", "", time.Time{}
		x.Deadline = waitDeadline(&q, x)
		return nil
	})
	if errors.Is(err, errSkip) {
		return nil
	}
	if err != nil {
		return err
	}
	e.finishCall(ctx, en, now)
	e.changed(q.ID)
	e.matchQueue(ctx, q)
	return nil
}
