// The original design's call shapes: `ghostBuild({ source, exports, n })` without a vendor and
// `createGhost({ …, did, tier: 2, tier2Config })` are accepted or answered with INVALID_OPTIONS
// naming the field, never a TypeError.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity } from '@xorida/agent-sdk';
import { BillingService, createConnectionId } from '@xorida/xpass';
import { afterEach, describe, expect, it } from 'vitest';
import {
  billingFromService,
  billingScope,
  createGhost,
  ghostBuild,
  startGhostServer,
} from '../src/node/index.js';
import { customerAgent, EXPORTS, enc, SOURCE, vendorIdentity } from './helpers.js';

const vendor = vendorIdentity();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const fieldOf = (r: { ok: boolean; error?: { code: string; field?: string } }) =>
  r.ok ? 'accepted' : `${r.error?.code}:${r.error?.field}`;

describe('ghostBuild({ source, exports, n }) without vendor', () => {
  it('is INVALID_OPTIONS naming vendor; a DID string or an identity-less object too', () => {
    const doc = { source: enc(SOURCE), exports: ['predict'], n: 2 };
    expect(fieldOf(ghostBuild(doc as never))).toBe('INVALID_OPTIONS:vendor');
    expect(fieldOf(ghostBuild({ ...doc, vendor: vendor.did } as never))).toBe(
      'INVALID_OPTIONS:vendor',
    );
    expect(fieldOf(ghostBuild({ ...doc, vendor }))).toBe('accepted');
  });
});

describe('createGhost({ …, did, tier: 2, tier2Config })', () => {
  async function online() {
    const b = ghostBuild({ source: enc(SOURCE), exports: EXPORTS, vendor });
    if (!b.ok) throw new Error(b.error.message);
    const { manifest, shares } = b.value;
    const svc = BillingService.create();
    if (!svc.ok) throw new Error(svc.error.message);
    const customer = customerAgent();
    const scope = billingScope(manifest.bundleId);
    const conn = await svc.value.createConnection(vendor.did, customer.did, scope, {
      distribute: false,
    });
    if (!conn.ok) throw new Error(conn.error.message);
    const dataDir = await mkdtemp(join(tmpdir(), 'xghost-shape-'));
    const server = await startGhostServer({
      vendor,
      bundles: [{ manifest, vendorShare: shares[1]! }],
      billing: billingFromService(svc.value),
      dataDir,
      port: 0,
    });
    if (!server.ok) throw new Error(server.error.message);
    cleanups.push(async () => {
      await server.value.close();
      await rm(dataDir, { recursive: true, force: true });
    });
    const connectionId = createConnectionId(vendor.did, customer.did, scope);
    if (!connectionId.ok) throw new Error('id');
    return { manifest, shares, customer, url: server.value.url, connectionId: connectionId.value };
  }

  it('the documented literal call (no manifest, no agent) ends in a code, not a TypeError', async () => {
    const idn = generateIdentity();
    if (!idn.ok) throw new Error('id');
    const r = await createGhost({
      customerShare: new Uint8Array(8),
      server: 'http://127.0.0.1:9',
      did: idn.value.did,
      tier: 2,
      tier2Config: { connectionId: 'ab'.repeat(32), shares: [], epoch: 1 },
    } as never);
    expect(fieldOf(r)).toBe('INVALID_OPTIONS:manifest');
  });

  it('tier 2 with did and a matching tier2Config is accepted and runs online', async () => {
    const s = await online();
    const g = await createGhost({
      manifest: s.manifest,
      customerShare: s.shares[0]!,
      server: s.url,
      agent: s.customer,
      did: s.customer.did,
      vendorDid: vendor.did,
      tier: 2,
      tier2Config: { connectionId: s.connectionId, epoch: 20_000 },
    });
    expect(g.ok ? g.value.status().tier : g.error.code).toBe('online');
    if (g.ok) {
      expect(g.value.call('sum', [1, 2]).ok).toBe(true);
      g.value.dispose();
    }
  });

  it('answers each wrong field by name', async () => {
    const s = await online();
    const base = {
      manifest: s.manifest,
      customerShare: s.shares[0]!,
      server: s.url,
      agent: s.customer,
      vendorDid: vendor.did,
    };
    expect(fieldOf(await createGhost({ ...base, tier: 3 as never }))).toBe('INVALID_OPTIONS:tier');
    expect(fieldOf(await createGhost({ ...base, did: customerAgent('other').did }))).toBe(
      'INVALID_OPTIONS:did',
    );
    expect(
      fieldOf(
        await createGhost({ ...base, tier: 2, tier2Config: { connectionId: 'ab'.repeat(32) } }),
      ),
    ).toBe('INVALID_OPTIONS:tier2Config.connectionId');
    expect(
      fieldOf(
        await createGhost({
          ...base,
          tier: 2,
          tier2Config: { connectionId: s.connectionId, shares: ['a', 'b'] },
        }),
      ),
    ).toBe('INVALID_OPTIONS:tier2Config.shares');
    expect(
      fieldOf(await createGhost({ ...base, agent: undefined as never, did: s.customer.did })),
    ).toBe('INVALID_OPTIONS:agent');
  });
});
