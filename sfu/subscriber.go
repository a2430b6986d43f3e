package sfu

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/frontdesk/frontdesk/janus/wire"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// subscriber is a VideoRoom subscriber handle: one PeerConnection carrying
// any number of streams from any publishers of the room, with its own
// bounded packet queue and writer goroutine.
type subscriber struct {
	vr   *vrHandle
	room *room
	pc   *webrtc.PeerConnection

	mu      sync.Mutex
	streams []*subStream
	started bool
	paused  bool
	up      bool
	closed  bool

	queue chan outPacket
	stop  chan struct{}
	done  chan struct{}

	lossMu    sync.Mutex
	lossStart time.Time // start of the current one-second loss window
	lossCount uint32    // packets NACKed in the window
	lastSlow  time.Time // last slowlink sent
}

type outPacket struct {
	ss    *subStream
	pkt   *rtp.Packet
	layer int
}

// subStream is one m-line of a subscription.
type subStream struct {
	sub    *subscriber
	mindex int
	mid    string
	kind   webrtc.RTPCodecType

	track  *webrtc.TrackLocalStaticRTP
	sender *webrtc.RTPSender

	src         atomic.Pointer[pubStream]
	feedID      atomic.Uint64
	feedMID     atomic.Value // string
	feedDisplay atomic.Value // string
	send        atomic.Bool  // "send" of configure
	forwarding  atomic.Bool  // send && started && !paused && up && has source
	target      atomic.Int32 // simulcast substream wanted

	// removed is set once the m-line was made inactive (source gone).
	removed bool // guarded by sub.mu

	// writer goroutine state
	curLayer  int
	srcSSRC   uint32
	haveOut   bool
	seqOffset uint16
	tsOffset  uint32
	lastSeq   uint16
	lastTS    uint32
	codec     string
}

// enqueue hands a packet to the subscriber's writer; a full queue drops
// the packet (counted) so one slow subscriber cannot stall the publisher.
func (sub *subscriber) enqueue(ss *subStream, pkt *rtp.Packet, layer int) {
	if !ss.forwarding.Load() {
		return
	}
	select {
	case sub.queue <- outPacket{ss: ss, pkt: pkt, layer: layer}:
	default:
		sub.vr.srv.stats.dropped.Add(1)
	}
}

// write runs on the writer goroutine.
func (sub *subscriber) write() {
	defer close(sub.done)
	for {
		select {
		case <-sub.stop:
			return
		case o := <-sub.queue:
			o.ss.write(o.pkt, o.layer)
		}
	}
}

// write forwards one packet: simulcast layer selection, sequence number
// and timestamp rewriting across source changes, header extensions
// stripped (their ids were negotiated with the publisher).
func (ss *subStream) write(pkt *rtp.Packet, layer int) {
	src := ss.src.Load()
	if src == nil || !ss.forwarding.Load() {
		return
	}
	if src.simulcast {
		want := int(ss.target.Load())
		for want > 0 && !src.receiving(want) {
			want--
		}
		if layer != ss.curLayer {
			if layer != want {
				return
			}
			if !isKeyframe(ss.codec, pkt.Payload) {
				src.requestKeyframe(layer)
				return
			}
			ss.curLayer = layer
		} else if want != ss.curLayer {
			src.requestKeyframe(want)
		}
	}
	if pkt.SSRC != ss.srcSSRC {
		if ss.haveOut {
			ss.seqOffset = ss.lastSeq + 1 - pkt.SequenceNumber
			ss.tsOffset = ss.lastTS + 1 - pkt.Timestamp
		}
		ss.srcSSRC = pkt.SSRC
	}
	out := rtp.Packet{Header: pkt.Header, Payload: pkt.Payload, PaddingSize: pkt.PaddingSize}
	out.Extension = false
	out.Extensions = nil
	out.SequenceNumber += ss.seqOffset
	out.Timestamp += ss.tsOffset
	if !ss.haveOut || int16(out.SequenceNumber-ss.lastSeq) > 0 {
		ss.lastSeq, ss.lastTS = out.SequenceNumber, out.Timestamp
		ss.haveOut = true
	}
	if err := ss.track.WriteRTP(&out); err == nil {
		ss.sub.vr.srv.stats.forwarded.Add(1)
	}
}

