// The admin console (/admin): queues with a working-hours editor, users
// and roles (and which queues a host serves), Janus instances with drain,
// and a live dashboard over /api/v1/ws?stats=1.

import { api, me, live, $, show, say, fmtDuration, el } from './api.js';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
let queues = [];
let hosts = [];

function fail(err) {
  console.error(err);
  say(err.message || String(err), 'error');
}

// ---- Working hours editor ----

function buildWeekly() {
  const g = $('q-weekly');
  g.replaceChildren();
  DAYS.forEach((d, i) => {
    g.append(el('label', { for: `q-day-${i}`, text: d }), el('input', { id: `q-day-${i}`, placeholder: 'closed', value: i >= 1 && i <= 5 ? '09:00-17:00' : '' }));
  });
  try {
    const dl = $('zones');
    for (const z of Intl.supportedValuesOf('timeZone')) dl.append(el('option', { value: z }));
  } catch {
    // old browser
  }
}

/** parseRanges turns "09:00-12:00, 13:00-17:00" into [{from,to}]. */
export function parseRanges(text, what) {
  const out = [];
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = part.match(/^(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})$/);
    if (!m) throw new Error(`${what}: "${part}" is not a range like 09:00-17:00`);
    const pad = (t) => t.padStart(5, '0');
    out.push({ from: pad(m[1]), to: pad(m[2]) });
  }
  return out;
}

function readHours() {
  const weekly = DAYS.map((d, i) => parseRanges($(`q-day-${i}`).value, d));
  const overrides = [];
  for (const line of $('q-holidays').value.split('\n').map((s) => s.trim()).filter(Boolean)) {
    const m = line.match(/^(\d{4}-\d{2}-\d{2})\s+(.*)$/);
    if (!m) throw new Error(`Holiday "${line}": start with a date YYYY-MM-DD`);
    if (/^closed$/i.test(m[2].trim())) overrides.push({ date: m[1], closed: true });
    else overrides.push({ date: m[1], ranges: parseRanges(m[2], m[1]) });
  }
  return { zone: $('q-zone').value.trim(), weekly, overrides, manual: 'none' };
}

function fillHours(h) {
  $('q-zone').value = h.zone || 'UTC';
  DAYS.forEach((d, i) => {
    $(`q-day-${i}`).value = ((h.weekly && h.weekly[i]) || []).map((r) => `${r.from}-${r.to}`).join(', ');
  });
  $('q-holidays').value = (h.overrides || []).map((o) => `${o.date} ${o.closed ? 'closed' : (o.ranges || []).map((r) => `${r.from}-${r.to}`).join(', ')}`).join('\n');
}

// ---- Queues ----

function readIntake() {
  return $('q-intake').value.split('\n').map((s) => s.trim()).filter(Boolean).map((line) => {
    const [name, label, req] = line.split('|').map((s) => (s || '').trim());
    return { name, label: label || name, required: req === 'required' };
  });
}

async function loadQueues() {
  queues = await api('GET', '/queues');
  const tb = $('queue-table').querySelector('tbody');
  tb.replaceChildren();
  for (const q of queues) {
    tb.append(el('tr', {}, el('td', { text: q.name }), el('td', {}, el('a', { href: `/q/${q.slug}`, text: `/q/${q.slug}` })),
      el('td', { text: q.mode }), el('td', { text: q.media }), el('td', { text: q.status && q.status.open ? 'open' : 'closed' }),
      el('td', {}, el('button', { type: 'button', onclick: () => editQueue(q), text: `Edit ${q.name}` }),
        el('button', { type: 'button', class: 'danger', onclick: () => deleteQueue(q), text: `Delete ${q.name}` }))));
  }
}

function editQueue(q) {
  $('queue-form-title').textContent = `Edit ${q.name}`;
  $('q-id').value = q.id;
  $('q-name').value = q.name;
  $('q-slug').value = q.slug;
  $('q-desc').value = q.description || '';
  $('q-mode').value = q.mode;
  $('q-media').value = q.media;
  $('q-offer').value = q.timeouts && q.timeouts.offer ? String(q.timeouts.offer) : '';
  $('q-wrapup').value = q.timeouts && q.timeouts.wrap_up ? String(q.timeouts.wrap_up) : '';
  $('q-intake').value = (q.intake || []).map((f) => `${f.name}|${f.label}${f.required ? '|required' : ''}`).join('\n');
  fillHours(q.hours || {});
  $('q-name').focus();
}

function resetQueueForm() {
  $('queue-form').reset();
  $('q-id').value = '';
  $('queue-form-title').textContent = 'New queue';
  buildWeekly();
}

