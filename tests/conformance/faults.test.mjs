// SPDX-License-Identifier: MIT
// Fault injection through /admin, seen from a raw WebSocket client: drop,
// stall/resume, logout (admin and REST), block/unblock/remove, add, inject,
// rate change.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, sleep, waitUntil } from './lib/sim.mjs';
import { openSubscribed, subscribeMsg, itemState, ALL, decodePrefixed, sameString } from './lib/raw.mjs';
import { batchSourceIds, sortNum } from './lib/events.mjs';

const HB_MS = 200;
let sim, hash, fleet;
const clients = [];
const batchReq = [{ type: 'state_batch', target: ALL, rate_limit: '1s' }];

async function subscribed(h = hash, requests = batchReq, opts = {}) {
  const r = await openSubscribed(sim, h, requests, opts);
  clients.push(r.client);
  return r;
}
const hasSource = (sid) => (j) => j.type === 'event' && j.event === 'state_batch' && batchSourceIds(j).includes(sid);

before(async () => {
  sim = await startSim({ args: ['--trackers', '8', '--heartbeat-ms', String(HB_MS), '--client-heartbeat-ms', '0'] });
  hash = await sim.auth();
  fleet = await sim.fleet();
});

after(async () => {
  for (const c of clients) c.terminate();
  if (sim) await sim.stop();
});

test('drop: the client sees an abnormal close (1006) and the sim forgets the socket', async () => {
  const { client } = await subscribed();
  await client.expectJson((j) => j.event === 'state_batch', { what: 'snapshot' });
  await sim.admin('drop');
  const c = await Promise.race([client.closed, sleep(3000).then(() => null)]);
  assert.ok(c, 'socket closed within 3 s');
  assert.equal(c.code, 1006, `close code ${c.code} (no close frame expected)`);
  await waitUntil(async () => (await sim.stats()).connections === 0, { timeout: 2000, what: 'connections == 0' });
});

test('stall: nothing at all (no events, no heartbeats) during the stall, then delivery resumes', async () => {
  const { client } = await subscribed();
  await client.expectJson((j) => j.event === 'state_batch', { what: 'snapshot' });
  await client.expect((f) => f.data === 'X', { timeout: 2000, what: 'a heartbeat before the stall' });
  const hb0 = (await sim.stats()).heartbeats_sent;
  await sim.admin('stall', { ms: 1200 });
  const t0 = Date.now();
  client.drain();
  await sim.tick(fleet[0].id, 1);
  const during = await client.collect(900);
  assert.deepEqual(during.map((f) => f.data), [], 'no frames during the stall');
  assert.equal((await sim.stats()).heartbeats_sent, hb0, 'no heartbeats counted during the stall');
  assert.equal(client.closeInfo, undefined, 'socket stays open');
  const upd = await client.expectJson(hasSource(fleet[0].source_id), { timeout: 3000, what: 'the change made during the stall' });
  assert.ok(Date.now() - t0 >= 1000, 'update held back until the stall ended');
  assert.ok(upd);
  await client.expect((f) => f.data === 'X', { timeout: 2000, what: 'heartbeats after the stall' });

  // ms=0: until /admin/resume.
  await sim.admin('stall', { ms: 0 });
  client.drain();
  await sim.tick(fleet[1].id, 1);
  assert.deepEqual((await client.collect(1300)).map((f) => f.data), [], 'indefinite stall: nothing');
  await sim.admin('resume');
  await client.expectJson(hasSource(fleet[1].source_id), { timeout: 3000, what: 'update after /admin/resume' });
  client.terminate();
});

test('logout via /admin/logout: logout event, then code 4 for that hash', async () => {
  const h = await sim.auth();
  const { client } = await subscribed(h);
  await sim.admin('logout', { hash: h });
  const ev = await client.expectEvent('logout', () => true, { timeout: 2000 });
  assert.deepEqual(ev, { type: 'event', event: 'logout', data: 'session closed' });
  client.send(subscribeMsg(h, batchReq));
  const err = await client.expectJson((j) => j.type === 'error' || j.type === 'response', { what: 'answer to a subscribe with an ended hash' });
  assert.equal(err.type, 'error', JSON.stringify(err));
  assert.equal(err.status.code, 4);
  const rest = await sim.rest('tracker/list', { hash: h });
  assert.equal(rest.status, 400);
  assert.equal(rest.body.status.code, 4, 'REST rejects the ended session too');
  // Other sessions are unaffected.
  assert.equal((await sim.rest('tracker/list', { hash })).body.success, true);
  client.terminate();
});

