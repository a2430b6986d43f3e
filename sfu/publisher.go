package sfu

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/frontdesk/frontdesk/janus/wire"
	"github.com/pion/rtcp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// feed is a publisher's media: its PeerConnection and streams.
type feed struct {
	srv *Server
	p   *participant
	pc  *webrtc.PeerConnection

	mu      sync.Mutex
	streams []*pubStream
	closed  bool
	stop    chan struct{} // closed by close; ends watch
}

// noMediaTimeout is how long a stream may be silent before the "media"
// notification says it is no longer receiving (Janus's no_media_timer
// default, 1 s).
const noMediaTimeout = time.Second

// maxLayers is the number of simulcast substreams handled (Janus: 3).
const maxLayers = 3

// pubStream is one published m-line. Up to three simulcast layers feed it;
// without simulcast only layer 0 is used.
type pubStream struct {
	feed      *feed
	mindex    int
	mid       string
	kind      webrtc.RTPCodecType
	codec     webrtc.RTPCodecCapability
	simulcast bool
	rids      []string // from the offer, highest first (Janus rid_order "hml")

	mu     sync.Mutex
	layers [maxLayers]*webrtc.TrackRemote
	sinks  atomic.Pointer[[]*subStream]

	lastSeen [maxLayers]atomic.Int64 // unix ns of the last packet per layer
	lastPLI  atomic.Int64
	reported atomic.Bool // last receiving state reported in a "media" notification
}

func (ps *pubStream) kindName() string { return ps.kind.String() }

// describe is a stream entry of a "publishers" array (Janus 1.x).
func (ps *pubStream) describe() map[string]any {
	m := map[string]any{"type": ps.kindName(), "mindex": ps.mindex, "mid": ps.mid, "codec": codecName(ps.codec.MimeType)}
	if ps.simulcast {
		m["simulcast"] = true
	}
	return m
}

func (f *feed) describeStreams() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]map[string]any, 0, len(f.streams))
	for _, ps := range f.streams {
		out = append(out, ps.describe())
	}
	return out
}

func (f *feed) stream(mid string) *pubStream {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ps := range f.streams {
		if ps.mid == mid {
			return ps
		}
	}
	return nil
}

func (f *feed) allStreams() []*pubStream {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*pubStream(nil), f.streams...)
}

// addSink and removeSink update the copy-on-write subscriber list.
func (ps *pubStream) addSink(ss *subStream) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	var cur []*subStream
	if p := ps.sinks.Load(); p != nil {
		cur = *p
	}
	next := append(append(make([]*subStream, 0, len(cur)+1), cur...), ss)
	ps.sinks.Store(&next)
}

func (ps *pubStream) removeSink(ss *subStream) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p := ps.sinks.Load()
	if p == nil {
		return
	}
	next := make([]*subStream, 0, len(*p))
	for _, o := range *p {
		if o != ss {
			next = append(next, o)
		}
	}
	ps.sinks.Store(&next)
}

// layerTrack returns the track of a layer, or nil.
func (ps *pubStream) layerTrack(layer int) *webrtc.TrackRemote {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if layer < 0 || layer >= maxLayers {
		return nil
	}
	return ps.layers[layer]
}

// requestKeyframe sends a PLI for a layer to the publisher, at most every
// 200 ms per stream (Janus also throttles keyframe requests).
func (ps *pubStream) requestKeyframe(layer int) {
	if ps.kind != webrtc.RTPCodecTypeVideo {
		return
	}
	now := time.Now().UnixNano()
	last := ps.lastPLI.Load()
	if now-last < int64(200*time.Millisecond) || !ps.lastPLI.CompareAndSwap(last, now) {
		return
	}
	t := ps.layerTrack(layer)
	if t == nil {
		t = ps.layerTrack(0)
	}
	if t == nil {
		return
	}
	if err := ps.feed.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(t.SSRC())}}); err == nil {
		ps.feed.srv.stats.plis.Add(1)
	}
}

// receiving reports whether a layer had packets in the last second.
func (ps *pubStream) receiving(layer int) bool {
	return time.Now().UnixNano()-ps.lastSeen[layer].Load() < int64(time.Second)
}

// layerFor maps a simulcast rid to a substream index (0 lowest).
func (ps *pubStream) layerFor(rid string) int {
	if rid == "" {
		return 0
	}
	for i, r := range ps.rids {
		if r == rid {
			if l := len(ps.rids) - 1 - i; l < maxLayers {
				return l
			}
		}
	}
	return 0
}

