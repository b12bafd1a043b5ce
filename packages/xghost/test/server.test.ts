import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BillingService, createConnectionId } from '@xorida/xpass';
import { afterEach, describe, expect, it } from 'vitest';
import {
  billingFromService,
  billingScope,
  createGhost,
  type GhostServer,
  ghostBuild,
  SHARE_REQUEST_PATH,
  startGhostServer,
} from '../src/node/index.js';
import { customerAgent, EXPORTS, enc, plainModule, SOURCE, vendorIdentity } from './helpers.js';

const vendor = vendorIdentity();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(
  opts: { status?: 'active' | 'pending'; leaseMs?: number; limit?: number; redisUrl?: string } = {},
) {
  const b = ghostBuild({ source: enc(SOURCE), exports: EXPORTS, vendor });
  if (!b.ok) throw new Error(b.error.message);
  const { manifest, shares } = b.value;
  const svc = BillingService.create();
  if (!svc.ok) throw new Error(svc.error.message);
  const customer = customerAgent();
  const conn = await svc.value.createConnection(
    vendor.did,
    customer.did,
    billingScope(manifest.bundleId),
    { status: opts.status ?? 'active', distribute: false },
  );
  if (!conn.ok) throw new Error(conn.error.message);
  const dataDir = await mkdtemp(join(tmpdir(), 'xghost-srv-'));
  const server = await startGhostServer({
    vendor,
    bundles: [{ manifest, vendorShare: shares[1]! }],
    billing: billingFromService(svc.value),
    dataDir,
    port: 0,
    leaseMs: opts.leaseMs ?? 60_000,
    ...(opts.limit !== undefined ? { rateLimit: { limit: opts.limit } } : {}),
    ...(opts.redisUrl !== undefined
      ? { redisUrl: opts.redisUrl, redisPrefix: `xghost-test-${process.pid}-${Date.now()}:` }
      : {}),
  });
  if (!server.ok) throw new Error(server.error.message);
  cleanups.push(async () => {
    await server.value.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const id = createConnectionId(vendor.did, customer.did, billingScope(manifest.bundleId));
  if (!id.ok) throw new Error('id');
  return {
    manifest,
    shares,
    svc: svc.value,
    customer,
    server: server.value as GhostServer,
    dataDir,
    connectionId: id.value,
  };
}

describe('xghost serve + online runtime', () => {
  it('delivers share 2 with a lease while billing is active; results match the plain module', async () => {
    const s = await setup();
    const health = (await (await fetch(`${s.server.url}/health`)).json()) as {
      details: { vendorDid: string; bundles: string[] };
    };
    expect(health).toMatchObject({
      status: 'ok',
      details: { vendorDid: vendor.did, bundles: [s.manifest.bundleId] },
    });
    const g = await createGhost({
      manifest: s.manifest,
      customerShare: s.shares[0]!,
      server: s.server.url,
      agent: s.customer,
      vendorDid: vendor.did,
    });
    if (!g.ok) throw new Error(`${g.error.code}: ${g.error.message}`);
    const plain = plainModule();
    const r = g.value.call('predict', [3, 4, 5]);
    expect(r.ok && r.value).toBe(plain.predict!([3, 4, 5]));
    expect(g.value.status()).toMatchObject({
      state: 'active',
      tier: 'online',
      lease: { mode: 'online' },
    });
    g.value.dispose();
    const log = await readFile(join(s.dataDir, 'leases.jsonl'), 'utf8');
    expect(log).toContain('"kind":"issued"');
  });

  it('refuses unpaid (pending) connections with the xpass code', async () => {
    const s = await setup({ status: 'pending' });
    const g = await createGhost({
      manifest: s.manifest,
      customerShare: s.shares[0]!,
      server: s.server.url,
      agent: s.customer,
    });
    expect(g.ok ? '' : `${g.error.code}/${g.error.subCode}`).toBe(
      'BILLING_REQUIRED/BILLING_REQUIRED',
    );
  });

  it('renews on a heartbeat; after suspension the renewal fails and calls stop at notAfter', async () => {
    const s = await setup({ leaseMs: 1_500 });
    const g = await createGhost({
      manifest: s.manifest,
      customerShare: s.shares[0]!,
      server: s.server.url,
      agent: s.customer,
      renewBeforeMs: 1_000,
    });
    if (!g.ok) throw new Error(g.error.message);
    const until = async (cond: () => boolean, ms: number) => {
      const end = Date.now() + ms;
      while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
    };
    await until(() => g.value.status().renewals >= 1, 5_000);
    expect(g.value.status().renewals).toBeGreaterThanOrEqual(1);
    expect(g.value.call('sum', [1, 2]).ok).toBe(true);
    expect((await s.svc.suspend(s.connectionId, 'unpaid')).ok).toBe(true);
    const renew = await g.value.renew();
    expect(renew.ok ? '' : `${renew.error.code}/${renew.error.subCode}`).toBe(
      'BILLING_REQUIRED/CONNECTION_SUSPENDED',
    );
    expect(g.value.call('sum', [1, 2]).ok).toBe(true); // the current lease still runs
    const notAfter = g.value.status().lease!.notAfter;
    await until(() => g.value.status().state !== 'active', 5_000);
    expect(Date.now()).toBeGreaterThanOrEqual(notAfter); // not before the lease ran out
    const after = g.value.call('sum', [1, 2]);
    expect(after.ok ? '' : after.error.code).toBe('BILLING_REQUIRED');
    expect(g.value.status().state).toBe('purged');
    g.value.dispose();
  });

  it('rejects unsigned, replayed, foreign-DID and unknown-bundle requests', async () => {
    const s = await setup();
    const body = JSON.stringify({
      bundleId: s.manifest.bundleId,
      epoch: Math.floor(Date.now() / 86_400_000),
      keyDocument: {},
    });
    const url = `${s.server.url}${SHARE_REQUEST_PATH}`;
    const unsigned = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(unsigned.status).toBe(401);
    const headers = {
      'content-type': 'application/json',
      ...s.customer.signRequest({ method: 'POST', path: SHARE_REQUEST_PATH, body }),
    };
    const first = await fetch(url, { method: 'POST', headers, body });
    expect(first.status).toBe(400); // key document {} does not verify
    const replay = await fetch(url, { method: 'POST', headers, body });
    expect(((await replay.json()) as { error: { subCode: string } }).error.subCode).toBe(
      'REPLAY_DETECTED',
    );
    // a customer with no billing connection for this bundle
    const other = customerAgent('other');
    const g = await createGhost({
      manifest: s.manifest,
      customerShare: s.shares[0]!,
      server: s.server.url,
      agent: other,
    });
    expect(g.ok ? '' : g.error.code).toBe('BILLING_REQUIRED');
    const b2 = ghostBuild({ source: enc('exports.f = () => 1;'), exports: ['f'], vendor });
    if (!b2.ok) throw new Error('build');
    const g2 = await createGhost({
      manifest: b2.value.manifest,
      customerShare: b2.value.shares[0]!,
      server: s.server.url,
      agent: s.customer,
    });
    expect(g2.ok ? '' : g2.error.code).toBe('BUNDLE_NOT_FOUND');
  });

  it('rate limits share requests per DID (429 + Retry-After)', async () => {
    const s = await setup({ limit: 1 });
    const g = await createGhost({
      manifest: s.manifest,
      customerShare: s.shares[0]!,
      server: s.server.url,
      agent: s.customer,
    });
    if (!g.ok) throw new Error(g.error.message);
    const again = await g.value.renew();
    expect(again.ok ? '' : again.error.code).toBe('RATE_LIMITED');
    expect(g.value.call('sum', [1]).ok).toBe(true);
    g.value.dispose();
  });

  it('keeps request nonces in Redis when configured (replay refused)', async () => {
    const s = await setup({ redisUrl: 'redis://127.0.0.1:6379' });
    const g = await createGhost({
      manifest: s.manifest,
      customerShare: s.shares[0]!,
      server: s.server.url,
      agent: s.customer,
    });
    if (!g.ok) throw new Error(`${g.error.code}: ${g.error.message}`);
    g.value.dispose();
    const body = JSON.stringify({
      bundleId: s.manifest.bundleId,
      epoch: Math.floor(Date.now() / 86_400_000),
      keyDocument: {},
    });
    const headers = {
      'content-type': 'application/json',
      ...s.customer.signRequest({ method: 'POST', path: SHARE_REQUEST_PATH, body }),
    };
    const url = `${s.server.url}${SHARE_REQUEST_PATH}`;
    expect((await fetch(url, { method: 'POST', headers, body })).status).toBe(400);
    const replay = await fetch(url, { method: 'POST', headers, body });
    expect(((await replay.json()) as { error: { subCode: string } }).error.subCode).toBe(
      'REPLAY_DETECTED',
    );
  });
});
