// SPDX-License-Identifier: MIT
// HTTP-level behaviour: startup line, upgrade refusals (501 old framework,
// 404 wrong path), the handshake variants, REST user/auth (JSON, form, query),
// wrong login, tracker/list, hash errors, --prefix, clean SIGTERM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, waitUntil } from './lib/sim.mjs';
import { RawClient, atmoQuery, openAtmo, decodePrefixed, parseHandshake, subscribeMsg, ALL } from './lib/raw.mjs';
import { sortNum } from './lib/events.mjs';

let sim, hash;

before(async () => {
  sim = await startSim({ args: ['--trackers', '7', '--client-heartbeat-ms', '30000'] });
  hash = await sim.auth();
});
after(async () => { if (sim) await sim.stop(); });

async function upgradeStatus(url) {
  const c = new RawClient(url);
  try {
    await c.opened;
    c.terminate();
    return { status: 101 };
  } catch (e) {
    return { status: e.statusCode, headers: e.headers || {}, error: e };
  }
}

test('prints "navixy-sim listening on 127.0.0.1:PORT" on stdout', async () => {
  await waitUntil(() => sim.stdout.includes('\n') || sim.stdout.length > 0, { timeout: 2000, what: 'a stdout line' });
  assert.match(sim.stdout, new RegExp(`^navixy-sim listening on 127\\.0\\.0\\.1:${sim.port}\\r?\\n`, 'm'));
});

test('X-Atmosphere-Framework=1.0.0 → HTTP 501 before the upgrade', async () => {
  const r = await upgradeStatus(sim.wsUrl() + '?' + atmoQuery({ framework: '1.0.0' }));
  assert.equal(r.status, 501, `got ${r.status} ${r.error && r.error.message}`);
});

test('older-but-allowed frameworks are accepted: 2.2.1, 2.3.6-javascript (docs), 4.0.1, 5.0.7', async () => {
  for (const fw of ['2.2.1', '2.3.6-javascript', '4.0.1', '5.0.7']) {
    const { client, handshake } = await openAtmo(sim, { framework: fw });
    assert.ok(handshake, fw);
    client.terminate();
  }
});

test('wrong path → HTTP 404; trailing slash accepted', async () => {
  const r = await upgradeStatus(`ws://${sim.host}:${sim.port}/event/subscriptions?${atmoQuery()}`);
  assert.equal(r.status, 404, `got ${r.status}`);
  const r2 = await upgradeStatus(`ws://${sim.host}:${sim.port}/nope?${atmoQuery()}`);
  assert.equal(r2.status, 404);
  const { client, handshake } = await openAtmo(sim, { path: '/event/subscription/' });
  assert.ok(handshake);
  client.terminate();
});

test('handshake: "<uuid>|<client-heartbeat-ms>|X|" alone in the first frame; a fresh uuid per connection', async () => {
  const a = await openAtmo(sim);
  const b = await openAtmo(sim);
  assert.match(a.client.frames[0].data, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\|30000\|X\|$/);
  assert.notEqual(a.handshake.uuid, b.handshake.uuid);
  a.client.terminate(); b.client.terminate();
});

test('handshake with TrackMessageSize: "<len>|<uuid>|ms|X|"', async () => {
  const { client } = await openAtmo(sim, { track: true });
  const f = client.wire[0].data;
  const [body] = decodePrefixed(f);
  assert.ok(parseHandshake(body), f);
  assert.equal(f, `${body.length}|${body}`);
  client.terminate();
});

test('no handshake when reconnecting with a tracking id; the socket still works', async () => {
  const c = new RawClient(sim.wsUrl() + '?' + atmoQuery({ trackingId: '0718d839-37cf-4b2b-8b5c-ad088f5f8021' }));
  await c.opened;
  const early = await c.collect(400);
  assert.deepEqual(early.map((f) => f.data), [], 'nothing sent before the client speaks');
  c.send(subscribeMsg(hash, [{ type: 'state_batch', target: ALL }]));
  const r = await c.expectJson((j) => j.type === 'response', { what: 'response' });
  assert.equal(r.action, 'subscription/subscribe');
  c.terminate();
});

