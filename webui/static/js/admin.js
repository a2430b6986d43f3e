// The admin console (/admin): a sign-in form for admins; queues with an
// opening-hours editor (always open, or hours per day in common formats,
// with a live open/closed preview) and intake questions; users and roles
// (and which queues a host serves); Janus instances with drain; and a live
// dashboard over /api/v1/ws?stats=1. Each section is its own view (the
// nav's links are tabs); feedback appears next to the control it is about.

import { api, me, live, $, show, say, fmtDuration, el } from './api.js';
import { checkForm, clearFeedback, fieldError, formMessage, humanMessage, showError, watchForm } from './forms.js';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
let queues = [];
let hosts = [];
let stats = null; // the live feed, once started

/** browserZone is the browser's IANA time zone (default for a new queue). */
const browserZone = (() => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
})();

/** listMessage shows text in the status line of a list (msgId). */
function listMessage(msgId, text, kind = 'ok') {
  const m = $(msgId);
  m.textContent = text;
  m.dataset.kind = kind;
}

// ---- Times and opening hours ----

/** FieldError is a problem with what was typed in the control with id field. */
class FieldError extends Error {
  constructor(field, message) {
    super(message);
    this.field = field;
  }
}

const TIME = /^(\d{1,2})(?:[:.h]?(\d{2}))?\s*(a\.?m\.?|p\.?m\.?|a|p)?$/i;

/**
 * parseTime reads "9", "9:30", "0930", "9.30", "9am", "9:00 PM", "17:30",
 * "noon" or "midnight" into {h, m, marker} (marker "am", "pm" or null), or
 * null when it is not a time.
 */
export function parseTime(text) {
  const s = text.trim().toLowerCase();
  if (s === 'noon') return { h: 12, m: 0, marker: 'pm' };
  if (s === 'midnight') return { h: 0, m: 0, marker: 'am' };
  const x = s.match(TIME);
  if (!x) return null;
  const h = Number(x[1]);
  const m = x[2] ? Number(x[2]) : 0;
  const marker = x[3] ? (x[3][0] === 'a' ? 'am' : 'pm') : null;
  if (m > 59 || h > 24 || (marker && (h < 1 || h > 12)) || (h === 24 && m !== 0)) return null;
  return { h, m, marker };
}

/** minutesOf turns a parsed time into minutes after midnight, applying marker. */
function minutesOf(t, marker = t.marker) {
  let h = t.h;
  if (marker === 'am' && h === 12) h = 0;
  if (marker === 'pm' && h < 12) h += 12;
  return h * 60 + t.m;
}

/** hhmm renders minutes after midnight as "HH:MM" (1440 is "24:00"). */
export function hhmm(min) {
  return `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
}

const toMin = (s) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

/**
 * parseRange reads one range: "9-5" (09:00–17:00: an end at or before the
 * start without am/pm is in the afternoon), "9:00 AM - 5:30 PM",
 * "1-5pm" (13:00–17:00), "17:30–20:00", "9 to 12". It returns
 * [from, to] in minutes (to 1440 for midnight) or throws an Error.
 */
export function parseRange(text) {
  const parts = text.trim().split(/\s*(?:-|–|—|\bto\b|\buntil\b|\btill\b)\s*/i);
  const bad = () => new Error(`"${text.trim()}" is not a time range; write it like 9-5, 9:00 AM-5:30 PM or 09:00-17:00.`);
  if (parts.length !== 2) throw bad();
  const a = parseTime(parts[0]);
  const b = parseTime(parts[1]);
  if (!a || !b) throw bad();
  let to = minutesOf(b);
  let from = minutesOf(a);
  if (!a.marker && b.marker) {
    // "1-5pm": the start takes the end's half of the day when that keeps it first.
    const same = a.h <= 12 ? minutesOf(a, b.marker) : from;
    if (same < to) from = same;
  }
  if (!a.marker && !b.marker && to <= from && b.h < 12 && to + 720 > from) to += 720;
  if (to === 0) to = 1440;
  if (to <= from) throw new Error(`"${text.trim()}" ends before it starts.`);
  const out = [from, to];
  out.bare = !a.marker && !b.marker && a.h <= 12 && b.h <= 12;
  return out;
}

/**
 * parseDay reads one day's hours: empty or "closed" (none), "24h" / "all
 * day" (00:00–24:00), or ranges separated by "," ";" or "and". It returns
 * [[from, to]] sorted, or throws an Error when a range is unreadable or
 * two overlap.
 */
export function parseDay(text) {
  const s = text.trim();
  if (!s || /^closed$/i.test(s)) return [];
  if (/^(24 ?h(ours)?|all day|24\/7|open all day)$/i.test(s)) return [[0, 1440]];
  const typed = s.split(/\s*(?:[,;]|\band\b)\s*/i).filter(Boolean).map(parseRange);
  // "9-12, 1-5": a later range with no am/pm that would start before the
  // one typed before it ends is in the afternoon.
  for (let i = 1; i < typed.length; i++) {
    const r = typed[i];
    if (r.bare && r[0] < typed[i - 1][1] && r[0] + 720 >= typed[i - 1][1] && r[1] + 720 <= 1440) {
      r[0] += 720;
      r[1] += 720;
    }
  }
  const out = typed.sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < out.length; i++) {
    if (out[i][0] < out[i - 1][1]) throw new Error(`${hhmm(out[i - 1][0])}-${hhmm(out[i - 1][1])} and ${hhmm(out[i][0])}-${hhmm(out[i][1])} overlap.`);
  }
  return out;
}

const rangesText = (rs) => rs.map(([f, t]) => `${hhmm(f)}-${hhmm(t)}`).join(', ');
const apiRanges = (rs) => rs.map(([f, t]) => ({ from: hhmm(f), to: hhmm(t) }));

/** zoneValid reports whether the browser knows the IANA zone. */
function zoneValid(zone) {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone }); // eslint-disable-line no-new
    return true;
  } catch {
    return false;
  }
}

function buildWeekly() {
  const g = $('q-weekly');
  g.replaceChildren();
  DAYS.forEach((d, i) => {
    const input = el('input', { id: `q-day-${i}`, placeholder: 'closed', autocomplete: 'off' });
    input.addEventListener('blur', () => {
      // Show how the entry was read: "9-5" becomes "09:00-17:00".
      try {
        input.value = rangesText(parseDay(input.value));
      } catch {
        // left as typed; Save shows the error at the field
      }
      preview();
    });
    g.append(el('label', { for: `q-day-${i}`, text: d }), input);
  });
  const dl = $('zones');
  if (!dl.children.length) {
    try {
      for (const z of Intl.supportedValuesOf('timeZone')) dl.append(el('option', { value: z }));
    } catch {
      // old browser: free text
    }
  }
}

/** setWeekdays fills Monday–Friday with 09:00-17:00 and the weekend closed. */
function setWeekdays() {
  DAYS.forEach((_, i) => {
    $(`q-day-${i}`).value = i >= 1 && i <= 5 ? '09:00-17:00' : '';
  });
}

/** syncAlways shows the per-day hours unless "Always open" is ticked. */
function syncAlways() {
  const always = $('q-always').checked;
  $('q-weekly-box').hidden = always;
  for (let i = 0; i < 7; i++) $(`q-day-${i}`).disabled = always;
  if (!always && DAYS.every((_, i) => !$(`q-day-${i}`).value.trim())) setWeekdays();
  preview();
}

function syncZoneHint() {
  const z = $('q-zone').value.trim();
  $('q-zone-hint').textContent = z === browserZone ? 'This is your browser\'s time zone.' : `Your browser's time zone is ${browserZone}.`;
}

