// A small Janus API client over WebSocket (subprotocol "janus-protocol").
// See the Janus docs, "The Janus API" (rest.html) and "WebSockets
// interface": every request carries "janus" and "transaction"; synchronous
// requests get "success" or "error"; asynchronous plugin messages get an
// "ack" and later an "event" with the same transaction. Sessions time out
// after 60 s of silence, so we send "keepalive" every 25 s (as janus.js).
//
// Frontdesk specifics: the call ticket travels as a second subprotocol
// "frontdesk-ticket.<jwt>"; the proxy adds the Janus token and room pin.

const KEEPALIVE_MS = 25000;
const REQUEST_TIMEOUT_MS = 15000;

let txCounter = 0;

// Set localStorage["frontdesk.debug"] = "1" to log the Janus traffic.
const debug = (() => {
  try {
    return localStorage.getItem('frontdesk.debug') === '1';
  } catch {
    return false;
  }
})();
function newTransaction() {
  txCounter += 1;
  const rnd = crypto.getRandomValues(new Uint32Array(2));
  return `fd-${txCounter}-${rnd[0].toString(36)}${rnd[1].toString(36)}`;
}

/** JanusError is a core or plugin error reply (code and reason from Janus). */
export class JanusError extends Error {
  constructor(code, reason) {
    super(`Janus error ${code}: ${reason}`);
    this.code = code;
    this.reason = reason;
  }
}

/** Connection is one WebSocket to /janus carrying one session. */
export class Connection {
  /**
   * @param {string} url ws(s)://host/janus
   * @param {string} ticket Frontdesk call ticket (JWT)
   */
  constructor(url, ticket) {
    this.url = url;
    this.ticket = ticket;
    this.pending = new Map(); // transaction -> {resolve, reject, async, timer}
    this.handles = new Map(); // handle id -> Handle
    this.sessionId = null;
    this.keepalive = null;
    this.closed = false;
    this.onclose = null; // (event) => void
  }

  /** open connects the WebSocket; resolves when it is open. */
  open() {
    return new Promise((resolve, reject) => {
      const protocols = ['janus-protocol'];
      if (this.ticket) protocols.push(`frontdesk-ticket.${this.ticket}`);
      const ws = new WebSocket(this.url, protocols);
      this.ws = ws;
      ws.onopen = () => resolve(this);
      ws.onerror = () => reject(new Error('cannot connect to the media server'));
      ws.onmessage = (ev) => this.receive(ev.data);
      ws.onclose = (ev) => {
        this.closed = true;
        clearInterval(this.keepalive);
        for (const p of this.pending.values()) {
          clearTimeout(p.timer);
          p.reject(new Error('connection closed'));
        }
        this.pending.clear();
        if (this.onclose) this.onclose(ev);
      };
    });
  }

  /**
   * request sends msg and resolves with the final reply: "success" (or
   * "ack" for non-plugin requests), or for asynchronous plugin messages
   * the "event" with the same transaction. Errors reject with JanusError.
   */
  request(msg, { async = false } = {}) {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    const transaction = newTransaction();
    const body = { ...msg, transaction };
    if (this.sessionId && body.janus !== 'create') body.session_id = this.sessionId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        reject(new Error(`Janus ${msg.janus} timed out`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(transaction, { resolve, reject, async, timer });
      if (debug) console.debug('janus >', JSON.stringify(body).slice(0, 4000));
      this.ws.send(JSON.stringify(body));
    });
  }

  receive(data) {
    if (debug) console.debug('janus <', String(data).slice(0, 4000));
    let msgs;
    try {
      msgs = JSON.parse(data);
    } catch {
      return;
    }
    if (!Array.isArray(msgs)) msgs = [msgs];
    for (const m of msgs) this.dispatch(m);
  }

  dispatch(m) {
    const p = m.transaction ? this.pending.get(m.transaction) : undefined;
    if (p) {
      const settle = (fn, v) => {
        clearTimeout(p.timer);
        this.pending.delete(m.transaction);
        fn(v);
      };
      if (m.janus === 'error') {
        settle(p.reject, new JanusError(m.error?.code, m.error?.reason));
        return;
      }
      if (m.janus === 'ack' && p.async) return; // wait for the event
      const pd = m.plugindata?.data;
      if (pd && pd.error_code) {
        settle(p.reject, new JanusError(pd.error_code, pd.error));
        return;
      }
      settle(p.resolve, m);
      if (m.janus !== 'event') return;
      // An event also goes to the handle (it may carry publishers).
    }
    if (m.janus === 'ack' || m.janus === 'success' || m.janus === 'keepalive') return;
    const h = m.sender ? this.handles.get(m.sender) : undefined;
    if (h) h.deliver(m);
  }

  /** createSession creates the Janus session and starts keepalives. */
  async createSession() {
    const r = await this.request({ janus: 'create' });
    this.sessionId = r.data.id;
    this.keepalive = setInterval(() => {
      this.request({ janus: 'keepalive' }).catch(() => {});
    }, KEEPALIVE_MS);
    return this.sessionId;
  }

  /** attach attaches to plugin and returns its Handle. */
  async attach(plugin) {
    const r = await this.request({ janus: 'attach', plugin });
    const h = new Handle(this, r.data.id);
    this.handles.set(h.id, h);
    return h;
  }

  /** close destroys the session (best effort) and closes the socket. */
  async close() {
    clearInterval(this.keepalive);
    if (!this.closed && this.sessionId) {
      try {
        await this.request({ janus: 'destroy' });
      } catch {
        // closing anyway
      }
    }
    if (this.ws && this.ws.readyState <= 1) this.ws.close(1000);
    this.closed = true;
  }
}

/** Handle is a plugin handle; events addressed to it reach its listeners. */
export class Handle extends EventTarget {
  constructor(conn, id) {
    super();
    this.conn = conn;
    this.id = id;
  }

  deliver(m) {
    this.dispatchEvent(new CustomEvent(m.janus, { detail: m }));
  }

  /**
   * message sends a plugin request (body, optional JSEP) and resolves with
   * {data, jsep}: data is plugindata.data.
   */
  async message(body, jsep, { async = true } = {}) {
    const msg = { janus: 'message', handle_id: this.id, body };
    if (jsep) msg.jsep = jsep;
    const r = await this.conn.request(msg, { async });
    return { data: r.plugindata?.data || {}, jsep: r.jsep };
  }

  /** trickle sends one ICE candidate (null: gathering completed). */
  trickle(candidate) {
    const c = candidate ? { candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex } : { completed: true };
    return this.conn.request({ janus: 'trickle', handle_id: this.id, candidate: c }).catch(() => {});
  }

  /** detach detaches the handle (best effort). */
  async detach() {
    this.conn.handles.delete(this.id);
    try {
      await this.conn.request({ janus: 'detach', handle_id: this.id });
    } catch {
      // ignore
    }
  }
}

/** janusURL is the proxy's WebSocket URL for this page's origin. */
export function janusURL() {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}/janus`;
}
