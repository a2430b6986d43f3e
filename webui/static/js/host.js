// The host console (/host): sign in, go available or away, incoming offer
// with countdown, sound, notification and accept/decline (also by the
// keys A and D), waiting lists (pick mode), the call
// view, wrap-up and personal statistics; and the phone panel: a queued
// callback's phone call (a call with room_id 0 and a phone leg), or a
// phone call to the caller beside the video call or in its wrap-up
// ("Call by phone").

import { api, me, live, $, show, say, fmtDuration, fmtPhone, el } from './api.js';
import { getMedia, prepareCall, startCall, callMarkup, setPeerAway, iceServers } from './callview.js';
import { PhoneCall, stateText } from './sipcall.js';

let who = null;
let host = null;
let feed = null;
let call = null;
let callEntry = null;
let ticker = null;
let lastOffer = null;
// callSeenLive is set once a live update showed the host in_call during
// the current call, so an older update (still available) does not end it.
let callSeenLive = false;
let statsAt = 0;
// prepared is the call's media side (camera, ICE servers, the publisher's
// offer; see prepareCall) made ready when an offer arrives, so that
// accepting does not wait for it.
let prepared = null;
// phone is the phone panel's PhoneCall (sipcall.js), kept after it ended
// until the host closes the panel; phoneTicker updates its timer.
let phone = null;
let phoneTicker = null;
// lastEntry is the entry of the current or last video call, {id, phone},
// for "Call by phone" during the call and in its wrap-up.
let lastEntry = null;
// reloadChecked is the entry whose call a reload looked for already;
// taking is set while an accept, pick or next is on its way (its live
// update may come before its reply: that is no reload).
let reloadChecked = null;
let taking = false;

$('call-view').innerHTML = callMarkup;

function fail(err) {
  console.error(err);
  say(err.message || String(err), 'error');
}

// labels maps queue ID -> intake field name -> label (from live updates).
const labels = new Map();

function labelOf(queueId, name) {
  const m = labels.get(queueId);
  return (m && m[name]) || name;
}

function intakeList(dl, intake, queueId) {
  dl.replaceChildren();
  for (const [k, v] of Object.entries(intake || {})) dl.append(el('dt', { text: labelOf(queueId, k) }), el('dd', { text: v }));
}

function secondsUntil(iso) {
  return Math.max(0, Math.round((new Date(iso).getTime() - Date.now()) / 1000));
}

function tick() {
  if (lastOffer && lastOffer.offer_expires) $('offer-countdown').textContent = String(secondsUntil(lastOffer.offer_expires));
  if (host && host.state === 'wrap_up' && host.deadline) $('wrapup-countdown').textContent = fmtDuration(secondsUntil(host.deadline));
  if (host && host.state_since) $('state-timer').textContent = `for ${fmtDuration((Date.now() - new Date(host.state_since).getTime()) / 1000)}`;
}

const stateNames = { offline: 'Offline', available: 'Available', offered: 'Offer waiting', in_call: 'In a call', wrap_up: 'Wrap-up', away: 'Away' };

