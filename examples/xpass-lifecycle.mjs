// xpass lifecycle: a billing service issues per-epoch shares of a connection secret; two Xlink
// agents wrapped with withBilling exchange messages only while the connection is paid.
// Library level (billing service in-process, injected clock). Imports the BUILT packages.
import assert from 'node:assert/strict';
import { Agent, LoopbackTransport, MemoryNonceStore, MemoryTrustRegistry } from '@xorida/agent-sdk';
import {
  AuditChain,
  BillingService,
  createConnection,
  decryptWithShares,
  encryptWithConnectionSecret,
  inProcessBillingClient,
  reconstructSecret,
  verifyAuditLog,
  withBilling,
} from '@xorida/xpass';

const DAY = 86_400_000;
const must = (r) => {
  if (!r.ok)
    throw new Error(
      `${r.error.code}${r.error.subCode ? `:${r.error.subCode}` : ''} ${r.error.message}`,
    );
  return r.value;
};

// 1. The product docs' shape: createConnection returns both shares (library use only).
const docs = must(await createConnection('did:key:z6MkAgentA', 'did:key:z6MkAgentB', 'xlink'));
const secret = must(reconstructSecret(docs.share1, docs.share2));
const ct = must(encryptWithConnectionSecret(secret, new TextEncoder().encode('Hello, Agent B')));
const pt = must(decryptWithShares(docs.share1, docs.share2, ct));
assert.equal(new TextDecoder().decode(pt), 'Hello, Agent B');
console.log(
  `docs flow: connection ${docs.connectionId.slice(0, 16)}..., ${ct.length}-byte ciphertext decrypted`,
);

// 2. A billing service with an audit chain and a controllable clock.
let now = Math.floor(Date.now() / DAY) * DAY + 3_600_000;
const clock = () => now;
const seed = crypto.getRandomValues(new Uint8Array(32));
const lines = [];
let svc;
const audit = new AuditChain({
  sign: (m) => svc.signBytes(m),
  headEvery: 1,
  sink: (l) => lines.push(l),
  now: clock,
});
svc = must(BillingService.create({ signingSeed: seed, audit, now: clock }));

// 3. Two agents; each fetches its own share with a DID-signed, challenged request.
const registry = new MemoryTrustRegistry();
const transport = new LoopbackTransport();
const alice = await Agent.quickstart({ name: 'Alice', registry, transport });
const bob = await Agent.quickstart({ name: 'Bob', registry, transport });
const client = inProcessBillingClient(svc, new MemoryNonceStore());
const A = must(withBilling(alice, { billingServer: client, now: clock }));
const B = must(withBilling(bob, { billingServer: client, now: clock }));
const conn = must(await svc.createConnection(alice.did, bob.did, 'xlink', { distribute: false }));
console.log(`connection ${conn.connectionId.slice(0, 16)}... ${conn.status}`);

let delivered = 0;
async function pump() {
  const got = [];
  while (delivered < transport.outbox.length) {
    const env = transport.outbox[delivered];
    const to = transport.recipients[delivered++];
    got.push(await (to === alice.did ? A : B).receive(env));
  }
  return got;
}

// 4. Paid: the first send hands over Alice's share; Bob answers with his; the payload follows.
assert.equal(
  must(await A.send({ to: bob.did, payload: { text: 'invoice #1' }, scope: 'chat' })).queued,
  true,
);
let got = (await pump()).map((r) => must(r).payload);
assert.deepEqual(got, [null, null, { text: 'invoice #1' }]);
console.log('paid: Bob received', JSON.stringify(got[2]));

// 5. Suspended: this epoch still works (the bypass window), the next epoch's share is refused.
must(await svc.suspend(conn.connectionId, 'payment_failed'));
must(await A.send({ to: bob.did, payload: { text: 'still this epoch' }, scope: 'chat' }));
assert.deepEqual(must((await pump())[0]).payload, { text: 'still this epoch' });
now += DAY;
let r = await A.send({ to: bob.did, payload: { text: 'next epoch' }, scope: 'chat' });
assert.equal(r.ok, false);
assert.equal(r.error.code, 'CONNECTION_SUSPENDED');
console.log('suspended: next epoch ->', r.error.code);

// 6. Grace (72 h by default): shares flow again.
must(await svc.grace(conn.connectionId, 'grace granted'));
console.log(
  'grace: checkBilling ->',
  JSON.stringify(must(await svc.checkBilling(conn.connectionId))),
);
must(await A.send({ to: bob.did, payload: { text: 'in grace' }, scope: 'chat' }));
got = (await pump()).map((x) => must(x).payload);
assert.deepEqual(got.at(-1), { text: 'in grace' });

// 7. Revoked, then reactivated.
must(await svc.revoke(conn.connectionId, 'subscription_cancelled'));
now += DAY;
r = await B.send({ to: alice.did, payload: { text: 'after revoke' }, scope: 'chat' });
assert.equal(r.ok, false);
assert.equal(r.error.code, 'CONNECTION_REVOKED');
console.log('revoked ->', r.error.code);
must(await svc.reactivate(conn.connectionId, 'paid again'));
must(await B.send({ to: alice.did, payload: { text: 'welcome back' }, scope: 'chat' }));
got = (await pump()).map((x) => must(x).payload);
assert.deepEqual(got.at(-1), { text: 'welcome back' });
console.log('reactivated: Alice received', JSON.stringify(got.at(-1)));

// 8. The audit chain verifies with only the public key, and an edit is detected.
const v = must(verifyAuditLog(lines, { publicKey: svc.publicKey, requireSignedTail: true }));
console.log(`audit: ${v.entries.length} entries: ${v.entries.map((e) => e.type).join(', ')}`);
const edited = [...lines];
edited[0] = edited[0].replace('"create"', '"revoke"');
const bad = verifyAuditLog(edited, { publicKey: svc.publicKey });
assert.equal(bad.ok, false);
console.log('audit: edited log ->', `${bad.error.code}:${bad.error.subCode}`);
console.log('xpass lifecycle: ok');
