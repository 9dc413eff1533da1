// SPDX-License-Identifier: MIT
// Start navixy-sim on a free loopback port, talk to its REST and admin
// endpoints, and stop it. Every sim started here is killed when the test
// process exits, whatever happened.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..', '..');

export function simBinary() {
  const bin = process.env.NAVIXY_SIM || path.join(repo, 'build', 'tests', 'sim', 'navixy-sim');
  if (!existsSync(bin)) throw new Error(`navixy-sim not found at ${bin} (set NAVIXY_SIM)`);
  return bin;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Poll fn() until it returns a truthy value (returned) or the deadline passes (throws). */
export async function waitUntil(fn, { timeout = 5000, interval = 25, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await sleep(interval);
  }
}

const live = new Set();
process.on('exit', () => {
  for (const s of live) { try { s.proc.kill('SIGKILL'); } catch { /* already gone */ } }
});

export class Sim {
  constructor(proc, port, opts, dir) {
    this.proc = proc;
    this.port = port;
    this.host = '127.0.0.1';
    this.prefix = opts.prefix || '';
    this.dir = dir;
    this.stderr = '';
    this.stdout = '';
    this.exitCode = undefined;
    this.stopping = false;
    this.exited = new Promise((resolve) => proc.on('exit', (code, signal) => {
      this.exitCode = code; this.exitSignal = signal; live.delete(this);
      if (!this.stopping) {
        // A crash (e.g. a sanitizer abort) shows up in the test as "fetch failed" or a
        // closed socket; say what really happened, with the sim's own words.
        setTimeout(() => process.stderr.write(`\n*** navixy-sim exited unexpectedly (code ${code}, signal ${signal}); args: ${(this.args || []).join(' ')}\n` +
          `*** last stderr:\n${this.stderr.slice(-6000)}\n`), 50);
      }
      resolve({ code, signal });
    }));
  }

  get base() { return `http://${this.host}:${this.port}`; }
  /** REST URL under the prefix, e.g. rest('user/auth'). */
  restUrl(p) { return `${this.base}${this.prefix}/${p.replace(/^\//, '')}`; }
  /** WebSocket URL (http scheme: atmosphere.js rewrites it; ws needs wsUrl). */
  subscriptionHttpUrl() { return `${this.base}${this.prefix}/event/subscription`; }
  wsUrl(query = {}, pathSuffix = '/event/subscription') {
    const q = new URLSearchParams(query).toString();
    return `ws://${this.host}:${this.port}${this.prefix}${pathSuffix}${q ? '?' + q : ''}`;
  }

  /** Admin call; resolves with the parsed JSON body; throws unless ok (when expectOk). */
  async admin(p, params = {}, { method, body, expectOk = true } = {}) {
    const q = new URLSearchParams(params).toString();
    const url = `${this.base}/admin/${p}${q ? '?' + q : ''}`;
    const m = method || (p === 'stats' || p === 'fleet' || p === 'tracker' ? 'GET' : 'POST');
    const res = await fetch(url, { method: m, body });
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { throw new Error(`admin ${m} /admin/${p}: non-JSON answer (HTTP ${res.status}): ${text.slice(0, 200)}`); }
    if (expectOk && (!res.ok || (json && json.ok === false))) {
      throw new Error(`admin ${m} /admin/${p}${q ? '?' + q : ''} failed: HTTP ${res.status} ${text.slice(0, 300)}`);
    }
    return json;
  }
  stats() { return this.admin('stats'); }
  /** The fleet as an array of {id,label,source_id,blocked} (accepts a bare array or a wrapped one). */
  async fleet() {
    const j = await this.admin('fleet');
    const arr = Array.isArray(j) ? j : (j.fleet || j.trackers || j.list);
    if (!Array.isArray(arr)) throw new Error(`/admin/fleet: no array in ${JSON.stringify(j).slice(0, 200)}`);
    return arr;
  }
  tracker(id) { return this.admin('tracker', { id }); }
  tick(id, n = 1) { return this.admin('tick', { id, n }); }

  /** REST call. kind: 'json' (POST JSON body), 'form' (POST urlencoded), 'query' (GET). */
  async rest(p, params = {}, { kind = 'json', headers = {} } = {}) {
    let res;
    if (kind === 'json') {
      res = await fetch(this.restUrl(p), { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(params) });
    } else if (kind === 'form') {
      res = await fetch(this.restUrl(p), { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(params).toString() });
    } else {
      const q = new URLSearchParams(params).toString();
      res = await fetch(this.restUrl(p) + (q ? '?' + q : ''), { method: 'GET', headers });
    }
    const text = await res.text();
    let body;
    try { body = JSON.parse(text); } catch { body = undefined; }
    return { status: res.status, body, text, headers: res.headers };
  }

  /** user/auth with the default account; returns the session hash. */
  async auth(login = 'demo@example.com', password = 'demo') {
    const r = await this.rest('user/auth', { login, password });
    if (r.status !== 200 || !r.body || r.body.success !== true || typeof r.body.hash !== 'string') {
      throw new Error(`user/auth failed: HTTP ${r.status} ${r.text.slice(0, 200)}`);
    }
    return r.body.hash;
  }

  log() { return this.stderr; }

  /** SIGTERM, then SIGKILL after a grace period; resolves with {code, signal}. */
  async stop(graceMs = 3000) {
    this.stopping = true;
    if (this.exitCode === undefined && !this.exitSignal) {
      try { this.proc.kill('SIGTERM'); } catch { /* gone */ }
      const t = setTimeout(() => { try { this.proc.kill('SIGKILL'); } catch { /* gone */ } }, graceMs);
      await this.exited;
      clearTimeout(t);
    }
    try { rmSync(this.dir, { recursive: true, force: true }); } catch { /* ignore */ }
    return { code: this.exitCode, signal: this.exitSignal };
  }
}

/**
 * Start navixy-sim. opts.args: extra command-line arguments; opts.prefix is
 * passed as --prefix too. Defaults: --rate 0 (changes only through the admin
 * API, so tests are deterministic) and --log-level warn, unless overridden.
 */
export async function startSim(opts = {}) {
  const bin = simBinary();
  const dir = mkdtempSync(path.join(tmpdir(), 'n2m-conf-'));
  const portFile = path.join(dir, 'port');
  const args = ['--host', '127.0.0.1', '--port', '0', '--port-file', portFile];
  const extra = opts.args || [];
  if (opts.prefix) args.push('--prefix', opts.prefix);
  if (!extra.includes('--rate') && !extra.includes('--load')) args.push('--rate', '0');
  if (!extra.includes('--log-level')) args.push('--log-level', 'warn');
  args.push(...extra);

  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const sim = new Sim(proc, 0, opts, dir);
  sim.args = args;
  live.add(sim);
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stdout.on('data', (d) => { sim.stdout += d; });
  proc.stderr.on('data', (d) => { sim.stderr = (sim.stderr + d).slice(-20000); });
  proc.on('error', (e) => { sim.spawnError = e; });

  const deadline = Date.now() + 10000;
  for (;;) {
    if (sim.spawnError) throw sim.spawnError;
    if (sim.exitCode !== undefined || sim.exitSignal) {
      throw new Error(`navixy-sim exited early (code ${sim.exitCode}, signal ${sim.exitSignal}) args=${args.join(' ')}\n${sim.stderr}`);
    }
    let txt = '';
    try { txt = readFileSync(portFile, 'utf8').trim(); } catch { /* not yet */ }
    if (/^\d+$/.test(txt) && Number(txt) > 0) { sim.port = Number(txt); break; }
    if (Date.now() > deadline) {
      await sim.stop(500);
      throw new Error(`navixy-sim wrote no port file within 10 s; args=${args.join(' ')}\n${sim.stderr}`);
    }
    await sleep(20);
  }
  // The contract also promises a stdout line; wait briefly for it (not fatal here:
  // the dedicated test checks it).
  return sim;
}

/** Run body(sim) with a fresh sim and always stop it. */
export async function withSim(opts, body) {
  const sim = await startSim(opts);
  try { return await body(sim); } finally { await sim.stop(); }
}
