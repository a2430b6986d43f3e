package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/frontdesk/frontdesk/config"
	"github.com/frontdesk/frontdesk/idgen"
	"github.com/frontdesk/frontdesk/janus/pool"
	"github.com/frontdesk/frontdesk/janus/videoroom"
	"github.com/frontdesk/frontdesk/janus/wire"
	"github.com/frontdesk/frontdesk/problem"
	"github.com/frontdesk/frontdesk/queue"
	"github.com/frontdesk/frontdesk/sfu"
)

// BuiltinInstance is the instance name of the built-in SFU in tickets,
// calls and events.
const BuiltinInstance = config.BuiltinInstance

// roomMaker is the part of the built-in SFU the provisioner uses.
type roomMaker interface {
	CreateRoom(ctx context.Context, cfg sfu.RoomConfig) (uint64, error)
	DestroyRoom(ctx context.Context, id uint64) error
}

// rooms creates and destroys call rooms (queue.RoomProvisioner): on the
// Janus instance the pool chooses (VideoRoom "create" through the Admin
// API's message_plugin, with the instance's admin_key), or on the built-in
// SFU. MediaAuto prefers Janus and falls back to the SFU when no Janus
// instance is healthy or has capacity.
type rooms struct {
	pool    *pool.Pool // nil without Janus instances
	builtin roomMaker  // nil when sfu.enabled is false
	net     *builtinNet
	log     *slog.Logger
}

// CreateRoom implements queue.RoomProvisioner.
func (r *rooms) CreateRoom(ctx context.Context, req queue.RoomRequest) (queue.Room, error) {
	useJanus := req.Engine == queue.MediaJanus || (req.Engine == queue.MediaAuto && r.pool != nil)
	var janusErr error
	if useJanus {
		room, err := r.createJanus(ctx, req)
		if errors.Is(err, pool.ErrNoCapacity) && (req.Engine == queue.MediaJanus || r.builtin == nil) {
			err = fmt.Errorf("%w: %w", queue.ErrNoCapacity, err)
		}
		if err == nil || req.Engine == queue.MediaJanus || !errors.Is(err, pool.ErrNoCapacity) {
			return room, err
		}
		if r.builtin != nil {
			r.log.Warn("app: no Janus capacity, using the built-in SFU", "call_id", req.CallID)
		}
		janusErr = err
	}
	if r.builtin == nil {
		return queue.Room{}, noMediaEngine(req.Engine, janusErr)
	}
	id, err := r.builtin.CreateRoom(ctx, sfu.RoomConfig{
		Description: string("Frontdesk call " + req.CallID), Secret: req.Secret, PIN: req.PIN, Publishers: req.Publishers,
		IsPrivate: true, // hidden from VideoRoom "list", as on Janus
	})
	if err != nil {
		return queue.Room{}, fmt.Errorf("app: create room: %w", err)
	}
	return queue.Room{Engine: queue.MediaBuiltin, Instance: BuiltinInstance, ID: id, Secret: req.Secret, PIN: req.PIN,
		Addr: r.net.self}, nil
}

// ReasonNoMediaEngine is the problem "reason" of a call that no media
// engine can host (see noMediaEngine).
const ReasonNoMediaEngine = "no_media_engine"

// noMediaEngine is the refusal of a call on engine when the built-in SFU
// is off (sfu.enabled false) and Janus cannot take it either: janusErr is
// why Janus could not (nil when no Janus was tried). It is a problem
// document (503, reason [ReasonNoMediaEngine]) whose detail says which
// setting keeps the call from starting; the queue API returns it as is.
func noMediaEngine(engine queue.MediaEngine, janusErr error) error {
	var detail string
	switch {
	case engine == queue.MediaBuiltin:
		detail = "This queue's calls use the built-in SFU, which is turned off (sfu.enabled is false): " +
			"turn it on, or set the queue's media to janus or auto with a Janus instance configured."
	case janusErr != nil:
		detail = "No Janus instance can take the call now and the built-in SFU is turned off (sfu.enabled is false)."
	default:
		detail = "No media server can host the call: the built-in SFU is turned off (sfu.enabled is false) " +
			"and no Janus instance is configured."
	}
	cause := fmt.Errorf("app: create room: the built-in SFU is off: %w", queue.ErrNoCapacity)
	if janusErr != nil {
		cause = fmt.Errorf("%w; Janus: %w", cause, janusErr)
	}
	p := problem.New(http.StatusServiceUnavailable, detail).With("reason", ReasonNoMediaEngine).With("media", engine.String())
	p.Err = cause
	return p
}

func (r *rooms) createJanus(ctx context.Context, req queue.RoomRequest) (queue.Room, error) {
	if r.pool == nil {
		return queue.Room{}, fmt.Errorf("app: create room: no Janus instance configured: %w", pool.ErrNoCapacity)
	}
	for attempt := 0; ; attempt++ {
		id := idgen.Uint53() // browsers parse JSON numbers as doubles
		inst, err := r.pool.Place(ctx, id, max(req.Publishers, 2))
		if err != nil {
			return queue.Room{}, fmt.Errorf("app: create room: %w", err)
		}
		_, err = videoroom.Create(ctx, inst.Admin().PluginRequester(videoroom.Plugin), videoroom.CreateRequest{
			Room: id, Description: string("Frontdesk call " + req.CallID), Secret: req.Secret, Pin: req.PIN,
			Publishers: req.Publishers, AdminKey: inst.Config().AdminKey, IsPrivate: true,
		})
		if err == nil {
			return queue.Room{Engine: queue.MediaJanus, Instance: inst.Name(), ID: id, Secret: req.Secret, PIN: req.PIN}, nil
		}
		_ = r.pool.Release(ctx, id)
		if !errors.Is(err, &wire.PluginError{Code: videoroom.ErrCodeRoomExists}) || attempt == 3 {
			return queue.Room{}, fmt.Errorf("app: create room on %s: %w", inst.Name(), err)
		}
	}
}

// DestroyRoom implements queue.RoomProvisioner; a room already gone is
// fine. A built-in SFU room of another replica is destroyed there.
func (r *rooms) DestroyRoom(ctx context.Context, room queue.Room) error {
	switch room.Engine {
	case queue.MediaBuiltin:
		if !r.net.local(room.Addr) {
			if err := r.net.destroy(ctx, room.Addr, room.ID); err != nil {
				return fmt.Errorf("app: destroy room: %w", err)
			}
			return nil
		}
		if r.builtin == nil {
			return nil
		}
		if err := r.builtin.DestroyRoom(ctx, room.ID); err != nil && !errors.Is(err, sfu.ErrNoSuchRoom) {
			return fmt.Errorf("app: destroy room: %w", err)
		}
		return nil
	default:
		if r.pool == nil {
			return nil
		}
		inst, err := r.pool.Instance(room.Instance)
		if err != nil {
			// Not configured here, or down: the room died with its instance.
			_ = r.pool.Release(ctx, room.ID)
			return nil
		}
		err = videoroom.Destroy(ctx, inst.Admin().PluginRequester(videoroom.Plugin), room.ID, room.Secret)
		if err != nil && !errors.Is(err, &wire.PluginError{Code: videoroom.ErrCodeNoSuchRoom}) {
			return fmt.Errorf("app: destroy room on %s: %w", inst.Name(), err)
		}
		return r.pool.Release(ctx, room.ID)
	}
}