test('without X-atmo-protocol there is no handshake; without X-Atmosphere-Framework the upgrade is still accepted', async () => {
  const c = new RawClient(sim.wsUrl() + '?' + atmoQuery({ protocol: false }));
  await c.opened;
  assert.deepEqual((await c.collect(400)).map((f) => f.data), [], 'no handshake without X-atmo-protocol');
  c.send(subscribeMsg(hash, [{ type: 'state_batch', target: ALL }]));
  assert.equal((await c.expectJson((j) => j.type === 'response', { what: 'response' })).type, 'response');
  c.terminate();
  const bare = new RawClient(sim.wsUrl() + '?X-Atmosphere-tracking-id=0&X-atmo-protocol=true');
  await bare.opened;
  const f = await bare.expect((fr) => fr.type === 'text', { what: 'handshake without a framework parameter' });
  assert.ok(parseHandshake(f.data), f.data);
  bare.terminate();
});

test('--min-framework 4.0.0: 2.3.6-javascript refused with 501, 4.0.1 accepted', async () => {
  const s = await startSim({ args: ['--trackers', '1', '--min-framework', '4.0.0'] });
  try {
    const r = await upgradeStatus(s.wsUrl() + '?' + atmoQuery({ framework: '2.3.6-javascript' }));
    assert.equal(r.status, 501);
    const { client, handshake } = await openAtmo(s, { framework: '4.0.1' });
    assert.ok(handshake);
    client.terminate();
  } finally { await s.stop(); }
});

test('admin errors: unknown tracker id → HTTP 400 {"ok":false,"error":...}', async () => {
  const res = await fetch(`${sim.base}/admin/tick?id=987654321`, { method: 'POST' });
  assert.equal(res.status, 400);
  const j = await res.json();
  assert.equal(j.ok, false);
  assert.equal(typeof j.error, 'string');
});

test('REST user/auth: POST JSON, POST form, GET query all authenticate', async () => {
  for (const kind of ['json', 'form', 'query']) {
    const r = await sim.rest('user/auth', { login: 'demo@example.com', password: 'demo' }, { kind });
    assert.equal(r.status, 200, `${kind}: ${r.text}`);
    assert.equal(r.body.success, true, kind);
    assert.equal(r.body.type, 'authenticated', kind);
    assert.match(r.body.hash, /^[0-9a-f]{32}$/, kind);
    assert.match(r.headers.get('content-type') || '', /application\/json/, `${kind} content-type`);
  }
});

test('REST user/auth with a wrong password or login → HTTP 400, code 102', async () => {
  for (const [login, password] of [['demo@example.com', 'nope'], ['who@example.com', 'demo']]) {
    const r = await sim.rest('user/auth', { login, password });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.success, false);
    assert.equal(r.body.status.code, 102);
    assert.equal(typeof r.body.status.description, 'string');
  }
});

test('REST tracker/list matches /admin/fleet; hash from body, query or Authorization: NVX', async () => {
  const fleet = await sim.fleet();
  const viaBody = await sim.rest('tracker/list', { hash });
  const viaQuery = await sim.rest('tracker/list', { hash }, { kind: 'query' });
  const viaHeader = await sim.rest('tracker/list', {}, { kind: 'query', headers: { Authorization: `NVX ${hash}` } });
  for (const r of [viaBody, viaQuery, viaHeader]) {
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.success, true);
    assert.deepEqual(sortNum(r.body.list.map((t) => t.id)), sortNum(fleet.map((t) => t.id)));
  }
  for (const t of viaBody.body.list) {
    const f = fleet.find((x) => x.id === t.id);
    assert.equal(t.label, f.label);
    assert.equal(t.source.id, f.source_id);
    assert.equal(t.source.blocked, f.blocked);
    assert.equal(typeof t.clone, 'boolean');
    assert.ok('group_id' in t);
    assert.equal(typeof t.source.device_id, 'string');
    assert.equal(typeof t.source.model, 'string');
  }
});

test('REST hash errors: missing/malformed → 3, unknown → 4 (HTTP 400)', async () => {
  const cases = [[{}, 3], [{ hash: 'xyz' }, 3], [{ hash: 'ffffffffffffffffffffffffffffffff' }, 4]];
  for (const [params, code] of cases) {
    const r = await sim.rest('tracker/list', params);
    assert.equal(r.status, 400, `${JSON.stringify(params)}: ${r.text}`);
    assert.equal(r.body.success, false);
    assert.equal(r.body.status.code, code, JSON.stringify(params));
  }
});

