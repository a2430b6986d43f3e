package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/janus"
	"github.com/frontdesk/frontdesk/janus/pool"
	"github.com/frontdesk/frontdesk/janus/videoroom"
	"github.com/frontdesk/frontdesk/proxy"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/sfu"
)

// tickets issues call tickets for the queue (queue.TicketIssuer) with the
// auth service.
type tickets struct{ svc *auth.Service }

// IssueTicket implements queue.TicketIssuer.
func (t tickets) IssueTicket(_ context.Context, req queue.TicketRequest) (string, error) {
	role := auth.CallCaller
	if req.Role == queue.PartyHost {
		role = auth.CallHost
	}
	raw, _, err := t.svc.IssueTicket(auth.Ticket{
		CallID: req.CallID, Room: req.RoomID, Instance: req.Instance, Subject: req.UserID,
		ParticipantID: req.FeedID, Display: req.Name, Role: role, TTL: req.TTL,
	})
	return raw, err
}

// credentials is the part of the queue engine the resolver reads.
type credentials interface {
	CallCredentials(ctx context.Context, callID string, feedID uint64) (queue.Room, queue.Participant, error)
}

// resolver tells the proxy where a ticket's call lives and which secrets
// to add (proxy.Resolver): the room and participant come from the queue's
// call record, the instance's addresses from the pool, or the built-in
// SFU's loopback listener.
type resolver struct {
	calls      credentials
	pool       *pool.Pool // nil without Janus
	builtin    kicker     // nil when the SFU is off
	builtinWS  string     // ws://127.0.0.1:port/janus of the SFU, "" when off
	builtinAPI string     // http://127.0.0.1:port/janus
}

// kicker is the part of the built-in SFU the resolver uses to evict.
type kicker interface {
	Kick(ctx context.Context, room, participantID uint64) error
}

// EvictStale implements proxy.Evicter: VideoRoom "kick" of the ticket's
// participant in its room, with the room secret (through the instance's
// Admin API, or the built-in SFU). A participant already gone is fine.
func (r *resolver) EvictStale(ctx context.Context, t auth.Ticket) error {
	room, _, err := r.calls.CallCredentials(ctx, t.CallID, t.ParticipantID)
	if err != nil {
		return fmt.Errorf("app: evict: %w", err)
	}
	if room.ID != t.Room || room.Instance != t.Instance {
		return fmt.Errorf("app: evict: the ticket's room moved")
	}
	if room.Engine == queue.MediaBuiltin {
		if r.builtin == nil {
			return fmt.Errorf("app: evict: the built-in SFU is off")
		}
		if err := r.builtin.Kick(ctx, room.ID, t.ParticipantID); err != nil && !errors.Is(err, sfu.ErrNoSuchFeed) {
			return fmt.Errorf("app: evict: %w", err)
		}
		return nil
	}
	if r.pool == nil {
		return fmt.Errorf("app: evict: no Janus instance configured")
	}
	inst, err := r.pool.Lookup(room.ID)
	if err != nil {
		return fmt.Errorf("app: evict: %w", err)
	}
	err = videoroom.Kick(ctx, inst.Admin().PluginRequester(videoroom.Plugin), room.ID, room.Secret, t.ParticipantID)
	if err != nil && !errors.Is(err, &janus.PluginError{Code: videoroom.ErrCodeNoSuchFeed}) {
		return fmt.Errorf("app: evict on %s: %w", inst.Name(), err)
	}
	return nil
}

// Resolve implements proxy.Resolver.
func (r *resolver) Resolve(ctx context.Context, t auth.Ticket) (proxy.Target, error) {
	room, part, err := r.calls.CallCredentials(ctx, t.CallID, t.ParticipantID)
	if err != nil {
		return proxy.Target{}, fmt.Errorf("%w: %v", proxy.ErrRoomUnavailable, err)
	}
	if room.ID != t.Room || room.Instance != t.Instance {
		return proxy.Target{}, fmt.Errorf("%w: the ticket's room moved", proxy.ErrRoomUnavailable)
	}
	if room.Engine == queue.MediaBuiltin {
		if r.builtinWS == "" {
			return proxy.Target{}, fmt.Errorf("%w: the built-in SFU is off", proxy.ErrRoomUnavailable)
		}
		return proxy.Target{Instance: BuiltinInstance, WSURL: r.builtinWS, HTTPURL: r.builtinAPI, Pin: room.PIN}, nil
	}
	if r.pool == nil {
		return proxy.Target{}, fmt.Errorf("%w: no Janus instance configured", proxy.ErrRoomUnavailable)
	}
	inst, err := r.pool.Lookup(room.ID)
	if err != nil {
		return proxy.Target{}, fmt.Errorf("%w: %v", proxy.ErrRoomUnavailable, err)
	}
	c := inst.Config()
	return proxy.Target{Instance: c.Name, WSURL: c.WSURL, HTTPURL: c.HTTPURL, Token: part.Token, Pin: room.PIN}, nil
}

// identifier gives the queue the principal the auth middleware put in the
// request context (queue.Identifier).
type identifier struct{}

// Identify implements queue.Identifier.
func (identifier) Identify(r *http.Request) (queue.Principal, error) {
	p, ok := auth.FromContext(r.Context())
	if !ok {
		return queue.Principal{}, queue.ErrUnauthenticated
	}
	out := queue.Principal{ID: p.UserID, Name: p.DisplayName, Guest: p.IsGuest()}
	switch p.Role {
	case auth.RoleAdmin:
		out.Role = queue.RoleAdmin
	case auth.RoleHost:
		out.Role = queue.RoleHost
	default:
		out.Role = queue.RoleCaller
	}
	if out.Name == "" {
		out.Name = p.Email
	}
	return out, nil
}
