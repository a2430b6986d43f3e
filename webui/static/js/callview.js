// The call view shared by the caller page and the host console: local and
// remote video, mute, camera off, hang up.

import { Call } from './videoroom.js';
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
async function iceServers() {
  try {
    const servers = await api('GET', '/ice-servers');
    return Array.isArray(servers) ? servers : [];
  } catch (err) {
    console.warn('no ICE servers from Frontdesk:', err);
    return [];
  }
}

/**
 * startCall joins the call described by info (CallJSON) with localStream
 * and wires the page's call view. onEnded(reason) runs once when the call
 * is over (hang up here, peer left, or connection lost). The Call is also
 * exposed as window.frontdesk.call for diagnostics.
 */
export async function startCall(info, localStream, onEnded) {
  const call = new Call(info, localStream, { iceServers: await iceServers() });
  window.frontdesk = window.frontdesk || {};
  window.frontdesk.call = call;
  window.frontdesk.webrtcup = [];
  const local = $('local-video');
  const remote = $('remote-video');
  const state = $('call-state');
  local.srcObject = localStream;
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
  call.addEventListener('remote', (e) => {
    if (remote.srcObject !== e.detail) remote.srcObject = e.detail;
    remote.play().catch(() => {});
  });
  call.addEventListener('webrtcup', (e) => {
    window.frontdesk.webrtcup.push({ ...e.detail, at: Date.now() });
    state.textContent = 'Connected';
  });
  call.addEventListener('peer-left', () => {
    state.textContent = 'The other participant left';
    call.hangup();
  });
  call.addEventListener('closed', (e) => end(e.detail.reason));
  call.addEventListener('error', (e) => say(`Call problem: ${e.detail.message}`, 'error'));

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
  $('btn-hangup').onclick = () => call.hangup();
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
  <div class="controls" role="group" aria-label="Call controls">
    <button type="button" id="btn-mute" aria-pressed="false">Mute</button>
    <button type="button" id="btn-camera" aria-pressed="false">Camera off</button>
    <button type="button" id="btn-hangup" class="danger">Hang up</button>
  </div>`;
