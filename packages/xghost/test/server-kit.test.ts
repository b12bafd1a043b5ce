// The servers built on the agent-sdk server kit (xlink, xpass, xghost, the modelguard storage
// node), tested from the
// outside on ephemeral loopback ports: one error body for every kind of bad request, OpenAPI 3
// documents that validate and list every route, and per-DID limits that only a verified
// signature can spend (floods naming a paying DID leave its genuine requests alone).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { generateIdentity } from '@xorida/agent-sdk';
import { createXlinkServer, registeredRoutes } from '@xorida/agent-sdk/node';
import { createNodeServer } from '@xorida/modelguard/node';
import { BillingService, createShareRequest } from '@xorida/xpass';
import { startBillingServer } from '@xorida/xpass/node';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import {
  billingFromService,
  billingScope,
  createGhost,
  ghostBuild,
  SHARE_REQUEST_PATH,
  startGhostServer,
} from '../src/node/index.js';
import { customerAgent, EXPORTS, enc, SOURCE, vendorIdentity } from './helpers.js';

const ADMIN = 'kit-test-admin-token-0123456789';
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});
async function tempDir(name: string) {
  const d = await mkdtemp(join(tmpdir(), `kit-${name}-`));
  cleanups.push(() => rm(d, { recursive: true, force: true }));
  return d;
}
function identity() {
  const id = generateIdentity();
  if (!id.ok) throw new Error(id.error.message);
  return id.value;
}

interface Limits {
  address: number;
  did: number;
}
interface Running {
  name: string;
  url: string;
  app: FastifyInstance;
}

async function xlink(limits: Limits): Promise<Running> {
  const s = await createXlinkServer({
    dataDir: await tempDir('xlink'),
    adminToken: ADMIN,
    selfRegistration: true,
    logger: false,
    rateLimit: { max: limits.address, timeWindowMs: 60_000 },
  });
  if (!s.ok) throw new Error(s.error.message);
  const l = await s.value.listen({ port: 0 });
  if (!l.ok) throw new Error(l.error.message);
  cleanups.push(() => s.value.close());
  return { name: 'xlink', url: l.value.url, app: s.value.app };
}

async function xpass(limits: Limits) {
  const s = await startBillingServer({
    dataDir: await tempDir('xpass'),
    port: 0,
    adminToken: ADMIN,
    logger: false,
    rateLimit: limits.did,
    addressRateLimit: limits.address,
    stripeWebhookSecret: 'whsec_kit_test_secret',
  });
  if (!s.ok) throw new Error(s.error.message);
  cleanups.push(() => s.value.close());
  return { name: 'xpass', url: s.value.url, app: s.value.app, server: s.value };
}

const vendor = vendorIdentity();
async function xghost(limits: Limits) {
  const b = ghostBuild({ source: enc(SOURCE), exports: EXPORTS, vendor });
  if (!b.ok) throw new Error(b.error.message);
  const svc = BillingService.create();
  if (!svc.ok) throw new Error(svc.error.message);
  const customer = customerAgent();
  const conn = await svc.value.createConnection(
    vendor.did,
    customer.did,
    billingScope(b.value.manifest.bundleId),
    { status: 'active', distribute: false },
  );
  if (!conn.ok) throw new Error(conn.error.message);
  const s = await startGhostServer({
    vendor,
    bundles: [{ manifest: b.value.manifest, vendorShare: b.value.shares[1]! }],
    billing: billingFromService(svc.value),
    dataDir: await tempDir('xghost'),
    port: 0,
    logger: false,
    rateLimit: { limit: limits.did },
    addressRateLimit: limits.address,
  });
  if (!s.ok) throw new Error(s.error.message);
  cleanups.push(() => s.value.close());
  return {
    name: 'xghost',
    url: s.value.url,
    app: s.value.app,
    customer,
    manifest: b.value.manifest,
    customerShare: b.value.shares[0]!,
  };
}

async function modelguardNode(limits: Limits): Promise<Running> {
  const s = await createNodeServer({
    dir: await tempDir('modelguard'),
    rateLimit: { max: limits.address, timeWindowMs: 60_000 },
  });
  if (!s.ok) throw new Error(s.error.message);
  const l = await s.value.listen({ port: 0 });
  if (!l.ok) throw new Error(l.error.message);
  cleanups.push(() => s.value.close());
  return { name: 'modelguard-node', url: l.value.url, app: s.value.app };
}

// The modelguard node's one JSON-bodied route: the commit of an upload (signed, like all).
const MG_COMMIT = '/v1/uploads/0123456789abcdef0123456789abcdef/commit';

interface Sent {
  status: number;
  retryAfter: string | null;
  body: unknown;
}
async function send(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Sent> {
  const res = await fetch(url, { method: init.method ?? 'GET', ...init });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body };
}
function expectErrorShape(r: Sent, label: string) {
  expect(r.status, label).toBeGreaterThanOrEqual(400);
  expect(r.status, label).toBeLessThan(500);
  const e = (r.body as { error?: { code?: unknown; message?: unknown } }).error;
  expect(typeof e?.code, `${label}: ${JSON.stringify(r.body)}`).toBe('string');
  expect(e?.code, label).toMatch(/^[A-Z][A-Z0-9_]+$/);
  expect(typeof e?.message, label).toBe('string');
  expect(JSON.stringify(r.body), label).not.toMatch(/FST_ERR|statusCode|\bat .*\.(js|ts):\d+/);
}

