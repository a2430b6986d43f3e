// The caller page (/q/<slug>): queue status, intake form, camera check,
// join, live position and estimated wait, "you're next", the call,
// resume after a reload, thank-you; and, where the queue offers it, a
// phone number for the host, or a queued callback ("call me back at this
// number instead of waiting"), whose page may be closed.

import { api, ApiError, me, live, $, show, say, fmtDuration, fmtTime, fmtPhone, el } from './api.js';
import { getMedia, prepareCall, startCall, callMarkup, setPeerAway } from './callview.js';
import { clearField, fieldError, isHuman } from './forms.js';

const slug = decodeURIComponent(location.pathname.split('/')[2] || '');
const storeKey = `frontdesk.entry.${slug}`;
let queue = null;
let entryId = null;
let feed = null;
let localStream = null;
let mediaPending = null; // getMedia() under way (see ensureStream)
// prepared is the call's media side (camera, ICE servers, the publisher's
// offer; see prepareCall), made ready while a host is being offered this
// caller so that the call does not wait for it.
let prepared = null;
let over = false; // the entry ended (thank-you screen)
let call = null;
let notifiedNext = false;
// meter is the intake screen's microphone level meter: {ac, timer}.
let meter = null;

$('call-view').innerHTML = callMarkup;
$('btn-retry').onclick = () => location.reload();

function fail(err) {
  console.error(err);
  $('error-text').textContent = err.message || String(err);
  show('error');
}

/**
 * loadQueue fetches this page's desk into queue; it returns false when the
 * desk needs a signed-in visitor to be seen (401), and shows "No such
 * desk" (returning null) when there is none by this address.
 */