function onUpdate(m) {
  if (m.type !== 'host') return;
  host = m.host;
  for (const q of m.queues || []) labels.set(q.queue.id, Object.fromEntries((q.queue.intake || []).map((f) => [f.name, f.label])));
  $('host-state').textContent = stateNames[host.state] || host.state;
  $('host-state').dataset.state = host.state;
  // In wrap-up, "Ready for the next caller" is the one way back.
  $('btn-available').disabled = ['available', 'in_call', 'offered', 'wrap_up'].includes(host.state);
  $('btn-away').disabled = host.state === 'away' || host.state === 'in_call' || host.state === 'offered';
  // Offer.
  const isNew = m.offer && (!lastOffer || lastOffer.id !== m.offer.id);
  lastOffer = m.offer || null;
  $('offer').hidden = !lastOffer;
  if (isNew) {
    // Keyboard and screen-reader users land on the offer at once.
    $('btn-accept').focus();
    document.title = `Incoming caller — Host console`;
    alertOffer(m.offer);
  } else if (!lastOffer) {
    document.title = 'Host console — Frontdesk';
  }
  if (!lastOffer && prepared && !call && host.state !== 'in_call') {
    // The offer went away (declined, expired): release the camera. An
    // accepted offer (in_call: this update may come before the accept's
    // reply) keeps it for the call.
    releasePrepared(prepared);
    prepared = null;
  }
  if (lastOffer) {
    // A queued callback is a phone call: no camera to get ready.
    if (!prepared && !lastOffer.callback) {
      prepared = prepareCall(openMedia());
      // For diagnostics and tests: whether the offer's media side is ready.
      window.frontdesk = window.frontdesk || {};
      window.frontdesk.prepared = false;
      const p = prepared;
      p.ready.then(() => {
        if (prepared === p) window.frontdesk.prepared = true;
      });
    }
    $('offer-name').textContent = lastOffer.caller_name;
    intakeList($('offer-intake'), lastOffer.intake, lastOffer.queue_id);
    if (lastOffer.callback) $('offer-intake').prepend(el('dt', { text: 'Phone call' }), el('dd', { text: `Call back at ${fmtPhone(lastOffer.phone)}` }));
  }
  // Wrap-up.
  $('wrapup').hidden = host.state !== 'wrap_up';
  renderPhoneButtons();
  // Queues.
  renderServing(m.queues || []);
  renderQueues(m.queues || []);
  tick();
  // The call ended elsewhere (the caller hung up, or did not come back in
  // time): leave the room.
  if (call && host.state === 'in_call') callSeenLive = true;
  if (call && typeof call === 'object' && !call.ended && callSeenLive && host.state !== 'in_call') call.hangup();
  // A reload during a call: rejoin. A phone call ended with the page
  // (Frontdesk saw its connection close), so it is not dialled again.
  if (host.state === 'in_call' && host.entry_id && !call && !phone && !taking && reloadChecked !== host.entry_id) {
    reloadChecked = host.entry_id;
    const id = host.entry_id;
    api('GET', `/entries/${id}/call`).then((info) => {
      if (info.room_id === 0 && info.phone) say('The phone call was cut off when this page reloaded.', 'error');
      else return hostCall(id, info, null);
    }).catch(fail);
  }
  if (Date.now() - statsAt > 5000 && host.state !== 'in_call') refreshStats(m.queues || []);
}

// audio is the page's AudioContext for the offer's beep, made on a click
// (Go available) so that the browser lets it play later.
let audio = null;

function unlockAudio() {
  try {
    if (!audio) audio = new AudioContext();
    if (audio.state === 'suspended') audio.resume().catch(() => {});
  } catch {
    audio = null; // no Web Audio: no sound
  }
}

/** beep plays two short tones (Web Audio; no sound file). */
function beep() {
  if (!audio) return;
  const t0 = audio.currentTime;
  for (const [f, at] of [[880, 0], [1175, 0.18]]) {
    const o = audio.createOscillator();
    const g = audio.createGain();
    o.frequency.value = f;
    g.gain.setValueAtTime(0.15, t0 + at);
    g.gain.exponentialRampToValueAtTime(0.001, t0 + at + 0.15);
    o.connect(g).connect(audio.destination);
    o.start(t0 + at);
    o.stop(t0 + at + 0.16);
  }
  window.frontdesk = window.frontdesk || {};
  window.frontdesk.beeps = (window.frontdesk.beeps || 0) + 1;
}

// notifyKey remembers that the console asked for notifications once.
const notifyKey = 'frontdesk.host.notify-asked';

/**
 * askNotifications asks once (on the Go available click) to show
 * notifications for offers while the tab is in the background; the hint
 * under the availability buttons says what the host gets instead when the
 * browser has none or they are refused (the beep and the tab's title).
 */
function askNotifications() {
  const has = 'Notification' in window;
  if (has && Notification.permission === 'default' && !localStorage.getItem(notifyKey)) {
    localStorage.setItem(notifyKey, '1');
    Notification.requestPermission().then(renderAlertHint, renderAlertHint);
  }
  renderAlertHint();
}

function renderAlertHint() {
  const on = 'Notification' in window && Notification.permission === 'granted';
  $('alert-hint').textContent = on
    ? 'New callers ring with a sound and a notification, even when this tab is in the background.'
    : 'New callers ring with a sound and show in this tab\'s title. Allow notifications for this site to see them in the background too.';
}

