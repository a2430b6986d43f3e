package sfu

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/idgen"
	"github.com/frontdesk/frontdesk/janus/wire"
	"github.com/pion/webrtc/v4"
)

// vrHandle is the VideoRoom plugin state of one handle: a publisher-side
// participant or a subscriber, and the handle's PeerConnection.
type vrHandle struct {
	srv *Server
	h   *handle

	mu        sync.Mutex
	part      *participant
	sub       *subscriber
	pc        *webrtc.PeerConnection
	remoteSet bool
	pending   []webrtc.ICECandidateInit
}

// negotiationTimeout bounds ICE gathering before an SDP is sent.
const negotiationTimeout = 10 * time.Second

// message handles a VideoRoom request: synchronous requests return their
// reply data; asynchronous ones are queued on the handle's worker and
// answered with an event carrying the same transaction.
func (vr *vrHandle) message(tx string, raw json.RawMessage, jsep *wire.JSEP) (data any, start func()) {
	var b body
	if err := json.Unmarshal(raw, &b); err != nil || b == nil {
		return errData(roomCodeErr(RoomCodeInvalidJSON, "JSON error: not an object")), nil
	}
	req, rerr := b.str("request", true)
	if rerr != nil {
		return errData(rerr), nil
	}
	switch lower(req) {
	case "create":
		return vr.syncReply(vr.create(b))
	case "destroy":
		return vr.syncReply(vr.destroyRoom(b))
	case "exists":
		return vr.syncReply(vr.exists(b))
	case "listparticipants":
		return vr.syncReply(vr.listParticipants(b))
	case "list":
		return vr.syncReply(vr.listRooms())
	case "allowed":
		return vr.syncReply(vr.allowed(b))
	case "kick":
		return vr.syncReply(vr.kick(b))
	case "join", "joinandconfigure", "configure", "publish", "unpublish", "leave",
		"start", "pause", "switch", "update", "subscribe", "unsubscribe":
		return nil, func() {
			ok := vr.h.enqueue(func() {
				data, answer, err := vr.async(lower(req), tx, b, jsep)
				if err != nil {
					vr.h.pushEvent(tx, errData(err), nil)
					return
				}
				vr.h.pushEvent(tx, data, answer)
			})
			if !ok {
				vr.h.pushEvent(tx, errData(roomCodeErr(RoomCodeUnknownError, "Handle is busy or gone")), nil)
			}
		}
	default:
		return errData(roomCodeErr(RoomCodeInvalidRequest, "Unknown request '%s'", req)), nil
	}
}

func (vr *vrHandle) syncReply(data map[string]any, err *RoomError) (any, func()) {
	if err != nil {
		return errData(err), nil
	}
	return data, nil
}

func asRoomError(err error) *RoomError {
	var re *RoomError
	if errors.As(err, &re) {
		return re
	}
	return roomCodeErr(RoomCodeUnknownError, "%v", err)
}

// roomFor resolves the "room" field of a request.
func (vr *vrHandle) roomFor(b body) (*room, *RoomError) {
	id, err := b.u64("room", true)
	if err != nil {
		return nil, err
	}
	r := vr.srv.room(id)
	if r == nil {
		return nil, roomErr(ErrNoSuchRoom, "No such room (%d)", id)
	}
	return r, nil
}

// checkSecret is Janus's JANUS_CHECK_SECRET: nothing to check when the
// room has no such secret, 429 when missing, 433 when wrong.
func checkSecret(want string, b body, name string) *RoomError {
	if want == "" {
		return nil
	}
	got, err := b.str(name, true)
	if err != nil {
		return err
	}
	if !secretOK(want, got) {
		return roomErr(ErrUnauthorized, "Unauthorized (wrong %s)", name)
	}
	return nil
}

