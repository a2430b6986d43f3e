// REST and live-update helpers for Frontdesk's /api/v1.
//
// Cookie-authenticated state-changing requests carry the CSRF token from
// the frontdesk_csrf cookie in X-CSRF-Token (see auth.Middleware).

export const API = '/api/v1';

/** ApiError is a problem document (RFC 9457) from the API. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)frontdesk_csrf=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : '';
}

/** api calls method path (under /api/v1) with an optional JSON body. */
export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') {
    const t = csrfToken();
    if (t) headers['X-CSRF-Token'] = t;
  }
  const res = await fetch(API + path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: text };
    }
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** me returns the current principal, or null when not signed in. */
export async function me() {
  try {
    return await api('GET', '/auth/me');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

/**
 * live opens /api/v1/ws with query and calls onMessage for each JSON
 * message; it reconnects with backoff (1 s doubling to 15 s) until
 * stop() is called. query is a function so a reconnect can change it.
 */
export function live(query, onMessage, onState = () => {}) {
  let ws = null;
  let stopped = false;
  let delay = 1000;
  let timer = null;
  const connect = () => {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const q = typeof query === 'function' ? query() : query;
    ws = new WebSocket(`${proto}//${location.host}${API}/ws${q ? `?${q}` : ''}`);
    ws.onopen = () => {
      delay = 1000;
      onState('open');
    };
    ws.onmessage = (ev) => {
      try {
        onMessage(JSON.parse(ev.data));
      } catch (err) {
        console.error('live update', err);
      }
    };
    ws.onclose = () => {
      onState('closed');
      if (stopped) return;
      timer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    };
  };
  connect();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      if (ws) ws.close(1000);
    },
  };
}

/** $ finds one element by id. */
export const $ = (id) => document.getElementById(id);

/** show makes exactly the named section visible among sections[data-screen]. */
export function show(screen) {
  for (const s of document.querySelectorAll('[data-screen]')) s.hidden = s.dataset.screen !== screen;
  const h = document.querySelector(`[data-screen="${screen}"] h2, [data-screen="${screen}"] h1`);
  if (h) {
    h.tabIndex = -1;
    h.focus({ preventScroll: true });
  }
}

/** say announces text to screen readers and shows it in the status line. */
export function say(text, kind = 'info') {
  const el = $('status');
  if (!el) return;
  el.textContent = text;
  el.dataset.kind = kind;
}

/** fmtDuration renders seconds as "3 min" or "45 s". */
export function fmtDuration(s) {
  if (s == null) return 'unknown';
  s = Math.round(s);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** fmtTime renders an RFC 3339 time in the browser's zone. */
export function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }).format(d);
}

/** el builds an element: el('p', {class: 'x'}, 'text', child). */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else if (k === 'style') e.style.cssText = v; // CSSOM: allowed by the CSP, unlike a style attribute
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

/**
 * fmtPhone writes an E.164 number for people: "+15550102030" becomes
 * "+1 555 010 2030" (North American numbers in groups); other numbers
 * stay as given (their grouping depends on the country).
 */
export function fmtPhone(n) {
  if (!n) return '';
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(n);
  return m ? `+1 ${m[1]} ${m[2]} ${m[3]}` : n;
}
