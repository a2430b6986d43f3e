// Phone calls from the host console through the Janus SIP plugin
// (janus.plugin.sip), on top of janus.js: connect to /janus with a phone
// ticket, register (the proxy supplies the SIP account: the page sends
// only {"request":"register"}), open the microphone, and call the ticket's
// number with an audio-only offer. See the Janus docs, "SIP plugin", and
// docs in apidoc/openapi.yaml (POST /entries/{id}/phone).
//
// Events of the plugin, as plugindata.data.result.event: "registering",
// "registered", "registration_failed" (code), "calling", "ringing",
// "proceeding" (code), "accepted" (with the JSEP answer), "hangingup",
// "hangup" (code, reason). The core's {"janus":"hangup"} on the handle
// comes after the plugin's hangup: only then may a new call start.

import { Connection, janusURL } from './janus.js';

const PLUGIN = 'janus.plugin.sip';

// How long to wait for ICE candidates before sending the offer (the SIP
// plugin gets the candidates inside the SDP; host candidates come at once).
const GATHER_MS = 2000;

/**
 * stateText are the panel's words for each state of a PhoneCall.
 */
export const stateText = {
  connecting: 'Connecting the phone line…',
  registering: 'Connecting the phone line…',
  calling: 'Calling…',
  ringing: 'Ringing…',
  connected: 'Connected',
  hangingup: 'Hanging up…',
  busy: 'Busy',
  no_answer: 'No answer',
  ended: 'Call ended',
  failed: 'The call failed',
};

/**
 * endState maps the SIP status of a hang-up to the panel's final state
 * (RFC 3261 §21): busy for 486/600/603, no answer for a call that was not
 * answered (408, 480, 487), "ended" after an answered call, "failed" for
 * everything else before the answer.
 */
export function endState(code, answered) {
  if (answered) return 'ended';
  if ([486, 600, 603].includes(code)) return 'busy';
  if ([0, 408, 480, 487].includes(code || 0)) return 'no_answer';
  return 'failed';
}

/**
 * PhoneCall is the host's side of one phone call. Events: "state"
 * (detail: {state, code, reason}: a key of stateText), "remote" (detail:
 * MediaStream with the phone's audio), "done" (the line is free again:
 * the core's hang-up came, or the connection closed). The state "connected"
 * starts at the SIP answer (answeredAt, ms since the epoch).
 */
export class PhoneCall extends EventTarget {
  /**
   * @param {object} info CallJSON with a phone ticket and phone.number
   * @param {object} [opts] {iceServers}: RTCIceServer list (or a promise of one)
   */
  constructor(info, opts = {}) {
    super();
    this.info = info;
    this.number = (info.phone && info.phone.number) || '';
    this.iceServers = opts.iceServers || [];
    this.state = 'connecting';
    this.code = 0;
    this.reason = '';
    this.answeredAt = 0;
    this.muted = false;
    this.stream = null;
    this.pc = null;
    this.conn = null;
    this.handle = null;
    this.remoteStream = new MediaStream();
    this.done = false;
    // marks are [label, ms since the epoch] milestones, for diagnostics.
    this.marks = [['start', Date.now()]];
    this.finished = new Promise((resolve) => {
      this.resolveFinished = resolve;
    });
  }

  mark(label) {
    this.marks.push([label, Date.now()]);
  }

  setState(state, code = 0, reason = '') {
    this.state = state;
    this.code = code;
    this.reason = reason;
    this.mark(state);
    this.dispatchEvent(new CustomEvent('state', { detail: { state, code, reason } }));
  }

  /** ended reports whether the call reached a final state. */
  get ended() {
    return ['busy', 'no_answer', 'ended', 'failed'].includes(this.state);
  }

  /**
   * start connects, registers, opens the microphone and places the call.
   * It resolves once the call is placed (the plugin said "calling"); the
   * rest arrives as events. A failure sets the state "failed" and rejects.
   */
  async start() {
    try {
      await this.place();
    } catch (err) {
      if (!this.ended) this.setState('failed', 0, err.message || String(err));
      this.close();
      throw err;
    }
  }

