// End-to-end against the real registry + relay server on an ephemeral loopback port (file
// storage): two agents via the relay, owner-only pull, ack semantics, TTL, restart durability,
// HTTP error handling, rate limits, self-registration, Express middleware, enterprise fallback.

import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AgentMessage,
  ENVELOPE_MEDIA_TYPE,
  generateIdentity,
  HttpsTransportAdapter,
  HttpTrustRegistry,
  LoopbackTransport,
  MemoryNonceStore,
  MemoryTrustRegistry,
  RelayClient,
  requestSignerFromIdentity,
  signRequest,
} from '../../src/index.js';
import {
  createEnterpriseTrustRegistry,
  createRegistryAuthMiddleware,
  createRequestVerifier,
  registryRoutes,
} from '../../src/node/index.js';
import { sizeLimits } from '../../src/size-policy.js';
import { ADMIN, cleanup, post, type Running, relayAgent, startServer } from './helpers.js';

let srv: Running;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  await srv.server.close();
  cleanup(srv.dataDir);
});

function collect(agent: Awaited<ReturnType<typeof relayAgent>>, url: string) {
  const got: AgentMessage[] = [];
  const errors: string[] = [];
  const ctrl = new AbortController();
  const done = agent.listen({
    relay: url,
    signal: ctrl.signal,
    intervalMs: 20,
    onMessage: (m) => {
      got.push(m);
    },
    onError: (e) => {
      errors.push('code' in e ? `${e.code}${e.subCode ? `/${e.subCode}` : ''}` : e.message);
    },
  });
  const stop = () => {
    ctrl.abort();
    return done;
  };
  return { got, errors, stop };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('two agents via the relay', () => {
  it('exchange request and reply in both directions (v2), each verifying sender, scope and payload', async () => {
    const payments = await relayAgent(srv.url, 'payments', ['payment:notify']);
    const billing = await relayAgent(srv.url, 'billing', ['billing:confirm']);
    const p = collect(payments, srv.url);
    const b = collect(billing, srv.url);
    const sent = await payments.send({
      to: billing.did,
      payload: { txn: 'txn_1', amount: 99.5 },
      scope: 'payment:notify',
    });
    expect(sent.ok && sent.value.version).toBe(2);
    await until(() => b.got.length === 1);
    expect(b.got[0]).toMatchObject({
      sender: payments.did,
      scope: 'payment:notify',
      payload: { txn: 'txn_1', amount: 99.5 },
      version: 2,
    });
    expect(
      (await billing.send({ to: payments.did, payload: { ok: true }, scope: 'billing:confirm' }))
        .ok,
    ).toBe(true);
    await until(() => p.got.length === 1);
    expect(p.got[0]).toMatchObject({
      sender: billing.did,
      scope: 'billing:confirm',
      payload: { ok: true },
    });
    // billing may not use payments' scope: the registry grants it only billing:confirm, so the
    // send fails before anything is deposited (the receiver would refuse it the same way)
    const denied = await billing.send({
      to: payments.did,
      payload: { x: 1 },
      scope: 'payment:notify',
    });
    expect(!denied.ok && `${denied.error.code}/${denied.error.subCode}`).toBe(
      'SCOPE_DENIED/NOT_GRANTED',
    );
    // a replayed envelope is stored by the relay but rejected by the receiver
    expect(
      (await post(`${srv.url}/relay/${billing.did}`, sent.ok && sent.value.envelope)).status,
    ).toBe(202);
    await until(() => b.errors.length === 1);
    expect(b.errors[0]).toBe('REPLAY_DETECTED');
    // revoked sender
    expect(
      (
        await post(
          `${srv.url}/registry/revoke`,
          { did: payments.did, reason: 'test' },
          { authorization: `Bearer ${ADMIN}` },
        )
      ).status,
    ).toBe(200);
    await payments.send({ to: billing.did, payload: { late: true }, scope: 'payment:notify' });
    await until(() => b.errors.length === 2);
    expect(b.errors[1]).toBe('VERIFICATION_FAILED/SENDER_REVOKED');
    await p.stop();
    await b.stop();
    expect(b.got.length).toBe(1);
    // rejected envelopes were acked (dropped), so the mailbox is empty now
    const c = new RelayClient({ baseUrl: srv.url, signer: billing.requestSigner() });
    const left = await c.pull();
    expect(left.ok && left.value.length).toBe(0);
  });
});

describe('relay mailbox access and semantics', () => {
  it('only the owner can pull or ack; unsigned, wrongly signed and replayed requests are refused', async () => {
    const owner = await relayAgent(srv.url, 'owner', ['s']);
    const other = await relayAgent(srv.url, 'other', ['s']);
    await other.send({ to: owner.did, payload: { m: 1 }, scope: 's' });
    const path = `/relay/${owner.did}/pull`;
    const body = '{"limit":10}';
    // unsigned
    const u = await post(`${srv.url}${path}`, body);
    expect([u.status, u.json.error.code, u.json.error.subCode]).toEqual([
      401,
      'VERIFICATION_FAILED',
      'MISSING_SIGNATURE',
    ]);
    // signed by a non-owner
    const h = other.signRequest({ method: 'POST', path, body });
    const n = await post(`${srv.url}${path}`, body, { ...h });
    expect([n.status, n.json.error.subCode]).toEqual([403, 'WRONG_SIGNER']);
    // a non-owner claiming to be the owner cannot produce the signature
    const forged = { ...h, 'x-xlink-did': owner.did };
    const f = await post(`${srv.url}${path}`, body, forged);
    expect([f.status, f.json.error.subCode]).toEqual([401, 'BAD_REQUEST_SIGNATURE']);
    // owner: ok, then the same signed request again is a replay
    const oh = owner.signRequest({ method: 'POST', path, body });
    const ok1 = await post(`${srv.url}${path}`, body, { ...oh });
    expect(ok1.status).toBe(200);
    expect(ok1.json.messages.length).toBe(1);
    const again = await post(`${srv.url}${path}`, body, { ...oh });
    expect([again.status, again.json.error.code]).toEqual([401, 'REPLAY_DETECTED']);
    // the signature covers the body: a changed limit breaks it
    const oh2 = owner.signRequest({ method: 'POST', path, body });
    const changed = await post(`${srv.url}${path}`, '{"limit":11}', { ...oh2 });
    expect(changed.status).toBe(401);
    // stale timestamp
    const stale = signRequest(
      owner.requestSigner(),
      { method: 'POST', path, body },
      { now: Date.now() - 120_000 },
    );
    expect((await post(`${srv.url}${path}`, body, { ...stale })).json.error.code).toBe(
      'TIMESTAMP_EXPIRED',
    );
    // non-owner ack of the owner's message does nothing (it cannot even sign for that mailbox)
    const id = ok1.json.messages[0].id as string;
    const otherClient = new RelayClient({ baseUrl: srv.url, signer: other.requestSigner() });
    expect(await otherClient.ack([id])).toEqual({ ok: true, value: 0 });
    const ownerClient = new RelayClient({ baseUrl: srv.url, signer: owner.requestSigner() });
    const still = await ownerClient.pull();
    expect(still.ok && still.value.map((m) => m.id)).toEqual([id]);
  });

  it('at-least-once: unacked messages are delivered again (deliveries grows), acked ones are gone', async () => {
    const a = await relayAgent(srv.url, 'a', ['s']);
    const b = await relayAgent(srv.url, 'b', ['s']);
    await a.send({ to: b.did, payload: { n: 1 }, scope: 's' });
    await a.send({ to: b.did, payload: { n: 2 }, scope: 's' });
    const c = new RelayClient({ baseUrl: srv.url, signer: b.requestSigner() });
    const p1 = await c.pull();
    const p2 = await c.pull();
    if (!p1.ok || !p2.ok) throw new Error('pull');
    expect(p1.value.map((m) => m.deliveries)).toEqual([1, 1]);
    expect(p2.value.map((m) => m.deliveries)).toEqual([2, 2]);
    expect(await c.ack([p1.value[0]!.id])).toEqual({ ok: true, value: 1 });
    expect(await c.ack([p1.value[0]!.id])).toEqual({ ok: true, value: 0 });
    const p3 = await c.pull();
    expect(p3.ok && p3.value.map((m) => m.id)).toEqual([p1.value[1]!.id]);
  });

  it('listen(): a throwing handler gets the message again, and it is acked after success', async () => {
    const a = await relayAgent(srv.url, 'a2', ['s']);
    const b = await relayAgent(srv.url, 'b2', ['s']);
    let calls = 0;
    const seen: unknown[] = [];
    const ctrl = new AbortController();
    const done = b.listen({
      relay: srv.url,
      signal: ctrl.signal,
      intervalMs: 20,
      onMessage: (m) => {
        calls++;
        if (calls === 1) throw new Error('transient');
        seen.push(m.payload);
      },
    });
    await a.send({ to: b.did, payload: { n: 7 }, scope: 's' });
    await until(() => seen.length === 1);
    ctrl.abort();
    await done;
    expect(calls).toBe(2);
    const c = new RelayClient({ baseUrl: srv.url, signer: b.requestSigner() });
    const left = await c.pull();
    expect(left.ok && left.value.length).toBe(0);
  });

  it('long-poll: a waiting pull returns as soon as a message arrives', async () => {
    const a = await relayAgent(srv.url, 'a3', ['s']);
    const b = await relayAgent(srv.url, 'b3', ['s']);
    const c = new RelayClient({ baseUrl: srv.url, signer: b.requestSigner() });
    const t0 = Date.now();
    const pending = c.pull({ waitMs: 5000 });
    setTimeout(() => void a.send({ to: b.did, payload: { n: 1 }, scope: 's' }), 150);
    const r = await pending;
    expect(r.ok && r.value.length).toBe(1);
    expect(Date.now() - t0).toBeLessThan(4000);
  });

  it('relay POST validates: malformed, wrong recipient, bad sender signature, bad DID', async () => {
    const a = await relayAgent(srv.url, 'a4', ['s']);
    const b = await relayAgent(srv.url, 'b4', ['s']);
    const local = new LoopbackTransport();
    const sender = await relayAgent(srv.url, 'a5', ['s'], { transport: local });
    await sender.send({ to: b.did, payload: { n: 1 }, scope: 's' });
    const env = local.outbox[0]!;
    const wrongBox = await post(`${srv.url}/relay/${a.did}`, env);
    expect([wrongBox.status, wrongBox.json.error.code]).toEqual([400, 'RECIPIENT_MISMATCH']);
    const tampered = { ...env, scope: 't' };
    const t = await post(`${srv.url}/relay/${b.did}`, tampered);
    expect([t.status, t.json.error.code]).toEqual([400, 'VERIFICATION_FAILED']);
    const junk = await post(`${srv.url}/relay/${b.did}`, { typ: ENVELOPE_MEDIA_TYPE });
    expect(junk.status).toBe(400);
    expect(['ENVELOPE_INVALID', 'UNSUPPORTED_VERSION']).toContain(junk.json.error.code);
    const badDid = await post(`${srv.url}/relay/not-a-did`, env);
    expect([badDid.status, badDid.json.error.code]).toEqual([400, 'INVALID_DID']);
    const ok = await post(`${srv.url}/relay/${b.did}`, env, {
      'content-type': ENVELOPE_MEDIA_TYPE,
    });
    expect(ok.status).toBe(202);
  });
});

describe('HTTP error handling: 4xx with a code, server stays up', () => {
  it('bad JSON, oversize, unknown route, wrong media type, admin without token', async () => {
    const bad = await post(`${srv.url}/registry/register`, '{not json');
    expect([bad.status, bad.json.error.code]).toEqual([400, 'BAD_JSON']);
    const big = await post(
      `${srv.url}/relay/did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK`,
      // one byte over the size policy's encoded envelope limit (size-policy.ts, default 16 MiB payload)
      `{"x":"${'a'.repeat(sizeLimits().maxEnvelopeJsonBytes)}"}`,
    );
    expect([big.status, big.json.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const nf = await fetch(`${srv.url}/nope`);
    expect([nf.status, (await nf.json()).error.code]).toEqual([404, 'NOT_FOUND']);
    const mt = await post(`${srv.url}/registry/revoke`, 'x', { 'content-type': 'text/plain' });
    expect([mt.status, mt.json.error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const noAuth = await post(`${srv.url}/registry/revoke`, { did: 'did:key:x' });
    expect([noAuth.status, noAuth.json.error.code]).toEqual([401, 'UNAUTHORIZED']);
    const wrongAuth = await fetch(`${srv.url}/registry/list`, {
      headers: { authorization: 'Bearer wrong' },
    });
    expect(wrongAuth.status).toBe(401);
    const health = await fetch(`${srv.url}/health`);
    const h = await health.json();
    expect(h).toMatchObject({ status: 'ok', version: '0.1.0', storage: 'file' });
    expect(h.details.registry.entries).toBeGreaterThan(0);
  });

  it('rate limits per client address answer 429 RATE_LIMITED (naming another DID buys nothing)', async () => {
    const s = await startServer({ rateLimit: { max: 3, timeWindowMs: 60_000 } });
    try {
      const did = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
      const codes: number[] = [];
      for (let i = 0; i < 5; i++)
        codes.push((await fetch(`${s.url}/registry/resolve/${did}`)).status);
      expect(codes).toEqual([404, 404, 404, 429, 429]);
      const other = await fetch(`${s.url}/registry/resolve/did:key:z6MkotherDidStillHasBudget`);
      expect(other.status).toBe(429);
      expect(Number(other.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await other.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    } finally {
      await s.server.close();
      cleanup(s.dataDir);
    }
  });
});

describe('registry', () => {
  it('self-registration is limited to the configured scopes; admin registration is not', async () => {
    const s = await startServer({ selfRegistration: { scopes: ['chat'] } });
    try {
      const id = generateIdentity();
      if (!id.ok) throw new Error('id');
      const self = new HttpTrustRegistry({
        baseUrl: s.url,
        signer: requestSignerFromIdentity(id.value),
      });
      const { createKeyDocument } = await import('../../src/index.js');
      const doc = createKeyDocument(id.value);
      if (!doc.ok) throw new Error('doc');
      const denied = await self.register({ keyDocument: doc.value, scopes: ['admin:*'] });
      expect(!denied.ok && denied.error.subCode).toBe('SCOPE_NOT_SELF_REGISTRABLE');
      const okReg = await self.register({ keyDocument: doc.value, scopes: ['chat'] });
      expect(okReg.ok).toBe(true);
      // someone else cannot self-register a DID they do not hold
      const id2 = generateIdentity();
      if (!id2.ok) throw new Error('id');
      const doc2 = createKeyDocument(id2.value);
      if (!doc2.ok) throw new Error('doc');
      const impostor = await self.register({ keyDocument: doc2.value, scopes: ['chat'] });
      expect(!impostor.ok && impostor.error.subCode).toBe('WRONG_SIGNER');
      const admin = new HttpTrustRegistry({ baseUrl: s.url, authToken: ADMIN });
      expect((await admin.register({ keyDocument: doc2.value, scopes: ['admin:*'] })).ok).toBe(
        true,
      );
      const list = await admin.list();
      expect(list.ok && list.value.length).toBe(2);
      const r = await new HttpTrustRegistry({ baseUrl: s.url }).resolve(id2.value.did);
      expect(r.ok && r.value.scopes).toEqual(['admin:*']);
    } finally {
      await s.server.close();
      cleanup(s.dataDir);
    }
  });

  it('createRegistryAuthMiddleware: GET public, writes need the bearer token', async () => {
    const app = express();
    app.use('/registry', createRegistryAuthMiddleware('tok'));
    app.all('/registry/*', (_req, res) => {
      res.json({ reached: true });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${base}/registry/resolve/x`)).status).toBe(200);
      const w = await post(`${base}/registry/register`, {});
      expect([w.status, w.json.error.code]).toEqual([401, 'UNAUTHORIZED']);
      expect(
        (await post(`${base}/registry/register`, {}, { authorization: 'Bearer tok' })).status,
      ).toBe(200);
    } finally {
      server.close();
    }
  });
});

describe('restart durability', () => {
  it('a restarted server keeps registrations and unacked messages, not acked ones', async () => {
    const s = await startServer();
    const a = await relayAgent(s.url, 'a', ['s']);
    const b = await relayAgent(s.url, 'b', ['s']);
    await a.send({ to: b.did, payload: { n: 1 }, scope: 's' });
    await a.send({ to: b.did, payload: { n: 2 }, scope: 's' });
    const c1 = new RelayClient({ baseUrl: s.url, signer: b.requestSigner() });
    const first = await c1.pull();
    if (!first.ok) throw new Error('pull');
    await c1.ack([first.value[0]!.id]);
    await s.server.close();
    const s2 = await startServer({ dataDir: s.dataDir });
    try {
      const reg = new HttpTrustRegistry({ baseUrl: s2.url });
      expect((await reg.resolve(a.did)).ok).toBe(true);
      expect((await reg.resolve(b.did)).ok).toBe(true);
      const c2 = new RelayClient({ baseUrl: s2.url, signer: b.requestSigner() });
      const left = await c2.pull();
      expect(left.ok && left.value.map((m) => m.id)).toEqual([first.value[1]!.id]);
    } finally {
      await s2.server.close();
      cleanup(s.dataDir);
    }
  });

  it('TTL: messages older than relayTtlMs are not delivered', async () => {
    const s = await startServer({ relayTtlMs: 2000 });
    try {
      const a = await relayAgent(s.url, 'a', ['s']);
      const b = await relayAgent(s.url, 'b', ['s']);
      await a.send({ to: b.did, payload: { n: 1 }, scope: 's' });
      const c = new RelayClient({ baseUrl: s.url, signer: b.requestSigner() });
      const now = await c.pull();
      if (!now.ok) throw new Error(now.error.message);
      expect(now.value.length).toBe(1);
      const m = now.value[0]!;
      expect(m.expiresAt - m.receivedAt).toBe(2000);
      await new Promise((r) => setTimeout(r, Math.max(0, m.expiresAt - Date.now()) + 100));
      const later = await c.pull();
      expect(later.ok && later.value.length).toBe(0);
    } finally {
      await s.server.close();
      cleanup(s.dataDir);
    }
  });
});

describe('HttpsTransportAdapter', () => {
  it('typed failures: NETWORK_ERROR when nothing listens, SEND_FAILED with the server code, retries on 5xx', async () => {
    const dead = new HttpsTransportAdapter({
      baseUrl: 'http://127.0.0.1:9',
      retries: 1,
      backoffMs: 5,
      timeoutMs: 500,
    });
    const r = await dead.send({} as never, 'did:key:x');
    expect(!r.ok && r.error.code).toBe('NETWORK_ERROR');
    let hits = 0;
    const app = express();
    app.post('/relay/:did', (_req, res) => {
      hits++;
      if (hits < 3) res.status(503).json({ error: { code: 'STORAGE_FAILED' } });
      else res.status(202).json({ id: 'x' });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((res) => server.once('listening', res));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const t = new HttpsTransportAdapter({ baseUrl: base, retries: 2, backoffMs: 5 });
      expect((await t.send({} as never, 'did:key:x')).ok).toBe(true);
      expect(hits).toBe(3);
      hits = 0;
      const t0 = new HttpsTransportAdapter({ baseUrl: base, retries: 0 });
      const f = await t0.send({} as never, 'did:key:x');
      expect(!f.ok && [f.error.code, f.error.subCode]).toEqual(['SEND_FAILED', 'STORAGE_FAILED']);
    } finally {
      server.close();
    }
    expect(() => new HttpsTransportAdapter({ baseUrl: 'http://relay.example.com' })).toThrow(
      TypeError,
    );
  });
});

describe('clients behind a path prefix', () => {
  it('HttpTrustRegistry, RelayClient and HttpsTransportAdapter keep the base path once', async () => {
    const seen: string[] = [];
    const fakeFetch = (async (url: string | URL | Request) => {
      seen.push(String(url));
      return new Response(JSON.stringify({ messages: [], acked: 0 }), { status: 404 });
    }) as typeof fetch;
    const base = 'http://127.0.0.1:1/xlink';
    const did = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    await new HttpTrustRegistry({ baseUrl: base, fetch: fakeFetch, retries: 0 }).resolve(did);
    const id = generateIdentity();
    if (!id.ok) throw new Error('id');
    await new RelayClient({ baseUrl: base, signer: id.value, fetch: fakeFetch, retries: 0 }).pull();
    await new HttpsTransportAdapter({ baseUrl: base, fetch: fakeFetch, retries: 0 }).send(
      {} as never,
      did,
    );
    expect(seen).toEqual([
      `${base}/registry/resolve/${encodeURIComponent(did)}`,
      `${base}/relay/${encodeURIComponent(id.value.did)}/pull`,
      `${base}/relay/${encodeURIComponent(did)}`,
    ]);
  });
});

describe('agent.middleware() with Express', () => {
  it('sets req.agentMessage for a valid envelope; 415 / 400 / 401 / 403 with the code otherwise', async () => {
    const local = new LoopbackTransport();
    const receiver = await relayAgent(srv.url, 'mw-recv', ['s'], { acceptScopes: ['s'] });
    const sender = await relayAgent(srv.url, 'mw-send', ['s', 'other'], { transport: local });
    const app = express();
    app.post('/inbox', receiver.middleware(), (req, res) => {
      const m = (req as unknown as { agentMessage: AgentMessage }).agentMessage;
      res.json({ from: m.sender, payload: m.payload });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/inbox`;
    const send = (body: unknown, type = ENVELOPE_MEDIA_TYPE) =>
      post(base, body, { 'content-type': type });
    try {
      await sender.send({ to: receiver.did, payload: { hi: 1 }, scope: 's' });
      const env = local.outbox[0]!;
      expect((await send(env, 'application/json')).status).toBe(415);
      const good = await send(env);
      expect([good.status, good.json]).toEqual([200, { from: sender.did, payload: { hi: 1 } }]);
      const replay = await send(env);
      expect([replay.status, replay.json.error.code]).toEqual([401, 'REPLAY_DETECTED']);
      expect((await send({ junk: true })).status).toBe(400);
      await sender.send({ to: receiver.did, payload: { hi: 2 }, scope: 'other' });
      const scoped = await send(local.outbox[1]);
      expect([scoped.status, scoped.json.error.code]).toEqual([403, 'SCOPE_DENIED']);
      // express.json() configured for the media type works too
      const app2 = express();
      app2.use(express.json({ type: ENVELOPE_MEDIA_TYPE }));
      app2.post('/inbox', receiver.middleware(), (_req, res) => {
        res.json({ ok: true });
      });
      const server2 = app2.listen(0, '127.0.0.1');
      await new Promise((r) => server2.once('listening', r));
      await sender.send({ to: receiver.did, payload: { hi: 3 }, scope: 's' });
      const r2 = await post(
        `http://127.0.0.1:${(server2.address() as AddressInfo).port}/inbox`,
        local.outbox[2],
        {
          'content-type': ENVELOPE_MEDIA_TYPE,
        },
      );
      server2.close();
      expect(r2.status).toBe(200);
      // HttpsTransportAdapter in direct mode posts straight to the peer's middleware endpoint
      const direct = await relayAgent(srv.url, 'mw-direct', ['s'], {
        transport: new HttpsTransportAdapter({ baseUrl: base, endpoint: 'direct', retries: 0 }),
      });
      const d = await direct.send({ to: receiver.did, payload: { direct: true }, scope: 's' });
      expect(d.ok).toBe(true);
      // a scope the registry does not grant the sender fails at send, before the transport
      const refused = await direct.send({ to: receiver.did, payload: { x: 1 }, scope: 'nope' });
      expect(!refused.ok && [refused.error.code, refused.error.subCode]).toEqual([
        'SCOPE_DENIED',
        'NOT_GRANTED',
      ]);
    } finally {
      server.close();
    }
  });
});

describe('createEnterpriseTrustRegistry', () => {
  it('reads HTTP first, falls back to the mirrored file when HTTP is down, and reports it', async () => {
    const s = await startServer();
    const a = await relayAgent(s.url, 'a', ['s']);
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'xlink-ent-'));
    const ent = createEnterpriseTrustRegistry({
      http: { baseUrl: s.url, authToken: ADMIN, retries: 0, timeoutMs: 1000 },
      file: { path: join(dir, 'fallback.jsonl') },
    });
    try {
      const r1 = await ent.resolve(a.did);
      expect(r1.ok).toBe(true);
      expect(ent.status().mode).toBe('http');
      const missing = await ent.resolve('did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK');
      expect(!missing.ok && missing.error.code).toBe('DID_NOT_IN_REGISTRY');
      expect(ent.status().fallbackReads).toBe(0);
      await s.server.close();
      const r2 = await ent.resolve(a.did);
      expect(r2.ok && r2.value.did).toBe(a.did);
      expect(ent.status()).toMatchObject({ mode: 'fallback', fallbackReads: 1 });
      expect(ent.status().lastHttpError).toContain('LOOKUP_FAILED');
      // writes while HTTP is down land in the file and count as partial writes
      const { createKeyDocument } = await import('../../src/index.js');
      const id = generateIdentity();
      if (!id.ok) throw new Error('id');
      const doc = createKeyDocument(id.value);
      if (!doc.ok) throw new Error('doc');
      const w = await ent.register({ keyDocument: doc.value, scopes: ['s'] });
      expect(w.ok).toBe(true);
      expect(ent.status().partialWrites).toBe(1);
      expect((await ent.file.resolve(id.value.did)).ok).toBe(true);
    } finally {
      await ent.close();
      cleanup(dir);
      cleanup(s.dataDir);
    }
  });
});

describe('parts mount on their own', () => {
  it('registryRoutes in a bare Fastify app; a registry-only server has no relay routes', async () => {
    const app = Fastify({ logger: false });
    const registry = new MemoryTrustRegistry();
    await app.register(registryRoutes, {
      registry,
      adminToken: 't',
      verifyRequest: createRequestVerifier(new MemoryNonceStore()),
    });
    const sender = await relayAgent(srv.url, 'mount', ['s']);
    await registry.register({ keyDocument: sender.keyDocument, scopes: ['s'] });
    const r = await app.inject({ method: 'GET', url: `/registry/resolve/${sender.did}` });
    expect(r.statusCode).toBe(200);
    expect(r.json().did).toBe(sender.did);
    await app.close();
    const only = await startServer({ parts: { relay: false } });
    try {
      const relay = await post(`${only.url}/relay/${sender.did}`, {});
      expect([relay.status, relay.json.error.code]).toEqual([404, 'NOT_FOUND']);
      const health = await (await fetch(`${only.url}/health`)).json();
      expect(health.details).toBeDefined();
      expect(health.details.relay).toBeUndefined();
    } finally {
      await only.server.close();
      cleanup(only.dataDir);
    }
  });
});