/** alertOffer rings for a new offer: a beep, and a notification when the tab is hidden. */
function alertOffer(offer) {
  beep();
  if (!document.hidden || !('Notification' in window) || Notification.permission !== 'granted') return;
  try {
    const n = new Notification('Incoming caller', { body: offer.caller_name, tag: `offer-${offer.id}` });
    n.onclick = () => {
      window.focus();
      n.close();
    };
  } catch {
    // a browser that allows notifications only from a service worker
  }
}

// Keyboard shortcuts (when not typing in a field): A accepts the offer,
// D declines it, H hangs up the call.
document.addEventListener('keydown', (ev) => {
  if (ev.altKey || ev.ctrlKey || ev.metaKey || ev.repeat) return;
  const t = ev.target;
  if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
  const k = ev.key.toLowerCase();
  if (k === 'a' && lastOffer && !$('offer').hidden) accept();
  else if (k === 'd' && lastOffer && !$('offer').hidden) decline();
  else if (k === 'h' && call && typeof call === 'object' && !call.ended && window.frontdesk && window.frontdesk.hangup) window.frontdesk.hangup();
  else if (k === 'h' && phone && !phone.ended) phone.hangup();
  else return;
  ev.preventDefault();
});

// servingBusy is true while a PUT /hosts/me/serving is in flight: live
// updates then leave the checkboxes as the host ticked them.
let servingBusy = false;

/**
 * renderServing shows one checkbox per assigned queue (by name), ticked
 * when the host serves it now (q.serving from the live update). Boxes are
 * updated in place so keyboard focus survives live updates.
 */
function renderServing(qs) {
  const box = $('serving-boxes');
  $('serving').hidden = qs.length === 0;
  const want = new Set(qs.map((q) => q.queue.id));
  for (const span of [...box.children]) if (!want.has(span.dataset.queue)) span.remove();
  for (const q of qs) {
    const id = `serve-${q.queue.id}`;
    let input = $(id);
    if (!input) {
      input = el('input', { type: 'checkbox', id, name: 'serving', value: q.queue.id, onchange: saveServing });
      box.append(el('span', { class: 'check', 'data-queue': q.queue.id }, input, ' ', el('label', { for: id, class: 'inline', text: q.queue.name })));
    } else {
      input.nextElementSibling.textContent = q.queue.name;
    }
    if (!servingBusy) input.checked = q.serving !== false;
  }
}

async function saveServing() {
  const boxes = [...document.querySelectorAll('#serving-boxes input[type=checkbox]')];
  const queues = boxes.filter((b) => b.checked).map((b) => b.value);
  servingBusy = true;
  for (const b of boxes) b.setAttribute('aria-busy', 'true');
  try {
    host = await api('PUT', '/hosts/me/serving', { queues });
    const names = boxes.filter((b) => b.checked).map((b) => b.nextElementSibling.textContent);
    say(names.length ? `You now serve: ${names.join(', ')}.` : 'You serve no queue now: you get no callers.');
  } catch (err) {
    fail(err);
  } finally {
    servingBusy = false;
    for (const b of boxes) b.removeAttribute('aria-busy');
  }
}

function renderQueues(qs) {
  const box = $('queues');
  box.replaceChildren();
  for (const q of qs) {
    const mode = q.queue.mode;
    const open = q.queue.status && q.queue.status.open;
    const served = q.serving !== false;
    const sec = el('section', { class: served ? 'queue-card' : 'queue-card not-served', 'aria-label': q.queue.name, 'data-queue': q.queue.id },
      el('h4', { text: `${q.queue.name} (${mode === 'pick' ? 'pick' : 'automatic'} mode)` }),
      el('p', { text: `${open ? 'Open' : 'Closed'} · ${q.waiting_count} waiting${served ? '' : ' · not serving now'}` }));
    if (!served) {
      box.append(sec);
      continue;
    }
    if (q.waiting_count > 0 && host && host.state === 'available') {
      sec.append(el('button', { type: 'button', onclick: () => takeNext(q.queue.id), text: 'Take the next caller' }));
    }
    if (mode === 'pick' && (q.waiting || []).length) {
      const list = el('ol', { class: 'waiting' });
      for (const en of q.waiting) {
        const intake = Object.entries(en.intake || {}).map(([k, v]) => `${labelOf(q.queue.id, k)}: ${v}`).join(' · ');
        list.append(el('li', {},
          el('strong', { text: en.caller_name }), ' ', el('span', { text: intake }), ' ',
          el('button', { type: 'button', onclick: () => pick(en), disabled: !host || host.state !== 'available', text: `Take ${en.caller_name}` })));
      }
      sec.append(list);
    }
    box.append(sec);
  }
}

