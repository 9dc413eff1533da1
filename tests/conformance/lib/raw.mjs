// SPDX-License-Identifier: MIT
// A raw WebSocket client (ws@8) that records every frame, for the tests where
// atmosphere.js would hide what we need to see (close codes, heartbeats,
// exact bytes).
import { loadWs } from './deps.mjs';

const WS = loadWs();

/** The Atmosphere query string exactly as atmosphere.js builds it (values not URL-encoded). */
export function atmoQuery({ trackingId = '0', framework = '5.0.7', track = false, protocol = true, extra = {} } = {}) {
  const parts = [
    `X-Atmosphere-tracking-id=${trackingId}`,
    `X-Atmosphere-Framework=${framework}`,
    'X-Atmosphere-Transport=websocket',
  ];
  if (track) parts.push('X-Atmosphere-TrackMessageSize=true');
  parts.push('Content-Type=application/json');
  if (protocol) parts.push('X-atmo-protocol=true');
  for (const [k, v] of Object.entries(extra)) parts.push(`${k}=${v}`);
  return parts.join('&');
}

/** Length of a JS string in UTF-16 code units (what Atmosphere's length prefix counts). */
export const utf16Len = (s) => s.length;

/** Split a length-prefixed stream "N|payloadN|payload..." into payloads; throws on garbage. */
export function decodePrefixed(s) {
  const out = [];
  let rest = s;
  while (rest.length > 0) {
    const bar = rest.indexOf('|');
    if (bar <= 0) throw new Error(`no length prefix in ${JSON.stringify(rest.slice(0, 60))}`);
    const digits = rest.slice(0, bar);
    if (!/^\d+$/.test(digits)) throw new Error(`bad length prefix ${JSON.stringify(digits)}`);
    const n = Number(digits);
    if (bar + 1 + n > rest.length) throw new Error(`length ${n} exceeds frame (${rest.length - bar - 1} left)`);
    out.push(rest.slice(bar + 1, bar + 1 + n));
    rest = rest.slice(bar + 1 + n);
  }
  return out;
}

const HANDSHAKE_RE = /^([A-Za-z0-9_-]{1,128})\|(\d+)\|(X)\|$/;
export function parseHandshake(text) {
  const m = HANDSHAKE_RE.exec(text);
  return m ? { uuid: m[1], clientHeartbeatMs: Number(m[2]), padding: m[3] } : null;
}

export class RawClient {
  /**
   * opts.track: the server length-prefixes its messages; each recorded frame
   * is then one decoded message ({data} the payload, {wire} the raw frame),
   * and a frame that does not decode is kept whole with {decodeError}.
   */
  constructor(url, { headers, track = false } = {}) {
    this.url = url;
    this.track = track;
    this.wire = [];
    this.frames = [];
    this.cursor = 0;
    this.waiters = new Set();
    this.ws = new WS(url, { headers, perMessageDeflate: false });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('unexpected-response', (req, res) => {
        const err = new Error(`unexpected HTTP ${res.statusCode} on upgrade`);
        err.statusCode = res.statusCode;
        err.headers = res.headers;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { body += d; });
        res.on('end', () => { err.body = body; reject(err); });
        res.on('error', () => reject(err));
        req.destroy?.();
      });
      this.ws.once('error', (e) => reject(e));
    });
    this.opened.catch(() => {}); // observed via await by callers
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString(), t: Date.now() };
        this._wake();
        resolve(this.closeInfo);
      });
    });
    this.ws.on('error', (e) => { this.lastError = e; });
    this.ws.on('message', (data, isBinary) => {
      const t = Date.now();
      if (isBinary) {
        this.wire.push({ type: 'binary', data: Buffer.from(data), t });
        this.frames.push({ type: 'binary', data: Buffer.from(data), t });
      } else {
        const text = data.toString('utf8');
        this.wire.push({ type: 'text', data: text, t });
        if (this.track) {
          let parts;
          try { parts = decodePrefixed(text); } catch (e) { parts = null; this.frames.push({ type: 'text', data: text, wire: text, t, decodeError: e.message }); }
          if (parts) for (const p of parts) this.frames.push({ type: 'text', data: p, wire: text, t });
        } else {
          this.frames.push({ type: 'text', data: text, wire: text, t });
        }
      }
      this._wake();
    });
  }

  _wake() { for (const w of [...this.waiters]) w(); }

  send(data) { this.ws.send(typeof data === 'string' || Buffer.isBuffer(data) ? data : JSON.stringify(data)); }

  /** Wait for the next frame (from the cursor on) satisfying pred; advances the cursor past it. */
  async expect(pred = () => true, { timeout = 3000, what = 'a matching frame' } = {}) {
    const end = Date.now() + timeout;
    for (;;) {
      for (let i = this.cursor; i < this.frames.length; i++) {
        let ok = false;
        try { ok = pred(this.frames[i]); } catch { ok = false; }
        if (ok) { this.cursor = i + 1; return this.frames[i]; }
      }
      const left = end - Date.now();
      if (left <= 0 || this.closeInfo) {
        const seen = this.frames.slice(this.cursor).map((f) => f.type === 'text' ? f.data.slice(0, 160) : `<binary ${f.data.length}>`);
        throw new Error(`timed out waiting for ${what} (${timeout} ms)` +
          (this.closeInfo ? `; socket closed ${this.closeInfo.code}` : '') +
          `; frames since cursor: ${JSON.stringify(seen.slice(-8))}`);
      }
      await new Promise((resolve) => {
        const w = () => { clearTimeout(t); this.waiters.delete(w); resolve(); };
        const t = setTimeout(w, left);
        this.waiters.add(w);
      });
    }
  }

  /** Wait for the next JSON frame satisfying pred(json); returns the parsed JSON. */
  async expectJson(pred = () => true, opts = {}) {
    const f = await this.expect((fr) => {
      if (fr.type !== 'text') return false;
      const j = tryJson(fr.data);
      return j !== undefined && pred(j);
    }, opts);
    return JSON.parse(f.data);
  }

  /** Wait for an event frame {type:'event', event:name}. */
  expectEvent(name, pred = () => true, opts = {}) {
    return this.expectJson((j) => j.type === 'event' && j.event === name && pred(j), { what: `event ${name}`, ...opts });
  }

  /** Frames received from the cursor on, after waiting ms; advances the cursor. */
  async collect(ms) {
    await new Promise((r) => setTimeout(r, ms));
    const out = this.frames.slice(this.cursor);
    this.cursor = this.frames.length;
    return out;
  }

  /** Skip everything received so far. */
  drain() { this.cursor = this.frames.length; }

  close(code = 1000) {
    try { if (this.ws.readyState === WS.OPEN || this.ws.readyState === WS.CONNECTING) this.ws.close(code); } catch { /* ignore */ }
    return this.closed;
  }
  terminate() { try { this.ws.terminate(); } catch { /* ignore */ } }
}