// refresh recomputes whether the stream forwards.
func (ss *subStream) refresh(started, paused, up bool) {
	ss.forwarding.Store(ss.send.Load() && started && !paused && up && ss.src.Load() != nil)
}

func (sub *subscriber) refreshAll() {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	for _, ss := range sub.streams {
		ss.refresh(sub.started, sub.paused, sub.up && !sub.closed)
	}
}

// detachSource is called when the publisher stream goes away.
func (ss *subStream) detachSource(ps *pubStream) {
	if ss.src.CompareAndSwap(ps, nil) {
		ss.forwarding.Store(false)
	}
}

// describe is a stream entry of attached/updated/switched (Janus 1.x);
// a stream whose publisher went away is listed as inactive, without feed
// fields, as Janus does.
func (ss *subStream) describe() map[string]any {
	src := ss.src.Load()
	m := map[string]any{
		"mindex": ss.mindex, "mid": ss.mid, "type": ss.kind.String(),
		"active": src != nil, "send": ss.send.Load(), "ready": ss.forwarding.Load(),
	}
	if src == nil {
		return m
	}
	m["feed_id"] = ss.feedID.Load()
	if v, _ := ss.feedMID.Load().(string); v != "" {
		m["feed_mid"] = v
	}
	if v, _ := ss.feedDisplay.Load().(string); v != "" {
		m["feed_display"] = v
	}
	m["codec"] = codecName(src.codec.MimeType)
	if src.simulcast {
		m["simulcast"] = map[string]any{"substream": ss.curLayerSafe(), "temporal": 0}
	}
	return m
}

func (ss *subStream) curLayerSafe() int { return int(ss.target.Load()) }

func (sub *subscriber) describe() []map[string]any {
	sub.mu.Lock()
	streams := append([]*subStream(nil), sub.streams...)
	sub.mu.Unlock()
	out := make([]map[string]any, 0, len(streams))
	for _, ss := range streams {
		if ss.track != nil {
			out = append(out, ss.describe())
		}
	}
	return out
}

// resolve turns stream specs into publisher streams (428 for unknown feeds
// or feeds not publishing, like Janus).
func (r *room) resolve(specs []streamSpec) ([]*pubStream, []*participant, *RoomError) {
	var streams []*pubStream
	var owners []*participant
	for _, sp := range specs {
		id := sp.feed()
		if id == 0 {
			return nil, nil, missing("feed")
		}
		r.mu.Lock()
		p := r.participants[id]
		var f *feed
		if p != nil && p.active {
			f = p.feed
		}
		r.mu.Unlock()
		if f == nil {
			return nil, nil, roomErr(ErrNoSuchFeed, "No such feed (%d)", id)
		}
		if sp.MID != "" {
			ps := f.stream(sp.MID)
			if ps == nil {
				return nil, nil, roomErr(ErrNoSuchFeed, "No such mid '%s' in feed (%d)", sp.MID, id)
			}
			streams, owners = append(streams, ps), append(owners, p)
			continue
		}
		for _, ps := range f.allStreams() {
			streams, owners = append(streams, ps), append(owners, p)
		}
	}
	return streams, owners, nil
}

