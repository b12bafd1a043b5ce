// connect(): registry service name, signed .well-known discovery on a local server, refusal of
// unsigned / badly signed documents; sending through the returned agent.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Agent,
  connect,
  createDiscoveryDocument,
  createInvite,
  generateIdentity,
  HttpsTransportAdapter,
  HttpTrustRegistry,
  keyDocumentToJson,
  RelayClient,
  verifyDiscoveryDocument,
} from '../../src/index.js';
import { keystoreIdentityStore, loadKeystore } from '../../src/node/index.js';
import { createXlinkServer } from './connect-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'xlink-connect-'));
let base = '';
let close: () => Promise<void>;
let wellKnown: Server;
let wkBase = '';
let doc: unknown = {};
let payments: Agent;
let paymentsId: ReturnType<typeof generateIdentity>;

beforeAll(async () => {
  const s = await createXlinkServer(root);
  base = s.url;
  close = s.close;
  const id = generateIdentity();
  paymentsId = id;
  if (!id.ok) throw new Error('id');
  payments = Agent.fromParts({
    identity: id.value,
    name: 'payments',
    scopes: ['pay'],
    registry: new HttpTrustRegistry({ baseUrl: base, signer: id.value }),
    transport: new HttpsTransportAdapter({ baseUrl: base }),
  });
  expect((await payments.register()).ok).toBe(true);
  doc = createDiscoveryDocument({
    identity: id.value,
    keyDocument: keyDocumentToJson(payments.keyDocument),
    registry: base,
    name: 'payments',
  });
  wellKnown = createServer((req, res) => {
    if (req.url === '/.well-known/xlink.json') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(doc));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => wellKnown.listen(0, '127.0.0.1', () => r()));
  wkBase = `http://127.0.0.1:${(wellKnown.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => wellKnown.close(() => r()));
  await close();
  rmSync(root, { recursive: true, force: true });
});

describe('connect()', () => {
  it('tier 2: a signed .well-known/xlink.json on a local server, then send in two lines', async () => {
    const c = await connect(wkBase, { allowInsecureHttp: true, scopes: ['pay'], name: 'shop' });
    expect(c.ok, JSON.stringify(!c.ok && c.error)).toBe(true);
    if (!c.ok) return;
    expect(c.value.did).toBe(payments.did);
    expect(c.value.endpoint).toBe(base);
    const sent = await c.value.agent.send({ to: c.value.did, payload: { hi: 1 }, scope: 'pay' });
    expect(sent.ok, JSON.stringify(!sent.ok && sent.error)).toBe(true);
    const relay = new RelayClient({ baseUrl: base, signer: payments.requestSigner() });
    const pulled = await relay.pull();
    if (!pulled.ok) throw new Error('pull');
    const m = await payments.receive(pulled.value[0]!.envelope as string);
    expect(m.ok && !('status' in m.value && m.value.status === 'pending') && m.value).toMatchObject(
      { payload: { hi: 1 } },
    );
  });

  it('plain http discovery is refused without allowInsecureHttp off loopback; unsigned / bad documents are refused', async () => {
    const d = doc as Record<string, unknown>;
    const { signature, ...unsigned } = d;
    expect(verifyDiscoveryDocument(unsigned)).toMatchObject({
      ok: false,
      error: { subCode: 'UNSIGNED_DISCOVERY_DOCUMENT' },
    });
    doc = { ...d, relay: 'http://127.0.0.1:1' };
    const bad = await connect(wkBase, { allowInsecureHttp: true });
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'LOOKUP_FAILED', subCode: 'BAD_DISCOVERY_SIGNATURE' },
    });
    doc = unsigned;
    const uns = await connect(wkBase, { allowInsecureHttp: true });
    expect(uns).toMatchObject({ ok: false, error: { subCode: 'UNSIGNED_DISCOVERY_DOCUMENT' } });
    doc = { ...d, signature };
    expect((await connect('http://example.invalid')).ok).toBe(false);
  });

  it('connect(name) without scopes registers the new identity: its send is delivered', async () => {
    const id = generateIdentity();
    if (!id.ok) throw new Error('id');
    const c = await connect('payments', { registry: base, identity: id.value, name: 'shop2' });
    expect(c.ok, JSON.stringify(!c.ok && c.error)).toBe(true);
    if (!c.ok) return;
    const sent = await c.value.agent.send({ to: payments.did, payload: { n: 9 }, scope: 'pay' });
    expect(sent.ok, JSON.stringify(!sent.ok && sent.error)).toBe(true);
    const relay = new RelayClient({ baseUrl: base, signer: payments.requestSigner() });
    const pulled = await relay.pull();
    if (!pulled.ok) throw new Error('pull');
    const mine = pulled.value.filter(
      (m) => (m.envelope as { sender?: string }).sender === id.value.did,
    );
    expect(mine).toHaveLength(1);
    const m = await payments.receive(mine[0]!.envelope);
    expect(m.ok && 'payload' in m.value && m.value.payload).toEqual({ n: 9 });
    await relay.ack(pulled.value.map((x) => x.id));
  });

  it('an unregistered agent fails at send with SENDER_NOT_REGISTERED and a hint', async () => {
    const id = generateIdentity();
    if (!id.ok) throw new Error('id');
    const lone = Agent.fromParts({
      identity: id.value,
      registry: new HttpTrustRegistry({ baseUrl: base, signer: id.value }),
      transport: new HttpsTransportAdapter({ baseUrl: base }),
    });
    const r = await lone.send({ to: payments.did, payload: {}, scope: 'pay' });
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'VERIFICATION_FAILED', subCode: 'SENDER_NOT_REGISTERED' },
    });
    expect(!r.ok && r.error.hint).toContain('--scope');
  });

  it('tier 1: a service name in the configured registry; no hidden default registry', async () => {
    const c = await connect('payments', { registry: base });
    expect(c.ok && c.value.did).toBe(payments.did);
    const none = await connect('payments', { registry: undefined });
    if (!process.env.XLINK_REGISTRY_URL)
      expect(none).toMatchObject({ ok: false, error: { code: 'INVALID_OPTIONS' } });
    const missing = await connect('nobody', { registry: base });
    expect(missing).toMatchObject({ ok: false, error: { code: 'DID_NOT_IN_REGISTRY' } });
  });
});

describe('Agent.lazy', () => {
  it('with XLINK_INVITE_CODE: on first send creates and saves the identity, accepts the invite, sends', async () => {
    if (!paymentsId.ok) throw new Error('id');
    const inv = createInvite({
      identity: paymentsId.value,
      service: 'lazy',
      registry: base,
      scopes: ['pay'],
      expiresIn: 60_000,
    });
    if (!inv.ok) throw new Error('invite');
    const path = join(root, 'lazy-keystore.json');
    const prev = process.env.XLINK_INVITE_CODE;
    process.env.XLINK_INVITE_CODE = inv.value.code;
    try {
      const lazy = Agent.lazy({ name: 'lazy', identityStore: keystoreIdentityStore(path) });
      expect(lazy.did).toBeUndefined();
      const sent = await lazy.send({ to: payments.did, payload: { lazy: true }, scope: 'pay' });
      expect(sent.ok, JSON.stringify(!sent.ok && sent.error)).toBe(true);
      const ks = loadKeystore(path);
      expect(ks.ok && ks.value.file.did).toBe(lazy.did);
      // a restarted process with the same keystore: the used invite does not block it
      const again = Agent.lazy({ name: 'lazy', identityStore: keystoreIdentityStore(path) });
      expect((await again.send({ to: payments.did, payload: { n: 2 }, scope: 'pay' })).ok).toBe(
        true,
      );
      // another identity with the same (used) invite is refused
      const other = Agent.lazy({ name: 'other' });
      expect(await other.ready()).toMatchObject({ ok: false, error: { code: 'INVITE_USED' } });
    } finally {
      if (prev === undefined) delete process.env.XLINK_INVITE_CODE;
      else process.env.XLINK_INVITE_CODE = prev;
    }
  });
});
