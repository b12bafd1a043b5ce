// Xlink across processes: a registry + relay server, and two separate Node processes
// ("payments" and "billing") that create identities, self-register, and exchange a request and
// a reply through the relay with v2 (X-Wing hybrid KEM) envelopes. Then a replayed envelope and
// a revoked sender are rejected by the receiver. Every step asserts what it prints.
//
// Parent: node xlink-relay-demo.mjs          Child (forked): node xlink-relay-demo.mjs <role> <url>
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Agent,
  generateIdentity,
  HttpsTransportAdapter,
  HttpTrustRegistry,
  requestSignerFromIdentity,
} from '@xorida/agent-sdk';
import { createXlinkServer } from '@xorida/agent-sdk/node';

const SCOPES = { payments: 'payment:notify', billing: 'billing:confirm' };
const short = (did) => `${did.slice(0, 16)}...${did.slice(-6)}`;

if (process.argv[2] === 'payments' || process.argv[2] === 'billing')
  await child(process.argv[2], process.argv[3]);
else await parent();

async function parent() {
  const t0 = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'xlink-demo-'));
  const adminToken = 'demo-admin-token';
  const server = await createXlinkServer({
    dataDir,
    adminToken,
    // Services may register themselves (DID-signed), but only with these scopes.
    selfRegistration: { scopes: Object.values(SCOPES) },
    logger: false,
  });
  assert.ok(server.ok, server.ok ? '' : server.error.message);
  const listening = await server.value.listen({ port: 0, host: '127.0.0.1' });
  assert.ok(listening.ok);
  const url = listening.value.url;
  console.log(`registry + relay server on ${url} (data: ${dataDir})`);

  const self = fileURLToPath(import.meta.url);
  const kids = {
    payments: fork(self, ['payments', url], { stdio: 'inherit' }),
    billing: fork(self, ['billing', url], { stdio: 'inherit' }),
  };
  const inbox = { payments: [], billing: [] };
  const waiters = [];
  for (const [role, kid] of Object.entries(kids))
    kid.on('message', (m) => {
      inbox[role].push(m);
      for (const w of waiters.splice(0)) w();
    });
  const expectMsg = async (role, type) => {
    const end = Date.now() + 8000;
    for (;;) {
      const i = inbox[role].findIndex((m) => m.type === type);
      if (i >= 0) return inbox[role].splice(i, 1)[0];
      assert.ok(Date.now() < end, `timed out waiting for ${role}:${type}`);
      await new Promise((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  };

  const [p, b] = [await expectMsg('payments', 'ready'), await expectMsg('billing', 'ready')];
  kids.payments.send({ type: 'peer', did: b.did });
  kids.billing.send({ type: 'peer', did: p.did });

  // 1. request payments -> billing, reply billing -> payments, both over the relay
  kids.payments.send({ type: 'request' });
  const got = await expectMsg('billing', 'verified');
  assert.equal(got.sender, p.did);
  assert.equal(got.scope, 'payment:notify');
  assert.equal(got.version, 2);
  const reply = await expectMsg('payments', 'verified');
  assert.equal(reply.sender, b.did);
  assert.equal(reply.scope, 'billing:confirm');
  assert.equal(reply.payload.invoiceId, 'inv_2026_001');

  // 2. replay: the first envelope is posted to the relay again (the relay stores it; it cannot
  //    tell), and billing's nonce check rejects it
  kids.payments.send({ type: 'replay' });
  const replayed = await expectMsg('billing', 'rejected');
  assert.equal(replayed.code, 'REPLAY_DETECTED');

  // 3. the operator revokes payments; its next message is rejected by billing
  const admin = new HttpTrustRegistry({ baseUrl: url, authToken: adminToken });
  const revoked = await admin.revoke(p.did, 'key_compromise');
  assert.ok(revoked.ok);
  console.log(`[operator] revoked payments (${short(p.did)}), reason key_compromise`);
  kids.payments.send({ type: 'request' });
  const refused = await expectMsg('billing', 'rejected');
  assert.equal(`${refused.code}/${refused.subCode}`, 'VERIFICATION_FAILED/SENDER_REVOKED');

  for (const kid of Object.values(kids)) kid.send({ type: 'stop' });
  const codes = await Promise.all(
    Object.values(kids).map((k) => new Promise((r) => k.once('exit', (c) => r(c)))),
  );
  assert.deepEqual(codes, [0, 0]);
  const health = await (await fetch(`${url}/health`)).json();
  console.log(
    `relay health: ${health.status}, ${health.details.registry.entries} registered DIDs, ${health.details.relay.messages} messages waiting`,
  );
  await server.value.close();
  rmSync(dataDir, { recursive: true, force: true });
  console.log(`xlink relay demo done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

async function child(role, url) {
  const log = (s) => console.log(`[${role}] ${s}`);
  const id = generateIdentity();
  assert.ok(id.ok);
  const agent = Agent.fromParts({
    identity: id.value,
    name: `${role}-service`,
    scopes: [SCOPES[role]],
    // reads are public; this identity signs its own registration (no admin token here)
    registry: new HttpTrustRegistry({ baseUrl: url, signer: requestSignerFromIdentity(id.value) }),
    transport: new HttpsTransportAdapter({ baseUrl: url }),
  });
  const reg = await agent.register();
  assert.ok(reg.ok, reg.ok ? '' : `${reg.error.code}: ${reg.error.message}`);
  log(`pid ${process.pid}, identity ${short(agent.did)}, registered with scope ${SCOPES[role]}`);

  let peer;
  let firstEnvelope;
  const stop = new AbortController();
  const listening = agent.listen({
    relay: url,
    signal: stop.signal,
    waitMs: 2000, // long-poll: the relay answers as soon as a message arrives
    onMessage: async (m) => {
      log(
        `verified v${m.version} from ${short(m.sender)} scope ${m.scope}: ${JSON.stringify(m.payload)}`,
      );
      process.send({
        type: 'verified',
        sender: m.sender,
        scope: m.scope,
        version: m.version,
        payload: m.payload,
      });
      if (role === 'billing') {
        const r = await agent.send({
          to: m.sender,
          payload: { status: 'recorded', invoiceId: 'inv_2026_001', txn: m.payload.transactionId },
          scope: 'billing:confirm',
        });
        assert.ok(r.ok, r.ok ? '' : r.error.code);
        log(`replied with scope billing:confirm (v${r.value.version})`);
      }
    },
    onError: (e) => {
      if (!('code' in e)) return log(`handler error: ${e.message}`);
      log(`rejected envelope: ${e.code}${e.subCode ? `/${e.subCode}` : ''} (${e.message})`);
      process.send({ type: 'rejected', code: e.code, subCode: e.subCode });
    },
  });
  process.send({ type: 'ready', did: agent.did });

  process.on('message', async (m) => {
    if (m.type === 'peer') peer = m.did;
    else if (m.type === 'request') {
      const r = await agent.send({
        to: peer,
        payload: { transactionId: 'txn_abc123', amount: 99.5, currency: 'USD' },
        scope: 'payment:notify',
      });
      if (r.ok) {
        firstEnvelope ??= r.value.envelope;
        log(`sent payment:notify to ${short(peer)} via the relay (v${r.value.version} envelope)`);
      } else log(`send failed: ${r.error.code}`);
    } else if (m.type === 'replay') {
      const res = await fetch(`${url}/relay/${peer}`, {
        method: 'POST',
        headers: { 'content-type': 'application/xlink-envelope+json' },
        body: JSON.stringify(firstEnvelope),
      });
      log(`re-posted the first envelope to the relay (HTTP ${res.status}) as a replay`);
    } else if (m.type === 'stop') {
      stop.abort();
      await listening;
      process.exit(0);
    }
  });
}