// joinSubscriber handles a subscriber "join": a PeerConnection with one
// sendonly m-line per requested stream and an "attached" event with the
// SDP offer.
func (vr *vrHandle) joinSubscriber(r *room, b body) (map[string]any, *wire.JSEP, *RoomError) {
	specs, err := b.streams("streams", false)
	if err != nil {
		return nil, nil, err
	}
	if specs == nil {
		feedID, err := b.u64("feed", false)
		if err != nil {
			return nil, nil, err
		}
		if feedID == 0 {
			return nil, nil, missing("streams")
		}
		specs = []streamSpec{{Feed: feedID}}
	}
	if len(specs) == 0 {
		return nil, nil, roomCodeErr(RoomCodeInvalidElement, "Invalid element (streams should be a non-empty array)")
	}
	srcs, owners, err := r.resolve(specs)
	if err != nil {
		return nil, nil, err
	}
	pc, perr := vr.newPC()
	if perr != nil {
		return nil, nil, roomCodeErr(RoomCodeUnknownError, "PeerConnection: %v", perr)
	}
	sub := &subscriber{
		vr: vr, room: r, pc: pc,
		queue: make(chan outPacket, vr.srv.cfg.SubscriberQueue),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	if err := sub.addStreams(srcs, owners, specs); err != nil {
		_ = pc.Close()
		return nil, nil, roomCodeErr(RoomCodeUnknownError, "%v", err)
	}
	offer, oerr := vr.localDescription(pc, true)
	if oerr != nil {
		_ = pc.Close()
		return nil, nil, roomCodeErr(RoomCodeUnknownError, "Error creating offer: %v", oerr)
	}
	sub.assignMIDs()
	r.mu.Lock()
	if r.destroyed {
		r.mu.Unlock()
		_ = pc.Close()
		return nil, nil, roomErr(ErrNoSuchRoom, "No such room (%d)", r.cfg.ID)
	}
	r.subscribers[sub] = struct{}{}
	r.mu.Unlock()
	vr.mu.Lock()
	vr.sub = sub
	vr.mu.Unlock()
	vr.setPC(pc, false)
	if !vr.srv.goOwned(sub.write) {
		close(sub.done) // closing: no writer, nothing to wait for
	}
	sub.mu.Lock()
	for _, ss := range sub.streams {
		if src := ss.src.Load(); src != nil {
			src.addSink(ss)
		}
	}
	sub.mu.Unlock()
	vr.srv.emitEvent(step{Type: stepSubscribed, SessionID: vr.h.sess.id, HandleID: vr.h.id, OpaqueID: vr.h.opaque, Room: r.cfg.ID, Participant: owners[0].id})
	return map[string]any{"videoroom": "attached", "room": r.cfg.ID, "streams": sub.describe()}, &wire.JSEP{Type: "offer", SDP: offer.SDP}, nil
}

// addStreams adds one sendonly transceiver per source stream.
func (sub *subscriber) addStreams(srcs []*pubStream, owners []*participant, specs []streamSpec) error {
	for i, ps := range srcs {
		ss := &subStream{sub: sub, kind: ps.kind, curLayer: -1, codec: codecName(ps.codec.MimeType)}
		ss.target.Store(maxLayers - 1)
		ss.send.Store(true)
		for _, sp := range specs {
			if sp.feed() == owners[i].id && (sp.MID == "" || sp.MID == ps.mid) {
				if sp.Substream != nil {
					ss.target.Store(int32(*sp.Substream))
				}
				if sp.Send != nil && !*sp.Send {
					ss.send.Store(false)
				}
			}
		}
		if err := sub.bind(ss, ps, owners[i]); err != nil {
			return err
		}
		track, err := webrtc.NewTrackLocalStaticRTP(ps.codec, fmt.Sprintf("%s-%d", ps.kind, len(sub.streams)), strconv.FormatUint(owners[i].id, 10))
		if err != nil {
			return err
		}
		tr, err := sub.pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
		if err != nil {
			return err
		}
		ss.track, ss.sender = track, tr.Sender()
		sub.mu.Lock()
		ss.mindex = len(sub.streams)
		sub.streams = append(sub.streams, ss)
		sub.mu.Unlock()
		sender := tr.Sender()
		sub.vr.srv.goOwned(func() { ss.readRTCP(sender) })
	}
	return nil
}

// bind points a subscription stream at a source (before or during forwarding).
func (sub *subscriber) bind(ss *subStream, ps *pubStream, owner *participant) error {
	ss.src.Store(ps)
	ss.feedID.Store(owner.id)
	ss.feedMID.Store(ps.mid)
	owner.room.mu.Lock()
	ss.feedDisplay.Store(owner.display)
	owner.room.mu.Unlock()
	return nil
}

// assignMIDs records the mids pion gave the transceivers.
func (sub *subscriber) assignMIDs() {
	trs := sub.pc.GetTransceivers()
	sub.mu.Lock()
	defer sub.mu.Unlock()
	for _, ss := range sub.streams {
		for i, tr := range trs {
			if tr.Sender() == ss.sender {
				ss.mid = tr.Mid()
				ss.mindex = i
			}
		}
	}
}

// readRTCP handles feedback from the subscriber for one stream: PLI and
// FIR go to the publisher, NACKs are counted (pion's responder already
// retransmitted) and raise "slowlink" when frequent.
func (ss *subStream) readRTCP(sender *webrtc.RTPSender) {
	srv := ss.sub.vr.srv
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch fb := p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				if src := ss.src.Load(); src != nil {
					src.requestKeyframe(int(ss.target.Load()))
				}
			case *rtcp.TransportLayerNack:
				srv.stats.nacks.Add(1)
				lost := uint32(0)
				for _, pair := range fb.Nacks {
					lost += uint32(len(pair.PacketList()))
				}
				ss.sub.slowlink(ss, lost)
			}
		}
	}
}