// onTrack starts reading one incoming track (one layer of one stream).
func (f *feed) onTrack(track *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	var ps *pubStream
	for _, tr := range f.pc.GetTransceivers() {
		if tr.Receiver() == recv {
			ps = f.stream(tr.Mid())
			break
		}
	}
	if ps == nil {
		f.srv.log.Warn("track for unknown stream", "participant", f.p.id, "ssrc", track.SSRC())
		return
	}
	layer := ps.layerFor(track.RID())
	ps.mu.Lock()
	ps.layers[layer] = track
	ps.mu.Unlock()
	ps.lastSeen[layer].Store(time.Now().UnixNano())
	f.reportMedia(ps, true)
	f.srv.goOwned(func() { ps.read(track, layer) })
	if ps.kind == webrtc.RTPCodecTypeVideo {
		ps.requestKeyframe(layer)
	}
}

// reportMedia sends Janus's "media" notification and the call event when
// a stream starts or stops receiving.
func (f *feed) reportMedia(ps *pubStream, receiving bool) {
	if ps.reported.Swap(receiving) == receiving {
		return
	}
	h := f.p.vr.h
	h.pushCore(wire.Message{Janus: "media", Mid: ps.mid, Type: ps.kindName(), Receiving: &receiving})
	st := stepMediaReceiving
	if !receiving {
		st = stepMediaStopped
	}
	f.srv.emitEvent(step{Type: st, SessionID: h.sess.id, HandleID: h.id, OpaqueID: h.opaque, Room: f.p.room.cfg.ID, Participant: f.p.id, Media: ps.kindName()})
}

// watch reports streams that stop (and resume) receiving, until close.
func (f *feed) watch() {
	t := time.NewTicker(noMediaTimeout / 2)
	defer t.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-f.srv.done:
			return
		case now := <-t.C:
			for _, ps := range f.allStreams() {
				if ps.layerTrack(0) == nil && ps.layerTrack(1) == nil && ps.layerTrack(2) == nil {
					continue // nothing received yet
				}
				last := int64(0)
				for l := range maxLayers {
					last = max(last, ps.lastSeen[l].Load())
				}
				f.reportMedia(ps, now.UnixNano()-last < int64(noMediaTimeout))
			}
		}
	}
}

// read fans packets of one layer out to subscriber queues until the track
// ends (the PeerConnection closes).
func (ps *pubStream) read(track *webrtc.TrackRemote, layer int) {
	for {
		pkt, _, err := track.ReadRTP()
		if err != nil {
			return
		}
		ps.lastSeen[layer].Store(time.Now().UnixNano())
		if sinks := ps.sinks.Load(); sinks != nil {
			for _, ss := range *sinks {
				ss.sub.enqueue(ss, pkt, layer)
			}
		}
	}
}

// close detaches every subscriber stream and closes nothing else: the
// PeerConnection is closed by the handle (closePC).
func (f *feed) close() {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	f.closed = true
	streams := f.streams
	if f.stop != nil {
		close(f.stop)
	}
	f.mu.Unlock()
	affected := map[*subscriber]struct{}{}
	for _, ps := range streams {
		if p := ps.sinks.Load(); p != nil {
			for _, ss := range *p {
				ss.detachSource(ps)
				affected[ss.sub] = struct{}{}
			}
		}
		ps.sinks.Store(nil)
	}
	for sub := range affected {
		sub.vr.h.enqueue(sub.sourcesLost)
	}
}

