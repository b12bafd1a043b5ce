// agent-sdk split-channel: a 2-of-3 message over three independent transports, one of which is
// down. The send still succeeds (2 shares accepted >= threshold 2), the receiver gets `pending`
// after the first share and the message after the second; then Xchange over the same channels.
// Imports the BUILT package: run `pnpm build` first.
import assert from 'node:assert/strict';
import { Agent, isPendingShares, LoopbackTransport, MemoryTrustRegistry } from '@xorida/agent-sdk';

/** A channel that is down: refuses every envelope. */
const downChannel = {
  async send() {
    return {
      ok: false,
      error: { code: 'NETWORK_ERROR', message: 'channel 2 is down', hint: 'retry later' },
    };
  },
};

const registry = new MemoryTrustRegistry();
const channels = [new LoopbackTransport(), downChannel, new LoopbackTransport()];
const warnings = [];
const logger = { warn: (event) => warnings.push(event) };
const alice = await Agent.quickstart({ name: 'Alice', registry, transport: channels, logger });
const bob = await Agent.quickstart({ name: 'Bob', registry, transport: new LoopbackTransport() });

// amount above the default threshold (10 000): the `auto` policy escalates to 2-of-3
const sent = await alice.send({
  to: bob.did,
  payload: { action: 'transfer', amount: 500_000, currency: 'EUR' },
  scope: 'payments',
});
assert.ok(sent.ok, sent.ok ? '' : `${sent.error.code}:${sent.error.subCode}`);
const { split, security } = sent.value;
console.log(
  `policy: ${security.level} (${security.reason}) -> ${split.k}-of-${split.n} split, groupId ${split.groupId}`,
);
console.log(
  `delivered shares ${split.delivered.join(', ')}; failed: ${split.failed
    .map((f) => `share ${f.index} via transport ${f.transport} (${f.code})`)
    .join(', ')}`,
);
assert.equal(security.level, 'high');
assert.deepEqual(split.delivered, [0, 2]);
assert.deepEqual(split.failed, [{ index: 1, transport: 1, code: 'NETWORK_ERROR' }]);
assert.deepEqual(warnings, [], 'three transports for three shares: no routing warning');

// What each live channel carried: one share envelope, encrypted and signed on its own.
const fromCh0 = channels[0].outbox[0];
const fromCh2 = channels[2].outbox[0];
assert.ok(!JSON.stringify(fromCh0).includes('500000'));

const first = await bob.receive(fromCh2);
assert.ok(first.ok && isPendingShares(first.value));
console.log(`bob after channel 3: pending (${first.value.received} of ${first.value.threshold})`);
const second = await bob.receive(fromCh0);
assert.ok(second.ok && !isPendingShares(second.value));
console.log(
  `bob after channel 1: message from ${second.value.sender.slice(0, 20)}... scope ${second.value.scope}, shares ${second.value.split.indices.join('+')}:`,
  second.value.payload,
);
assert.deepEqual(second.value.payload, { action: 'transfer', amount: 500_000, currency: 'EUR' });

// Two channels down: below the threshold, the send fails and says which shares failed.
const worse = await Agent.quickstart({
  registry,
  transport: [new LoopbackTransport(), downChannel, downChannel],
  logger,
});
const failed = await worse.send({
  to: bob.did,
  payload: { n: 1 },
  scope: 'chat',
  security: 'high',
});
assert.ok(!failed.ok);
console.log(
  `two channels down: ${failed.error.code}:${failed.error.subCode} (${failed.error.message})`,
);
assert.equal(`${failed.error.code}:${failed.error.subCode}`, 'SEND_FAILED:BELOW_THRESHOLD');

// Xchange (both sides opt in): the payload is encrypted once, only the key is split.
const live = [new LoopbackTransport(), new LoopbackTransport(), new LoopbackTransport()];
const xa = await Agent.quickstart({ registry, transport: live, xchange: true });
const xb = await Agent.quickstart({ registry, transport: new LoopbackTransport(), xchange: true });
const xs = await xa.send({
  to: xb.did,
  payload: { temp: 22.5 },
  scope: 'telemetry',
  xchange: true,
});
assert.ok(xs.ok);
let message;
for (const ch of live) {
  const r = await xb.receive(ch.outbox[0]);
  assert.ok(r.ok);
  if (!isPendingShares(r.value)) message = r.value;
}
console.log(`xchange ${xs.value.split.k}-of-${xs.value.split.n}:`, message.payload);
assert.deepEqual(message.payload, { temp: 22.5 });
console.log('split-channel example OK');
