package events

// MediaStateEvent is a SubtypeMediaState body (janus_ice_notify_media in
// src/ice.c): Janus started (Receiving true) or stopped receiving Media
// ("audio" or "video") on the stream MID; Substream is the simulcast layer
// when simulcasting; Seconds how long nothing arrived before a stop.
type MediaStateEvent struct {
	Media     string `json:"media"`
	MID       string `json:"mid"`
	Substream *int   `json:"substream,omitempty"`
	Receiving bool   `json:"receiving"`
	Seconds   int    `json:"seconds,omitempty"`
}

// SlowLinkEvent is a SubtypeSlowLink body: Direction is "uplink" (losses
// from the client to Janus) or "downlink"; LostLastSec the packets lost in
// the last second.
type SlowLinkEvent struct {
	Media       string `json:"media"`
	MID         string `json:"mid"`
	Direction   string `json:"slow_link"`
	LostLastSec int    `json:"lost_lastsec"`
}

// MediaStatsEvent is a SubtypeMediaStats body. Janus sends one object per
// stream, or an array of them when combine_media_stats = true (janus.jcfg
// events section); both decode to Streams.
type MediaStatsEvent struct {
	Streams []MediaStats
}

// MediaStats are the RTCP-derived statistics of one stream (or simulcast
// layer) of a handle, reported every stats_period seconds. Counters are
// totals since the PeerConnection started; *LastSec are rates over the last
// second; qualities are 0–100; jitter is in RTP timestamp units of Base Hz;
// RTT in milliseconds.
type MediaStats struct {
	// MID is the stream's mid and MIndex its m-line index.
	MID    string `json:"mid"`
	MIndex int    `json:"mindex"`
	// Media is "audio", "video", or "video-sim1"/"video-sim2" for the
	// second and third simulcast layers.
	Media string `json:"media"`
	// Codec is the negotiated codec, e.g. "opus", "vp8".
	Codec string `json:"codec,omitempty"`
	// Base is the RTP clock rate in Hz (48000 for Opus, 90000 for video).
	Base uint32 `json:"base"`
	// RTT is the round-trip time in milliseconds from RTCP (0 until known).
	RTT uint32 `json:"rtt"`
	// Lost is the packets Janus found lost from the peer; LostByRemote what
	// the peer reported lost from Janus (RTCP receiver reports).
	Lost         int64 `json:"lost"`
	LostByRemote int64 `json:"lost-by-remote"`
	// JitterLocal and JitterRemote are interarrival jitter in units of
	// 1/Base s, as measured by Janus and as reported by the peer.
	JitterLocal  uint32 `json:"jitter-local"`
	JitterRemote uint32 `json:"jitter-remote"`
	// Link qualities are 0–100 (100 = no loss) for the incoming and
	// outgoing direction, over all packets and over media packets.
	InLinkQuality       int `json:"in-link-quality"`
	InMediaLinkQuality  int `json:"in-media-link-quality"`
	OutLinkQuality      int `json:"out-link-quality"`
	OutMediaLinkQuality int `json:"out-media-link-quality"`
	// Packet and byte totals since the PeerConnection started.
	PacketsReceived uint64 `json:"packets-received"`
	PacketsSent     uint64 `json:"packets-sent"`
	BytesReceived   uint64 `json:"bytes-received"`
	BytesSent       uint64 `json:"bytes-sent"`
	// Bytes in the last second (≈ bitrate / 8).
	BytesReceivedLastSec uint64 `json:"bytes-received-lastsec"`
	BytesSentLastSec     uint64 `json:"bytes-sent-lastsec"`
	// NACK and retransmission totals.
	NACKsReceived           uint64 `json:"nacks-received"`
	NACKsSent               uint64 `json:"nacks-sent"`
	RetransmissionsReceived uint64 `json:"retransmissions-received"`
	// REMBBitrate is the last REMB estimate sent, in bit/s (when enabled).
	REMBBitrate uint64 `json:"remb-bitrate,omitempty"`
}

func (*MediaStateEvent) isPayload() {}
func (*SlowLinkEvent) isPayload()   {}
func (*MediaStatsEvent) isPayload() {}