test('logout via REST user/logout: sockets of that session get the logout event', async () => {
  const h = await sim.auth();
  const { client } = await subscribed(h);
  const r = await sim.rest('user/logout', { hash: h });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.success, true);
  const ev = await client.expectEvent('logout', () => true, { timeout: 2000 });
  assert.equal(ev.data, 'session closed');
  client.terminate();
});

test('block / unblock / remove: lifecycle events with source_id; unblock pushes state; remove is corrupt', async () => {
  const { client } = await subscribed(hash, batchReq);
  await client.expectJson((j) => j.event === 'state_batch', { what: 'snapshot' });
  const [victim, removed] = [fleet[5], fleet[6]];

  await sim.admin('block', { id: victim.id });
  const blk = await client.expectEvent('lifecycle', (j) => j.data.source_id === victim.source_id, { timeout: 2000 });
  assert.deepEqual(blk.data, { source_id: victim.source_id, lifecycle_event: 'block' });
  assert.equal((await sim.fleet()).find((t) => t.id === victim.id).blocked, true, '/admin/fleet shows blocked');
  assert.equal((await sim.stats()).blocked, 1);
  const list = await sim.rest('tracker/list', { hash });
  assert.equal(list.body.list.find((t) => t.id === victim.id).source.blocked, true, 'tracker/list shows source.blocked');

  // A blocked tracker's changes are not delivered.
  await sim.tick(victim.id, 1);
  const quiet = await client.collect(1300);
  const leaked = quiet.filter((f) => f.type === 'text' && f.data.startsWith('{'))
    .map((f) => JSON.parse(f.data)).filter((j) => j.event === 'state_batch' && batchSourceIds(j).includes(victim.source_id));
  assert.deepEqual(leaked, [], 'no state for a blocked tracker');

  // A new subscription reports it as blocked and leaves it out of the snapshot.
  const second = await subscribed(hash, batchReq);
  assert.equal(second.response.data.state_batch.value[String(victim.id)], 'blocked');
  const snap = await second.client.expectJson((j) => j.event === 'state_batch', { what: 'snapshot with a blocked tracker' });
  assert.ok(!batchSourceIds(snap).includes(victim.source_id), 'blocked tracker not in the snapshot');
  second.client.terminate();

  await sim.admin('unblock', { id: victim.id });
  const unb = await client.expectEvent('lifecycle', (j) => j.data.source_id === victim.source_id, { timeout: 2000 });
  assert.deepEqual(unb.data, { source_id: victim.source_id, lifecycle_event: 'unblock' });
  const pushed = await client.expectJson(hasSource(victim.source_id), { timeout: 3000, what: 'state pushed after unblock' });
  const st = pushed.data.map(itemState).find((s) => s.source_id === victim.source_id);
  assert.deepEqual(st, (await sim.tracker(victim.id)).state, 'pushed state is the current state');

  await sim.admin('remove', { id: removed.id });
  const cor = await client.expectEvent('lifecycle', (j) => j.data.source_id === removed.source_id, { timeout: 2000 });
  assert.deepEqual(cor.data, { source_id: removed.source_id, lifecycle_event: 'corrupt' });
  assert.equal((await sim.fleet()).some((t) => t.id === removed.id), false, 'removed from /admin/fleet');
  const list2 = await sim.rest('tracker/list', { hash });
  assert.equal(list2.body.list.some((t) => t.id === removed.id), false, 'removed from tracker/list');
  const fresh = await subscribed(hash, batchReq);
  assert.equal(String(removed.id) in fresh.response.data.state_batch.value, false, 'removed tracker not covered by target all');
  fresh.client.terminate();
  client.terminate();
  fleet = await sim.fleet();
});