const json = { 'content-type': 'application/json' };
const bigBody = JSON.stringify({ pad: 'x'.repeat(400 * 1024) });

describe('every server answers every kind of bad request with 4xx and { error: { code } }', async () => {
  const owner = identity();
  const forged = (path: string) => ({
    ...json,
    'x-xlink-did': owner.did,
    'x-xlink-timestamp': String(Date.now()),
    'x-xlink-nonce': 'AAAAAAAAAAAAAAAAAAAAAA',
    'x-xlink-signature': 'A'.repeat(86),
    'x-path': path,
  });
  const servers = [
    {
      s: await xlink({ address: 25, did: 25 }),
      jsonRoute: '/registry/register',
      auth: { method: 'GET', path: '/registry/list' },
      signed: `/relay/${owner.did}/pull`,
    },
    {
      s: await xpass({ address: 25, did: 25 }),
      jsonRoute: '/connections',
      auth: { method: 'GET', path: '/connections' },
      signed: '/shares/fetch',
    },
    {
      s: await xghost({ address: 25, did: 25 }),
      jsonRoute: SHARE_REQUEST_PATH,
      auth: { method: 'POST', path: SHARE_REQUEST_PATH },
      signed: SHARE_REQUEST_PATH,
    },
    {
      s: await modelguardNode({ address: 25, did: 25 }),
      jsonRoute: MG_COMMIT,
      auth: { method: 'GET', path: '/v1/blobs' },
      signed: MG_COMMIT,
    },
  ];
  const admin = { authorization: `Bearer ${ADMIN}` };
  for (const { s, jsonRoute, auth, signed } of servers) {
    it(`${s.name}`, async () => {
      const cases: [string, () => Promise<Sent>][] = [
        ['unknown route', () => send(`${s.url}/no/such/route`)],
        [
          'bad JSON',
          () =>
            send(`${s.url}${jsonRoute}`, {
              method: 'POST',
              headers: { ...json, ...admin },
              body: '{"a":',
            }),
        ],
        [
          'empty JSON body',
          () =>
            send(`${s.url}${jsonRoute}`, {
              method: 'POST',
              headers: { ...json, ...admin },
              body: '',
            }),
        ],
        [
          'wrong content type',
          () =>
            send(`${s.url}${jsonRoute}`, {
              method: 'POST',
              headers: { 'content-type': 'text/plain', ...admin },
              body: 'hello',
            }),
        ],
        [
          'oversize body',
          () =>
            send(`${s.url}${jsonRoute}`, {
              method: 'POST',
              headers: { ...json, ...admin },
              body: bigBody,
            }),
        ],
        [
          'missing auth',
          () =>
            send(`${s.url}${auth.path}`, {
              method: auth.method,
              ...(auth.method === 'POST' ? { headers: json, body: '{}' } : {}),
            }),
        ],
        [
          'bad signature',
          () =>
            send(`${s.url}${signed}`, {
              method: 'POST',
              headers: forged(signed),
              body:
                s.name === 'xpass'
                  ? JSON.stringify({
                      v: 1,
                      connectionId: 'a'.repeat(64),
                      did: owner.did,
                      challenge: 'b'.repeat(32),
                      epoch: null,
                      ts: Date.now(),
                      signature: 'c'.repeat(128),
                    })
                  : '{}',
            }),
        ],
      ];
      if (s.name === 'xpass')
        cases.push(
          [
            'webhook: forged Stripe signature',
            () =>
              send(`${s.url}/webhooks/stripe`, {
                method: 'POST',
                headers: { ...json, 'stripe-signature': `t=1,v1=${'0'.repeat(64)}` },
                body: '{"id":"evt_1","type":"invoice.paid"}',
              }),
          ],
          [
            'webhook: no Stripe signature',
            () => send(`${s.url}/webhooks/stripe`, { method: 'POST', headers: json, body: '{}' }),
          ],
          [
            'webhook: oversize body',
            () =>
              send(`${s.url}/webhooks/stripe`, {
                method: 'POST',
                headers: { ...json, 'stripe-signature': 't=1,v1=00' },
                body: bigBody.repeat(3),
              }),
          ],
        );
      for (const [label, run] of cases) expectErrorShape(await run(), `${s.name}: ${label}`);
      // rate-limited: the address budget (25) runs out well within 40 requests
      let limited: Sent | undefined;
      for (let i = 0; i < 40 && !limited; i++) {
        const r = await send(`${s.url}${auth.path}`, {
          method: auth.method,
          ...(auth.method === 'POST' ? { headers: json, body: '{}' } : {}),
        });
        if (r.status === 429) limited = r;
      }
      expect(limited, `${s.name}: never limited`).toBeDefined();
      expectErrorShape(limited!, `${s.name}: rate-limited`);
      expect((limited!.body as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
      expect(Number(limited!.retryAfter)).toBeGreaterThan(0);
      // the health check stays reachable, in the one shape
      const h = await send(`${s.url}/health`);
      expect(h.status).toBe(200);
      expect(Object.keys(h.body as object).sort()).toEqual(
        ['details', 'status', 'storage', 'uptime', 'version'].sort(),
      );
    });
  }
});

describe('OpenAPI 3 at /openapi.json', () => {
  it('validates and lists every registered route, for every server', async () => {
    const all: Running[] = [
      await xlink({ address: 1000, did: 1000 }),
      await xpass({ address: 1000, did: 1000 }),
      await xghost({ address: 1000, did: 1000 }),
      await modelguardNode({ address: 1000, did: 1000 }),
    ];
    for (const s of all) {
      const doc = (await send(`${s.url}/openapi.json`)).body as {
        openapi: string;
        paths: Record<string, Record<string, unknown>>;
      };
      const v = await new Validator().validate(doc as never);
      expect(v.valid, `${s.name}: ${JSON.stringify(v.errors)}`).toBe(true);
      expect(doc.openapi).toMatch(/^3\./);
      const listed = Object.entries(doc.paths)
        .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
        .sort();
      const registered = registeredRoutes(s.app)
        .map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`)
        .sort();
      expect(registered.length, s.name).toBeGreaterThanOrEqual(3);
      expect(registered, s.name).toContain('GET /health');
      expect(listed, s.name).toEqual(registered);
    }
  });
});

describe('per-DID limits are spent only by verified signatures', () => {
  const flood = 30;
  it('xpass: unsigned share fetches naming a paying DID do not block its signed fetch', async () => {
    const s = await xpass({ address: 1000, did: 5 });
    const a = identity();
    const b = identity();
    const created = await send(`${s.url}/connections`, {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ didA: a.did, didB: b.did, scope: 'xlink', status: 'active' }),
    });
    expect(created.status).toBe(201);
    const cid = (created.body as { connectionId: string }).connectionId;
    const fetchShare = (sign: (m: Uint8Array) => Uint8Array) => {
      const r = createShareRequest({ connectionId: cid, did: a.did, sign });
      if (!r.ok) throw new Error(r.error.message);
      return send(`${s.url}/shares/fetch`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify(r.value.request),
      });
    };
    const junk = () => new Uint8Array(64);
    for (let i = 0; i < flood; i++) {
      const r = await fetchShare(junk);
      expect(r.status).not.toBe(429);
      expectErrorShape(r, 'forged fetch');
    }
    expect((await fetchShare(a.signing.sign)).status).toBe(200);
    // and the limit does hold for the genuine DID: 5 per window
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetchShare(a.signing.sign)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
  });

  it('xghost: forged share requests naming the customer do not block its lease', async () => {
    const s = await xghost({ address: 1000, did: 3 });
    for (let i = 0; i < flood; i++) {
      const r = await send(`${s.url}${SHARE_REQUEST_PATH}`, {
        method: 'POST',
        headers: {
          ...json,
          'x-xlink-did': s.customer.did,
          'x-xlink-timestamp': String(Date.now()),
          'x-xlink-nonce': `AAAAAAAAAAAAAAAAAAAA${String(i).padStart(2, '0')}`,
          'x-xlink-signature': 'A'.repeat(86),
        },
        body: '{}',
      });
      expect(r.status).toBe(401);
    }
    const g = await createGhost({
      manifest: s.manifest,
      customerShare: s.customerShare,
      server: s.url,
      agent: s.customer,
      vendorDid: vendor.did,
    });
    expect(g.ok, g.ok ? '' : `${g.error.code}: ${g.error.message}`).toBe(true);
    if (g.ok) g.value.dispose();
  });

  it('xlink relay: forged pulls naming a mailbox do not block its owner; rotating x-xlink-did buys nothing', async () => {
    const s = await xlink({ address: 1000, did: 1000 });
    const owner = identity();
    const path = `/relay/${owner.did}/pull`;
    for (let i = 0; i < flood; i++) {
      const r = await send(`${s.url}${path}`, {
        method: 'POST',
        headers: {
          ...json,
          'x-xlink-did': owner.did,
          'x-xlink-timestamp': String(Date.now()),
          'x-xlink-nonce': `n${i}AAAAAAAAAAAAAAAAAAAA`,
          'x-xlink-signature': 'A'.repeat(86),
        },
        body: '{}',
      });
      expect(r.status).toBe(401);
    }
    const { signRequest } = await import('@xorida/agent-sdk');
    const ok = await send(`${s.url}${path}`, {
      method: 'POST',
      headers: { ...json, ...signRequest(owner, { method: 'POST', path, body: '{}' }) },
      body: '{}',
    });
    expect(ok.status).toBe(200);

    const small = await xlink({ address: 5, did: 5 });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await send(`${small.url}/registry/register`, {
        method: 'POST',
        headers: { ...json, 'x-xlink-did': identity().did },
        body: '{}',
      });
      statuses.push(r.status);
    }
    expect(statuses.filter((c) => c !== 429)).toHaveLength(5);
    expect(statuses.slice(5).every((c) => c === 429)).toBe(true);
  });
});
