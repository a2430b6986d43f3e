package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/frontdesk/frontdesk/bus"
	"github.com/frontdesk/frontdesk/callevent"
	"github.com/frontdesk/frontdesk/janus/events"
	"github.com/frontdesk/frontdesk/janus/pool"
	"github.com/frontdesk/frontdesk/queue"
)

// progressSink is the part of the queue engine that learns call progress.
type progressSink interface {
	CallProgress(ctx context.Context, p queue.Progress) error
}

// pumpProgress turns call steps on the bus (Janus event-handler events and
// the built-in SFU's call events alike) into queue call progress, and core
// started/shutdown events into pool liveness, until ctx ends. It owns sub
// and closes it.
//
// restarted (nil: none) is told the name of an instance whose core
// "started" event arrived: a Janus that started has no rooms, so the calls
// placed on it must move.
func pumpProgress(ctx context.Context, sub *bus.Subscription, q progressSink, p *pool.Pool, restarted func(string), log *slog.Logger) error {
	defer sub.Close()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-sub.C():
			if !ok {
				return nil
			}
			if ev.Type == events.TypeCore {
				if p != nil {
					switch events.CoreSubtype(ev.Subtype) {
					case events.SubtypeShutdown:
						p.ObserveShutdown(ev.Emitter)
					case events.SubtypeStarted:
						p.ObserveStarted(ctx, ev.Emitter)
						if restarted != nil {
							restarted(ev.Emitter)
						}
					}
				}
				continue
			}
			step, ok := ev.Call()
			if !ok {
				continue
			}
			var kind queue.ProgressKind
			switch step.Kind {
			case callevent.Joined:
				kind = queue.ProgressJoined
			case callevent.MediaUp:
				kind = queue.ProgressWebRTCUp
			case callevent.Left:
				kind = queue.ProgressLeaving
			case callevent.Hangup:
				kind = queue.ProgressHangup
			default:
				continue
			}
			// Janus events name their server_name, which must equal the
			// instance's configured name; the SFU emits as BuiltinInstance.
			instance := ev.Emitter
			room, feed := step.Room, step.Participant
			if room == 0 || feed == 0 {
				continue // not one of Frontdesk's numeric rooms
			}
			at := time.UnixMicro(ev.Timestamp)
			if err := q.CallProgress(ctx, queue.Progress{Kind: kind, Instance: instance,
				RoomID: room, FeedID: feed, At: at}); err != nil {
				log.Warn("app: call progress", "kind", kind.String(), "room", room, "err", err)
			}
		}
	}
}