test('add: a new tracker appears in tracker/list and /admin/fleet', async () => {
  const label = 'Conformance van 7';
  const r = await sim.admin('add', { label });
  assert.equal(r.ok, true);
  assert.ok(Number.isInteger(r.id) && Number.isInteger(r.source_id), JSON.stringify(r));
  const list = await sim.rest('tracker/list', { hash });
  const t = list.body.list.find((x) => x.id === r.id);
  assert.ok(t, 'in tracker/list');
  assert.equal(t.label, label);
  assert.equal(t.source.id, r.source_id);
  assert.equal(t.source.blocked, false);
  const f = (await sim.fleet()).find((x) => x.id === r.id);
  assert.deepEqual({ label: f.label, source_id: f.source_id }, { label, source_id: r.source_id });
  const { client, response } = await subscribed(hash, batchReq);
  assert.equal(response.data.state_batch.value[String(r.id)], 'normal');
  const snap = await client.expectJson((j) => j.event === 'state_batch', { what: 'snapshot' });
  assert.ok(batchSourceIds(snap).includes(r.source_id), 'new tracker in a new snapshot');
  client.terminate();
  fleet = await sim.fleet();
});

test('inject: malformed JSON, binary, length-prefixed and oversized frames arrive as sent', async () => {
  const { client } = await subscribed();
  await client.expectJson((j) => j.event === 'state_batch', { what: 'snapshot' });
  client.drain();

  const bad = '{"type":"event","event":"state_batch","data":[{"state":';
  await sim.admin('inject', { kind: 'text' }, { body: bad });
  const f1 = await client.expect((f) => f.type === 'text' && f.data !== 'X', { what: 'injected text' });
  assert.equal(f1.data, bad);

  const bin = Buffer.from([0x00, 0xff, 0x7b, 0x22, 0x80, 0x0a, 0x01]);
  await sim.admin('inject', { kind: 'binary' }, { body: bin });
  const f2 = await client.expect((f) => f.type === 'binary', { what: 'injected binary' });
  assert.ok(f2.data.equals(bin), `binary bytes intact: ${f2.data.toString('hex')}`);

  const body = '{"x":"äö😀"}';
  await sim.admin('inject', { kind: 'prefixed' }, { body });
  const f3 = await client.expect((f) => f.type === 'text' && f.data !== 'X', { what: 'injected prefixed' });
  assert.equal(f3.data, `${body.length}|${body}`, 'prefix counts UTF-16 units although not negotiated');
  assert.deepEqual(decodePrefixed(f3.data), [body]);

  const huge = JSON.stringify({ type: 'event', event: 'huge', data: 'z'.repeat(300000) });
  await sim.admin('inject', { kind: 'text' }, { body: huge });
  const f4 = await client.expect((f) => f.type === 'text' && f.data !== 'X', { timeout: 5000, what: 'injected oversized frame' });
  sameString(f4.data, huge, 'oversized injected frame');
  assert.equal(client.closeInfo, undefined, 'socket still open');
  client.terminate();
});

test('rate: /admin/rate turns spontaneous changes on and off', async () => {
  const { client } = await subscribed();
  await client.expectJson((j) => j.event === 'state_batch', { what: 'snapshot' });
  client.drain();
  const countItems = (frames) => frames.filter((f) => f.type === 'text' && f.data.startsWith('{'))
    .map((f) => JSON.parse(f.data)).filter((j) => j.event === 'state_batch').reduce((n, j) => n + j.data.length, 0);

  assert.equal(countItems(await client.collect(1300)), 0, 'rate 0: no spontaneous changes');
  const s0 = (await sim.stats()).state_items_sent;
  await sim.admin('rate', { value: 50 });
  const on = countItems(await client.collect(2300));
  assert.ok(on >= 2, `rate 50/s: state items arrive (${on} in ~2.3 s, coalesced per 1 s)`);
  assert.ok((await sim.stats()).state_items_sent > s0, 'stats count them');
  await sim.admin('rate', { value: 0 });
  await client.collect(1300); // the last window flushes
  assert.equal(countItems(await client.collect(1300)), 0, 'rate back to 0: quiet again');
  client.terminate();
});
