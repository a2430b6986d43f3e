// The call view shared by the caller page and the host console: local and
// remote video, mute, camera off, hang up.

import { Call, Prepared } from './videoroom.js';
import { $, api, say } from './api.js';

/** getMedia asks for camera and microphone (720p max). */
export function getMedia() {
  return navigator.mediaDevices.getUserMedia({ audio: true, video: { width: { ideal: 640 }, height: { ideal: 480 } } });
}

/**
 * iceServers returns the STUN/TURN servers Frontdesk hands this user, with
 * short-lived TURN credentials (GET /api/v1/ice-servers), so callers behind
 * NATs get a relay. Without them the call still tries host candidates.
 */
export async function iceServers() {
  try {
    const servers = await api('GET', '/ice-servers');
    return Array.isArray(servers) ? servers : [];
  } catch (err) {
    console.warn('no ICE servers from Frontdesk:', err);
    return [];
  }
}

/**
 * prepareCall gets the media side of a call ready before the call exists
 * (see Prepared): stream is the camera and microphone (a MediaStream or a
 * promise of one); the ICE servers are fetched now. The page hands the
 * result to startCall, or closes it when no call follows.
 */
export function prepareCall(stream) {
  return new Prepared(stream, iceServers());
}

// away is the countdown shown while the other side is away: its deadline
// (ms since the epoch, or 0 when unknown) and the interval updating it.
const away = { until: 0, timer: null };

function renderAway() {
  const c = $('peer-away-countdown');
  if (!c) return;
  if (!away.until) {
    c.textContent = '';
    return;
  }
  const s = Math.max(0, Math.round((away.until - Date.now()) / 1000));
  c.textContent = `The call ends in ${s} s unless they return.`;
}

function showAway(on, text) {
  const box = $('peer-away');
  if (!box) return;
  if (on) {
    $('peer-away-text').textContent = text;
    if (box.hidden) {
      box.hidden = false;
      // The one control that ends the call, Hang up, gets the focus.
      $('btn-hangup').focus();
    }
    clearInterval(away.timer);
    away.timer = setInterval(renderAway, 1000);
    renderAway();
  } else {
    box.hidden = true;
    clearInterval(away.timer);
    away.timer = null;
    away.until = 0;
  }
}

/**
 * setPeerAway tells the call view until when the other side may still
 * come back (peer_away_until, RFC 3339; null when they are not away), for
 * the countdown under the "disconnected" notice.
 */
export function setPeerAway(iso) {
  away.until = iso ? new Date(iso).getTime() : 0;
  renderAway();
}

/**
 * startCall joins the call described by info (CallJSON) with the media
 * side prepared (prepareCall) and wires the page's call view. onEnded(reason) runs once when the call
 * is over here (hang up, or connection lost). opts:
 *   - onHangup: async function run when this side hangs up (the Hang up
 *     button, also while the other side is away), before leaving the room; the page ends the call
 *     for both sides there (POST /entries/:id/complete).
 *   - onPeerLeft, onPeerBack: called when the other side's feed goes away
 *     (a reload or a drop: the call goes on, Frontdesk keeps it for the
 *     queue's rejoin grace) and when it is back and playing.
 *   - peerLabel: who the other side is ("The caller", "The host").
 *   - marks: earlier [label, ms since the epoch] milestones (Call.marks).
 *   - refresh: async function returning the call's CallJSON with a new
 *     ticket; with it the call reconnects by itself when its connection is
 *     lost or the call moves to a new room (Call.reconnect).
 * The Call is also exposed as window.frontdesk.call for diagnostics.
 */
