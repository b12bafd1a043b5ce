// xpass lifecycle against the real billing server: `xpass serve` started in-process on an
// ephemeral loopback port (durable JSONL files in a temp dir), two Xlink agents wrapped with
// withBilling fetching their own shares over HTTP, the operator using the admin API, and the
// audit log verified from its file. The billing clock is injected so epochs can pass.
// Imports the BUILT packages (pnpm build first).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, LoopbackTransport, MemoryTrustRegistry } from '@xorida/agent-sdk';
import {
  createConnection,
  decryptWithShares,
  encryptWithConnectionSecret,
  reconstructSecret,
  withBilling,
} from '@xorida/xpass';
import { startBillingServer, verifyAuditFile } from '@xorida/xpass/node';

const DAY = 86_400_000;
const must = (r) => {
  if (!r.ok)
    throw new Error(
      `${r.error.code}${r.error.subCode ? `:${r.error.subCode}` : ''} ${r.error.message}`,
    );
  return r.value;
};

// 1. The original design's shape: createConnection returns both shares (library use only).
const docs = must(await createConnection('did:key:z6MkAgentA', 'did:key:z6MkAgentB', 'xlink'));
const secret = must(reconstructSecret(docs.share1, docs.share2));
const ct = must(encryptWithConnectionSecret(secret, new TextEncoder().encode('Hello, Agent B')));
assert.equal(
  new TextDecoder().decode(must(decryptWithShares(docs.share1, docs.share2, ct))),
  'Hello, Agent B',
);
console.log(
  `docs flow: connection ${docs.connectionId.slice(0, 16)}..., ${ct.length}-byte ciphertext decrypted`,
);

// 2. The billing server.
let now = Math.floor(Date.now() / DAY) * DAY + 3_600_000;
const clock = () => now;
const dataDir = mkdtempSync(join(tmpdir(), 'xpass-example-'));
const TOKEN = 'example-admin-token-0123456789';
const config = { dataDir, port: 0, adminToken: TOKEN, now: clock, auditHeadEvery: 4 };
let server = must(await startBillingServer(config));
console.log(`billing server on ${server.url}`);
const adminCall = async (method, path, body) => {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return res.json();
};

// 3. Two agents; each fetches only its own share, with a DID-signed, challenged request.
const registry = new MemoryTrustRegistry();
const transport = new LoopbackTransport();
const alice = await Agent.quickstart({ name: 'Alice', registry, transport });
const bob = await Agent.quickstart({ name: 'Bob', registry, transport });
const serverPublicKey = server.service.publicKey;
const A = must(withBilling(alice, { billingServer: server.url, serverPublicKey, now: clock }));
const B = must(withBilling(bob, { billingServer: server.url, serverPublicKey, now: clock }));
const conn = await adminCall('POST', '/connections', {
  didA: alice.did,
  didB: bob.did,
  scope: 'xlink',
});
const cid = conn.connectionId;
// A new connection is PENDING: billing stays closed until it is activated (by an operator, or
// by the payment provider's webhook).
assert.equal(conn.status, 'pending');
assert.equal(conn.activation.path, `/connections/${cid}/activate`);
console.log(`connection ${cid.slice(0, 16)}... ${conn.status}: ${conn.activation.message}`);
assert.equal(
  (await adminCall('POST', conn.activation.path, { reason: 'invoice paid' })).status,
  'active',
);
console.log(`connection ${cid.slice(0, 16)}... active (invoice paid)`);

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

// 5. Suspended: this epoch still works (the bypass window); the next epoch's share is refused.
assert.equal(
  (await adminCall('POST', `/connections/${cid}/suspend`, { reason: 'payment_failed' })).status,
  'suspended',
);
must(await A.send({ to: bob.did, payload: { text: 'still this epoch' }, scope: 'chat' }));
assert.deepEqual(must((await pump())[0]).payload, { text: 'still this epoch' });
now += DAY;
let r = await A.send({ to: bob.did, payload: { text: 'next epoch' }, scope: 'chat' });
assert.equal(r.ok, false);
assert.equal(r.error.code, 'CONNECTION_SUSPENDED');
console.log('suspended: next epoch ->', r.error.code);

// 6. Grace (72 h by default): shares flow again.
assert.equal((await adminCall('POST', `/connections/${cid}/grace`, {})).status, 'grace');
console.log(
  'grace: status ->',
  JSON.stringify(await adminCall('GET', `/connections/${cid}/status`)),
);
must(await A.send({ to: bob.did, payload: { text: 'in grace' }, scope: 'chat' }));
got = (await pump()).map((x) => must(x).payload);
assert.deepEqual(got.at(-1), { text: 'in grace' });

// 7. Revoked; the server restarts (state is on disk); reactivated.
assert.equal(
  (await adminCall('DELETE', `/connections/${cid}`, { reason: 'subscription_cancelled' })).status,
  'revoked',
);
now += DAY;
r = await B.send({ to: alice.did, payload: { text: 'after revoke' }, scope: 'chat' });
assert.equal(r.ok, false);
assert.equal(r.error.code, 'CONNECTION_REVOKED');
console.log('revoked ->', r.error.code);
await server.close();
server = must(await startBillingServer(config));
assert.equal((await adminCall('GET', `/connections/${cid}/status`)).status, 'revoked');
console.log(`restarted on ${server.url}: still revoked`);
const B2 = must(withBilling(bob, { billingServer: server.url, serverPublicKey, now: clock }));
const A2 = must(withBilling(alice, { billingServer: server.url, serverPublicKey, now: clock }));
assert.equal(
  (await adminCall('POST', `/connections/${cid}/activate`, { reason: 'paid again' })).status,
  'active',
);
must(await B2.send({ to: alice.did, payload: { text: 'welcome back' }, scope: 'chat' }));
got = [];
while (delivered < transport.outbox.length) {
  const env = transport.outbox[delivered];
  const to = transport.recipients[delivered++];
  got.push(must(await (to === alice.did ? A2 : B2).receive(env)).payload);
}
assert.deepEqual(got.at(-1), { text: 'welcome back' });
console.log('reactivated: Alice received', JSON.stringify(got.at(-1)));

// 8. The audit log verifies from its file with only the public key, against the served head.
const head = await (await fetch(`${server.url}/audit/head`)).json();
await server.close();
const v = must(
  await verifyAuditFile(join(dataDir, 'audit.jsonl'), {
    publicKey: serverPublicKey,
    expectedHead: head,
  }),
);
console.log(
  `audit: ${v.entries.length} entries, signed through seq ${v.signedThrough}: ${[...new Set(v.entries.map((e) => e.type))].join(', ')}`,
);
assert.equal(v.signedThrough, v.entries.length - 1);
assert.ok(readFileSync(join(dataDir, 'audit.jsonl'), 'utf8').length > 0);
rmSync(dataDir, { recursive: true, force: true });
console.log('xpass lifecycle: ok');