// slowlinkThreshold is how many packets a subscriber may NACK in one
// second before "slowlink" is sent; at most one every slowlinkEvery.
const (
	slowlinkThreshold = 20
	slowlinkEvery     = 5 * time.Second
)

// slowlink sends Janus's "slowlink" notification when a subscriber NACKs
// many packets (uplink false: packets the SFU sends are being lost).
func (sub *subscriber) slowlink(ss *subStream, lost uint32) {
	now := time.Now()
	sub.lossMu.Lock()
	if now.Sub(sub.lossStart) > time.Second {
		sub.lossStart, sub.lossCount = now, 0
	}
	sub.lossCount += lost
	total := sub.lossCount
	fire := total >= slowlinkThreshold && now.Sub(sub.lastSlow) >= slowlinkEvery
	if fire {
		sub.lastSlow, sub.lossCount = now, 0
	}
	sub.lossMu.Unlock()
	if !fire {
		return
	}
	f := false
	sub.vr.h.pushCore(wire.Message{Janus: "slowlink", Mid: ss.mid, Media: ss.kind.String(), Uplink: &f, Lost: int(total)})
}

// start handles "start": with an SDP answer it completes negotiation, and
// it resumes a paused subscription.
func (sub *subscriber) start(jsep *wire.JSEP) (map[string]any, *wire.JSEP, *RoomError) {
	if jsep != nil {
		if jsep.Type != "answer" {
			return nil, nil, roomCodeErr(RoomCodeInvalidSDPType, "Unsupported SDP type '%s'", jsep.Type)
		}
		if err := sub.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: jsep.SDP}); err != nil {
			return nil, nil, roomCodeErr(RoomCodeInvalidSDP, "Error parsing answer: %v", err)
		}
		sub.vr.setPC(sub.pc, true)
	}
	sub.mu.Lock()
	sub.started, sub.paused = true, false
	sub.mu.Unlock()
	sub.refreshAll()
	sub.keyframes()
	return map[string]any{"videoroom": "event", "room": sub.room.cfg.ID, "started": "ok"}, nil, nil
}

func (sub *subscriber) setPaused(p bool) {
	sub.mu.Lock()
	sub.paused = p
	sub.mu.Unlock()
	sub.refreshAll()
	if !p {
		sub.keyframes()
	}
}

// connected runs at the subscriber's webrtcup.
func (sub *subscriber) connected() {
	sub.mu.Lock()
	sub.up = true
	sub.mu.Unlock()
	sub.refreshAll()
	sub.keyframes()
}

func (sub *subscriber) keyframes() {
	sub.mu.Lock()
	streams := append([]*subStream(nil), sub.streams...)
	sub.mu.Unlock()
	for _, ss := range streams {
		if src := ss.src.Load(); src != nil && ss.forwarding.Load() {
			src.lastPLI.Store(0)
			src.requestKeyframe(int(ss.target.Load()))
		}
	}
}

func (sub *subscriber) streamByMID(mid string) *subStream {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	for _, ss := range sub.streams {
		if ss.mid == mid && ss.track != nil {
			return ss
		}
	}
	return nil
}