async function refreshStats(qs) {
  statsAt = Date.now();
  const rows = [];
  for (const q of qs) {
    try {
      const st = await api('GET', `/queues/${q.queue.id}/stats`);
      const mine = (st.per_host || []).find((h) => h.host_id === who.user_id) || { answered: 0, completed: 0, aht: 0 };
      rows.push(el('tr', {}, el('th', { scope: 'row', text: q.queue.name }), el('td', { text: String(mine.answered) }),
        el('td', { text: String(mine.completed) }), el('td', { text: mine.aht ? fmtDuration(mine.aht) : '–' })));
    } catch {
      // not allowed or gone
    }
  }
  const table = el('table', { class: 'stats', id: 'my-stats-table' },
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Queue' }), el('th', { scope: 'col', text: 'Answered' }),
      el('th', { scope: 'col', text: 'Completed' }), el('th', { scope: 'col', text: 'Average handling time' }))),
    el('tbody', {}, ...rows));
  $('my-stats').replaceChildren(el('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Your statistics today', tabindex: '0' }, table));
}

async function setState(state) {
  try {
    host = await api('PUT', '/hosts/me/availability', { state });
    $('host-state').textContent = stateNames[host.state] || host.state;
    $('host-state').dataset.state = host.state;
    $('wrapup').hidden = host.state !== 'wrap_up';
  } catch (err) {
    fail(err);
  }
}

async function accept() {
  if (!lastOffer) return;
  const en = lastOffer;
  $('btn-accept').disabled = true;
  taking = true;
  try {
    const r = await api('POST', `/entries/${en.id}/accept`);
    await hostCall(en.id, r.call, r.entry, [['accepted', Date.now()]]);
  } catch (err) {
    fail(err);
  } finally {
    taking = false;
    $('btn-accept').disabled = false;
  }
}

async function decline() {
  if (!lastOffer) return;
  try {
    await api('POST', `/entries/${lastOffer.id}/decline`);
    $('offer').hidden = true;
  } catch (err) {
    fail(err);
  }
}

async function pick(en) {
  taking = true;
  try {
    const r = await api('POST', `/entries/${en.id}/pick`);
    await hostCall(en.id, r.call, r.entry);
  } catch (err) {
    fail(err);
  } finally {
    taking = false;
  }
}

async function takeNext(queueId) {
  taking = true;
  try {
    const r = await api('POST', `/queues/${queueId}/next`);
    await hostCall(r.entry.id, r.call, r.entry);
  } catch (err) {
    fail(err);
  } finally {
    taking = false;
  }
}

// openMedia opens the camera and microphone; without them the host still
// joins (and hears and sees the caller).
async function openMedia() {
  try {
    return await getMedia();
  } catch (err) {
    say(`No camera or microphone: ${err.message}`, 'error');
    return new MediaStream();
  }
}

// releasePrepared closes a prepared media side and stops its camera.
function releasePrepared(prep) {
  prep.close();
  prep.stream.then((st) => st.getTracks().forEach((t) => t.stop()));
}