// publish handles "publish" and "configure" from a publisher.
func (vr *vrHandle) publish(p *participant, req string, b body, jsep *wire.JSEP) (map[string]any, *wire.JSEP, *RoomError) {
	r := p.room
	if display, err := b.str("display", false); err != nil {
		return nil, nil, err
	} else if display != "" {
		r.mu.Lock()
		p.display = display
		r.mu.Unlock()
	}
	bitrate, err := b.u64("bitrate", false)
	if err != nil {
		return nil, nil, err
	}
	keyframe, _, err := b.boolean("keyframe")
	if err != nil {
		return nil, nil, err
	}
	r.mu.Lock()
	f := p.feed
	r.mu.Unlock()
	if jsep == nil {
		if req == "publish" {
			return nil, nil, roomCodeErr(RoomCodeMissingElement, "Missing SDP")
		}
		if f == nil {
			return map[string]any{"videoroom": "event", "room": r.cfg.ID, "configured": "ok"}, nil, nil
		}
		if keyframe {
			for _, ps := range f.allStreams() {
				ps.lastPLI.Store(0)
				ps.requestKeyframe(maxLayers - 1)
			}
		}
		if bitrate > 0 {
			f.sendREMB(uint32(bitrate))
		}
		return map[string]any{"videoroom": "event", "room": r.cfg.ID, "configured": "ok", "streams": f.describeStreams()}, nil, nil
	}
	if jsep.Type != "offer" {
		return nil, nil, roomCodeErr(RoomCodeInvalidSDPType, "Unsupported SDP type '%s'", jsep.Type)
	}
	if f != nil {
		if req == "publish" {
			return nil, nil, roomCodeErr(RoomCodeAlreadyPublished, "Can't publish, already published")
		}
		return vr.renegotiate(p, f, jsep)
	}
	r.mu.Lock()
	n := 0
	for _, o := range r.participants {
		if o.feed != nil {
			n++
		}
	}
	if n >= r.cfg.Publishers {
		r.mu.Unlock()
		return nil, nil, roomErr(ErrPublishersFull, "Maximum number of publishers (%d) reached", r.cfg.Publishers)
	}
	f = &feed{srv: vr.srv, p: p, stop: make(chan struct{})}
	p.feed = f // reserve the slot while negotiating
	r.mu.Unlock()

	answer, rerr := vr.answerPublisher(p, f, jsep)
	if rerr != nil {
		r.mu.Lock()
		if p.feed == f {
			p.feed = nil
		}
		r.mu.Unlock()
		if f.pc != nil {
			_ = f.pc.Close()
		}
		return nil, nil, rerr
	}
	vr.srv.goOwned(f.watch)
	if bitrate == 0 {
		bitrate = uint64(r.cfg.Bitrate)
	}
	if bitrate > 0 {
		f.sendREMB(uint32(bitrate))
	}
	resp := map[string]any{"videoroom": "event", "room": r.cfg.ID, "configured": "ok", "streams": f.describeStreams()}
	for _, ps := range f.allStreams() {
		resp[ps.kindName()+"_codec"] = codecName(ps.codec.MimeType)
	}
	return resp, answer, nil
}

// answerPublisher negotiates the publisher's PeerConnection.
func (vr *vrHandle) answerPublisher(p *participant, f *feed, jsep *wire.JSEP) (*wire.JSEP, *RoomError) {
	pc, err := vr.newPC()
	if err != nil {
		return nil, roomCodeErr(RoomCodeUnknownError, "PeerConnection: %v", err)
	}
	f.pc = pc
	pc.OnTrack(f.onTrack)
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: jsep.SDP}); err != nil {
		return nil, roomCodeErr(RoomCodeInvalidSDP, "Error parsing offer: %v", err)
	}
	room := p.room
	for _, tr := range pc.GetTransceivers() {
		kind := tr.Kind().String()
		var prefs []webrtc.RTPCodecParameters
		for _, name := range room.cfg.codecs(kind) {
			if c, ok := defaultCodec(kind, name); ok {
				prefs = append(prefs, c)
			}
		}
		if err := tr.SetCodecPreferences(prefs); err != nil {
			vr.srv.log.Debug("codec preferences", "err", err)
		}
	}
	answer, err := vr.localDescription(pc, false)
	if err != nil {
		return nil, roomCodeErr(RoomCodeInvalidSDP, "Error answering: %v", err)
	}
	vr.setPC(pc, true)
	streams, err := parsePublished(jsep.SDP, answer.SDP)
	if err != nil {
		return nil, roomCodeErr(RoomCodeInvalidSDP, "%v", err)
	}
	if len(streams) == 0 {
		return nil, roomCodeErr(RoomCodeInvalidSDP, "No audio or video stream with a codec the room allows")
	}
	for _, ps := range streams {
		ps.feed = f
	}
	f.mu.Lock()
	f.streams = streams
	f.mu.Unlock()
	return &wire.JSEP{Type: "answer", SDP: answer.SDP}, nil
}