async function loadQueue() {
  try {
    queue = await api('GET', `/queues/${encodeURIComponent(slug)}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return false;
    if (err instanceof ApiError && err.status === 404) {
      noSuchDesk();
      return null;
    }
    throw err;
  }
  renderHeader();
  return true;
}

function noSuchDesk() {
  document.title = 'No such desk — Frontdesk';
  $('queue-name').textContent = 'No such desk';
  $('queue-desc').textContent = '';
  show('nodesk');
}

/** renderOpen says on the name screen whether the desk is open now. */
function renderOpen() {
  const st = (queue && queue.status) || {};
  const b = $('name-open');
  b.hidden = !queue;
  if (!queue) return;
  const open = st.open && st.admitting;
  b.className = `badge ${open ? 'open' : 'closed'}`;
  b.textContent = open ? 'Open now' : st.next_open ? `Closed: opens ${fmtTime(st.next_open)}` : 'Closed';
}

async function ensurePrincipal() {
  const who = await me();
  if (who) return who;
  renderOpen();
  show('name');
  $('guest-name').focus();
  return new Promise((resolve) => {
    $('name-form').onsubmit = async (ev) => {
      ev.preventDefault();
      try {
        await api('POST', '/auth/guest', { display_name: $('guest-name').value.trim() });
        resolve(await me());
      } catch (err) {
        say(err.message, 'error');
      }
    };
  });
}

function renderHeader() {
  document.title = `${queue.name} — Frontdesk`;
  $('queue-name').textContent = queue.name;
  $('queue-desc').textContent = queue.description || '';
}

async function showQueue() {
  if (!(await loadQueue())) return;
  const st = queue.status || {};
  if (!st.open || !st.admitting) {
    $('next-open').textContent = st.next_open
      ? `It opens next on ${fmtTime(st.next_open)} (your time).`
      : st.open ? 'It is closing soon and no longer admits callers.' : 'No opening is scheduled.';
    show('closed');
    setTimeout(() => showQueue().catch(fail), 30000);
    return;
  }
  const box = $('intake-fields');
  box.replaceChildren();
  for (const f of queue.intake || []) {
    const id = `intake-${f.name}`;
    let input;
    if (f.options && f.options.length) {
      input = el('select', { id, name: f.name, required: f.required }, el('option', { value: '', text: 'Choose…' }),
        ...f.options.map((o) => el('option', { value: o, text: o })));
    } else {
      input = el('input', { id, name: f.name, required: f.required, maxlength: f.max_len || null });
    }
    box.append(el('div', { class: 'field' }, el('label', { for: id, text: f.label + (f.required ? ' (required)' : '') }), input));
  }
  $('join-form').reset(); // "Join again" starts from a clean form
  renderPhoneBox();
  show('intake');
}

/**
 * renderPhoneBox offers the phone field when the queue takes numbers: with
 * callbacks (queue.phone.callback) the "Call me back at this number
 * instead of waiting" box and the number; with only an allow list an
 * optional number the host may call if video fails.
 */
function renderPhoneBox() {
  const ph = (queue && queue.phone) || {};
  const callback = !!ph.callback;
  const takes = callback || (ph.allow || []).length > 0;
  $('phone-box').hidden = !takes;
  $('callback-row').hidden = !callback;
  $('phone-legend').textContent = callback ? 'Phone call instead of waiting' : 'Phone';
  if (!takes) $('callback').checked = false;
  onCallbackToggle();
}

// onCallbackToggle makes the number required for a callback, and drops
// the camera check, which a phone call does not need.
function onCallbackToggle() {
  const cb = $('callback').checked;
  const input = $('phone');
  input.required = cb;
  $('phone-label').textContent = cb
    ? 'Your phone number (required)'
    : queue && queue.phone && queue.phone.callback ? 'Your phone number (optional)' : 'Phone (so the host can call you if video fails)';
  $('camera-check').hidden = cb;
  $('btn-join').textContent = cb ? 'Ask for a call back' : 'Join the queue';
  if (!cb && input.getAttribute('aria-invalid') === 'true' && !input.value.trim()) clearField(input);
}

$('callback').onchange = onCallbackToggle;
$('phone').oninput = () => clearField($('phone'));

/**
 * joinFieldError puts a refused join's problem at the field it names
 * (phone, callback, an intake answer) with the focus; it returns false
 * when the problem names no field on the form.
 */
function joinFieldError(err) {
  const p = (err && err.problem) || {};
  if (!p.field) return false;
  const name = String(p.field).replace(/^intake\./, '');
  const id = { phone: 'phone', callback: 'callback' }[name] || `intake-${name}`;
  const input = $(id);
  if (!input || input.closest('[hidden]')) return false;
  const texts = {
    phone_required: 'Enter the number we should call, for example +1 555 010 2030.',
    phone_invalid: 'This is not a phone number in international form. Write it like +1 555 010 2030.',
    phone_not_allowed: 'This desk cannot call that number. Enter another number.',
    callback_unavailable: 'This desk does not call back right now. Untick the box to wait on this page.',
  };
  fieldError(input, isHuman(p.detail) ? p.detail : texts[p.reason] || err.message);
  return true;
}

async function checkMedia() {
  try {
    if (!localStream) localStream = await getMedia();
    $('preview').srcObject = localStream;
    $('check-result').textContent = 'Camera and microphone work.';
    if (!meter && localStream.getAudioTracks().length) {
      const ac = new AudioContext();
      const an = ac.createAnalyser();
      ac.createMediaStreamSource(localStream).connect(an);
      const buf = new Uint8Array(an.fftSize);
      meter = { ac, timer: null };
      meter.timer = setInterval(() => {
        an.getByteTimeDomainData(buf);
        let peak = 0;
        for (const v of buf) peak = Math.max(peak, Math.abs(v - 128) / 128);
        $('mic-level').value = peak;
      }, 200);
    }
    return true;
  } catch (err) {
    $('check-result').textContent = `No camera or microphone: ${err.message}. You can still join; the host will not see or hear you.`;
    return false;
  }
}

async function join(ev) {
  ev.preventDefault();
  const callback = !$('phone-box').hidden && $('callback').checked;
  const phone = $('phone-box').hidden ? '' : $('phone').value.trim();
  if (callback && !phone) {
    fieldError($('phone'), 'Enter the number we should call, for example +1 555 010 2030.');
    return;
  }
  if (!callback) {
    if ('Notification' in window && Notification.permission === 'default') Notification.requestPermission().catch(() => {});
    await checkMedia();
  }
  const intake = {};
  for (const f of queue.intake || []) intake[f.name] = $(`intake-${f.name}`).value;
  const body = { intake };
  if (phone) body.phone = phone;
  if (callback) body.callback = true;
  try {
    const r = await api('POST', `/queues/${queue.id}/entries`, body);
    localStorage.setItem(storeKey, JSON.stringify({ id: r.entry.id, token: r.resume_token }));
    follow(r.entry.id, r.resume_token);
    update(r.entry, null);
  } catch (err) {
    if (err instanceof ApiError && err.problem.reason === 'already_queued' && err.problem.entry_id) {
      follow(err.problem.entry_id, savedToken(err.problem.entry_id));
      return;
    }
    if (err instanceof ApiError && joinFieldError(err)) return;
    say(err instanceof ApiError && err.problem.next_open ? `${err.message} (opens ${fmtTime(err.problem.next_open)})` : err.message, 'error');
  }
}

function savedToken(id) {
  try {
    const s = JSON.parse(localStorage.getItem(storeKey) || 'null');
    return s && s.id === id ? s.token : '';
  } catch {
    return '';
  }
}

/**
 * stopPreview stops the intake screen's camera preview and microphone
 * meter (an audio graph that costs CPU for as long as it runs); the
 * stream itself stays for the call.
 */
function stopPreview() {
  $('preview').srcObject = null;
  if (meter) {
    clearInterval(meter.timer);
    meter.ac.close().catch(() => {});
    meter = null;
  }
}

function follow(id, token) {
  entryId = id;
  stopPreview();
  show('waiting');
  if (feed) feed.stop();
  const q = () => `entry=${encodeURIComponent(id)}${token ? `&token=${encodeURIComponent(token)}` : ''}`;
  feed = live(q, (m) => {
    if (m.type !== 'entry') return;
    // The live updates' states and times, for diagnostics (the end-to-end
    // test prints them next to the call's milestones).
    window.frontdesk = window.frontdesk || {};
    const log = (window.frontdesk.updates = window.frontdesk.updates || []);
    log.push([m.entry.state + (m.call ? '+call' : ''), Date.now()]);
    if (log.length > 50) log.shift();
    update(m.entry, m.call || null, !!m.host_free);
  });
}

function beep() {
  try {
    const ac = new AudioContext();
    const o = ac.createOscillator();
    const g = ac.createGain();
    o.frequency.value = 880;
    g.gain.value = 0.1;
    o.connect(g).connect(ac.destination);
    o.start();
    o.stop(ac.currentTime + 0.3);
  } catch {
    // no sound
  }
}

/**
 * ensureStream resolves to the camera and microphone, opening them if the
 * page has none yet (after a reload); without them the caller still joins
 * with an empty stream.
 */
function ensureStream() {
  if (localStream) return Promise.resolve(localStream);
  if (!mediaPending) {
    mediaPending = getMedia()
      .catch(() => new MediaStream())
      .then((st) => {
        if (!localStream && !over) localStream = st;
        else if (st !== localStream) st.getTracks().forEach((t) => t.stop()); // not needed (any more)
        return localStream || st;
      })
      .finally(() => {
        mediaPending = null;
      });
  }
  return mediaPending;
}

/**
 * renderWait fills the waiting screen's position and estimated wait: "A
 * host is being connected" / "now" once a host is offered this caller or
 * is free (hostFree, from the live update's host_free) for the caller
 * at the head of an automatic queue; the position and estimate otherwise.
 */
function renderWait(entry, hostFree) {
  const auto = !queue || queue.mode !== 'pick';
  const connecting = entry.state !== 'waiting' || (auto && hostFree && entry.position === 1);
  $('position').textContent = connecting ? 'A host is being connected' : entry.position ? String(entry.position) : 'checking…';
  let wait = 'unknown';
  if (connecting) wait = 'now';
  else if (entry.estimated_wait != null) wait = entry.estimated_wait < 15 ? 'now' : `about ${fmtDuration(entry.estimated_wait)}`;
  $('estimate').textContent = wait;
}

// retryTime writes when a callback is tried again ("at 14:05").
function retryTime(iso) {
  const d = new Date(iso);
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? `at ${d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}` : `on ${fmtTime(iso)}`;
}

/**
 * updateCallback shows a queued callback's progress: the number we call,
 * the position and estimate while it waits, the last attempt's result
 * (busy, no answer) and the retry's time, the call being placed and the
 * phone call under way. No video call starts from this page.
 */
function updateCallback(entry, hostFree) {
  const num = fmtPhone(entry.phone);
  const cb = entry.callback || {};
  const notice = $('callback-notice');
  const attempt = $('callback-attempt');
  notice.hidden = false;
  $('next-notice').hidden = true;
  $('connecting-notice').hidden = true;
  switch (entry.state) {
    case 'waiting': {
      notice.textContent = `We will call you at ${num} when it is your turn. You can close this page.`;
      // A callback waiting for its retry is not being connected, whoever is free.
      renderWait(entry, hostFree && !entry.paused);
      if (cb.last_result) {
        const what = cb.last_result === 'busy' ? 'the line was busy' : cb.last_result === 'no_answer' ? 'nobody answered' : 'the call did not go through';
        const when = cb.retry_at ? ` We will try again ${retryTime(cb.retry_at)}.` : ' We will try again soon.';
        attempt.textContent = `We called ${num}, but ${what}${cb.last_code ? ` (code ${cb.last_code})` : ''}.${when}`;
        attempt.hidden = false;
      } else {
        attempt.hidden = true;
      }
      return;
    }
    case 'offered':
    case 'connecting':
      notice.textContent = entry.state === 'offered' ? `A host is about to call you at ${num}.` : `A host is calling you now at ${num}. Please answer your phone.`;
      attempt.hidden = true;
      renderWait(entry, true);
      return;
    case 'in_call':
      notice.textContent = `You are on the phone with a host (${num}).`;
      attempt.hidden = true;
      renderWait(entry, true);
      $('estimate').textContent = 'now';
      $('position').textContent = 'On the phone';
      return;
    default:
      finished(entry.state, entry);
  }
}

function update(entry, callInfo, hostFree = false) {
  if (entry.callback) {
    updateCallback(entry, hostFree);
    return;
  }
  $('callback-notice').hidden = true;
  $('callback-attempt').hidden = true;
  switch (entry.state) {
    case 'waiting': {
      if (call) return;
      if (prepared) {
        // The offer came back (declined, expired): no call yet.
        prepared.close();
        prepared = null;
      }
      renderWait(entry, hostFree);
      const next = entry.position === 1;
      $('next-notice').hidden = !next;
      $('connecting-notice').hidden = true;
      if (next && !notifiedNext) {
        notifiedNext = true;
        beep();
        if ('Notification' in window && Notification.permission === 'granted') new Notification('You are next', { body: queue ? queue.name : '' });
      }
      return;
    }
    case 'offered':
      if (!prepared && !call) prepared = prepareCall(ensureStream());
    // falls through
    case 'connecting':
    case 'in_call':
      if (call && typeof call === 'object') setPeerAway(entry.peer_away_until || (callInfo && callInfo.peer_away_until) || null);
      $('next-notice').hidden = true;
      $('connecting-notice').hidden = false;
      renderWait(entry, true);
      // A connecting entry whose call is not in the message was accepted a
      // moment ago and its room is still being set up: the next message
      // (urgent) carries the call.
      if (entry.state !== 'offered' && !call && (callInfo || entry.state === 'in_call')) joinCall(entry.id, callInfo).catch(fail);
      return;
    default:
      finished(entry.state);
  }
}

async function joinCall(id, info) {
  if (call) return;
  call = 'starting';
  try {
    if (!info || !info.ticket) info = await api('GET', `/entries/${id}/call`);
    // The media side made ready while offered may still be getting
    // ready: the call connects meanwhile.
    const prep = prepared || prepareCall(ensureStream());
    prepared = null;
    show('call');
    call = await startCall(info, prep, () => {
      call = 'ended';
      finished('completed');
    }, {
      peerLabel: 'The host',
      refresh: () => api('GET', `/entries/${id}/call`),
      // An explicit hang-up ends the call for both sides at once; leaving
      // the room alone (a reload) keeps it for the rejoin grace.
      onHangup: () => api('POST', `/entries/${id}/complete`),
    });
  } catch (err) {
    call = null;
    throw err;
  }
}

function finished(state, entry = null) {
  over = true;
  say(''); // a normal end: no earlier call notice stays on the thank-you page
  if (prepared) {
    prepared.close();
    prepared = null;
  }
  if (call && typeof call === 'object' && !call.ended) call.hangup(); // the host ended the call
  if (feed) {
    feed.stop();
    feed = null;
  }
  localStorage.removeItem(storeKey);
  if (localStream) {
    for (const t of localStream.getTracks()) t.stop();
    localStream = null;
  }
  stopPreview();
  const num = entry && entry.phone ? fmtPhone(entry.phone) : 'your number';
  const tries = entry && entry.callback && entry.callback.attempts > 1 ? ` We tried ${entry.callback.attempts} times.` : '';
  const texts = {
    completed: entry && entry.callback ? 'Your phone call has ended. Thank you for using the help desk.' : 'Your call has ended. Thank you for using the help desk.',
    no_answer: `We called you at ${num}, but nobody answered, so we stopped trying.${tries} You can ask for a call again.`,
    busy: `We called you at ${num}, but the line was busy, so we stopped trying.${tries} You can ask for a call again.`,
    abandoned: 'You left the queue.',
    removed: 'A host removed you from the queue.',
    expired: 'Sorry, the queue closed before a host could take your call.',
    no_show: 'You were offered a host but did not connect in time.',
  };
  $('thanks-text').textContent = texts[state] || 'Your visit has ended.';
  $('thanks-title').textContent = state === 'no_answer' || state === 'busy' ? 'We could not reach you' : 'Thank you!';
  show('thanks');
}

$('btn-check').onclick = () => checkMedia();
$('join-form').onsubmit = (ev) => join(ev).catch(fail);
$('btn-leave').onclick = async () => {
  try {
    await api('DELETE', `/entries/${entryId}`);
    finished('abandoned');
  } catch (err) {
    say(err.message, 'error');
  }
};
$('btn-again').onclick = () => {
  call = null;
  notifiedNext = false;
  showQueue().catch(fail);
};

async function init() {
  if (!slug) {
    noSuchDesk();
    return;
  }
  // The desk's name and whether it is open come before the visitor's
  // name, where the server shows them to visitors not yet signed in.
  let known = await loadQueue();
  if (known === null) return;
  await ensurePrincipal();
  if (!known) known = await loadQueue();
  if (!known) return;
  const mine = await api('GET', '/entries');
  const mineHere = (mine || []).find((e) => e.queue_id === queue.id);
  if (mineHere) {
    const rejoining = !mineHere.callback && (mineHere.state === 'connecting' || mineHere.state === 'in_call');
    say(rejoining ? 'Welcome back: rejoining your call…' : 'Welcome back: you kept your place.');
    follow(mineHere.id, savedToken(mineHere.id));
    update(mineHere, null);
    return;
  }
  await showQueue();
}

init().catch(fail);
