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
  box.replaceChildren(el('table', {}, el('thead', {}, el('tr', {}, ...['Name', 'State', 'Load', 'Health', ''].map((t) => el('th', { scope: 'col', text: t })))),
    el('tbody', {}, ...rows)));
}

// ---- Dashboard ----

function pct(x) {
  return `${Math.round((x || 0) * 100)} %`;
}

/**
 * hourlyChart draws one bar per hour of the last 24 hours (the current
 * hour last) of value(hourStats); the hour stats are the queue's local
 * hours, placed by their start time.
 */
function hourlyChart(hourly, value, label, fmt) {
  const now = Date.now();
  const first = now - 24 * 3600000;
  const slots = Array.from({ length: 24 }, () => 0);
  for (const h of hourly || []) {
    const i = Math.floor((new Date(h.hour).getTime() - first) / 3600000);
    if (i >= 0 && i < 24) slots[i] += value(h);
    else if (i === 24) slots[23] += value(h);
  }
  const peak = Math.max(...slots);
  const scale = peak > 0 ? peak : 1;
  const bars = slots.map((v, i) => el('span', { style: `height:${(v / scale) * 100}%`, title: `${24 - i} h ago: ${fmt(v)}` }));
  return el('figure', { class: 'chart-box' },
    el('div', { class: 'chart', role: 'img', 'aria-label': `${label} per hour over the last 24 hours; highest ${fmt(peak)}` }, ...bars),
    el('figcaption', { text: `${label} per hour, last 24 hours (highest ${fmt(peak)})` }));
}

function renderStats(list) {
  const box = $('dash');
  box.replaceChildren();
  for (const st of list || []) {
    const q = queues.find((x) => x.id === st.queue_id);
    const charts = [
      hourlyChart(st.hourly, (h) => h.joined || 0, 'Callers joined', String),
      hourlyChart(st.hourly, (h) => h.abandoned || 0, 'Callers who abandoned', String),
      hourlyChart(st.hourly, (h) => h.avg_wait || 0, 'Average wait', fmtDuration),
    ];
    box.append(el('section', { class: 'queue-card', 'data-queue': st.queue_id },
      el('h3', { text: q ? q.name : st.queue_id }),
      el('dl', { class: 'facts' },
        el('dt', { text: 'Waiting now' }), el('dd', { class: 'waiting-now', text: String(st.waiting_now) }),
        el('dt', { text: 'Longest wait now' }), el('dd', { text: fmtDuration(st.longest_wait_now) }),
        el('dt', { text: 'Hosts available / staffed' }), el('dd', { text: `${st.hosts_available} / ${st.hosts_staffed}` }),
        el('dt', { text: 'Joined (24 h)' }), el('dd', { class: 'joined', text: String(st.joined) }),
        el('dt', { text: 'Completed calls (24 h)' }), el('dd', { class: 'completed', text: String(st.completed) }),
        el('dt', { text: 'Average wait' }), el('dd', { text: fmtDuration(st.avg_wait) }),
        el('dt', { text: 'Service level' }), el('dd', { text: pct(st.service_level) }),
        el('dt', { text: 'Abandonment' }), el('dd', { text: pct(st.abandonment_rate) })),
      ...charts));
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
