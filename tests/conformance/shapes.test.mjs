// SPDX-License-Identifier: MIT
// Frame shapes and subscription behaviour: observed vs --docs-strict shapes,
// the legacy events+trackers form, the state request, iso_datetime and the
// time zone, rate_limit coalescing, unsubscribe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, sleep } from './lib/sim.mjs';
import { openAtmo, openSubscribed, itemState, ALL, tryJson } from './lib/raw.mjs';
import { batchSourceIds, batchTrackerIds, sortNum } from './lib/events.mjs';

const PLAIN_DT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const ISO_DT = (off) => new RegExp(`^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}${off.replace('+', '\\+')}$`);

let sim, hash, fleet;
const clients = [];
async function subscribed(requests, opts = {}, s = sim, h = hash) {
  const r = await openSubscribed(s, h, requests, opts);
  clients.push(r.client);
  return r;
}

before(async () => {
  sim = await startSim({ args: ['--trackers', '5', '--tz-offset', '+05:00'] });
  hash = await sim.auth();
  fleet = await sim.fleet();
});
after(async () => {
  for (const c of clients) c.terminate();
  if (sim) await sim.stop();
});

function dates(state) {
  const out = [];
  for (const k of ['last_update', 'movement_status_update', 'actual_track_update']) if (state[k] != null) out.push([k, state[k]]);
  if (state.gps && state.gps.updated != null) out.push(['gps.updated', state.gps.updated]);
  return out;
}

test('observed shapes (default): state_batch items wrapped as source_state_event, no success in sub-responses', async () => {
  const { client, response } = await subscribed([{ type: 'state_batch', target: ALL }, { type: 'readings_batch', target: ALL }]);
  assert.equal(response.type, 'response');
  assert.equal(response.action, 'subscription/subscribe');
  for (const k of ['state_batch', 'readings_batch']) {
    assert.equal('success' in response.data[k], false, `${k}: no success key in the observed shape`);
    assert.equal(typeof response.data[k].value, 'object');
  }
  const sb = await client.expectEvent('state_batch');
  assert.ok(Array.isArray(sb.data));
  for (const it of sb.data) {
    assert.equal(it.type, 'source_state_event');
    assert.equal(typeof it.state, 'object');
    assert.equal(typeof it.state.source_id, 'number');
    assert.equal(typeof it.state.gps.location.lat, 'number');
    assert.ok(['moving', 'stopped', 'parked'].includes(it.state.movement_status), it.state.movement_status);
  }
  const rb = await client.expectEvent('readings_batch');
  for (const it of rb.data) {
    assert.equal(it.type, 'readings_event');
    assert.equal(typeof it.tracker_id, 'number');
    for (const sec of ['inputs', 'states', 'counters']) assert.ok(Array.isArray(it[sec]), `readings ${sec} is an array`);
  }
  client.terminate();
});

test('dates: "yyyy-MM-dd HH:mm:ss" by default, ISO with the --tz-offset when subscribe has iso_datetime:true', async () => {
  const plain = await subscribed([{ type: 'state_batch', target: ALL }]);
  const sb = await plain.client.expectEvent('state_batch');
  const d1 = sb.data.flatMap((it) => dates(itemState(it)));
  assert.ok(d1.length >= fleet.length, `dates present (${d1.length})`);
  for (const [k, v] of d1) assert.match(v, PLAIN_DT, `${k}=${v}`);

  const iso = await subscribed([{ type: 'state_batch', target: ALL }, { type: 'readings_batch', target: ALL }], { subscribeExtra: { iso_datetime: true } });
  const sb2 = await iso.client.expectEvent('state_batch');
  const d2 = sb2.data.flatMap((it) => dates(itemState(it)));
  assert.ok(d2.length >= fleet.length);
  for (const [k, v] of d2) assert.match(v, ISO_DT('+05:00'), `${k}=${v}`);
  const rb = await iso.client.expectEvent('readings_batch');
  const times = rb.data.flatMap((it) => [it.timestamp, ...['inputs', 'states', 'counters'].flatMap((s) => (it[s] || []).map((x) => x.update_time))]).filter((x) => x != null);
  assert.ok(times.length > 0);
  for (const v of times) assert.match(v, ISO_DT('+05:00'), `readings time ${v}`);

  // Same instant in both forms: plain is the local wall time of the ISO one.
  const a = itemState(sb.data[0]);
  const b = itemState(sb2.data.find((it) => itemState(it).source_id === a.source_id));
  assert.equal(b.last_update.slice(0, 19).replace('T', ' '), a.last_update);
});