func (vr *vrHandle) create(b body) (map[string]any, *RoomError) {
	if err := checkSecret(vr.srv.cfg.AdminKey, b, "admin_key"); err != nil {
		return nil, err
	}
	var cfg RoomConfig
	var err *RoomError
	if cfg.ID, err = b.u64("room", false); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"description", &cfg.Description}, {"secret", &cfg.Secret}, {"pin", &cfg.PIN}, {"audiocodec", &cfg.AudioCodec}, {"videocodec", &cfg.VideoCodec}} {
		if *f.dst, err = b.str(f.name, false); err != nil {
			return nil, err
		}
	}
	if cfg.IsPrivate, _, err = b.boolean("is_private"); err != nil {
		return nil, err
	}
	if cfg.NotifyJoining, _, err = b.boolean("notify_joining"); err != nil {
		return nil, err
	}
	pubs, err := b.u64("publishers", false)
	if err != nil {
		return nil, err
	}
	cfg.Publishers = int(pubs)
	bitrate, err := b.u64("bitrate", false)
	if err != nil {
		return nil, err
	}
	cfg.Bitrate = uint32(bitrate)
	if allowed, ok, err := b.strings("allowed"); err != nil {
		return nil, err
	} else if ok {
		cfg.Allowed = allowed
	}
	r, cerr := vr.srv.createRoom(cfg)
	if cerr != nil {
		return nil, asRoomError(cerr)
	}
	return map[string]any{"videoroom": "created", "room": r.cfg.ID, "permanent": false}, nil
}

func (vr *vrHandle) destroyRoom(b body) (map[string]any, *RoomError) {
	r, err := vr.roomFor(b)
	if err != nil {
		return nil, err
	}
	if err := checkSecret(r.cfg.Secret, b, "secret"); err != nil {
		return nil, err
	}
	vr.srv.mu.Lock()
	if vr.srv.rooms[r.cfg.ID] == r {
		delete(vr.srv.rooms, r.cfg.ID)
		vr.srv.forgetRoomTokensLocked(r.cfg.ID)
	}
	vr.srv.mu.Unlock()
	r.destroy()
	return map[string]any{"videoroom": "destroyed", "room": r.cfg.ID, "permanent": false}, nil
}

func (vr *vrHandle) exists(b body) (map[string]any, *RoomError) {
	id, err := b.u64("room", true)
	if err != nil {
		return nil, err
	}
	return map[string]any{"videoroom": "success", "room": id, "exists": vr.srv.room(id) != nil}, nil
}

func (vr *vrHandle) listParticipants(b body) (map[string]any, *RoomError) {
	r, err := vr.roomFor(b)
	if err != nil {
		return nil, err
	}
	return map[string]any{"videoroom": "participants", "room": r.cfg.ID, "participants": r.list()}, nil
}

func (vr *vrHandle) listRooms() (map[string]any, *RoomError) {
	vr.srv.mu.Lock()
	rooms := make([]*room, 0, len(vr.srv.rooms))
	for _, r := range vr.srv.rooms {
		rooms = append(rooms, r)
	}
	vr.srv.mu.Unlock()
	list := []map[string]any{}
	for _, r := range rooms {
		if r.cfg.IsPrivate {
			continue
		}
		r.mu.Lock()
		n := len(r.participants)
		r.mu.Unlock()
		list = append(list, map[string]any{
			"room": r.cfg.ID, "description": r.cfg.Description, "pin_required": r.cfg.PIN != "",
			"max_publishers": r.cfg.Publishers, "bitrate": r.cfg.Bitrate, "num_participants": n,
			"audiocodec": r.cfg.AudioCodec, "videocodec": r.cfg.VideoCodec,
		})
	}
	return map[string]any{"videoroom": "success", "list": list}, nil
}

// allowed edits a room's token list (VideoRoom "allowed": action
// enable|disable|add|remove).
func (vr *vrHandle) allowed(b body) (map[string]any, *RoomError) {
	r, err := vr.roomFor(b)
	if err != nil {
		return nil, err
	}
	if err := checkSecret(r.cfg.Secret, b, "secret"); err != nil {
		return nil, err
	}
	action, err := b.str("action", true)
	if err != nil {
		return nil, err
	}
	list, _, err := b.strings("allowed")
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch action {
	case "enable":
		if r.cfg.Allowed == nil {
			r.cfg.Allowed = []string{}
		}
	case "disable":
		r.cfg.Allowed = nil
	case "add":
		if r.cfg.Allowed == nil {
			r.cfg.Allowed = []string{}
		}
		r.cfg.Allowed = append(r.cfg.Allowed, list...)
	case "remove":
		out := r.cfg.Allowed[:0:0]
		for _, t := range r.cfg.Allowed {
			keep := true
			for _, d := range list {
				keep = keep && d != t
			}
			if keep {
				out = append(out, t)
			}
		}
		if r.cfg.Allowed != nil {
			r.cfg.Allowed = out
		}
	default:
		return nil, roomCodeErr(RoomCodeInvalidElement, "Unsupported action '%s'", action)
	}
	resp := map[string]any{"videoroom": "success", "room": r.cfg.ID}
	if r.cfg.Allowed != nil {
		resp["allowed"] = append([]string{}, r.cfg.Allowed...)
	}
	return resp, nil
}