let manual = 'none'; // the edited queue's manual override, kept on save

/**
 * readHours returns the form's schedule as the API wants it, or throws a
 * FieldError naming the control at fault.
 */
function readHours() {
  const zone = $('q-zone').value.trim();
  if (!zone) throw new FieldError('q-zone', 'Time zone: please fill this in, like Europe/Berlin.');
  if (!zoneValid(zone)) throw new FieldError('q-zone', `Unknown time zone "${zone}". Pick one from the list, like ${browserZone}.`);
  const always = $('q-always').checked;
  const weekly = DAYS.map((d, i) => {
    if (always) return [{ from: '00:00', to: '24:00' }];
    try {
      return apiRanges(parseDay($(`q-day-${i}`).value));
    } catch (err) {
      throw new FieldError(`q-day-${i}`, `${d}: ${err.message}`);
    }
  });
  const overrides = [];
  for (const line of $('q-holidays').value.split('\n').map((s) => s.trim()).filter(Boolean)) {
    const m = line.match(/^(\d{4}-\d{2}-\d{2})\s*(.*)$/);
    if (!m || Number.isNaN(Date.parse(m[1]))) throw new FieldError('q-holidays', `"${line}": start the line with a date like 2026-12-25.`);
    try {
      const rs = /^closed$/i.test(m[2].trim()) ? [] : parseDay(m[2]);
      overrides.push(rs.length ? { date: m[1], ranges: apiRanges(rs) } : { date: m[1], closed: true });
    } catch (err) {
      throw new FieldError('q-holidays', `${m[1]}: ${err.message}`);
    }
  }
  return { zone, weekly, overrides, manual };
}

/** isAlwaysOpen reports whether every day of h is 00:00-24:00. */
function isAlwaysOpen(h) {
  return Array.isArray(h.weekly) && h.weekly.length === 7 &&
    h.weekly.every((d) => d && d.length === 1 && d[0].from === '00:00' && d[0].to === '24:00');
}

function fillHours(h) {
  $('q-zone').value = h.zone || 'UTC';
  manual = h.manual || 'none';
  const always = isAlwaysOpen(h);
  $('q-always').checked = always;
  DAYS.forEach((d, i) => {
    $(`q-day-${i}`).value = always ? '' : ((h.weekly && h.weekly[i]) || []).map((r) => `${r.from}-${r.to}`).join(', ');
  });
  $('q-holidays').value = (h.overrides || []).map((o) => `${o.date} ${o.closed || !(o.ranges || []).length ? 'closed' : o.ranges.map((r) => `${r.from}-${r.to}`).join(', ')}`).join('\n');
  syncAlways();
  syncZoneHint();
}

// ---- The open/closed preview ----

const WEEKDAY = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** zoned returns the local date "YYYY-MM-DD", weekday and minute of ms in zone. */
function zoned(ms, zone) {
  const parts = formatter('en-US', zone, { year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .formatToParts(new Date(ms));
  const g = (t) => parts.find((p) => p.type === t).value;
  return { date: `${g('year')}-${g('month')}-${g('day')}`, wd: WEEKDAY[g('weekday')], min: (Number(g('hour')) % 24) * 60 + Number(g('minute')) };
}

/** addDays returns the date k days after date, with its weekday. */
function addDays(date, k) {
  const [y, m, d] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + k));
  return { date: t.toISOString().slice(0, 10), wd: t.getUTCDay() };
}