async function saveQueue(ev) {
  ev.preventDefault();
  try {
    const id = $('q-id').value;
    const old = id ? queues.find((q) => q.id === id) : null;
    const body = old ? { ...old } : {};
    delete body.status;
    Object.assign(body, {
      name: $('q-name').value.trim(), slug: $('q-slug').value.trim(), description: $('q-desc').value.trim(),
      mode: $('q-mode').value, media: $('q-media').value, intake: readIntake(), hours: readHours(),
      timeouts: { ...(old ? old.timeouts : {}), offer: Number($('q-offer').value || 0), wrap_up: Number($('q-wrapup').value || 0) },
    });
    if (old) await api('PUT', `/queues/${id}`, body);
    else await api('POST', '/queues', body);
    say(`Queue ${body.name} saved.`);
    resetQueueForm();
    await loadQueues();
    await loadUsers();
  } catch (err) {
    fail(err);
  }
}

async function deleteQueue(q) {
  if (!confirm(`Delete ${q.name}?`)) return;
  try {
    await api('DELETE', `/queues/${q.id}`);
    await loadQueues();
  } catch (err) {
    fail(err);
  }
}

// ---- Users and hosts ----

async function loadUsers() {
  const users = await api('GET', '/users');
  hosts = await api('GET', '/hosts');
  const tb = $('user-table').querySelector('tbody');
  tb.replaceChildren();
  for (const u of users) {
    const role = el('select', { 'aria-label': `Role of ${u.email}` }, ...['caller', 'host', 'admin'].map((r) => el('option', { value: r, text: r, selected: r === u.role })));
    role.onchange = () => api('PUT', `/users/${u.id}/role`, { role: role.value }).then(loadUsers).catch(fail);
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
          api('PUT', `/hosts/${u.id}`, { name: u.display_name || u.email, queues: [...mine] }).then(() => say(`Queues of ${u.email} saved.`)).catch(fail);
        };
        cell.append(el('span', { class: 'check' }, cb, el('label', { for: id, class: 'inline', text: ` ${q.name} ` })));
      }
    }
    tb.append(el('tr', {}, el('td', { text: u.display_name }), el('td', { text: u.email }), el('td', {}, role), cell));
  }
}

async function createUser(ev) {
  ev.preventDefault();
  try {
    await api('POST', '/users', { display_name: $('u-name').value, email: $('u-email').value, password: $('u-password').value, role: $('u-role').value });
    $('user-form').reset();
    say('User created.');
    await loadUsers();
  } catch (err) {
    fail(err);
  }
}

// ---- Janus instances ----

async function loadInstances() {
  const box = $('instance-list');
  let list;
  try {
    list = await api('GET', '/admin/instances');
  } catch (err) {
    box.replaceChildren(el('p', { text: err.status === 404 ? 'No Janus instance configured: calls use the built-in SFU.' : err.message }));
    return;
  }
  if (!list || !list.length) {
    box.replaceChildren(el('p', { text: 'No Janus instance configured: calls use the built-in SFU.' }));
    return;
  }
  const rows = list.map((i) => {
    const drained = i.draining || i.state === 'draining';
    const btn = el('button', { type: 'button', text: drained ? `Undrain ${i.name}` : `Drain ${i.name}` });
    btn.onclick = () => api('POST', `/admin/instances/${encodeURIComponent(i.name)}/${drained ? 'undrain' : 'drain'}`).then(loadInstances).catch(fail);
    return el('tr', {}, el('td', { text: i.name }), el('td', { text: String(i.state ?? '') }),
      el('td', { text: `${i.load} participants in ${i.rooms} rooms${i.capacity ? ` (capacity ${i.capacity})` : ''}` }),
      el('td', { text: i.last_error || (i.version ? `Janus ${i.version}` : '') }), el('td', {}, btn));
  });
  box.replaceChildren(el('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Janus instances', tabindex: '0' },
    el('table', {}, el('thead', {}, el('tr', {}, ...['Name', 'State', 'Load', 'Health', ''].map((t) => el('th', { scope: 'col', text: t })))),
      el('tbody', {}, ...rows))));
}

// ---- Dashboard ----

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
        el('dt', { text: `Service level (within ${fmtDuration(st.service_level_threshold)})` }), el('dd', { class: 'service-level', text: pct(st.service_level) }),
        el('dt', { text: 'Abandonment' }), el('dd', { text: pct(st.abandonment_rate) })),
      el('p', { class: 'hint', text: `Charts: the last 24 hours by hour, current hour on the right; times in ${zone || 'your time zone'}.` }),
      el('div', { class: 'charts' }, ...dashCharts(st, zone))));
  }
}

async function init() {
  const who = await me();
  if (!who || who.role !== 'admin') {
    show('denied');
    return;
  }
  show('admin');
  buildWeekly();
  $('queue-form').onsubmit = saveQueue;
  $('q-reset').onclick = resetQueueForm;
  $('user-form').onsubmit = createUser;
  await loadQueues();
  await loadUsers();
  await loadInstances();
  live('stats=1', (m) => {
    if (m.type === 'stats') renderStats(m.stats);
  });
}

init().catch(fail);
