package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/config"
	"github.com/frontdesk/frontdesk/janus/pool"
	"github.com/frontdesk/frontdesk/janus/videoroom"
	"github.com/frontdesk/frontdesk/janus/wire"
	"github.com/frontdesk/frontdesk/proxy"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/queue/queueapi"
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
		CallID: string(req.CallID), Room: req.RoomID, Instance: req.Instance, Subject: req.UserID,
		ParticipantID: req.FeedID, Display: req.Name, Role: role, TTL: req.TTL, Phone: req.Phone,
	})
	return raw, err
}

// credentials is the part of the queue engine the resolver reads.
type credentials interface {
	CallCredentials(ctx context.Context, callID queue.CallID, feedID uint64) (queue.Room, queue.Participant, error)
}

// resolver tells the proxy where a ticket's call lives and which secrets
// to add (proxy.Resolver): the room and participant come from the queue's
// call record, the instance's addresses from the pool, or the listener of
// the built-in SFU holding the room (this process's, or another
// replica's at the room's Addr) with a token for the participant.
type resolver struct {
	calls      credentials
	pool       *pool.Pool       // nil without Janus
	builtin    builtinBackend   // nil when sfu.enabled is false
	builtinWS  string           // ws://127.0.0.1:port/janus of this process's SFU, "" when sfu.enabled is false
	builtinAPI string           // http://127.0.0.1:port/janus
	net        *builtinNet      // tokens for, and operations on, every replica's SFU
	phones     phoneCredentials // phone legs; nil without phone lines
	accounts   config.Phone     // SIP accounts by queue
}

// builtinBackend is the part of the built-in SFU the resolver uses: Kick
// to evict.
type builtinBackend interface {
	Kick(ctx context.Context, room, participantID uint64) error
}

// EvictStale implements proxy.Evicter: VideoRoom "kick" of the ticket's
// participant in its room, with the room secret (through the instance's
// Admin API, or the built-in SFU). A participant already gone is fine.
func (r *resolver) EvictStale(ctx context.Context, t auth.Ticket) error {
	room, _, err := r.calls.CallCredentials(ctx, queue.CallID(t.CallID), t.ParticipantID)
	if err != nil {
		return fmt.Errorf("app: evict: %w", err)
	}
	if room.ID != t.Room || room.Instance != t.Instance {
		return fmt.Errorf("app: evict: the ticket's room moved")
	}
	if room.Engine == queue.MediaBuiltin {
		if !r.net.local(room.Addr) {
			if err := r.net.kick(ctx, room.Addr, room.ID, t.ParticipantID); err != nil {
				return fmt.Errorf("app: evict: %w", err)
			}
			return nil
		}
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
	inst, err := r.pool.Instance(room.Instance)
	if err != nil {
		return fmt.Errorf("app: evict: %w", err)
	}
	err = videoroom.Kick(ctx, inst.Admin().PluginRequester(videoroom.Plugin), room.ID, room.Secret, t.ParticipantID)
	if err != nil && !errors.Is(err, &wire.PluginError{Code: videoroom.ErrCodeNoSuchFeed}) {
		return fmt.Errorf("app: evict on %s: %w", inst.Name(), err)
	}
	return nil
}

// Resolve implements proxy.Resolver.
func (r *resolver) Resolve(ctx context.Context, t auth.Ticket) (proxy.Target, error) {
	if t.Phone != "" {
		return r.resolvePhone(ctx, t)
	}
	room, part, err := r.calls.CallCredentials(ctx, queue.CallID(t.CallID), t.ParticipantID)
	if err != nil {
		return proxy.Target{}, fmt.Errorf("%w: %v", proxy.ErrRoomUnavailable, err)
	}
	if room.ID != t.Room || room.Instance != t.Instance {
		return proxy.Target{}, fmt.Errorf("%w: the ticket's room moved", proxy.ErrRoomUnavailable)
	}
	if room.Engine == queue.MediaBuiltin {
		tok := r.net.token(room.ID, t.ParticipantID)
		if !r.net.local(room.Addr) {
			// Another replica's SFU: its listener checks the token.
			base := strings.TrimSuffix(room.Addr, "/")
			return proxy.Target{Instance: BuiltinInstance, WSURL: "ws" + strings.TrimPrefix(base, "http") + "/janus",
				HTTPURL: base + "/janus", Token: tok, Pin: room.PIN}, nil
		}
		if r.builtinWS == "" || r.builtin == nil {
			return proxy.Target{}, fmt.Errorf("%w: the built-in SFU is off", proxy.ErrRoomUnavailable)
		}
		return proxy.Target{Instance: BuiltinInstance, WSURL: r.builtinWS, HTTPURL: r.builtinAPI, Token: tok, Pin: room.PIN}, nil
	}
	if r.pool == nil {
		return proxy.Target{}, fmt.Errorf("%w: no Janus instance configured", proxy.ErrRoomUnavailable)
	}
	inst, err := r.pool.Instance(room.Instance)
	if err != nil {
		return proxy.Target{}, fmt.Errorf("%w: %v", proxy.ErrRoomUnavailable, err)
	}
	c := inst.Config()
	return proxy.Target{Instance: c.Name, WSURL: c.WSURL, HTTPURL: c.HTTPURL, Token: part.Token, Pin: room.PIN}, nil
}

// identifier gives the queue the principal the auth middleware put in the
// request context (queueapi.Identifier).
type identifier struct{}

// Identify implements queueapi.Identifier.
func (identifier) Identify(r *http.Request) (queueapi.Principal, error) {
	p, ok := auth.FromContext(r.Context())
	if !ok {
		return queueapi.Principal{}, queueapi.ErrUnauthenticated
	}
	out := queueapi.Principal{ID: p.UserID, Name: p.DisplayName, Guest: p.IsGuest()}
	switch p.Role {
	case auth.RoleAdmin:
		// An API token acts with its user's role limited by its scopes:
		// without the admin scope an admin's token is refused on every
		// route that needs the admin role, as auth's own admin routes are.
		out.Role = queueapi.RoleAdmin
		if !p.HasScope(auth.ScopeAdmin) {
			out.Role = queueapi.RoleHost
		}
	case auth.RoleHost:
		out.Role = queueapi.RoleHost
	default:
		out.Role = queueapi.RoleCaller
	}
	if out.Name == "" {
		out.Name = p.Email
	}
	return out, nil
}
