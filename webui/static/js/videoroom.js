// VideoRoom helper on top of janus.js: join a room as publisher, publish
// camera and microphone, and subscribe to the other participant's feed
// (Janus docs, "VideoRoom plugin": joinandconfigure as publisher, join as
// subscriber, start, leave). The proxy forces the room, id, display and pin
// from the call ticket, so the browser only names the room.

import { Connection, JanusError, janusURL } from './janus.js';

const PLUGIN = 'janus.plugin.videoroom';

/**
 * Prepared is the media side of a call made ready before the call exists:
 * the camera and microphone, the ICE servers, and the publisher's
 * PeerConnection with its SDP offer. A host's console makes one when an
 * offer comes in and a caller's page when a host is being offered them,
 * so accepting only has to connect and join. Candidates found before the
 * call's handle exists wait in the list (Call.bind).
 */
export class Prepared {
  /**
   * @param {MediaStream|Promise<MediaStream>} stream camera and microphone
   * @param {Array|Promise<Array>} iceServers RTCIceServer list
   */
  constructor(stream, iceServers) {
    this.closed = false;
    this.pc = null;
    this.marks = [];
    this.stream = Promise.resolve(stream);
    this.ready = this.make(iceServers);
    this.ready.catch(() => {}); // awaited by the call; a failure is not "unhandled"
  }

  async make(iceServers) {
    const stream = await this.stream;
    this.marks.push(['media', Date.now()]);
    const servers = await iceServers;
    if (this.closed) throw new Error('the call was not taken');
    const pc = new RTCPeerConnection({ iceServers: servers });
    this.pc = pc;
    const candidates = [];
    pc.onicecandidate = (e) => candidates.push(e.candidate);
    for (const t of stream.getTracks()) pc.addTransceiver(t, { direction: 'sendonly', streams: [stream] });
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    this.marks.push(['offer', Date.now()]);
    return { stream, iceServers: servers, pc, offer, candidates };
  }

  /** close drops the PeerConnection when no call follows (the tracks stay). */
  close() {
    this.closed = true;
    if (this.pc) this.pc.close();
  }
}

/**
 * Call is one participant's side of a two-party call. Events:
 * "local" (detail: MediaStream), "remote" (detail: MediaStream),
 * "webrtcup" (detail: {kind: "publisher"|"subscriber", ms}),
 * "peer-left" (the other side's feed went away: a reload or a drop; the
 * call goes on and the feed is subscribed again when it is published
 * again), "peer-back" (subscribed to the returning feed),
 * "reconnecting" (the connection to the media server was lost or the call
 * moved to a new room: docs/failover.md), "reconnected" (joined again),
 * "closed" (detail: {reason}), "error" (detail: Error).
 */
export class Call extends EventTarget {
  /**
   * @param {object} info CallJSON from the API: ticket, room_id, feed_id, peer_feed_id
   * @param {Prepared} prepared the media side (the call connects while it
   *   is still getting ready, and waits for it only to join)
   * @param {object} [opts] {marks}: milestones before the call started
   *   (e.g. the accept's reply); {refresh}: async function returning the
   *   call's CallJSON with a new ticket (GET /entries/:id/call). With it, a
   *   lost connection (close code 4000: the media server went away or the
   *   call moved to a new room) makes the call reconnect by itself.
   */
  constructor(info, prepared, opts = {}) {
    super();
    this.info = info;
    this.refresh = opts.refresh || null;
    this.reconnecting = false;
    this.prepared = prepared;
    this.localStream = null; // set once prepared
    this.iceServers = [];
    this.muted = false;
    this.cameraOff = false;
    this.remoteStream = new MediaStream();
    this.subscribed = new Set();
    this.pcs = [];
    this.ended = false;
    this.startedAt = performance.now();
    // marks are [label, ms since the epoch] milestones, for diagnostics.
    this.marks = [...(opts.marks || []), ['start', Date.now()]];
  }