test('--api-key: a configured API key works on REST and WebSocket', async () => {
  const key = '0123456789abcdef0123456789abcdef';
  const s = await startSim({ args: ['--trackers', '2', '--api-key', key] });
  try {
    const r = await s.rest('tracker/list', { hash: key });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.list.length, 2);
    const { client } = await openAtmo(s);
    client.send(subscribeMsg(key, [{ type: 'state_batch', target: ALL }]));
    const resp = await client.expectJson((j) => j.type === 'response' || j.type === 'error', { what: 'answer' });
    assert.equal(resp.type, 'response', JSON.stringify(resp));
    client.terminate();
  } finally { await s.stop(); }
});

test('--prefix /v2: REST and WebSocket under the prefix, admin without it, nothing at the bare paths', async () => {
  const s = await startSim({ prefix: '/v2', args: ['--trackers', '3', '--login', 'fleet@example.com', '--password', 'pw1'] });
  try {
    const h = await s.auth('fleet@example.com', 'pw1');
    const list = await s.rest('tracker/list', { hash: h });
    assert.equal(list.body.list.length, 3);
    const bare = await fetch(`${s.base}/user/auth?login=fleet@example.com&password=pw1`);
    assert.equal(bare.status, 404, 'REST without the prefix is 404');
    await bare.arrayBuffer();
    assert.equal((await s.stats()).trackers, 3, 'admin is not under the prefix');
    const { client, handshake } = await openAtmo(s);
    assert.ok(handshake);
    client.send(subscribeMsg(h, [{ type: 'state_batch', target: ALL }]));
    const resp = await client.expectJson((j) => j.type === 'response', { what: 'response under /v2' });
    assert.equal(Object.keys(resp.data.state_batch.value).length, 3);
    client.terminate();
    const r = await upgradeStatus(`ws://${s.host}:${s.port}/event/subscription?${atmoQuery()}`);
    assert.equal(r.status, 404, 'WebSocket without the prefix is 404');
  } finally { await s.stop(); }
});

test('SIGINT stops the sim cleanly too (exit 0)', async () => {
  const s = await startSim({ args: ['--trackers', '1'] });
  s.stopping = true;
  s.proc.kill('SIGINT');
  let timer;
  const r = await Promise.race([s.exited, new Promise((res) => { timer = setTimeout(() => res(null), 5000); })]);
  clearTimeout(timer);
  await s.stop();
  assert.ok(r, 'exited within 5 s');
  assert.equal(r.signal, null);
  assert.equal(r.code, 0);
});

test('SIGTERM stops the sim cleanly (exit 0)', async () => {
  const s = await startSim({ args: ['--trackers', '2'] });
  const { client } = await openAtmo(s);
  const r = await s.stop(5000);
  assert.equal(r.signal, null, `exited by itself, not killed (signal ${r.signal})`);
  assert.equal(r.code, 0);
  client.terminate();
});

test('clean exit (0) on SIGTERM after REST and admin traffic with request bodies', async () => {
  // Under the sanitizer build a leaked request body or any memory error turns this exit code non-zero.
  const s = await startSim({ args: ['--trackers', '2'] });
  const h = await s.auth();
  await s.rest('user/auth', { login: 'demo@example.com', password: 'demo' }, { kind: 'form' });
  await s.rest('tracker/list', { hash: h });
  const { client } = await openAtmo(s);
  client.send(subscribeMsg(h, [{ type: 'state_batch', target: ALL }]));
  await client.expectJson((j) => j.type === 'response', { what: 'response' });
  await s.admin('inject', { kind: 'text' }, { body: '{"probe":1}' });
  await s.admin('tick', { id: (await s.fleet())[0].id });
  const r = await s.stop(5000);
  client.terminate();
  assert.equal(r.signal, null, `not killed (signal ${r.signal})`);
  assert.equal(r.code, 0, `exit code; sim stderr tail:\n${s.stderr.slice(-1500)}`);
});