func (vr *vrHandle) kick(b body) (map[string]any, *RoomError) {
	r, err := vr.roomFor(b)
	if err != nil {
		return nil, err
	}
	if err := checkSecret(r.cfg.Secret, b, "secret"); err != nil {
		return nil, err
	}
	id, err := b.u64("id", true)
	if err != nil {
		return nil, err
	}
	if err := vr.srv.Kick(context.Background(), r.cfg.ID, id); err != nil {
		return nil, asRoomError(err)
	}
	return map[string]any{"videoroom": "success"}, nil
}

// async runs an asynchronous request on the handle's worker.
func (vr *vrHandle) async(req, tx string, b body, jsep *wire.JSEP) (map[string]any, *wire.JSEP, *RoomError) {
	vr.mu.Lock()
	p, sub := vr.part, vr.sub
	vr.mu.Unlock()
	switch {
	case p != nil:
		switch req {
		case "join", "joinandconfigure":
			return nil, nil, roomCodeErr(RoomCodeAlreadyJoined, "Already in as a publisher on this handle")
		case "configure", "publish":
			return vr.publish(p, req, b, jsep)
		case "unpublish":
			if !vr.unpublish(p, "Unpublished") {
				return nil, nil, roomCodeErr(RoomCodeNotPublished, "Can't unpublish, not published")
			}
			return map[string]any{"videoroom": "event", "room": p.room.cfg.ID, "unpublished": "ok"}, nil, nil
		case "leave":
			vr.leave(p, "ok")
			return map[string]any{"videoroom": "event", "room": p.room.cfg.ID, "leaving": "ok"}, nil, nil
		default:
			return nil, nil, roomCodeErr(RoomCodeInvalidRequest, "Unknown request '%s'", req)
		}
	case sub != nil:
		switch req {
		case "join", "joinandconfigure":
			return nil, nil, roomCodeErr(RoomCodeAlreadyJoined, "Already in as a subscriber on this handle")
		case "start":
			return sub.start(jsep)
		case "pause":
			sub.setPaused(true)
			return map[string]any{"videoroom": "event", "room": sub.room.cfg.ID, "paused": "ok"}, nil, nil
		case "configure":
			return sub.configure(b)
		case "switch":
			return sub.switchStreams(b)
		case "update", "subscribe", "unsubscribe":
			return sub.update(req, b)
		case "leave":
			vr.dropSubscriber(sub)
			return map[string]any{"videoroom": "event", "room": sub.room.cfg.ID, "left": "ok"}, nil, nil
		default:
			return nil, nil, roomCodeErr(RoomCodeInvalidRequest, "Unknown request '%s'", req)
		}
	}
	switch req {
	case "join", "joinandconfigure":
	default:
		return nil, nil, roomCodeErr(RoomCodeJoinFirst, "Can't handle requests of type '%s' before joining", req)
	}
	ptype, err := b.str("ptype", true)
	if err != nil {
		return nil, nil, err
	}
	r, err := vr.roomFor(b)
	if err != nil {
		return nil, nil, err
	}
	if err := checkSecret(r.cfg.PIN, b, "pin"); err != nil {
		return nil, nil, err
	}
	switch ptype {
	case "publisher":
		token, err := b.str("token", false)
		if err != nil {
			return nil, nil, err
		}
		if !r.tokenAllowed(token) {
			return nil, nil, roomErr(ErrUnauthorized, "Unauthorized (not in the allowed list)")
		}
		return vr.joinPublisher(r, req, b, jsep)
	case "subscriber", "listener":
		return vr.joinSubscriber(r, b)
	default:
		return nil, nil, roomCodeErr(RoomCodeInvalidElement, "Invalid element (ptype)")
	}
}

