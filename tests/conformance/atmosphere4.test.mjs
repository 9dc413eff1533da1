// SPDX-License-Identifier: MIT
// The legacy atmosphere.js 4.0.1 (npm, CJS, ships its own Node shims and
// ws@6) against navixy-sim: onOpen, subscribe, snapshot, updates,
// heartbeats, reconnect after /admin/drop (onReconnect/onReopen), and a frame
// with "|" after the reconnect (legacy keeps firstMessage=false: no mis-parse).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadAtmosphere4 } from './lib/deps.mjs';
import { startSim, sleep, waitUntil } from './lib/sim.mjs';
import { parseHandshake } from './lib/raw.mjs';
import { EventLog, isEvent, batchSourceIds, batchTrackerIds, sortNum } from './lib/events.mjs';

const atmosphere = loadAtmosphere4();
// index.js installed globalThis.WebSocket = ws@6; wrap it to record the wire.
const LegacyWS = globalThis.WebSocket;
const wire = { sockets: [] };
class RecordingWebSocket extends LegacyWS {
  constructor(url, ...rest) {
    super(url, ...rest);
    const rec = { url: String(url), sent: [], received: [] };
    wire.sockets.push(rec);
    this.on('message', (d) => rec.received.push({ t: Date.now(), data: typeof d === 'string' ? d : d.toString('utf8') }));
    this._rec = rec;
  }
  send(d, ...rest) {
    this._rec.sent.push({ t: Date.now(), data: String(d) });
    return super.send(d, ...rest);
  }
}
globalThis.WebSocket = RecordingWebSocket;
globalThis.window.WebSocket = RecordingWebSocket;

const HB_MS = 250;
const CLIENT_HB_MS = 300;

let sim, hash, fleet, socket;
const log = new EventLog();
let resubscribeOnReopen = false;

const subscribeMsg = () => JSON.stringify({
  action: 'subscribe',
  hash,
  requests: [
    { type: 'state_batch', target: { type: 'all' }, rate_limit: '1s' },
    { type: 'readings_batch', target: { type: 'all' }, rate_limit: '1s' },
  ],
});

before(async () => {
  sim = await startSim({ args: ['--trackers', '5', '--heartbeat-ms', String(HB_MS), '--client-heartbeat-ms', String(CLIENT_HB_MS)] });
  hash = await sim.auth();
  fleet = await sim.fleet();
});

after(async () => {
  try { atmosphere.unsubscribe(); } catch { /* ignore */ }
  if (sim) await sim.stop();
});

test('4.0.1 onOpen after the handshake, X-Atmosphere-Framework=4.0.1 accepted', async () => {
  socket = atmosphere.subscribe({
    url: sim.subscriptionHttpUrl(),
    transport: 'websocket',
    fallbackTransport: 'websocket',
    contentType: 'application/json',
    enableProtocol: true,
    trackMessageLength: false,
    reconnect: true,
    reconnectInterval: 200,
    maxReconnectOnClose: 5,
    logLevel: 'error',
    onOpen: (r) => log.add('open', { state: r.state, transport: r.transport }),
    onReopen: () => {
      log.add('reopen', true);
      if (resubscribeOnReopen) socket.push(subscribeMsg());
    },
    onReconnect: () => log.add('reconnect', true),
    onMessage: (r) => log.add('message', r.responseBody),
    onClose: (r) => log.add('close', { status: r.status, state: r.state }),
    onError: (r) => log.add('error', { status: r && r.status, reason: r && r.reasonPhrase }),
    onTransportFailure: (reason) => log.add('transportFailure', String(reason)),
  });
  await log.waitFor('open', () => true, { timeout: 3000, what: 'onOpen' });
  const s0 = wire.sockets[0];
  assert.match(s0.url, /X-Atmosphere-Framework=4\.0\.1/);
  assert.match(s0.url, /X-Atmosphere-tracking-id=0/);
  const hs = parseHandshake(s0.received[0].data);
  assert.ok(hs, `first frame is a handshake: ${JSON.stringify(s0.received[0].data)}`);
  assert.equal(hs.clientHeartbeatMs, CLIENT_HB_MS);
  assert.equal(log.of('message').length, 0, 'handshake not delivered as a message');
});