// renegotiate answers a new offer from an active publisher; streams keep
// their identity by mid so subscribers keep flowing.
func (vr *vrHandle) renegotiate(p *participant, f *feed, jsep *wire.JSEP) (map[string]any, *wire.JSEP, *RoomError) {
	if err := f.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: jsep.SDP}); err != nil {
		return nil, nil, roomCodeErr(RoomCodeInvalidSDP, "Error parsing offer: %v", err)
	}
	answer, err := vr.localDescription(f.pc, false)
	if err != nil {
		return nil, nil, roomCodeErr(RoomCodeInvalidSDP, "Error answering: %v", err)
	}
	streams, err := parsePublished(jsep.SDP, answer.SDP)
	if err != nil {
		return nil, nil, roomCodeErr(RoomCodeInvalidSDP, "%v", err)
	}
	f.mu.Lock()
	added := false
	for _, ns := range streams {
		found := false
		for _, os := range f.streams {
			if os.mid == ns.mid {
				found = true
			}
		}
		if !found {
			ns.feed = f
			f.streams = append(f.streams, ns)
			added = true
		}
	}
	f.mu.Unlock()
	if added {
		// the room hears about the new streams, as after a first publish
		r := p.room
		r.mu.Lock()
		var entry map[string]any
		if p.active && p.feed == f {
			entry = p.describe()
		}
		r.mu.Unlock()
		if entry != nil {
			r.broadcast(p.id, map[string]any{"videoroom": "event", "room": r.cfg.ID, "publishers": []map[string]any{entry}})
		}
	}
	return map[string]any{"videoroom": "event", "room": p.room.cfg.ID, "configured": "ok", "streams": f.describeStreams()}, &wire.JSEP{Type: "answer", SDP: answer.SDP}, nil
}

// localDescription creates and sets an offer or answer and waits for ICE
// gathering, so the SDP carries every candidate.
func (vr *vrHandle) localDescription(pc *webrtc.PeerConnection, offer bool) (*webrtc.SessionDescription, error) {
	var (
		desc webrtc.SessionDescription
		err  error
	)
	if offer {
		desc, err = pc.CreateOffer(nil)
	} else {
		desc, err = pc.CreateAnswer(nil)
	}
	if err != nil {
		return nil, err
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(desc); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), negotiationTimeout)
	defer cancel()
	select {
	case <-gathered:
	case <-ctx.Done():
		return nil, fmt.Errorf("ICE gathering timed out")
	case <-vr.srv.done:
		return nil, ErrClosed
	}
	return pc.LocalDescription(), nil
}

// parsePublished reads the accepted audio/video m-lines from the answer
// (codec: first payload type) and simulcast rids from the offer.
func parsePublished(offerSDP, answerSDP string) ([]*pubStream, error) {
	var offer, answer sdp.SessionDescription
	if err := offer.UnmarshalString(offerSDP); err != nil {
		return nil, fmt.Errorf("offer: %w", err)
	}
	if err := answer.UnmarshalString(answerSDP); err != nil {
		return nil, fmt.Errorf("answer: %w", err)
	}
	var out []*pubStream
	for i, md := range answer.MediaDescriptions {
		kind := webrtc.NewRTPCodecType(md.MediaName.Media)
		if kind == 0 || md.MediaName.Port.Value == 0 || len(md.MediaName.Formats) == 0 {
			continue
		}
		if _, inactive := md.Attribute("inactive"); inactive {
			continue
		}
		mid, _ := md.Attribute("mid")
		var pt uint8
		if _, err := fmt.Sscan(md.MediaName.Formats[0], &pt); err != nil {
			continue
		}
		c, err := answer.GetCodecForPayloadType(pt)
		if err != nil {
			continue
		}
		capab := webrtc.RTPCodecCapability{
			MimeType:    md.MediaName.Media + "/" + c.Name,
			ClockRate:   c.ClockRate,
			SDPFmtpLine: c.Fmtp,
		}
		if c.EncodingParameters != "" {
			var ch uint16
			if _, err := fmt.Sscan(c.EncodingParameters, &ch); err == nil {
				capab.Channels = ch
			}
		}
		ps := &pubStream{mindex: i, mid: mid, kind: kind, codec: capab}
		if i < len(offer.MediaDescriptions) {
			for _, a := range offer.MediaDescriptions[i].Attributes {
				if a.Key == "rid" {
					if rid, dir, ok := strings.Cut(a.Value, " "); ok && strings.HasPrefix(dir, "send") {
						ps.rids = append(ps.rids, rid)
					}
				}
			}
			ps.simulcast = len(ps.rids) > 1
		}
		out = append(out, ps)
	}
	return out, nil
}

// announce runs at the publisher's webrtcup: the feed becomes visible and
// the other participants get a "publishers" event.
func (p *participant) announce(pc *webrtc.PeerConnection) {
	r := p.room
	r.mu.Lock()
	f := p.feed
	if f == nil || f.pc != pc || p.active {
		r.mu.Unlock()
		return
	}
	p.active = true
	entry := p.describe()
	r.mu.Unlock()
	r.broadcast(p.id, map[string]any{"videoroom": "event", "room": r.cfg.ID, "publishers": []map[string]any{entry}})
	h := p.vr.h
	p.vr.srv.emitEvent(step{Type: stepPublished, SessionID: h.sess.id, HandleID: h.id, OpaqueID: h.opaque, Room: r.cfg.ID, Participant: p.id, Display: p.display})
}