/** rangesOn returns the [from, to] minutes of schedule s on a local date. */
function rangesOn(s, date, wd) {
  const o = (s.overrides || []).find((x) => x.date === date);
  const rs = o ? (o.closed ? [] : o.ranges || []) : s.weekly[wd] || [];
  return rs.map((r) => [toMin(r.from), toMin(r.to)]).sort((a, b) => a[0] - b[0]);
}

/** when renders day k from today at minute min: "today 17:00", "Monday 09:00". */
function when(k, wd, date, min) {
  const t = hhmm(min);
  if (k === 0) return `today ${t}`;
  if (k === 1) return `tomorrow ${t}`;
  return k < 7 ? `${DAYS[wd]} ${t}` : `${DAYS[wd]} ${date} ${t}`;
}

/**
 * describeOpen says whether schedule s is open at ms and when that
 * changes: {open, text} with text like "Open now · closes today 17:00" or
 * "Closed now · opens Monday 09:00". Wall-clock reasoning in the
 * schedule's zone (the server decides at DST changes).
 */
export function describeOpen(s, ms = Date.now()) {
  if (s.manual === 'open') return { open: true, text: 'Open now (opened by hand)' };
  if (s.manual === 'closed') return { open: false, text: 'Closed now (closed by hand)' };
  const cur = zoned(ms, s.zone);
  const cur0 = { date: cur.date, wd: cur.wd };
  const now = rangesOn(s, cur.date, cur.wd).find(([f, t]) => f <= cur.min && cur.min < t);
  if (now) {
    let end = now[1];
    let k = 0;
    for (; end === 1440 && k < 8; k++) {
      const next = addDays(cur.date, k + 1);
      const r = rangesOn(s, next.date, next.wd).find(([f]) => f === 0);
      if (!r) break;
      end = r[1];
    }
    if (k >= 8) return { open: true, text: 'Open now, around the clock' };
    const day = k ? addDays(cur.date, k) : cur0;
    if (end === 1440) return { open: true, text: k === 0 ? 'Open now · closes at midnight' : `Open now · closes at the end of ${when(k, day.wd, day.date, 0).replace(/ 00:00$/, '')}` };
    return { open: true, text: `Open now · closes ${when(k, day.wd, day.date, end)}` };
  }
  for (let k = 0; k <= 14; k++) {
    const day = k ? addDays(cur.date, k) : cur0;
    const r = rangesOn(s, day.date, day.wd).find(([f]) => k > 0 || f > cur.min);
    if (r) return { open: false, text: `Closed now · opens ${when(k, day.wd, day.date, r[0])}` };
  }
  return { open: false, text: 'Closed now, with no opening hours in the next two weeks: tick "Always open" or enter hours.' };
}

/** preview shows whether the queue in the form would be open now. */
function preview() {
  const p = $('q-preview');
  let s;
  try {
    s = readHours();
  } catch (err) {
    p.textContent = `Preview: ${err.message}`;
    p.dataset.open = 'false';
    return;
  }
  const d = describeOpen(s);
  const zone = s.zone === browserZone ? '' : ` (${s.zone} time)`;
  p.textContent = `If saved: ${d.text}${zone}.`;
  p.dataset.open = String(d.open);
}

// ---- Intake questions ----

let intakeSeq = 0;

/** keyOf derives an intake key from a label: "Your topic?" → "your_topic". */
function keyOf(label) {
  return label.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 32) || 'question';
}

function addIntakeRow(f = {}, focus = false) {
  const n = intakeSeq++;
  const label = el('input', { id: `q-intake-label-${n}`, value: f.label || '', maxlength: '200', required: true });
  const key = el('input', { id: `q-intake-name-${n}`, value: f.name || '', maxlength: '32', pattern: '[a-z0-9_]+', autocapitalize: 'none', spellcheck: 'false' });
  if (!f.name) key.dataset.auto = '1';
  label.addEventListener('input', () => {
    if (key.dataset.auto) key.value = keyOf(label.value);
  });
  key.addEventListener('input', () => delete key.dataset.auto);
  const req = el('input', { type: 'checkbox', id: `q-intake-req-${n}`, checked: !!f.required });
  const row = el('div', { class: 'intake-row', 'data-row': String(n) },
    el('div', {}, el('label', { for: label.id, text: 'Question' }), label),
    el('div', {}, el('label', { for: key.id, text: 'Key (a-z, 0-9, _)' }), key),
    el('div', { class: 'req' }, req, el('label', { for: req.id, class: 'inline', text: ' Required' })),
    el('button', { type: 'button', id: `q-intake-remove-${n}`, text: 'Remove question' }));
  row.querySelector('button').onclick = () => {
    row.remove();
    $('q-intake-add').focus();
  };
  $('q-intake').append(row);
  if (focus) label.focus();
}

function readIntake() {
  return [...$('q-intake').querySelectorAll('.intake-row')].map((row) => {
    const [label, key, req] = row.querySelectorAll('input');
    if (!key.value.trim()) key.value = keyOf(label.value);
    return { name: key.value.trim(), label: label.value.trim(), required: req.checked };
  });
}

function fillIntake(list) {
  $('q-intake').replaceChildren();
  intakeSeq = 0;
  for (const f of list || []) addIntakeRow(f);
}

