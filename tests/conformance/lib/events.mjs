// SPDX-License-Identifier: MIT
// An append-only log of client callbacks (open, message, close, ...) that a
// test can wait on.
export class EventLog {
  constructor() {
    this.items = [];
    this.waiters = new Set();
  }

  add(kind, value) {
    this.items.push({ kind, value, t: Date.now() });
    for (const w of [...this.waiters]) w();
  }

  of(kind, from = 0) { return this.items.slice(from).filter((e) => e.kind === kind); }
  get length() { return this.items.length; }

  /**
   * Wait for an item of `kind` (from index `from` on) satisfying pred(value).
   * Returns { index, value, t }.
   */
  async waitFor(kind, pred = () => true, { from = 0, timeout = 3000, what } = {}) {
    const end = Date.now() + timeout;
    for (;;) {
      for (let i = from; i < this.items.length; i++) {
        const e = this.items[i];
        if (e.kind !== kind) continue;
        let ok = false;
        try { ok = pred(e.value); } catch { ok = false; }
        if (ok) return { index: i, value: e.value, t: e.t };
      }
      const left = end - Date.now();
      if (left <= 0) {
        const tail = this.items.slice(Math.max(from, this.items.length - 10)).map((e) =>
          `${e.kind}:${typeof e.value === 'string' ? e.value.slice(0, 120) : JSON.stringify(e.value)?.slice(0, 120)}`);
        throw new Error(`timed out after ${timeout} ms waiting for ${what || kind}; last events: ${JSON.stringify(tail)}`);
      }
      await new Promise((resolve) => {
        const w = () => { clearTimeout(t); this.waiters.delete(w); resolve(); };
        const t = setTimeout(w, left);
        this.waiters.add(w);
      });
    }
  }

  /** Wait for a 'message' whose body parses as JSON and satisfies pred(json). */
  async waitJson(pred, opts = {}) {
    const r = await this.waitFor('message', (body) => {
      if (typeof body !== 'string') return false;
      let j;
      try { j = JSON.parse(body); } catch { return false; }
      return pred(j);
    }, { what: 'a matching JSON message', ...opts });
    return { ...r, json: JSON.parse(r.value) };
  }
}

/** state_batch/readings_batch helpers on parsed event JSON. */
export const isEvent = (name) => (j) => j && j.type === 'event' && j.event === name;
export const batchSourceIds = (j) => j.data.map((it) => (it && it.state && typeof it.state === 'object' ? it.state : it).source_id);
export const batchTrackerIds = (j) => j.data.map((it) => it.tracker_id);
export const sortNum = (a) => [...a].map(Number).sort((x, y) => x - y);