// unpublish stops a participant's feed; false when it was not publishing.
func (vr *vrHandle) unpublish(p *participant, reason string) bool {
	r := p.room
	r.mu.Lock()
	f, wasActive := p.feed, p.active
	p.feed, p.active = nil, false
	r.mu.Unlock()
	if f == nil {
		return false
	}
	f.close()
	vr.closePC(f.pc, reason)
	if wasActive {
		r.broadcast(p.id, map[string]any{"videoroom": "event", "room": r.cfg.ID, "unpublished": p.id})
		h := vr.h
		vr.srv.emitEvent(step{Type: stepUnpublished, SessionID: h.sess.id, HandleID: h.id, OpaqueID: h.opaque, Room: r.cfg.ID, Participant: p.id, Display: p.display})
	}
	return true
}

// sendREMB caps the publisher's bitrate (bits per second) with REMB.
func (f *feed) sendREMB(bitrate uint32) {
	var ssrcs []uint32
	for _, ps := range f.allStreams() {
		if ps.kind != webrtc.RTPCodecTypeVideo {
			continue
		}
		for l := 0; l < maxLayers; l++ {
			if t := ps.layerTrack(l); t != nil {
				ssrcs = append(ssrcs, uint32(t.SSRC()))
			}
		}
	}
	if len(ssrcs) == 0 {
		ssrcs = []uint32{0}
	}
	_ = f.pc.WriteRTCP([]rtcp.Packet{&rtcp.ReceiverEstimatedMaximumBitrate{Bitrate: float32(bitrate), SSRCs: ssrcs}})
}

// defaultCodec returns the registered pion codec for a Janus codec name.
func defaultCodec(kind, name string) (webrtc.RTPCodecParameters, bool) {
	mime := mimeFor(kind, name)
	if mime == "" {
		return webrtc.RTPCodecParameters{}, false
	}
	for _, c := range defaultCodecs(kind) {
		if strings.EqualFold(c.MimeType, mime) {
			return c, true
		}
	}
	return webrtc.RTPCodecParameters{}, false
}

// mimeFor maps a Janus codec name to a MIME type; "" when unsupported.
func mimeFor(kind, name string) string {
	switch kind + "/" + name {
	case "audio/opus":
		return webrtc.MimeTypeOpus
	case "audio/pcmu":
		return webrtc.MimeTypePCMU
	case "audio/pcma":
		return webrtc.MimeTypePCMA
	case "audio/g722":
		return webrtc.MimeTypeG722
	case "video/vp8":
		return webrtc.MimeTypeVP8
	case "video/vp9":
		return webrtc.MimeTypeVP9
	case "video/h264":
		return webrtc.MimeTypeH264
	case "video/av1":
		return webrtc.MimeTypeAV1
	}
	return ""
}

var (
	defaultCodecsOnce sync.Once
	audioCodecs       []webrtc.RTPCodecParameters
	videoCodecs       []webrtc.RTPCodecParameters
)

// defaultCodecs lists pion's default codecs of a kind (with the feedback
// the SFU registers), for codec preferences.
func defaultCodecs(kind string) []webrtc.RTPCodecParameters {
	defaultCodecsOnce.Do(func() {
		fb := []webrtc.RTCPFeedback{{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "transport-cc"}}
		audioCodecs = []webrtc.RTPCodecParameters{
			{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"}, PayloadType: 111},
			{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeG722, ClockRate: 8000}, PayloadType: 9},
			{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, PayloadType: 0},
			{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: 8000}, PayloadType: 8},
		}
		videoCodecs = []webrtc.RTPCodecParameters{
			{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: fb}, PayloadType: 96},
			{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP9, ClockRate: 90000, SDPFmtpLine: "profile-id=0", RTCPFeedback: fb}, PayloadType: 98},
			{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", RTCPFeedback: fb}, PayloadType: 102},
			{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f", RTCPFeedback: fb}, PayloadType: 108},
			{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeAV1, ClockRate: 90000, RTCPFeedback: fb}, PayloadType: 45},
		}
	})
	if kind == "audio" {
		return audioCodecs
	}
	return videoCodecs
}