export function tryJson(s) { try { return JSON.parse(s); } catch { return undefined; } }

/**
 * Open an Atmosphere WebSocket on the sim and consume the handshake.
 * Returns { client, handshake }.
 */
export async function openAtmo(sim, { track = false, trackingId = '0', framework = '5.0.7', path = '/event/subscription', extra = {} } = {}) {
  const client = new RawClient(`ws://${sim.host}:${sim.port}${sim.prefix}${path}?${atmoQuery({ trackingId, framework, track, extra })}`, { track });
  await client.opened;
  let handshake = null;
  if (trackingId === '0') {
    const f = await client.expect((fr) => fr.type === 'text', { timeout: 3000, what: 'the handshake frame' });
    if (f.decodeError) throw new Error(`handshake frame is not length-prefixed: ${JSON.stringify(f.wire)} (${f.decodeError})`);
    if (track && decodePrefixed(f.wire).length !== 1) throw new Error(`handshake frame holds more than one message: ${JSON.stringify(f.wire)}`);
    handshake = parseHandshake(f.data);
    if (!handshake) throw new Error(`first frame is not a handshake: ${JSON.stringify(f.wire)}`);
  }
  return { client, handshake };
}

export const subscribeMsg = (hash, requests, extra = {}) => ({ action: 'subscribe', hash, requests, ...extra });
export const ALL = { type: 'all' };

/**
 * Open, send a subscribe, and wait for the response frame.
 * Returns { client, handshake, response }.
 */
export async function openSubscribed(sim, hash, requests, opts = {}) {
  const { client, handshake } = await openAtmo(sim, opts);
  client.send(subscribeMsg(hash, requests, opts.subscribeExtra || {}));
  const response = await client.expectJson((j) => j.type === 'response' || j.type === 'error', { what: 'the subscribe response' });
  if (response.type !== 'response') {
    client.terminate();
    throw new Error(`subscribe answered with an error: ${JSON.stringify(response)}`);
  }
  return { client, handshake, response };
}

/** state_batch item → state, for both the observed wrapper and the documented bare form. */
export const itemState = (item) => (item && item.state && typeof item.state === 'object' ? item.state : item);

/** Compare two (possibly huge) strings without dumping them: report lengths and the first difference. */
export function sameString(actual, expected, what = 'string') {
  if (actual === expected) return;
  const a = String(actual); const e = String(expected);
  let i = 0;
  while (i < a.length && i < e.length && a[i] === e[i]) i++;
  const ctx = (s) => JSON.stringify(s.slice(Math.max(0, i - 20), i + 40));
  throw new Error(`${what} differs: length ${a.length} vs expected ${e.length}; first difference at ${i}: got ${ctx(a)} expected ${ctx(e)}`);
}