/**
 * queueField maps a problem's "field" (e.g. "slug", "hours.zone",
 * "hours.weekly[1]", "intake[0].name", "timeouts.wrap_up") to the id of
 * its control in the queue form, or null.
 */
function queueField(f) {
  const simple = { name: 'q-name', slug: 'q-slug', description: 'q-desc', mode: 'q-mode', media: 'q-media', zone: 'q-zone', hours: 'q-zone' };
  if (simple[f]) return simple[f];
  let m = f.match(/^hours\.zone$/);
  if (m) return 'q-zone';
  m = f.match(/^hours\.weekly(?:\.|\[)(\d)/);
  if (m) return $('q-always').checked ? 'q-always' : `q-day-${m[1]}`;
  if (/^hours\.(weekly|manual)/.test(f)) return 'q-always';
  if (/^hours\.overrides/.test(f)) return 'q-holidays';
  if (/^timeouts\.offer/.test(f)) return 'q-offer';
  if (/^timeouts\.wrap_?up/.test(f)) return 'q-wrapup';
  const phone = { 'phone.retries': 'q-retries', 'phone.retry_delay': 'q-retry-delay', 'phone.ring_timeout': 'q-ring-timeout', 'phone.callback': 'q-callback' };
  if (phone[f]) return phone[f];
  if (/^phone\.allow/.test(f)) return 'q-phone-allow';
  const rows = [...$('q-intake').querySelectorAll('.intake-row')];
  m = f.match(/^intake(?:\.|\[)(\d+)\]?(?:\.(\w+))?/);
  if (m && rows[Number(m[1])]) {
    const inputs = rows[Number(m[1])].querySelectorAll('input');
    return (m[2] === 'label' ? inputs[0] : inputs[1]).id;
  }
  const named = rows.find((r) => r.querySelectorAll('input')[1].value === f);
  if (named) return named.querySelectorAll('input')[1].id;
  if (/^intake/.test(f)) return rows.length ? rows[0].querySelector('input').id : 'q-intake-add';
  return null;
}

// ---- Queues ----

function statusText(q) {
  if (!q.status) return '';
  return q.status.open ? 'open' : 'closed';
}

async function loadQueues() {
  queues = await api('GET', '/queues');
  const tb = $('queue-table').querySelector('tbody');
  tb.replaceChildren();
  if (!queues.length) tb.append(el('tr', {}, el('td', { colspan: '6', text: 'No queues yet: create one below.' })));
  for (const q of queues) {
    tb.append(el('tr', {}, el('td', { text: q.name }), el('td', {}, el('a', { href: `/q/${q.slug}`, text: `/q/${q.slug}` })),
      el('td', { text: q.mode }), el('td', { text: q.media }), el('td', { text: statusText(q) }),
      el('td', {}, el('button', { type: 'button', onclick: () => editQueue(q), text: `Edit ${q.name}` }),
        el('button', { type: 'button', class: 'danger', onclick: () => deleteQueue(q), text: `Delete ${q.name}` }))));
  }
}

let slugTouched = false;

function editQueue(q) {
  clearFeedback($('queue-form'));
  $('queue-form-title').textContent = `Edit ${q.name}`;
  $('q-id').value = q.id;
  $('q-name').value = q.name;
  $('q-slug').value = q.slug;
  slugTouched = true;
  $('q-desc').value = q.description || '';
  $('q-mode').value = q.mode;
  $('q-media').value = q.media;
  $('q-offer').value = String((q.timeouts && q.timeouts.offer) || 30);
  $('q-wrapup').value = String((q.timeouts && q.timeouts.wrap_up) || 0);
  fillPhone(q.phone || {});
  fillIntake(q.intake);
  fillHours(q.hours || {});
  $('q-name').focus();
}

/** resetQueueForm empties the form for a new queue: always open in the browser's zone. */
function resetQueueForm() {
  const form = $('queue-form');
  form.reset();
  clearFeedback(form);
  $('q-id').value = '';
  $('queue-form-title').textContent = 'New queue';
  slugTouched = false;
  manual = 'none';
  buildWeekly();
  fillIntake([]);
  $('q-zone').value = browserZone;
  $('q-always').checked = true;
  $('q-offer').value = '30';
  $('q-wrapup').value = '30';
  fillPhone({});
  syncAlways();
  syncZoneHint();
}

/** fillPhone shows a queue's phone settings (QueueJSON "phone"). */
function fillPhone(p) {
  $('q-phone-allow').value = (p.allow || []).join(', ');
  $('q-callback').checked = !!p.callback;
  $('q-retries').value = String(p.retries || 0);
  $('q-retry-delay').value = String(p.retry_delay || 120);
  $('q-ring-timeout').value = String(p.ring_timeout || 30);
}

/** readPhone is the form's phone settings as QueueJSON "phone". */
function readPhone() {
  return {
    callback: $('q-callback').checked,
    allow: $('q-phone-allow').value.split(',').map((s) => s.replace(/[\s().-]/g, '')).filter(Boolean),
    retries: Number($('q-retries').value || 0),
    retry_delay: Number($('q-retry-delay').value || 0),
    ring_timeout: Number($('q-ring-timeout').value || 0),
  };
}

/** slugOf derives an address from a name: "IT Help" → "it-help". */
function slugOf(name) {
  return name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64);
}

const slugMessage = 'Address: use lower-case letters, digits and -, starting with a letter or digit (like help-desk).';