  async place() {
    const conn = new Connection(janusURL(), this.info.ticket);
    this.conn = conn;
    conn.onclose = () => {
      // Frontdesk closes the line when the ring timeout passes; the
      // plugin cancels the call then.
      if (!this.ended) this.setState(this.answeredAt ? 'ended' : 'no_answer');
      this.finish();
    };
    const media = navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    media.catch(() => {}); // awaited below
    await conn.open();
    await conn.createSession();
    this.handle = await conn.attach(PLUGIN);
    this.handle.addEventListener('event', (e) => this.onEvent(e.detail));
    this.handle.addEventListener('hangup', () => {
      // The core's hang-up: the PeerConnection is gone, a new call may start.
      this.mark('core-hangup');
      this.finish();
    });
    this.handle.addEventListener('webrtcup', () => this.mark('webrtcup'));
    this.setState('registering');
    const registered = this.waitFor('registered');
    await this.handle.message({ request: 'register' });
    await registered;
    this.stream = await media;
    this.applyMute();
    const pc = new RTCPeerConnection({ iceServers: await this.iceServers });
    this.pc = pc;
    pc.ontrack = (e) => {
      this.remoteStream.addTrack(e.track);
      this.dispatchEvent(new CustomEvent('remote', { detail: this.remoteStream }));
    };
    for (const t of this.stream.getAudioTracks()) pc.addTransceiver(t, { direction: 'sendrecv', streams: [this.stream] });
    if (!this.stream.getAudioTracks().length) pc.addTransceiver('audio', { direction: 'recvonly' });
    const gathered = new Promise((resolve) => {
      pc.onicecandidate = (e) => {
        if (!e.candidate) resolve();
      };
      setTimeout(resolve, GATHER_MS);
    });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered;
    const offer = pc.localDescription;
    if (this.ended) return;
    this.setState('calling');
    await this.handle.message({ request: 'call' }, { type: offer.type, sdp: offer.sdp });
  }

  /** waitFor resolves on the plugin event name, or rejects on a failed registration. */
  waitFor(name) {
    return new Promise((resolve, reject) => {
      const on = (e) => {
        const r = (e.detail.plugindata?.data || {}).result || {};
        if (r.event === name) {
          this.handle.removeEventListener('event', on);
          resolve(r);
        } else if (r.event === 'registration_failed') {
          this.handle.removeEventListener('event', on);
          reject(new Error(`the phone line could not register (${r.code || 'no code'})`));
        }
      };
      this.handle.addEventListener('event', on);
    });
  }

  onEvent(m) {
    const d = m.plugindata?.data || {};
    const r = d.result || {};
    switch (r.event) {
      case 'ringing':
      case 'proceeding':
        if (!this.answeredAt && !this.ended) this.setState('ringing', r.code || 0);
        break;
      case 'accepted':
        if (m.jsep && this.pc) {
          this.pc.setRemoteDescription(m.jsep).catch((err) => this.setState('failed', 0, err.message));
        }
        this.answeredAt = Date.now();
        this.setState('connected');
        break;
      case 'hangingup':
        if (!this.ended) this.setState('hangingup');
        break;
      case 'hangup':
        this.setState(endState(r.code || 0, !!this.answeredAt), r.code || 0, r.reason || '');
        this.stopMedia();
        break;
      default:
    }
  }

  /** hangup ends the call (the plugin answers "hangingup", then "hangup"). */
  async hangup() {
    if (this.ended || !this.handle) {
      this.close();
      return;
    }
    try {
      await this.handle.message({ request: 'hangup' });
    } catch {
      // the connection is gone: closing it ends the call too
      this.close();
    }
  }

  /** setMuted turns the microphone off (true) or on. */
  setMuted(muted) {
    this.muted = muted;
    this.applyMute();
  }

  applyMute() {
    if (!this.stream) return;
    for (const t of this.stream.getAudioTracks()) t.enabled = !this.muted;
  }

  stopMedia() {
    if (this.pc) this.pc.close();
    if (this.stream) for (const t of this.stream.getTracks()) t.stop();
  }

  // finish marks the line free again and closes the connection.
  finish() {
    if (this.done) return;
    this.done = true;
    this.stopMedia();
    this.resolveFinished();
    this.dispatchEvent(new CustomEvent('done'));
    if (this.conn && !this.conn.closed) this.conn.close();
  }

  /** close drops everything at once (the connection's end hangs up the call). */
  close() {
    this.stopMedia();
    if (this.conn && !this.conn.closed) this.conn.close();
    this.finish();
  }

  /** inboundStats returns the inbound audio packets and bytes (getStats). */
  async inboundStats() {
    const out = { audio: 0, bytes: 0 };
    if (!this.pc || this.pc.connectionState === 'closed') return this.lastStats || out;
    const st = await this.pc.getStats();
    st.forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'audio') {
        out.audio += r.packetsReceived || 0;
        out.bytes += r.bytesReceived || 0;
      }
    });
    this.lastStats = out;
    return out;
  }
}