  mark(label) {
    this.marks.push([label, Date.now()]);
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /**
   * start connects, joins, publishes and subscribes to the peer. The
   * media side (Prepared) gets ready while the connection, session and
   * handles are set up, and the subscriber handle is attached before the
   * peer's feed appears, so that only the join and the answer remain when
   * it does.
   */
  async start() {
    const conn = new Connection(janusURL(), this.info.ticket);
    this.conn = conn;
    conn.onclose = (ev) => {
      if (this.ended || this.conn !== conn) return;
      if (this.refresh) this.reconnect(ev && ev.code);
      else this.finish('connection lost');
    };
    await this.conn.open();
    this.mark('ws-open');
    await this.conn.createSession();
    this.mark('session');
    const [pub, sub] = await Promise.all([this.conn.attach(PLUGIN), this.conn.attach(PLUGIN)]);
    this.mark('attached');
    this.pub = pub;
    this.spare = sub;
    this.pub.addEventListener('event', (e) => this.onPublisherEvent(e.detail));
    this.watch(this.pub, 'publisher');
    const { stream, iceServers, pc, offer, candidates } = await this.prepared.ready;
    this.marks.push(...this.prepared.marks);
    this.marks.sort((a, b) => a[1] - b[1]);
    this.localStream = stream;
    this.iceServers = iceServers;
    this.pcs.push(pc);
    this.applyTrackStates();
    // Join and publish in one round trip: "joinandconfigure" carries the
    // SDP offer and its "joined" reply the answer (VideoRoom API).
    const joining = this.joinAsPublisher({ type: offer.type, sdp: offer.sdp });
    this.bind(this.pub, pc, candidates);
    const { data, jsep } = await joining;
    this.mark('joined');
    this.myId = data.id;
    this.privateId = data.private_id;
    if (!jsep) throw new Error('the media server sent no answer');
    await pc.setRemoteDescription(jsep);
    this.mark('published');
    this.emit('local', this.localStream);
    for (const p of data.publishers || []) this.maybeSubscribe(p.id);
  }

  /**
   * bind makes pc the handle's PeerConnection: the candidates gathered so
   * far are trickled now, later ones as they come (Janus and the built-in
   * SFU keep candidates that arrive before the SDP).
   */
  bind(handle, pc, candidates = []) {
    handle.pc = pc;
    for (const c of candidates) handle.trickle(c);
    pc.onicecandidate = (e) => handle.trickle(e.candidate);
  }

  /**
   * joinAsPublisher joins the room with the feed id the ticket carries and
   * publishes offer, returning the reply's data and JSEP answer. After a
   * reload or a network blip the old participant may still be in the room
   * (VideoRoom error 436, "User ID already exists"): Frontdesk's proxy
   * then has it kicked, so a quick retry usually joins; retry for a few
   * seconds in all.
   */
  async joinAsPublisher(offer) {
    for (let i = 0; ; i++) {
      try {
        return await this.pub.message({ request: 'joinandconfigure', ptype: 'publisher', room: this.info.room_id, audio: true, video: true }, offer);
      } catch (err) {
        if (!(err instanceof JanusError) || err.code !== 436 || i >= 20) throw err;
        this.mark('join-retry');
        await new Promise((r) => setTimeout(r, i < 3 ? 100 : 300));
      }
    }
  }

  watch(handle, kind) {
    handle.addEventListener('webrtcup', () => this.mark(`webrtcup-${kind}`) || this.emit('webrtcup', { kind, ms: performance.now() - this.startedAt }));
    handle.addEventListener('hangup', () => {
      // The other side's hang-up ends the call (the room goes) moments
      // before the page hears of it: only a hang-up that no end follows
      // is a problem.
      if (kind !== 'publisher' || this.ended) return;
      setTimeout(() => {
        if (!this.ended && !this.reconnecting && this.pub === handle) this.emit('error', new Error('media connection hung up'));
      }, 3000);
    });
    handle.addEventListener('trickle', (e) => {
      const c = e.detail.candidate;
      const pc = handle.pc;
      if (!pc || !c || c.completed) return;
      pc.addIceCandidate(c).catch(() => {});
    });
  }

  newPeerConnection() {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    this.pcs.push(pc);
    return pc;
  }

  onPublisherEvent(m) {
    const d = m.plugindata?.data || {};
    const gone = d.leaving ?? d.unpublished;
    if (gone !== undefined && gone !== 'ok' && this.subscribed.has(gone)) this.dropFeed(gone);
    for (const p of d.publishers || []) this.maybeSubscribe(p.id);
  }

  /**
   * dropFeed forgets a feed that left: its subscriber handle and peer
   * connection go, the remote stream is replaced by an empty one, and the
   * feed will be subscribed again when the room announces it again.
   */
  dropFeed(feed) {
    this.subscribed.delete(feed);
    const h = this.sub;
    this.sub = null;
    if (h) {
      if (h.pc) {
        h.pc.close();
        this.pcs = this.pcs.filter((pc) => pc !== h.pc);
      }
      h.detach();
    }
    this.remoteStream = new MediaStream();
    this.mark('peer-left');
    this.emit('peer-left', { feed });
  }

  maybeSubscribe(feed) {
    if (feed === this.myId || this.subscribed.has(feed)) return;
    if (this.info.peer_feed_id && feed !== this.info.peer_feed_id) return;
    this.subscribed.add(feed);
    this.subscribe(feed).catch((err) => {
      // The feed left between its announcement and this join (the peer
      // reloads): VideoRoom 428 "No such feed". Forget it, so that the
      // room's next announcement of it subscribes again.
      if (err instanceof JanusError && err.code === 428) {
        this.dropFeed(feed);
        return;
      }
      this.emit('error', err);
    });
  }

  async subscribe(feed) {
    this.mark('subscribe');
    // The handle attached at start is used once; a later subscription
    // (the peer came back) attaches a new one.
    const h = this.spare || (await this.conn.attach(PLUGIN));
    this.spare = null;
    this.mark('sub-attached');
    this.watch(h, 'subscriber');
    this.sub = h;
    const body = { request: 'join', ptype: 'subscriber', room: this.info.room_id, streams: [{ feed }] };
    if (this.privateId) body.private_id = this.privateId;
    const { jsep } = await h.message(body);
    if (!jsep) throw new Error('the media server sent no offer for the feed');
    this.mark('sub-offer');
    const pc = this.newPeerConnection();
    this.bind(h, pc);
    const back = this.marks.some(([label]) => label === 'peer-left');
    pc.ontrack = (e) => {
      this.remoteStream.addTrack(e.track);
      this.emit('remote', this.remoteStream);
      if (back) this.emit('peer-back', { feed });
    };
    await pc.setRemoteDescription(jsep);
    this.mark('sub-srd');
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    this.mark('sub-answer');
    await h.message({ request: 'start' }, { type: answer.type, sdp: answer.sdp });
    this.mark('started');
  }

  /** setMuted turns the microphone off (true) or on. */
  setMuted(muted) {
    this.muted = muted;
    this.applyTrackStates();
  }

  /** setCameraOff turns the camera off (true) or on. */
  setCameraOff(off) {
    this.cameraOff = off;
    this.applyTrackStates();
  }

  // applyTrackStates applies mute and camera off to the local tracks (once
  // the stream is there; see the constructor).
  applyTrackStates() {
    if (!this.localStream) return;
    for (const t of this.localStream.getAudioTracks()) t.enabled = !this.muted;
    for (const t of this.localStream.getVideoTracks()) t.enabled = !this.cameraOff;
  }

  /**
   * reconnect follows the call after its connection was lost (code: the
   * WebSocket close code; 4000 says the room is being placed again): it
   * drops the old connection and peer connections, asks for a new ticket
   * (which names the call's room now) and joins again with the same camera
   * and microphone, retrying with back-off for up to a minute. A refusal
   * of the ticket (the call ended) or running out of time ends the call
   * here ("connection lost").
   */
  async reconnect(code) {
    if (this.ended || this.reconnecting) return;
    this.reconnecting = true;
    this.mark(`reconnecting-${code || 0}`);
    this.emit('reconnecting', { code });
    const until = Date.now() + 60000;
    for (let i = 0; !this.ended && Date.now() < until; i++) {
      this.teardown();
      try {
        const info = await this.refresh();
        if (this.ended) return;
        this.info = info;
        this.prepared = new Prepared(this.localStream || new MediaStream(), this.iceServers);
        await this.start();
        this.reconnecting = false;
        this.mark('reconnected');
        this.emit('reconnected');
        return;
      } catch (err) {
        if (err && [403, 404, 409].includes(err.status)) break; // no call to go back to
        await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** i, 2000)));
      }
    }
    this.reconnecting = false;
    if (!this.ended) this.finish('connection lost');
  }

  /** teardown drops the connection and peer connections, keeping the tracks. */
  teardown() {
    for (const pc of this.pcs) pc.close();
    this.pcs = [];
    this.subscribed.clear();
    this.sub = null;
    this.spare = null;
    this.pub = null;
    const conn = this.conn;
    this.conn = null;
    if (conn) conn.close();
    this.remoteStream = new MediaStream();
  }

  /** hangup leaves the room and closes everything. */
  async hangup() {
    if (this.ended) return;
    this.ended = true;
    if (this.pub && this.conn && !this.conn.closed) {
      try {
        await this.pub.message({ request: 'leave' });
      } catch {
        // leaving anyway
      }
    }
    this.finish('hangup');
  }

  finish(reason) {
    this.ended = true;
    this.prepared.close();
    for (const pc of this.pcs) pc.close();
    this.pcs = [];
    if (this.conn) this.conn.close();
    this.emit('closed', { reason });
  }

  /** inboundStats sums inbound-rtp packetsReceived per kind (getStats). */
  async inboundStats() {
    const out = { audio: 0, video: 0 };
    for (const pc of this.pcs) {
      const st = await pc.getStats();
      st.forEach((r) => {
        if (r.type === 'inbound-rtp') out[r.kind] = (out[r.kind] || 0) + (r.packetsReceived || 0);
      });
    }
    return out;
  }
}