async function saveQueue(ev) {
  ev.preventDefault();
  const form = $('queue-form');
  clearFeedback(form);
  if (!checkForm(form, { 'q-slug': slugMessage })) return;
  let hours;
  let intake;
  try {
    hours = readHours();
    intake = readIntake();
  } catch (err) {
    if (err instanceof FieldError) fieldError($(err.field), err.message);
    else formMessage(form, err.message, 'error');
    return;
  }
  const id = $('q-id').value;
  const old = id ? queues.find((q) => q.id === id) : null;
  const body = old ? { ...old } : {};
  delete body.status;
  Object.assign(body, {
    name: $('q-name').value.trim(), slug: $('q-slug').value.trim(), description: $('q-desc').value.trim(),
    mode: $('q-mode').value, media: $('q-media').value, intake, hours,
    timeouts: { ...(old ? old.timeouts : {}), offer: Number($('q-offer').value || 30), wrap_up: Number($('q-wrapup').value || 0) },
    phone: readPhone(),
  });
  const btn = $('q-save');
  btn.disabled = true;
  try {
    const saved = old ? await api('PUT', `/queues/${id}`, body) : await api('POST', '/queues', body);
    resetQueueForm();
    const st = saved && saved.status ? (saved.status.open ? ' It is open now.' : ' It is closed now.') : '';
    formMessage(form, `Queue “${body.name}” saved: callers join at /q/${body.slug}.${st}`, 'ok');
    // Save was disabled while saving, which drops the focus: put it on the news.
    const m = $('queue-form-msg');
    m.tabIndex = -1;
    m.focus();
    await loadQueues();
    if (!old) startStats();
    await loadUsers();
  } catch (err) {
    showError(form, err, {
      fields: queueField,
      reasons: {
        conflict: { field: 'q-slug', text: 'That address is taken. Choose another.' },
        slug_taken: { field: 'q-slug', text: 'That address is taken. Choose another.' },
        version_mismatch: { text: 'Someone changed this queue meanwhile. Clear the form, edit it again and save.' },
      },
    });
  } finally {
    btn.disabled = false;
  }
}

async function deleteQueue(q) {
  if (!confirm(`Delete ${q.name}?`)) return;
  try {
    await api('DELETE', `/queues/${q.id}`);
    listMessage('queue-list-msg', `Queue “${q.name}” deleted.`);
    await loadQueues();
    startStats();
  } catch (err) {
    listMessage('queue-list-msg', humanMessage(err), 'error');
  }
}

// ---- Users and hosts ----

async function loadUsers() {
  const users = await api('GET', '/users');
  hosts = await api('GET', '/hosts');
  const tb = $('user-table').querySelector('tbody');
  tb.replaceChildren();
  const fail = (err) => listMessage('user-list-msg', humanMessage(err), 'error');
  for (const u of users) {
    const role = el('select', { 'aria-label': `Role of ${u.email}` }, ...['caller', 'host', 'admin'].map((r) => el('option', { value: r, text: r, selected: r === u.role })));
    role.onchange = () => api('PUT', `/users/${u.id}/role`, { role: role.value })
      .then(() => listMessage('user-list-msg', `${u.email} is now ${role.value === 'admin' ? 'an' : 'a'} ${role.value}.`))
      .catch(fail).then(loadUsers); // a refused change shows the stored role again
    const cell = el('td', {});
    if (u.role !== 'caller') {
      const h = hosts.find((x) => x.id === u.id);
      const mine = new Set(h ? h.queues : []);
      for (const q of queues) {
        const id = `hq-${u.id}-${q.id}`;
        const cb = el('input', { type: 'checkbox', id, checked: mine.has(q.id) });
        cb.onchange = () => {
          if (cb.checked) mine.add(q.id);
          else mine.delete(q.id);
          api('PUT', `/hosts/${u.id}`, { name: u.display_name || u.email, queues: [...mine] })
            .then(() => listMessage('user-list-msg', `Queues of ${u.email} saved.`)).catch(fail);
        };
        cell.append(el('span', { class: 'check' }, cb, el('label', { for: id, class: 'inline', text: ` ${q.name} ` })));
      }
      if (!queues.length) cell.append('No queues yet.');
    }
    tb.append(el('tr', {}, el('td', { text: u.display_name }), el('td', { text: u.email }), el('td', {}, role), cell));
  }
}

async function createUser(ev) {
  ev.preventDefault();
  const form = $('user-form');
  clearFeedback(form);
  if (!checkForm(form)) return;
  const email = $('u-email').value.trim();
  try {
    await api('POST', '/users', { display_name: $('u-name').value.trim(), email, password: $('u-password').value, role: $('u-role').value });
    form.reset();
    formMessage(form, `User ${email} created.`, 'ok');
    await loadUsers();
  } catch (err) {
    showError(form, err, {
      fields: (f) => ({ email: 'u-email', password: 'u-password', display_name: 'u-name', role: 'u-role' })[f] || null,
      reasons: { 409: { field: 'u-email', text: 'An account with this email exists.' } },
    });
  }
}

// ---- Janus instances ----