export async function startCall(info, prepared, onEnded, opts = {}) {
  const call = new Call(info, prepared, { marks: opts.marks, refresh: opts.refresh });
  window.frontdesk = window.frontdesk || {};
  window.frontdesk.call = call;
  window.frontdesk.webrtcup = [];
  const local = $('local-video');
  const remote = $('remote-video');
  const state = $('call-state');
  local.muted = true;
  $('peer-name').textContent = info.peer_name || 'the other participant';
  state.textContent = 'Connecting…';
  say(''); // an earlier notice (e.g. "welcome back") no longer applies
  let ended = false;
  const end = (reason) => {
    if (ended) return;
    ended = true;
    remote.srcObject = null;
    local.srcObject = null;
    onEnded(reason);
  };
  prepared.stream.then((st) => {
    if (!ended) local.srcObject = st;
  });
  call.addEventListener('remote', (e) => {
    if (remote.srcObject !== e.detail) remote.srcObject = e.detail;
    remote.play().catch(() => {});
  });
  call.addEventListener('webrtcup', (e) => {
    window.frontdesk.webrtcup.push({ ...e.detail, at: Date.now() });
    state.textContent = 'Connected';
  });
  const who = opts.peerLabel || 'The other participant';
  call.addEventListener('peer-left', () => {
    state.textContent = `${who} disconnected`;
    remote.srcObject = null;
    showAway(true, `${who} disconnected — waiting for them to come back.`);
    if (opts.onPeerLeft) opts.onPeerLeft();
  });
  call.addEventListener('peer-back', () => {
    state.textContent = 'Connected';
    showAway(false);
    if (opts.onPeerBack) opts.onPeerBack();
  });
  call.addEventListener('reconnecting', () => {
    state.textContent = 'Reconnecting…';
    remote.srcObject = null;
    showAway(false);
  });
  call.addEventListener('closed', (e) => {
    showAway(false);
    end(e.detail.reason);
  });
  call.addEventListener('error', (e) => {
    if (!ended) say(`Call problem: ${e.detail.message}`, 'error');
  });

  const mute = $('btn-mute');
  const cam = $('btn-camera');
  mute.setAttribute('aria-pressed', 'false');
  cam.setAttribute('aria-pressed', 'false');
  mute.onclick = () => {
    const on = mute.getAttribute('aria-pressed') !== 'true';
    call.setMuted(on);
    mute.setAttribute('aria-pressed', String(on));
    mute.textContent = on ? 'Unmute' : 'Mute';
  };
  cam.onclick = () => {
    const off = cam.getAttribute('aria-pressed') !== 'true';
    call.setCameraOff(off);
    cam.setAttribute('aria-pressed', String(off));
    cam.textContent = off ? 'Camera on' : 'Camera off';
  };
  const hangup = async () => {
    $('btn-hangup').disabled = true;
    try {
      if (opts.onHangup) await opts.onHangup();
    } catch (err) {
      console.warn('ending the call:', err);
    } finally {
      $('btn-hangup').disabled = false;
    }
    await call.hangup();
  };
  $('btn-hangup').onclick = hangup;
  window.frontdesk.hangup = hangup; // for the page's keyboard shortcut
  try {
    await call.start();
  } catch (err) {
    say(`Could not connect the call: ${err.message}`, 'error');
    call.finish('failed');
  }
  return call;
}

/** callMarkup is the call view's HTML (inserted into a section). */
export const callMarkup = `
  <div class="videos">
    <figure class="video remote"><video id="remote-video" autoplay playsinline aria-label="Video of the other participant"></video>
      <figcaption id="peer-name"></figcaption></figure>
    <figure class="video local"><video id="local-video" autoplay playsinline muted aria-label="Your camera"></video>
      <figcaption>You</figcaption></figure>
  </div>
  <p id="call-state" role="status" aria-live="polite"></p>
  <div id="peer-away" class="notice" role="alert" hidden>
    <p><span id="peer-away-text"></span> <span id="peer-away-countdown"></span> Hang up to end the call now.</p>
  </div>
  <div class="controls" role="group" aria-label="Call controls">
    <button type="button" id="btn-mute" aria-pressed="false">Mute</button>
    <button type="button" id="btn-camera" aria-pressed="false">Camera off</button>
    <button type="button" id="btn-hangup" class="danger" aria-keyshortcuts="H">Hang up</button>
    <span class="hint" id="call-keys"></span>
  </div>`;