// configure handles a subscriber "configure": substream and per-stream send.
func (sub *subscriber) configure(b body) (map[string]any, *wire.JSEP, *RoomError) {
	specs, err := b.streams("streams", false)
	if err != nil {
		return nil, nil, err
	}
	substream, err := b.u64("substream", false)
	if err != nil {
		return nil, nil, err
	}
	if b.has("substream") {
		sub.mu.Lock()
		for _, ss := range sub.streams {
			ss.target.Store(int32(min(substream, maxLayers-1)))
		}
		sub.mu.Unlock()
	}
	for _, sp := range specs {
		ss := sub.streamByMID(sp.MID)
		if ss == nil {
			continue
		}
		if sp.Send != nil {
			ss.send.Store(*sp.Send)
		}
		if sp.Substream != nil {
			ss.target.Store(int32(min(max(*sp.Substream, 0), maxLayers-1)))
		}
	}
	sub.refreshAll()
	sub.keyframes()
	return map[string]any{"videoroom": "event", "room": sub.room.cfg.ID, "configured": "ok"}, nil, nil
}

// switchStreams handles "switch": m-lines get new sources without
// renegotiation (same kind and codec required).
func (sub *subscriber) switchStreams(b body) (map[string]any, *wire.JSEP, *RoomError) {
	specs, err := b.streams("streams", true)
	if err != nil {
		return nil, nil, err
	}
	changes := 0
	for _, sp := range specs {
		if sp.SubMID == "" {
			return nil, nil, missing("sub_mid")
		}
		if sp.MID == "" {
			return nil, nil, missing("mid")
		}
		ss := sub.streamByMID(sp.SubMID)
		if ss == nil {
			return nil, nil, roomCodeErr(RoomCodeInvalidElement, "Invalid element (no such sub_mid '%s')", sp.SubMID)
		}
		srcs, owners, rerr := sub.room.resolve([]streamSpec{{Feed: sp.feed(), MID: sp.MID}})
		if rerr != nil {
			return nil, nil, rerr
		}
		ps := srcs[0]
		if ps.kind != ss.kind || codecName(ps.codec.MimeType) != ss.codec {
			return nil, nil, roomCodeErr(RoomCodeInvalidElement, "Can't switch %s stream '%s' to a %s/%s source", ss.kind, ss.mid, ps.kind, codecName(ps.codec.MimeType))
		}
		if old := ss.src.Load(); old == ps {
			continue
		} else if old != nil {
			old.removeSink(ss)
		}
		_ = sub.bind(ss, ps, owners[0])
		ps.addSink(ss)
		changes++
	}
	sub.refreshAll()
	sub.keyframes()
	return map[string]any{"videoroom": "event", "room": sub.room.cfg.ID, "switched": "ok", "changes": changes, "streams": sub.describe()}, nil, nil
}