func (vr *vrHandle) joinPublisher(r *room, req string, b body, jsep *wire.JSEP) (map[string]any, *wire.JSEP, *RoomError) {
	id, err := b.u64("id", false)
	if err != nil {
		return nil, nil, err
	}
	display, err := b.str("display", false)
	if err != nil {
		return nil, nil, err
	}
	p := &participant{id: id, display: display, room: r, vr: vr, privateID: rand.Uint32()}
	r.mu.Lock()
	if r.destroyed {
		r.mu.Unlock()
		return nil, nil, roomErr(ErrNoSuchRoom, "No such room (%d)", r.cfg.ID)
	}
	if id != 0 && r.participants[id] != nil {
		r.mu.Unlock()
		return nil, nil, roomErr(ErrIDExists, "User ID %d already exists", id)
	}
	for p.id == 0 || r.participants[p.id] != nil {
		p.id = idgen.Uint53()
	}
	attendees := []map[string]any{}
	for _, o := range r.participants {
		if o.feed == nil || !o.active {
			a := map[string]any{"id": o.id}
			if o.display != "" {
				a["display"] = o.display
			}
			attendees = append(attendees, a)
		}
	}
	r.participants[p.id] = p
	r.mu.Unlock()
	vr.mu.Lock()
	vr.part = p
	vr.mu.Unlock()

	resp := map[string]any{
		"videoroom": "joined", "room": r.cfg.ID, "description": r.cfg.Description,
		"id": p.id, "private_id": p.privateID, "publishers": r.publisherList(p.id),
	}
	if r.cfg.NotifyJoining {
		resp["attendees"] = attendees
		j := map[string]any{"id": p.id}
		if display != "" {
			j["display"] = display
		}
		r.broadcast(p.id, map[string]any{"videoroom": "event", "room": r.cfg.ID, "joining": j})
	}
	vr.srv.emitEvent(step{Type: stepJoined, SessionID: vr.h.sess.id, HandleID: vr.h.id, OpaqueID: vr.h.opaque, Room: r.cfg.ID, Participant: p.id, Display: display})
	if req == "joinandconfigure" && jsep != nil {
		data, answer, perr := vr.publish(p, "publish", b, jsep)
		if perr != nil {
			return nil, nil, perr
		}
		for k, v := range data {
			if k != "videoroom" && k != "configured" {
				resp[k] = v
			}
		}
		return resp, answer, nil
	}
	return resp, nil, nil
}

// leave removes a participant from its room (unpublishing first) and tells
// the others; reason is "ok" for a request, "kicked" or "detached".
func (vr *vrHandle) leave(p *participant, reason string) {
	vr.unpublish(p, "Leaving")
	r := p.room
	r.mu.Lock()
	present := r.participants[p.id] == p
	if present {
		delete(r.participants, p.id)
	}
	r.mu.Unlock()
	vr.mu.Lock()
	if vr.part == p {
		vr.part = nil
	}
	vr.mu.Unlock()
	if !present {
		return
	}
	if reason == "kicked" {
		r.broadcast(p.id, map[string]any{"videoroom": "event", "room": r.cfg.ID, "kicked": p.id})
	} else {
		// Janus tells the room about every participant that leaves,
		// publishing or not (checked against Janus 1.1.2).
		ev := map[string]any{"videoroom": "event", "room": r.cfg.ID, "leaving": p.id}
		if p.display != "" {
			ev["display"] = p.display
		}
		r.broadcast(p.id, ev)
	}
	vr.srv.emitEvent(step{Type: stepLeaving, SessionID: vr.h.sess.id, HandleID: vr.h.id, OpaqueID: vr.h.opaque, Room: r.cfg.ID, Participant: p.id, Display: p.display, Reason: reason})
}

// dropParticipant tears a participant down without telling the room (the
// room is being destroyed).
func (vr *vrHandle) dropParticipant(p *participant) {
	p.room.mu.Lock()
	f := p.feed
	p.feed, p.active = nil, false
	p.room.mu.Unlock()
	if f != nil {
		f.close()
		vr.closePC(f.pc, "Room destroyed")
	}
	vr.mu.Lock()
	if vr.part == p {
		vr.part = nil
	}
	vr.mu.Unlock()
}

// destroy runs when the handle is detached or its session destroyed.
func (vr *vrHandle) destroy() {
	vr.mu.Lock()
	p, sub := vr.part, vr.sub
	vr.mu.Unlock()
	if p != nil {
		vr.leave(p, "detached")
	}
	if sub != nil {
		vr.dropSubscriber(sub)
	}
	vr.mu.Lock()
	pc := vr.pc
	vr.mu.Unlock()
	if pc != nil {
		vr.closePC(pc, "Detach")
	}
}

// hangup closes the handle's PeerConnection (Janus API "hangup", ICE
// failure): a publisher unpublishes, a subscriber is removed.
func (vr *vrHandle) hangup(reason string) {
	vr.mu.Lock()
	p, sub := vr.part, vr.sub
	vr.mu.Unlock()
	if p != nil {
		vr.unpublish(p, reason)
	}
	if sub != nil {
		vr.dropSubscriber(sub)
	}
}