test('4.0.1 subscribe: response and snapshots as JSON matching /admin/fleet', async () => {
  assert.ok(socket);
  const from = log.length;
  socket.push(subscribeMsg());
  const resp = await log.waitJson((j) => j.type === 'response' || j.type === 'error', { from, what: 'the subscribe response' });
  assert.equal(resp.json.type, 'response', JSON.stringify(resp.json));
  assert.deepEqual(resp.json.events, ['state_batch', 'readings_batch']);
  const ids = sortNum(fleet.map((t) => t.id));
  assert.deepEqual(sortNum(Object.keys(resp.json.data.state_batch.value)), ids);
  const sb = await log.waitJson(isEvent('state_batch'), { from: resp.index, what: 'state_batch snapshot' });
  assert.deepEqual(sortNum(batchSourceIds(sb.json)), sortNum(fleet.map((t) => t.source_id)));
  const rb = await log.waitJson(isEvent('readings_batch'), { from: resp.index, what: 'readings_batch snapshot' });
  assert.deepEqual(sortNum(batchTrackerIds(rb.json)), ids);
});

test('4.0.1 updates from /admin/tick', async () => {
  const target = fleet[1];
  const from = log.length;
  await sim.tick(target.id, 2);
  const sb = await log.waitJson((j) => isEvent('state_batch')(j) && batchSourceIds(j).includes(target.source_id),
    { from, timeout: 3000, what: 'state update' });
  const item = sb.json.data.find((it) => (it.state || it).source_id === target.source_id);
  assert.deepEqual(item.state || item, (await sim.tracker(target.id)).state);
});

test('4.0.1 heartbeats: X both ways, none delivered, no error frames', async () => {
  await sleep(Math.max(HB_MS, CLIENT_HB_MS) * 3 + 100);
  const st = await sim.stats();
  const s0 = wire.sockets[0];
  assert.ok(s0.received.filter((f) => f.data === 'X').length >= 2, 'server X frames received');
  assert.ok(s0.sent.filter((f) => f.data === 'X').length >= 2, 'client X heartbeats sent');
  assert.ok(st.heartbeats_sent >= 2);
  assert.equal(st.errors_sent, 0, 'inbound X swallowed');
  const nonJson = log.of('message').map((e) => e.value).filter((b) => { try { JSON.parse(b); return false; } catch { return true; } });
  assert.deepEqual(nonJson, [], 'only JSON delivered');
});

test('4.0.1 reconnect after /admin/drop: onReconnect, onReopen, re-subscribe, data flows; "|" frame intact', async () => {
  const hs = parseHandshake(wire.sockets[0].received[0].data);
  const from = log.length;
  resubscribeOnReopen = true;
  await sim.admin('drop');
  await log.waitFor('reconnect', () => true, { from, timeout: 3000, what: 'onReconnect' });
  const reopen = await log.waitFor('reopen', () => true, { from, timeout: 5000, what: 'onReopen' });
  assert.equal(wire.sockets.length, 2);
  assert.match(wire.sockets[1].url, new RegExp(`X-Atmosphere-tracking-id=${hs.uuid}(&|$)`));
  const resp = await log.waitJson((j) => j.type === 'response', { from: reopen.index, what: 're-subscribe response' });
  await log.waitJson(isEvent('state_batch'), { from: resp.index, what: 'snapshot after reconnect' });

  const mark = log.length;
  await sim.tick(fleet[3].id, 1);
  await log.waitJson((j) => isEvent('state_batch')(j) && batchSourceIds(j).includes(fleet[3].source_id),
    { from: mark, timeout: 3000, what: 'update after reconnect' });

  const probe = JSON.stringify({ type: 'event', event: 'conformance_probe', data: 'a|b' });
  const m2 = log.length;
  await sim.admin('inject', { kind: 'text' }, { body: probe });
  await log.waitFor('message', (b) => b === probe, { from: m2, timeout: 2000, what: 'the probe with "|" delivered intact' });
  assert.equal(log.of('transportFailure').length, 0, 'no fallback transport');
});

test('4.0.1 unsubscribe closes the socket on the sim', async () => {
  atmosphere.unsubscribe();
  await waitUntil(async () => (await sim.stats()).connections === 0, { timeout: 3000, what: 'connections == 0' });
  assert.equal((await sim.stats()).errors_sent, 0);
});