// hostCall joins the call; marks are earlier [label, ms since the epoch]
// milestones for the call's diagnostics (see Call.marks).
async function hostCall(entryId, info, entry, marks = []) {
  if (info && info.room_id === 0 && info.phone) {
    // A queued callback: a phone call only.
    await openPhone(info);
    return;
  }
  if (call) return;
  call = 'starting';
  lastEntry = { id: entryId, phone: entry ? entry.phone || '' : '' };
  if (!entry) {
    api('GET', `/entries/${entryId}`).then((en) => {
      if (lastEntry && lastEntry.id === entryId) lastEntry.phone = en.phone || '';
      renderPhoneButtons();
    }).catch(() => {});
  }
  renderPhoneButtons();
  callSeenLive = false;
  callEntry = entryId;
  intakeList($('call-intake'), entry ? entry.intake : {}, entry ? entry.queue_id : '');
  // The media side made ready when the offer came may still be getting
  // ready: the call connects meanwhile.
  const prep = prepared || prepareCall(openMedia());
  prepared = null;
  show('call');
  call = await startCall(info, prep, () => {
    releasePrepared(prep);
    stopAwayPoll();
    call = null;
    callEntry = null;
    show('console');
    say('Call ended.');
    renderPhoneButtons();
  }, {
    peerLabel: 'The caller',
    marks,
    refresh: () => api('GET', `/entries/${entryId}/call`),
    // An explicit hang-up (also while the caller is away) ends the
    // call for both sides at once.
    onHangup: async () => {
      try {
        await api('POST', `/entries/${entryId}/complete`);
      } catch (err) {
        if (err.status !== 409 && err.status !== 404) throw err; // else it already ended
      }
    },
    onPeerLeft: () => startAwayPoll(entryId),
    onPeerBack: stopAwayPoll,
  });
  if (call && call.ended) call = null;
}

/**
 * renderPhoneButtons shows "Call by phone" in the call view and in the
 * wrap-up when the call's entry has a number and no phone call is under
 * way.
 */
function renderPhoneButtons() {
  const free = !phone || phone.done;
  const num = lastEntry && lastEntry.phone;
  const inCall = !!call && !!num;
  const wrap = !!num && host && host.state === 'wrap_up' && host.entry_id === lastEntry.id;
  $('btn-phone-call').hidden = !inCall || !free;
  $('btn-phone-wrapup').hidden = !wrap || !free;
  $('phone-call-hint').textContent = inCall && free ? `If video fails, call ${fmtPhone(num)}.` : '';
}

// callByPhone asks for a phone leg to the caller of the current or last
// video call (POST /entries/{id}/phone) and places it in the phone panel.
async function callByPhone() {
  if (!lastEntry) return;
  try {
    const info = await api('POST', `/entries/${lastEntry.id}/phone`);
    await openPhone(info);
  } catch (err) {
    fail(err);
  }
}

