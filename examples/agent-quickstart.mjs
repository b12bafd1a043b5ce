// "Alice and Bob: Peer-to-Peer Messaging" pattern: two agents, one in-memory registry and
// loopback transport, a message and a reply. Each side verifies signature, scope, replay and
// decrypts (v2: X-Wing hybrid KEM + AES-256-GCM, Ed25519 signature).
import assert from 'node:assert/strict';
import { Agent, LoopbackTransport, MemoryTrustRegistry } from '@xorida/agent-sdk';

const registry = new MemoryTrustRegistry();
const transport = new LoopbackTransport();
const alice = await Agent.quickstart({ name: 'Alice', registry, transport });
const bob = await Agent.quickstart({ name: 'Bob', registry, transport });
console.log(`Alice DID: ${alice.did}`);
console.log(`Bob DID:   ${bob.did}`);

const sent = await alice.send({
  to: bob.did,
  payload: { type: 'greeting', text: 'Hello Bob!' },
  scope: 'chat',
});
assert.ok(sent.ok, sent.ok ? '' : sent.error.code);
const got = await bob.receive(transport.outbox[0]);
assert.ok(got.ok, got.ok ? '' : got.error.code);
assert.equal(got.value.sender, alice.did);
assert.deepEqual(got.value.payload, { type: 'greeting', text: 'Hello Bob!' });
console.log(
  `Bob got v${sent.value.version} from ${got.value.sender.slice(0, 24)}…, scope ${got.value.scope}:`,
  got.value.payload,
);

const replied = await bob.send({
  to: alice.did,
  payload: { type: 'response', text: 'Hi Alice!' },
  scope: 'chat',
});
assert.ok(replied.ok);
const reply = await alice.receive(transport.outbox[1]);
assert.ok(reply.ok && reply.value.payload.text === 'Hi Alice!');
console.log(`Alice got: ${reply.value.payload.text}`);

const again = await bob.receive(transport.outbox[0]);
assert.ok(!again.ok && again.error.code === 'REPLAY_DETECTED');
console.log(`the same envelope a second time -> ${again.error.code}`);
