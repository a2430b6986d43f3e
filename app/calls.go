package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"

	"github.com/frontdesk/frontdesk/auth"
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
		ParticipantID: req.FeedID, Display: req.Name, Role: role, TTL: req.TTL,
	})
	return raw, err
}

// credentials is the part of the queue engine the resolver reads.
type credentials interface {
	CallCredentials(ctx context.Context, callID queue.CallID, feedID uint64) (queue.Room, queue.Participant, error)
}

// resolver tells the proxy where a ticket's call lives and which secrets
// to add (proxy.Resolver): the room and participant come from the queue's
// call record, the instance's addresses from the pool, or the built-in
// SFU's loopback listener with a stored token for the participant.
type resolver struct {
	calls      credentials
	pool       *pool.Pool     // nil without Janus
	builtin    builtinBackend // nil when sfu.enabled is false
	builtinWS  string         // ws://127.0.0.1:port/janus of the SFU, "" when sfu.enabled is false
	builtinAPI string         // http://127.0.0.1:port/janus
	// tokenKey derives the built-in SFU's per-participant stored tokens
	// (builtinToken); random per process, like the SFU's rooms.
	tokenKey []byte
}

// builtinBackend is the part of the built-in SFU the resolver uses: Kick
// to evict, AddToken to let a participant's traffic in.
type builtinBackend interface {
	Kick(ctx context.Context, room, participantID uint64) error
	AddToken(ctx context.Context, room uint64, token string) error
}

// builtinToken is the built-in SFU's stored token of participant in room:
// hex(HMAC-SHA256(tokenKey, room, participant)), the same on every
// Resolve of that participant, so adding it again is a no-op; the SFU
// forgets it with the room.
func (r *resolver) builtinToken(room, participant uint64) string {
	mac := hmac.New(sha256.New, r.tokenKey)
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], room)
	binary.BigEndian.PutUint64(b[8:], participant)
	mac.Write(b[:])
	return hex.EncodeToString(mac.Sum(nil))
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
	if err != nil && !errors.Is(err, &wire.PluginError{Code: videoroom.ErrCodeNoSuchFeed}) {
		return fmt.Errorf("app: evict on %s: %w", inst.Name(), err)
	}
	return nil
}

// Resolve implements proxy.Resolver.
func (r *resolver) Resolve(ctx context.Context, t auth.Ticket) (proxy.Target, error) {
	room, part, err := r.calls.CallCredentials(ctx, queue.CallID(t.CallID), t.ParticipantID)
	if err != nil {
		return proxy.Target{}, fmt.Errorf("%w: %v", proxy.ErrRoomUnavailable, err)
	}
	if room.ID != t.Room || room.Instance != t.Instance {
		return proxy.Target{}, fmt.Errorf("%w: the ticket's room moved", proxy.ErrRoomUnavailable)
	}
	if room.Engine == queue.MediaBuiltin {
		if r.builtinWS == "" || r.builtin == nil {
			return proxy.Target{}, fmt.Errorf("%w: the built-in SFU is off", proxy.ErrRoomUnavailable)
		}
		tok := r.builtinToken(room.ID, t.ParticipantID)
		if err := r.builtin.AddToken(ctx, room.ID, tok); err != nil {
			return proxy.Target{}, fmt.Errorf("%w: %v", proxy.ErrRoomUnavailable, err)
		}
		return proxy.Target{Instance: BuiltinInstance, WSURL: r.builtinWS, HTTPURL: r.builtinAPI, Token: tok, Pin: room.PIN}, nil
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
