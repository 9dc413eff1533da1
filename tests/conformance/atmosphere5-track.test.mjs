// SPDX-License-Identifier: MIT
// trackMessageLength: true. The raw wire first (every server frame is
// "<UTF-16 length>|<payload>", heartbeats "1|X"), then atmosphere.js 5.0.45
// decoding it: JSON messages intact, heartbeats filtered, non-ASCII and
// supplementary characters counted in UTF-16 units.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadWs, loadAtmosphere5 } from './lib/deps.mjs';
import { startSim, sleep, waitUntil } from './lib/sim.mjs';
import { openSubscribed, decodePrefixed, parseHandshake, ALL, tryJson, sameString } from './lib/raw.mjs';
import { EventLog, isEvent, batchSourceIds, sortNum } from './lib/events.mjs';

const WS = loadWs();
const wire = { sockets: [] };
class RecordingWebSocket extends WS {
  constructor(url, ...rest) {
    super(url, ...rest);
    const rec = { url: String(url), received: [], sent: [] };
    wire.sockets.push(rec);
    this.on('message', (d, isBinary) => rec.received.push(isBinary ? d : d.toString('utf8')));
    this._rec = rec;
  }
  send(d, ...rest) { this._rec.sent.push(String(d)); return super.send(d, ...rest); }
}
globalThis.WebSocket = RecordingWebSocket;
const { Atmosphere } = loadAtmosphere5();

const HB_MS = 200;
let sim, hash, fleet, sub, internalRequest;
const log = new EventLog();
const requests = [
  { type: 'state_batch', target: ALL, rate_limit: '1s' },
  { type: 'readings_batch', target: ALL, rate_limit: '1s' },
];

before(async () => {
  sim = await startSim({ args: ['--trackers', '4', '--heartbeat-ms', String(HB_MS), '--client-heartbeat-ms', '300'] });
  hash = await sim.auth();
  fleet = await sim.fleet();
});

after(async () => {
  if (internalRequest) internalRequest.closed = true;
  if (sub) await sub.close().catch(() => {});
  if (sim) await sim.stop();
});

test('raw wire: handshake, response, snapshots and heartbeats are all length-prefixed in UTF-16 units', async () => {
  const { client, handshake } = await openSubscribed(sim, hash, requests, { track: true });
  try {
    assert.ok(handshake);
    const hsBody = `${handshake.uuid}|300|X|`;
    assert.equal(client.wire[0].data, `${hsBody.length}|${hsBody}`, 'handshake is "<len>|uuid|ms|X|"');
    await client.expectJson((j) => j.event === 'readings_batch', { what: 'the readings snapshot' });
    await sleep(HB_MS * 3);
    const wire = client.wire.slice(1).filter((f) => f.type === 'text').map((f) => f.data);
    const undecodable = client.frames.filter((f) => f.decodeError).map((f) => `${f.decodeError}: ${f.wire.slice(0, 80)}`);
    assert.deepEqual(undecodable, [], 'every frame decodes as <len>|payload');
    const hb = wire.filter((fr) => fr === '1|X').length;
    assert.ok(hb >= 1, `heartbeats are exactly "1|X" (${hb} seen)`);
    const payloads = client.frames.slice(1).map((f) => f.data);
    const nonJson = payloads.filter((p) => p !== 'X' && tryJson(p) === undefined).map((p) => p.slice(0, 80));
    assert.deepEqual(nonJson, [], 'every decoded payload is JSON or the X padding');
    const types = payloads.map(tryJson).filter(Boolean).map((j) => j.type === 'event' ? j.event : j.type);
    assert.deepEqual(types.slice(0, 3), ['response', 'state_batch', 'readings_batch'], 'response first, then the snapshots');
  } finally {
    await client.close();
  }
});

test('5.x with trackMessageLength: open, subscribe, snapshot, update decoded', async () => {
  sub = await new Atmosphere({ logLevel: 'silent' }).subscribe({
    url: sim.subscriptionHttpUrl(),
    transport: 'websocket',
    contentType: 'application/json',
    enableProtocol: true,
    trackMessageLength: true,
    reconnect: false,
  }, {
    open: (r) => { internalRequest = r.request; log.add('open', true); },
    message: (r) => log.add('message', r.responseBody),
    error: (e) => log.add('error', String(e && e.message || e)),
    close: (r) => log.add('close', r.status),
  });
  await log.waitFor('open', () => true, { what: 'open after a prefixed handshake' });
  const rec = wire.sockets[wire.sockets.length - 1];
  assert.match(rec.url, /X-Atmosphere-TrackMessageSize=true/);
  const hs = decodePrefixed(rec.received[0]);
  assert.ok(parseHandshake(hs[0]), `prefixed handshake ${JSON.stringify(rec.received[0])}`);

  const from = log.length;
  sub.push({ action: 'subscribe', hash, requests });
  const resp = await log.waitJson((j) => j.type === 'response', { from, what: 'response' });
  assert.deepEqual(resp.json.events, ['state_batch', 'readings_batch']);
  const sb = await log.waitJson(isEvent('state_batch'), { from, what: 'snapshot' });
  assert.deepEqual(sortNum(batchSourceIds(sb.json)), sortNum(fleet.map((t) => t.source_id)));

  const mark = log.length;
  await sim.tick(fleet[0].id, 1);
  await log.waitJson((j) => isEvent('state_batch')(j) && batchSourceIds(j).includes(fleet[0].source_id), { from: mark, what: 'update' });

  await sleep(HB_MS * 3);
  assert.ok(rec.received.filter((f) => f === '1|X').length >= 1, 'prefixed heartbeats on the wire');
  const bad = log.of('message').map((e) => e.value).filter((b) => tryJson(b) === undefined);
  assert.deepEqual(bad, [], 'no heartbeat, handshake or prefix delivered as data');
  assert.equal(log.of('error').length, 0);
  assert.equal((await sim.stats()).errors_sent, 0, 'client X heartbeats swallowed');
});

test('5.x with trackMessageLength: non-ASCII, astral and "|" payloads decoded exactly (UTF-16 length)', async () => {
  assert.ok(sub);
  const rec = wire.sockets[wire.sockets.length - 1];
  const probe = JSON.stringify({ type: 'event', event: 'conformance_probe', data: 'äö € 😀 𝄞 |x|y| end' });
  const big = JSON.stringify({ type: 'event', event: 'conformance_big', data: 'ü😀'.repeat(20000) });
  for (const body of [probe, big]) {
    const from = log.length;
    await sim.admin('inject', { kind: 'prefixed' }, { body });
    const got = await log.waitFor('message', (b) => typeof b === 'string' && b.startsWith(body.slice(0, 40)), { from, timeout: 3000, what: 'the injected probe' });
    sameString(got.value, body, 'the message atmosphere.js delivered');
  }
  const onWire = rec.received.find((f) => typeof f === 'string' && f.includes('conformance_probe'));
  assert.equal(onWire, `${probe.length}|${probe}`, `wire frame is "<utf16 len>|payload" (UTF-8 bytes would be ${Buffer.byteLength(probe)})`);
  const bigWire = rec.received.find((f) => typeof f === 'string' && f.includes('conformance_big'));
  sameString(bigWire, `${big.length}|${big}`, 'big wire frame');
});