// update handles "update", "subscribe" and "unsubscribe": streams are added
// or removed and a new offer is sent with an "updated" event.
func (sub *subscriber) update(req string, b body) (map[string]any, *wire.JSEP, *RoomError) {
	var add, drop []streamSpec
	var err *RoomError
	switch req {
	case "subscribe":
		add, err = b.streams("streams", true)
	case "unsubscribe":
		drop, err = b.streams("streams", true)
	default:
		if add, err = b.streams("subscribe", false); err == nil {
			drop, err = b.streams("unsubscribe", false)
		}
		if err == nil && add == nil && drop == nil {
			err = missing("subscribe|unsubscribe")
		}
	}
	if err != nil {
		return nil, nil, err
	}
	srcs, owners, rerr := sub.room.resolve(add)
	if rerr != nil {
		return nil, nil, rerr
	}
	changed := false
	for _, sp := range drop {
		sub.mu.Lock()
		var victims []*subStream
		for _, ss := range sub.streams {
			if ss.track == nil {
				continue
			}
			src := ss.src.Load()
			switch {
			case sp.SubMID != "":
				if ss.mid == sp.SubMID {
					victims = append(victims, ss)
				}
			case sp.feed() != 0 && ss.feedID.Load() == sp.feed():
				if fm, _ := ss.feedMID.Load().(string); sp.MID == "" || fm == sp.MID {
					victims = append(victims, ss)
				}
			}
			_ = src
		}
		sub.mu.Unlock()
		for _, ss := range victims {
			if src := ss.src.Swap(nil); src != nil {
				src.removeSink(ss)
			}
			ss.forwarding.Store(false)
			if err := sub.pc.RemoveTrack(ss.sender); err != nil {
				sub.vr.srv.log.Debug("remove track", "err", err)
			}
			sub.mu.Lock()
			ss.track = nil
			sub.mu.Unlock()
			changed = true
		}
	}
	sub.mu.Lock()
	before := len(sub.streams)
	sub.mu.Unlock()
	if len(srcs) > 0 {
		if err := sub.addStreams(srcs, owners, add); err != nil {
			return nil, nil, roomCodeErr(RoomCodeUnknownError, "%v", err)
		}
		changed = true
	}
	if !changed {
		return map[string]any{"videoroom": "updated", "room": sub.room.cfg.ID}, nil, nil
	}
	offer, oerr := sub.vr.localDescription(sub.pc, true)
	if oerr != nil {
		return nil, nil, roomCodeErr(RoomCodeUnknownError, "Error creating offer: %v", oerr)
	}
	sub.assignMIDs()
	sub.mu.Lock()
	added := append([]*subStream(nil), sub.streams[before:]...)
	sub.mu.Unlock()
	for _, ss := range added {
		if src := ss.src.Load(); src != nil {
			src.addSink(ss)
		}
	}
	sub.refreshAll()
	return map[string]any{"videoroom": "updated", "room": sub.room.cfg.ID, "streams": sub.describe()}, &wire.JSEP{Type: "offer", SDP: offer.SDP}, nil
}

// dropSubscriber removes a subscriber: sinks, writer, PeerConnection.
func (vr *vrHandle) dropSubscriber(sub *subscriber) {
	sub.mu.Lock()
	if sub.closed {
		sub.mu.Unlock()
		return
	}
	sub.closed = true
	streams := append([]*subStream(nil), sub.streams...)
	sub.mu.Unlock()
	for _, ss := range streams {
		ss.forwarding.Store(false)
		if src := ss.src.Swap(nil); src != nil {
			src.removeSink(ss)
		}
	}
	close(sub.stop)
	<-sub.done
	sub.room.mu.Lock()
	delete(sub.room.subscribers, sub)
	sub.room.mu.Unlock()
	vr.closePC(sub.pc, "Close PC")
	vr.mu.Lock()
	if vr.sub == sub {
		vr.sub = nil
	}
	vr.mu.Unlock()
}

// sourcesLost runs on the subscriber's handle worker after publishers it
// was receiving from went away: their m-lines become inactive and, once
// the subscription is negotiated, a new offer goes out in an "updated"
// event (Janus's default "autoupdate").
func (sub *subscriber) sourcesLost() {
	sub.mu.Lock()
	if sub.closed {
		sub.mu.Unlock()
		return
	}
	var gone []*subStream
	for _, ss := range sub.streams {
		if ss.track != nil && !ss.removed && ss.src.Load() == nil {
			ss.removed = true
			gone = append(gone, ss)
		}
	}
	sub.mu.Unlock()
	if len(gone) == 0 {
		return
	}
	for _, ss := range gone {
		if err := sub.pc.RemoveTrack(ss.sender); err != nil {
			sub.vr.srv.log.Debug("remove track", "err", err)
		}
	}
	if sub.pc.RemoteDescription() == nil || sub.pc.SignalingState() != webrtc.SignalingStateStable {
		return
	}
	offer, err := sub.vr.localDescription(sub.pc, true)
	if err != nil {
		sub.vr.srv.log.Warn("subscriber update offer", "handle", sub.vr.h.id, "err", err)
		return
	}
	sub.vr.h.pushEvent("", map[string]any{"videoroom": "updated", "room": sub.room.cfg.ID, "streams": sub.describe()}, &wire.JSEP{Type: "offer", SDP: offer.SDP})
}