async function loadInstances() {
  const box = $('instance-list');
  let list;
  const none = 'No Janus instance configured: calls use the built-in SFU.';
  try {
    list = await api('GET', '/admin/instances');
  } catch (err) {
    box.replaceChildren(el('p', { text: err.status === 404 ? none : humanMessage(err) }));
    return;
  }
  if (!list || !list.length) {
    box.replaceChildren(el('p', { text: none }));
    return;
  }
  const rows = list.map((i) => {
    const drained = i.draining || i.state === 'draining';
    const btn = el('button', { type: 'button', text: drained ? `Undrain ${i.name}` : `Drain ${i.name}` });
    btn.onclick = () => api('POST', `/admin/instances/${encodeURIComponent(i.name)}/${drained ? 'undrain' : 'drain'}`)
      .then(() => listMessage('instance-msg', `${i.name} ${drained ? 'takes new calls again' : 'takes no new calls'}.`))
      .then(loadInstances).catch((err) => listMessage('instance-msg', humanMessage(err), 'error'));
    return el('tr', {}, el('td', { text: i.name }), el('td', { text: String(i.state ?? '') }),
      el('td', { text: `${i.load} participants in ${i.rooms} rooms${i.capacity ? ` (capacity ${i.capacity})` : ''}` }),
      el('td', { text: i.last_error || (i.version ? `Janus ${i.version}` : '') }), el('td', {}, btn));
  });
  box.replaceChildren(el('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Janus instances', tabindex: '0' },
    el('table', {}, el('thead', {}, el('tr', {}, ...['Name', 'State', 'Load', 'Health', ''].map((t) => el('th', { scope: 'col', text: t })))),
      el('tbody', {}, ...rows))));
}

// ---- Dashboard ----

/**
 * decided reports whether any caller was answered or abandoned in the
 * window: without one, service level and abandonment are undefined ("–"),
 * not 100 % or 0 %.
 */
function decided(st) {
  return (st.answered || 0) + (st.abandoned || 0) > 0;
}

function pct(x) {
  return `${Math.round((x || 0) * 100)} %`;
}

const HOUR = 3600000;

/**
 * hourSlots returns the starts (ms) of the last 24 local hours of zone,
 * the current hour last. Local hours start on the hour in the zone (not
 * always on the UTC hour: Asia/Kathmandu is +05:45).
 */
function hourSlots(zone, now = Date.now()) {
  let minute = new Date(now).getMinutes();
  let second = new Date(now).getSeconds();
  try {
    const parts = formatter('en-GB', zone, { minute: 'numeric', second: 'numeric' }).formatToParts(new Date(now));
    minute = Number(parts.find((p) => p.type === 'minute').value);
    second = Number(parts.find((p) => p.type === 'second').value);
  } catch {
    // unknown zone: the browser's own
  }
  const cur = Math.floor(now / 1000) * 1000 - (minute * 60 + second) * 1000;
  return Array.from({ length: 24 }, (_, i) => cur - (23 - i) * HOUR);
}

// formatters caches Intl.DateTimeFormat objects by locale, zone and
// options: making one costs far more than formatting with it, and a
// dashboard render formats hundreds of hour labels.
const formatters = new Map();

