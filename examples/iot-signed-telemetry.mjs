// "IoT Composable Pattern" and "Signed-Only Telemetry": a sensor's identity comes
// from a factory-burned 32-byte seed (same seed, same DID), readings travel in signed-only
// envelopes (integrity and origin, NOT confidentiality), and the gateway accepts them only with
// allowCleartext: true.
import assert from 'node:assert/strict';
import {
  Agent,
  createSignedEnvelope,
  envelopeToJson,
  identityFromSeed,
  LoopbackTransport,
  MemoryTrustRegistry,
} from '@xorida/agent-sdk';

const registry = new MemoryTrustRegistry();
const transport = new LoopbackTransport();
const gateway = await Agent.create({ name: 'gateway', registry, transport });
assert.ok(gateway.ok);

const factorySeed = new Uint8Array(32).fill(7); // burned in at the factory; here a fixed demo value
const sensor = await Agent.fromSeed(factorySeed, {
  name: 'sensor-0042',
  registry,
  transport,
  scopes: ['telemetry'],
});
assert.ok(sensor.ok, sensor.ok ? '' : sensor.error.code);
const again = identityFromSeed(factorySeed);
assert.ok(again.ok && again.value.did === sensor.value.did);
console.log(`sensor DID from its seed (stable across reboots): ${sensor.value.did}`);

const reading = new TextEncoder().encode(JSON.stringify({ temp: 22.5, unit: 'C' }));
const env = createSignedEnvelope({
  identity: again.value,
  recipientDid: gateway.value.did,
  scope: 'telemetry',
  plaintext: reading,
});
assert.ok(env.ok, env.ok ? '' : env.error.code);
const json = envelopeToJson(env.value);

const strict = await gateway.value.receive(json);
assert.ok(!strict.ok);
console.log(
  `gateway without allowCleartext -> ${strict.error.code}${strict.error.subCode ? `:${strict.error.subCode}` : ''}`,
);

// A changed field breaks the signature (checked before the nonce is recorded).
const tampered = { ...json, timestamp: json.timestamp + 1 };
const bad = await gateway.value.receive(tampered, { allowCleartext: true });
assert.ok(
  !bad.ok && bad.error.code === 'VERIFICATION_FAILED',
  bad.ok ? 'accepted' : bad.error.code,
);
console.log(
  `tampered telemetry -> ${bad.error.code}${bad.error.subCode ? `:${bad.error.subCode}` : ''}`,
);

const msg = await gateway.value.receive(json, { allowCleartext: true });
assert.ok(msg.ok, msg.ok ? '' : msg.error.code);
const value = JSON.parse(new TextDecoder().decode(msg.value.payload));
assert.equal(value.temp, 22.5);
console.log(
  `gateway with allowCleartext verified ${msg.value.sender.slice(0, 24)}…: ${JSON.stringify(value)}`,
);

const replayed = await gateway.value.receive(json, { allowCleartext: true });
assert.ok(!replayed.ok && replayed.error.code === 'REPLAY_DETECTED');
console.log(`the same reading again -> ${replayed.error.code}`);