// newPC creates a PeerConnection whose state changes drive webrtcup and
// hangup notifications for this handle.
func (vr *vrHandle) newPC() (*webrtc.PeerConnection, error) {
	pc, err := vr.srv.api.NewPeerConnection(pcConfig(vr.srv.cfg))
	if err != nil {
		return nil, err
	}
	var up sync.Once
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		switch st {
		case webrtc.PeerConnectionStateConnected:
			up.Do(func() { vr.webrtcUp(pc) })
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
			// closePC forgets pc before closing it, so a PeerConnection
			// still current here was failed or closed by the peer.
			reason := "ICE failed"
			if st == webrtc.PeerConnectionStateClosed {
				reason = "DTLS alert"
			}
			vr.srv.goOwned(func() {
				vr.mu.Lock()
				current := vr.pc == pc
				vr.mu.Unlock()
				if current {
					vr.hangup(reason)
				}
			})
		}
	})
	return pc, nil
}

// setPC makes pc the handle's PeerConnection; remote tells whether its
// remote description is set, in which case queued trickles are applied.
func (vr *vrHandle) setPC(pc *webrtc.PeerConnection, remote bool) {
	vr.mu.Lock()
	if vr.pc != pc {
		vr.pc = pc
		vr.remoteSet = false
	}
	var flush []webrtc.ICECandidateInit
	if remote && !vr.remoteSet {
		vr.remoteSet = true
		flush, vr.pending = vr.pending, nil
	}
	vr.mu.Unlock()
	for _, c := range flush {
		if err := pc.AddICECandidate(c); err != nil {
			vr.srv.log.Debug("queued trickle rejected", "handle", vr.h.id, "err", err)
		}
	}
}

// trickle applies or queues trickled candidates (Janus queues early
// trickles the same way).
func (vr *vrHandle) trickle(cands []candidate) {
	for _, c := range cands {
		if c.Completed || c.Candidate == "" {
			continue
		}
		init := webrtc.ICECandidateInit{Candidate: c.Candidate, SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex}
		vr.mu.Lock()
		pc, ready := vr.pc, vr.remoteSet
		if pc == nil || !ready {
			if len(vr.pending) < 64 {
				vr.pending = append(vr.pending, init)
			}
			vr.mu.Unlock()
			continue
		}
		vr.mu.Unlock()
		if err := pc.AddICECandidate(init); err != nil {
			vr.srv.log.Debug("trickle rejected", "handle", vr.h.id, "err", err)
		}
	}
}

// closePC closes pc and sends the "hangup" notification once.
func (vr *vrHandle) closePC(pc *webrtc.PeerConnection, reason string) {
	if pc == nil {
		return
	}
	vr.mu.Lock()
	if vr.pc == pc {
		vr.pc, vr.remoteSet, vr.pending = nil, false, nil
	}
	vr.mu.Unlock()
	if pc.ConnectionState() == webrtc.PeerConnectionStateClosed {
		return
	}
	if err := pc.Close(); err != nil {
		vr.srv.log.Debug("close peer connection", "handle", vr.h.id, "err", err)
	}
	vr.h.pushCore(wire.Message{Janus: "hangup", Reason: reason})
	room, part := vr.ids()
	vr.srv.emitEvent(step{Type: stepHangup, SessionID: vr.h.sess.id, HandleID: vr.h.id, OpaqueID: vr.h.opaque, Room: room, Participant: part, Reason: reason})
}

func (vr *vrHandle) ids() (room, part uint64) {
	vr.mu.Lock()
	defer vr.mu.Unlock()
	if vr.part != nil {
		return vr.part.room.cfg.ID, vr.part.id
	}
	if vr.sub != nil {
		return vr.sub.room.cfg.ID, 0
	}
	return 0, 0
}

// webrtcUp runs once when pc connects: first the role's own start
// (announce a publisher, start a subscriber), then "webrtcup" to the
// client, in the order Janus's core runs setup_media and the notification.
func (vr *vrHandle) webrtcUp(pc *webrtc.PeerConnection) {
	vr.mu.Lock()
	p, sub := vr.part, vr.sub
	vr.mu.Unlock()
	if p != nil {
		p.announce(pc)
	}
	if sub != nil && sub.pc == pc {
		sub.connected()
	}
	vr.h.pushCore(wire.Message{Janus: "webrtcup"})
	room, part := vr.ids()
	vr.srv.emitEvent(step{Type: stepWebRTCUp, SessionID: vr.h.sess.id, HandleID: vr.h.id, OpaqueID: vr.h.opaque, Room: room, Participant: part})
}
