package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/frontdesk/frontdesk/config"
	"github.com/frontdesk/frontdesk/idgen"
	"github.com/frontdesk/frontdesk/janus"
	"github.com/frontdesk/frontdesk/janus/pool"
	"github.com/frontdesk/frontdesk/janus/videoroom"
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
	builtin roomMaker  // nil when the SFU is off
	log     *slog.Logger
}

// CreateRoom implements queue.RoomProvisioner.
func (r *rooms) CreateRoom(ctx context.Context, req queue.RoomRequest) (queue.Room, error) {
	useJanus := req.Engine == queue.MediaJanus || (req.Engine == queue.MediaAuto && r.pool != nil)
	if useJanus {
		room, err := r.createJanus(ctx, req)
		if err == nil || req.Engine == queue.MediaJanus || !errors.Is(err, pool.ErrNoCapacity) {
			return room, err
		}
		r.log.Warn("app: no Janus capacity, using the built-in SFU", "call_id", req.CallID)
	}
	if r.builtin == nil {
		return queue.Room{}, fmt.Errorf("app: create room: the built-in SFU is off and no Janus instance can take the call")
	}
	id, err := r.builtin.CreateRoom(ctx, sfu.RoomConfig{
		Description: "Frontdesk call " + req.CallID, Secret: req.Secret, PIN: req.PIN, Publishers: req.Publishers,
		IsPrivate: true, // hidden from VideoRoom "list", as on Janus
	})
	if err != nil {
		return queue.Room{}, fmt.Errorf("app: create room: %w", err)
	}
	return queue.Room{Engine: queue.MediaBuiltin, Instance: BuiltinInstance, ID: id, Secret: req.Secret, PIN: req.PIN}, nil
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
			Room: id, Description: "Frontdesk call " + req.CallID, Secret: req.Secret, Pin: req.PIN,
			Publishers: req.Publishers, AdminKey: inst.Config().AdminKey, IsPrivate: true,
		})
		if err == nil {
			return queue.Room{Engine: queue.MediaJanus, Instance: inst.Name(), ID: id, Secret: req.Secret, PIN: req.PIN}, nil
		}
		_ = r.pool.Release(ctx, id)
		if !errors.Is(err, &janus.PluginError{Code: videoroom.ErrCodeRoomExists}) || attempt == 3 {
			return queue.Room{}, fmt.Errorf("app: create room on %s: %w", inst.Name(), err)
		}
	}
}

// DestroyRoom implements queue.RoomProvisioner; a room already gone is fine.
func (r *rooms) DestroyRoom(ctx context.Context, room queue.Room) error {
	switch room.Engine {
	case queue.MediaBuiltin:
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
		inst, err := r.pool.Lookup(room.ID)
		if err != nil {
			// Not placed (already released) or its instance died with it.
			_ = r.pool.Release(ctx, room.ID)
			return nil
		}
		err = videoroom.Destroy(ctx, inst.Admin().PluginRequester(videoroom.Plugin), room.ID, room.Secret)
		if err != nil && !errors.Is(err, &janus.PluginError{Code: videoroom.ErrCodeNoSuchRoom}) {
			return fmt.Errorf("app: destroy room on %s: %w", inst.Name(), err)
		}
		return r.pool.Release(ctx, room.ID)
	}
}