/** formatter returns a cached Intl.DateTimeFormat (throws on an unknown zone). */
function formatter(locale, zone, opts) {
  const key = `${locale}|${zone}|${JSON.stringify(opts)}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { ...opts, timeZone: zone });
    formatters.set(key, f);
  }
  return f;
}

/** hourLabel renders an hour start as "14:00" in zone. */
function hourLabel(ms, zone) {
  try {
    return formatter(undefined, zone, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(ms));
  } catch {
    return new Date(ms).toTimeString().slice(0, 5);
  }
}

/**
 * bySlot places the stats' hourly rows on the slots: rows[i] is the row of
 * slots[i] or undefined (nobody that hour).
 */
function bySlot(hourly, slots) {
  const out = new Array(slots.length);
  for (const h of hourly || []) {
    const i = Math.round((new Date(h.hour).getTime() - slots[0]) / HOUR);
    if (i >= 0 && i < slots.length) out[i] = h;
  }
  return out;
}

/**
 * hourlyChart draws one column per hour of the last 24 hours (the current
 * hour last) and returns a figure with a visible summary caption, the
 * numbers in a visually hidden table (for screen readers) and in each
 * column's title (for pointer users). The graphic itself is aria-hidden.
 *
 * opts: name (data-chart), label, unit caption, series [{key, label, value(row) → number|null, cls}],
 * fmt(number), max (fixed top of the scale, else the highest value),
 * ref {value, label} (a dashed reference line), summary(rows) → text.
 */
function hourlyChart(rows, slots, zone, opts) {
  const values = opts.series.map((s) => rows.map((r) => (r ? s.value(r) : null)));
  const peak = Math.max(0, ...values.flat().filter((v) => v != null));
  const top = opts.max || (peak > 0 ? peak : 1);
  const cols = slots.map((ms, i) => {
    const label = hourLabel(ms, zone);
    const parts = opts.series.map((s, k) => `${s.label} ${values[k][i] == null ? 'no data' : opts.fmt(values[k][i])}`);
    const col = el('span', { class: 'col', title: `${label}: ${parts.join(', ')}`, 'data-hour': new Date(ms).toISOString() });
    opts.series.forEach((s, k) => {
      const v = values[k][i];
      if (v == null || (v === 0 && !opts.max)) return; // a zero count is no bar; a 0 % service level is a stub
      col.append(el('span', { class: `bar ${s.cls || ''}`, 'data-series': s.key, 'data-value': String(v), style: `height:${Math.min(1, v / top) * 100}%` }));
    });
    return col;
  });
  const chart = el('div', { class: 'chart', 'aria-hidden': 'true' }, ...cols);
  if (opts.ref && opts.ref.value != null) {
    chart.append(el('span', { class: 'ref', style: `bottom:${Math.min(1, opts.ref.value / top) * 100}%`, title: opts.ref.label }));
  }
  const ticks = el('div', { class: 'ticks', 'aria-hidden': 'true' },
    ...slots.map((ms, i) => el('span', { text: (slots.length - 1 - i) % 6 === 0 ? hourLabel(ms, zone) : '' })));
  const trs = [];
  rows.forEach((r, i) => {
    if (!r) return;
    trs.push(el('tr', {}, el('th', { scope: 'row', text: hourLabel(slots[i], zone) }),
      ...opts.series.map((s, k) => el('td', { text: values[k][i] == null ? 'no data' : opts.fmt(values[k][i]) }))));
  });
  // Visually hidden in a div: "overflow: hidden" does not clip a table
  // box itself, and a clipped-in-name-only table widens the page.
  const table = el('div', { class: 'sr' }, el('table', {},
    el('caption', { text: `${opts.label} per hour (${zone || 'local time'}); hours not listed had nobody` }),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Hour' }), ...opts.series.map((s) => el('th', { scope: 'col', text: s.label })))),
    el('tbody', {}, ...trs)));
  const legend = el('p', { class: 'legend', 'aria-hidden': 'true' },
    ...opts.series.map((s) => el('span', { class: `key ${s.cls || ''}`, text: s.label })),
    opts.ref ? el('span', { class: 'key ref-key', text: opts.ref.label }) : null,
    el('span', { class: 'scale', text: `scale 0–${opts.fmt(top)}` }));
  return el('figure', { class: 'chart-box', 'data-chart': opts.name },
    el('figcaption', { text: opts.label }), legend, chart, ticks,
    el('p', { class: 'summary', text: opts.summary(rows, values) }), table);
}

/** highest returns "3 at 14:00" for the largest value of series k, or null. */
function highest(values, slots, zone, fmt) {
  let best = -1;
  values.forEach((v, i) => {
    if (v != null && (best < 0 || v > values[best])) best = i;
  });
  return best < 0 || !(values[best] > 0) ? null : `${fmt(values[best])} at ${hourLabel(slots[best], zone)}`;
}

function dashCharts(st, zone) {
  const slots = hourSlots(zone);
  const rows = bySlot(st.hourly, slots);
  const mean = (x) => (Math.round(x * 10) / 10).toLocaleString();
  const threshold = fmtDuration(st.service_level_threshold);
  return [
    hourlyChart(rows, slots, zone, {
      name: 'waiting', label: 'Callers waiting',
      series: [{ key: 'max_waiting', label: 'Peak', value: (r) => r.max_waiting || 0, cls: 'outline' },
        { key: 'avg_waiting', label: 'Mean', value: (r) => r.avg_waiting || 0 }],
      fmt: mean,
      summary: (_, v) => {
        const h = highest(v[0], slots, zone, String);
        return h ? `Peak ${h}; ${st.waiting_now} waiting now.` : `Nobody waited in the last 24 hours; ${st.waiting_now} waiting now.`;
      },
    }),
    hourlyChart(rows, slots, zone, {
      name: 'wait', label: 'Average wait',
      series: [{ key: 'avg_wait', label: 'Average wait', value: (r) => (r.joined ? r.avg_wait || 0 : null) }],
      fmt: fmtDuration,
      summary: (_, v) => {
        const h = highest(v[0], slots, zone, fmtDuration);
        return h ? `Longest ${h}; ${fmtDuration(st.avg_wait)} over 24 hours.` : 'No waits in the last 24 hours.';
      },
    }),
    hourlyChart(rows, slots, zone, {
      name: 'service-level', label: `Service level (answered within ${threshold})`,
      series: [{ key: 'service_level', label: 'Service level', value: (r) => (r.service_level == null ? null : r.service_level) }],
      fmt: pct, max: 1,
      ref: st.answered + st.abandoned > 0 ? { value: st.service_level, label: `24 hours: ${pct(st.service_level)}` } : null,
      summary: (_, v) => {
        const got = v[0].map((x, i) => [x, i]).filter(([x]) => x != null);
        if (!got.length) return 'No caller answered or abandoned in the last 24 hours.';
        const [low, li] = got.reduce((a, b) => (b[0] < a[0] ? b : a));
        const lowest = got.length > 1 ? `; lowest hour ${pct(low)} at ${hourLabel(slots[li], zone)}` : '';
        return `${pct(st.service_level)} over 24 hours${lowest}.`;
      },
    }),
    hourlyChart(rows, slots, zone, {
      name: 'abandoned', label: 'Callers who abandoned',
      series: [{ key: 'abandoned', label: 'Abandoned', value: (r) => r.abandoned || 0, cls: 'warn' }],
      fmt: String,
      summary: (_, v) => {
        const h = highest(v[0], slots, zone, String);
        if (!decided(st)) return 'Nobody answered or abandoned in the last 24 hours.';
        return `${st.abandoned} of ${st.answered + st.abandoned} answered or abandoned (${pct(st.abandonment_rate)})${h ? `; most ${h}` : ''}.`;
      },
    }),
    hourlyChart(rows, slots, zone, {
      name: 'joined', label: 'Callers joined',
      series: [{ key: 'joined', label: 'Joined', value: (r) => r.joined || 0 }],
      fmt: String,
      summary: (_, v) => {
        const h = highest(v[0], slots, zone, String);
        return `${st.joined} in 24 hours${h ? `; most ${h}` : ''}.`;
      },
    }),
  ];
}

function renderStats(list) {
  const box = $('dash');
  box.replaceChildren();
  for (const st of list || []) {
    const q = queues.find((x) => x.id === st.queue_id);
    const zone = q && q.hours && q.hours.zone ? q.hours.zone : undefined;
    box.append(el('section', { class: 'queue-card', 'data-queue': st.queue_id },
      el('h3', { text: q ? q.name : st.queue_id }),
      el('dl', { class: 'facts' },
        el('dt', { text: 'Waiting now' }), el('dd', { class: 'waiting-now', text: String(st.waiting_now) }),
        el('dt', { text: 'Longest wait now' }), el('dd', { text: fmtDuration(st.longest_wait_now) }),
        el('dt', { text: 'Hosts available / staffed' }), el('dd', { text: `${st.hosts_available} / ${st.hosts_staffed}` }),
        el('dt', { text: 'Joined (24 h)' }), el('dd', { class: 'joined', text: String(st.joined) }),
        el('dt', { text: 'Completed calls (24 h)' }), el('dd', { class: 'completed', text: String(st.completed) }),
        el('dt', { text: 'Average wait' }), el('dd', { text: fmtDuration(st.avg_wait) }),
        el('dt', { text: `Service level (within ${fmtDuration(st.service_level_threshold)})` }), el('dd', { class: 'service-level', text: decided(st) ? pct(st.service_level) : '–' }),
        el('dt', { text: 'Abandonment' }), el('dd', { class: 'abandonment', text: decided(st) ? pct(st.abandonment_rate) : '–' })),
      el('p', { class: 'hint', text: `Charts: the last 24 hours by hour, current hour on the right; times in ${zone || 'your time zone'}.` }),
      el('div', { class: 'charts' }, ...dashCharts(st, zone))));
  }
}

// ---- Views, sign-in and start ----

const VIEWS = ['queues', 'users', 'instances', 'dashboard'];

/** route shows the view named by the URL's hash (default: queues). */
function route(focus) {
  const name = location.hash.slice(1);
  const view = VIEWS.includes(name) ? name : 'queues';
  for (const s of document.querySelectorAll('[data-view]')) s.hidden = s.dataset.view !== view;
  for (const v of VIEWS) {
    const a = $(`tab-${v}`);
    if (v === view) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (focus) $(view).focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

async function signIn(ev) {
  ev.preventDefault();
  const form = $('login-form');
  clearFeedback(form);
  if (!checkForm(form)) return;
  try {
    await api('POST', '/auth/login', { email: $('email').value.trim(), password: $('password').value });
    await start();
  } catch (err) {
    if (err.status === 401) fieldError($('password'), 'Wrong email or password.');
    else showError(form, err);
  }
}

async function signOut() {
  if (stats) stats.stop();
  stats = null;
  await api('POST', '/auth/logout').catch(() => {});
  location.hash = '';
  await start();
}

async function showSignIn() {
  show('signin');
  $('email').focus();
  try {
    const { needed } = await api('GET', '/setup');
    $('setup-note').hidden = !needed;
  } catch {
    $('setup-note').hidden = true;
  }
}

/** start shows the screen for whoever is signed in. */
async function start() {
  const who = await me();
  if (!who || who.kind === 'guest') {
    await showSignIn();
    return;
  }
  if (who.role !== 'admin') {
    $('denied-who').textContent = `You are signed in as ${who.email || who.display_name}, whose role is ${who.role}. The admin console needs an admin account.`;
    show('denied');
    return;
  }
  show('admin');
  route(false);
  resetQueueForm();
  await loadQueues();
  await loadUsers();
  await loadInstances();
  if (!stats) startStats();
}

/**
 * startStats (re)opens the live statistics feed. Its first message covers
 * the queues that exist when it opens, so a new or deleted queue reopens it.
 */
function startStats() {
  if (stats) stats.stop();
  stats = live('stats=1', (m) => {
    if (m.type === 'stats') renderStats(m.stats);
  });
}

async function init() {
  buildWeekly();
  for (const f of ['login-form', 'queue-form', 'user-form']) watchForm($(f));
  $('login-form').onsubmit = signIn;
  $('btn-switch').onclick = signOut;
  $('btn-logout').onclick = signOut;
  $('queue-form').onsubmit = saveQueue;
  $('q-reset').onclick = () => {
    resetQueueForm();
    $('q-name').focus();
  };
  $('q-always').onchange = syncAlways;
  $('q-zone').addEventListener('input', () => {
    syncZoneHint();
    preview();
  });
  $('q-holidays').addEventListener('input', preview);
  $('q-weekly').addEventListener('input', preview);
  $('q-intake-add').onclick = () => addIntakeRow({}, true);
  $('q-name').addEventListener('input', () => {
    if (!slugTouched) $('q-slug').value = slugOf($('q-name').value);
  });
  $('q-slug').addEventListener('input', () => {
    slugTouched = true;
  });
  $('user-form').onsubmit = createUser;
  window.addEventListener('hashchange', () => route(true));
  // The preview's "now" moves on.
  setInterval(() => {
    if (!$('q-preview').closest('[hidden]')) preview();
  }, 30000);
  return start();
}

init().catch((err) => say(humanMessage(err), 'error'));
