// SPDX-License-Identifier: MIT
// Bad client input on the WebSocket: each gets the documented error frame
// code, and none of them crashes or wedges the sim.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim } from './lib/sim.mjs';
import { openAtmo, subscribeMsg, ALL } from './lib/raw.mjs';

const MAX_FRAME = 4096;
let sim, hash, client;
const batchReq = [{ type: 'state_batch', target: ALL }];

before(async () => {
  sim = await startSim({ args: ['--trackers', '3', '--max-frame', String(MAX_FRAME)] });
  hash = await sim.auth();
  ({ client } = await openAtmo(sim));
});

after(async () => {
  if (client) client.terminate();
  if (sim) await sim.stop();
});

async function answer(msg) {
  client.drain();
  client.send(msg);
  return client.expectJson((j) => j.type === 'error' || j.type === 'response', { what: `the answer to ${String(typeof msg === 'string' ? msg : JSON.stringify(msg)).slice(0, 80)}` });
}

function assertError(j, code) {
  assert.equal(j.type, 'error', `expected an error frame, got ${JSON.stringify(j).slice(0, 300)}`);
  assert.equal(typeof j.status, 'object', 'error frame has status');
  assert.equal(j.status.code, code, `status.code (${JSON.stringify(j.status)})`);
  assert.equal(typeof j.status.description, 'string');
  assert.equal(typeof j.action, 'string', 'error frame has action');
}

test('not JSON → error code 5', async () => {
  assertError(await answer('this is {not json'), 5);
});

test('JSON but not an object (array) → error code 5', async () => {
  assertError(await answer('[1,2,3]'), 5);
});

test('malformed hash (not 32 hex) → error code 3, action subscription/subscribe', async () => {
  const j = await answer(subscribeMsg('not-a-hash', batchReq));
  assertError(j, 3);
  assert.equal(j.action, 'subscription/subscribe');
});

test('missing hash → error code 3', async () => {
  assertError(await answer({ action: 'subscribe', requests: batchReq }), 3);
});

test('unknown well-formed hash → error code 4', async () => {
  assertError(await answer(subscribeMsg('0123456789abcdef0123456789abcdef', batchReq)), 4);
});

test('unknown request type → error code 7', async () => {
  assertError(await answer(subscribeMsg(hash, [{ type: 'teleport', target: ALL }])), 7);
});

test('bad rate_limit → error code 7', async () => {
  assertError(await answer(subscribeMsg(hash, [{ type: 'state_batch', target: ALL, rate_limit: 'banana' }])), 7);
});

test('unsubscribe with a malformed hash → code 3 with action subscription/unsubscribe', async () => {
  const j = await answer({ action: 'unsubscribe', hash: 'zz', requests: batchReq });
  assertError(j, 3);
  assert.equal(j.action, 'subscription/unsubscribe');
});

test('unknown fields in a request are ignored (include_components on state_batch)', async () => {
  const j = await answer(subscribeMsg(hash, [{ type: 'state_batch', target: ALL, include_components: true, whatever: 1 }]));
  assert.equal(j.type, 'response', JSON.stringify(j));
});

test('the same socket still subscribes fine after the errors', async () => {
  const j = await answer(subscribeMsg(hash, batchReq));
  assert.equal(j.type, 'response', JSON.stringify(j));
  assert.equal(Object.keys(j.data.state_batch.value).length, 3);
  await client.expectJson((x) => x.type === 'event' && x.event === 'state_batch', { what: 'snapshot' });
});

test('message larger than --max-frame → error code 9; the sim keeps serving', async () => {
  const big = JSON.stringify({ action: 'subscribe', hash, requests: batchReq, pad: 'p'.repeat(MAX_FRAME + 500) });
  client.drain();
  client.send(big);
  const j = await client.expectJson((x) => x.type === 'error', { timeout: 3000, what: 'error 9 for an oversized message' });
  assertError(j, 9);
  const stats = await sim.stats();
  assert.ok(stats.errors_sent >= 9, `errors_sent counts the 9 error frames so far (${stats.errors_sent})`);
  // A fresh client works.
  const fresh = await openAtmo(sim);
  fresh.client.send(subscribeMsg(hash, batchReq));
  const r = await fresh.client.expectJson((x) => x.type === 'response', { what: 'response on a fresh socket' });
  assert.equal(r.action, 'subscription/subscribe');
  fresh.client.terminate();
  assert.equal(sim.exitCode, undefined, 'sim still running');
});