test('legacy form {events:["state"], trackers:[...]}: response data.state.value, then one state event per tracker', async () => {
  const ids = fleet.slice(0, 3).map((t) => t.id);
  const { client: c } = await openAtmo(sim);
  clients.push(c);
  c.send({ action: 'subscribe', hash, events: ['state'], trackers: [...ids, 999999999] });
  const resp = await c.expectJson((j) => j.type === 'response' || j.type === 'error', { what: 'legacy subscribe response' });
  assert.equal(resp.type, 'response', JSON.stringify(resp));
  assert.deepEqual(resp.events, ['state']);
  const value = resp.data.state.value;
  for (const id of ids) assert.equal(value[String(id)], 'normal');
  assert.equal(value['999999999'], 'unknown', 'not-owned tracker reported unknown');
  const sids = [];
  for (let i = 0; i < ids.length; i++) {
    const ev = await c.expectEvent('state', () => true, { timeout: 2000 });
    assert.equal(typeof ev.data, 'object');
    assert.equal(Array.isArray(ev.data), false, 'state event data is one state object');
    sids.push(ev.data.source_id);
  }
  assert.deepEqual(sortNum(sids), sortNum(fleet.slice(0, 3).map((t) => t.source_id)));
  // Not batched: a tick gives a state event at once, for that tracker only.
  await sim.tick(ids[1], 1);
  const ev = await c.expectEvent('state', () => true, { timeout: 1500 });
  assert.equal(ev.data.source_id, fleet[1].source_id);
  assert.deepEqual(ev.data, (await sim.tracker(ids[1])).state);
  c.terminate();
});

test('requests form "state" with selected trackers and format compact', async () => {
  const t = fleet[4];
  const { client, response } = await subscribed([{ type: 'state', trackers: [t.id], format: 'compact' }]);
  assert.deepEqual(response.events, ['state']);
  const ev = await client.expectEvent('state');
  assert.equal(ev.data.source_id, t.source_id);
  const allowed = new Set(['source_id', 'gps', 'connection_status', 'movement_status', 'movement_status_update', 'ignition', 'ignition_update', 'last_update']);
  const extra = Object.keys(ev.data).filter((k) => !allowed.has(k));
  assert.deepEqual(extra, [], 'compact state has only the compact fields');
  client.terminate();
});

test('unsubscribe: response, then no more events for that type', async () => {
  const { client } = await subscribed([{ type: 'state_batch', target: ALL, rate_limit: '1s' }]);
  await client.expectEvent('state_batch');
  client.send({ action: 'unsubscribe', hash, requests: [{ type: 'state_batch', target: ALL }] });
  const r = await client.expectJson((j) => j.type === 'response' || j.type === 'error', { what: 'unsubscribe response' });
  assert.equal(r.type, 'response', JSON.stringify(r));
  assert.equal(r.action, 'subscription/unsubscribe');
  await sim.tick(fleet[0].id, 1);
  const after = (await client.collect(1400)).filter((f) => f.type === 'text').map((f) => tryJson(f.data)).filter((j) => j && j.type === 'event');
  assert.deepEqual(after, [], 'no events after unsubscribe');
  client.terminate();
});

test('rate_limit "1s" with a high change rate: at most one state_batch per second, coalesced', async () => {
  const s = await startSim({ args: ['--trackers', '20', '--rate', '200'] });
  try {
    const h = await s.auth();
    const { client } = await openSubscribed(s, h, [{ type: 'state_batch', target: ALL, rate_limit: '1s' }]);
    clients.push(client);
    const snap = await client.expectEvent('state_batch');
    assert.equal(snap.data.length, 20);
    const frames = await client.collect(3300);
    const batches = frames.filter((f) => f.type === 'text' && f.data.startsWith('{')).map((f) => ({ t: f.t, j: JSON.parse(f.data) }))
      .filter((x) => x.j.event === 'state_batch');
    assert.ok(batches.length >= 2 && batches.length <= 4, `${batches.length} batches in 3.3 s`);
    const times = batches.map((b) => b.t);
    for (let i = 1; i < times.length; i++) {
      assert.ok(times[i] - times[i - 1] >= 850, `batches ${times[i] - times[i - 1]} ms apart`);
    }
    for (const b of batches) {
      const ids = batchSourceIds(b.j);
      assert.equal(new Set(ids).size, ids.length, 'each tracker at most once per batch (coalesced)');
      assert.ok(ids.length >= 5, `batch carries many trackers (${ids.length}) at 200 changes/s`);
    }
    const tot = batches.reduce((n, b) => n + b.j.data.length, 0);
    assert.ok(tot < 200 * 3.3, 'far fewer items than changes: coalesced');
    client.terminate();
  } finally { await s.stop(); }
});

test('--docs-strict: bare state_batch items and success:true in sub-responses', async () => {
  const s = await startSim({ args: ['--trackers', '3', '--docs-strict'] });
  try {
    const h = await s.auth();
    const f = await s.fleet();
    const { client, response } = await openSubscribed(s, h, [{ type: 'state_batch', target: ALL }, { type: 'readings_batch', target: ALL }]);
    clients.push(client);
    assert.equal(response.data.state_batch.success, true);
    assert.equal(response.data.readings_batch.success, true);
    assert.equal(Object.keys(response.data.state_batch.value).length, 3);
    const sb = await client.expectEvent('state_batch');
    for (const it of sb.data) {
      assert.equal('state' in it, false, 'no wrapper');
      assert.equal(typeof it.source_id, 'number', 'bare source state');
      assert.equal(typeof it.gps, 'object');
    }
    assert.deepEqual(sortNum(sb.data.map((it) => it.source_id)), sortNum(f.map((t) => t.source_id)));
    const rb = await client.expectEvent('readings_batch');
    assert.deepEqual(sortNum(batchTrackerIds(rb)), sortNum(f.map((t) => t.id)));
    client.terminate();
  } finally { await s.stop(); }
});