function fmtClock(s) {
  s = Math.max(0, Math.floor(s));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

// renderPhone shows the phone call's state in the panel.
function renderPhone() {
  const pc = phone;
  if (!pc) return;
  $('phone-state').textContent = stateText[pc.state] || pc.state;
  $('phone-state').dataset.state = pc.state;
  $('phone-code').textContent = pc.ended && pc.code ? `SIP ${pc.code}${pc.reason ? ` ${pc.reason}` : ''}` : '';
  if (pc.answeredAt) {
    const secs = ((pc.ended ? pc.endedAt || Date.now() : Date.now()) - pc.answeredAt) / 1000;
    $('phone-timer').textContent = pc.ended ? `Lasted ${fmtClock(secs)}.` : fmtClock(secs);
  } else {
    $('phone-timer').textContent = '';
  }
  const live = !pc.ended;
  $('btn-phone-hangup').hidden = !live;
  $('btn-phone-mute').hidden = !live;
  $('btn-phone-close').hidden = live;
  $('btn-phone-close').disabled = !pc.done;
}

/**
 * openPhone places the phone call info describes (CallJSON with a phone
 * ticket) in the phone panel: after a previous phone call, only once its
 * line is free (the core's hang-up came).
 */
async function openPhone(info) {
  if (phone && !phone.done) {
    if (!phone.ended) {
      say('A phone call is already under way.', 'error');
      return;
    }
    await phone.finished;
  }
  const pc = new PhoneCall(info, { iceServers: iceServers() });
  phone = pc;
  window.frontdesk = window.frontdesk || {};
  window.frontdesk.phone = pc;
  $('phone-number').textContent = fmtPhone(pc.number);
  $('btn-phone-mute').setAttribute('aria-pressed', 'false');
  $('btn-phone-mute').textContent = 'Mute';
  $('btn-phone-hangup').disabled = false;
  $('phone-panel').hidden = false;
  renderPhone();
  renderPhoneButtons();
  $('btn-phone-hangup').focus();
  pc.addEventListener('state', () => {
    if (pc.ended && !pc.endedAt) pc.endedAt = Date.now();
    if (phone === pc) renderPhone();
  });
  pc.addEventListener('remote', (e) => {
    const a = $('phone-audio');
    if (a.srcObject !== e.detail) a.srcObject = e.detail;
    a.play().catch(() => {});
  });
  pc.addEventListener('done', () => {
    if (phone !== pc) return;
    $('phone-audio').srcObject = null;
    renderPhone();
    renderPhoneButtons();
    if (document.activeElement === $('btn-phone-hangup') || document.activeElement === document.body) $('btn-phone-close').focus();
  });
  clearInterval(phoneTicker);
  phoneTicker = setInterval(() => {
    if (phone === pc && !pc.ended) renderPhone();
  }, 1000);
  try {
    await pc.start();
  } catch (err) {
    say(`Could not place the phone call: ${err.message}`, 'error');
  }
}

$('btn-phone-hangup').onclick = async () => {
  if (!phone) return;
  $('btn-phone-hangup').disabled = true;
  await phone.hangup();
};
$('btn-phone-mute').onclick = () => {
  if (!phone) return;
  const on = $('btn-phone-mute').getAttribute('aria-pressed') !== 'true';
  phone.setMuted(on);
  $('btn-phone-mute').setAttribute('aria-pressed', String(on));
  $('btn-phone-mute').textContent = on ? 'Unmute' : 'Mute';
};
$('btn-phone-close').onclick = () => {
  if (phone && !phone.done) return;
  phone = null;
  clearInterval(phoneTicker);
  $('phone-panel').hidden = true;
  renderPhoneButtons();
  (host && host.state === 'wrap_up' ? $('btn-ready') : $('btn-available')).focus();
};
$('btn-phone-call').onclick = callByPhone;
$('btn-phone-wrapup').onclick = callByPhone;

// While the caller is away, the entry says until when they may come back
// (peer_away_until); poll it once a second for the countdown.
let awayPoll = null;

function startAwayPoll(entryId) {
  stopAwayPoll();
  const poll = async () => {
    try {
      const en = await api('GET', `/entries/${entryId}`);
      setPeerAway(en.peer_away_until || null);
    } catch {
      // gone: the live update ends the call
    }
  };
  poll();
  awayPoll = setInterval(poll, 1000);
}

function stopAwayPoll() {
  clearInterval(awayPoll);
  awayPoll = null;
  setPeerAway(null);
}

async function start() {
  $('who').textContent = `Signed in as ${who.display_name || who.email}`;
  $('btn-logout').hidden = false;
  try {
    host = await api('GET', '/hosts/me');
  } catch {
    show('console');
    say('You are not set up as a host yet: ask an admin to add you to a queue.', 'error');
    return;
  }
  show('console');
  renderAlertHint();
  $('call-keys').replaceChildren('Shortcut: ', el('kbd', { text: 'H' }), ' hangs up');
  feed = live('', onUpdate, (s) => {
    if (s === 'closed') say('Live updates interrupted; reconnecting…', 'error');
    if (s === 'open') say('');
  });
  ticker = setInterval(tick, 1000);
}

$('login-form').onsubmit = async (ev) => {
  ev.preventDefault();
  try {
    await api('POST', '/auth/login', { email: $('email').value, password: $('password').value });
    who = await me();
    await start();
  } catch (err) {
    say(err.status === 401 ? 'Wrong email or password.' : err.message, 'error');
  }
};
$('btn-logout').onclick = async () => {
  try {
    await api('POST', '/auth/logout');
  } finally {
    if (feed) feed.stop();
    clearInterval(ticker);
    location.reload();
  }
};
$('btn-available').onclick = () => {
  unlockAudio();
  askNotifications();
  setState('available');
};
$('btn-away').onclick = () => setState('away');
$('btn-ready').onclick = () => {
  unlockAudio();
  setState('available');
};
$('btn-accept').onclick = accept;
$('btn-decline').onclick = decline;

async function init() {
  who = await me();
  if (!who || (who.role !== 'host' && who.role !== 'admin')) {
    show('login');
    if (who) say('This account is not a host. Sign in with a host account.', 'error');
    return;
  }
  await start();
}

init().catch(fail);
