import { describe, expect, it } from 'vitest';
import {
  BillingService,
  type CreateProgress,
  checkBilling,
  configureDefaultBilling,
  createConnection,
  listConnections,
  reconstructSecret,
  revokeConnection,
  verifyConnection,
  verifyShareSignature,
} from '../src/index.js';
import { clock, DID_A, DID_B, DID_C, expectErr, must, SEED, service, T0 } from './helpers.js';

const DAY = 86_400_000;
const MIN = 60_000;

describe('BillingService', () => {
  it('creates once; the id is symmetric; progress stages follow the docs', async () => {
    const svc = service();
    const stages: CreateProgress[] = [];
    const c = must(
      await svc.createConnection(DID_B, DID_A, 'xlink', { onProgress: (e) => stages.push(e) }),
    );
    expect(stages.map((s) => s.stage)).toEqual([
      'generating_connection_id',
      'creating_secret',
      'splitting',
      'splitting',
      'distributing',
      'distributing',
      'complete',
    ]);
    expect(c.didA < c.didB).toBe(true);
    expect(verifyShareSignature(c.share1!, svc.publicKey, c.didA).ok).toBe(true);
    expect(verifyShareSignature(c.share2!, svc.publicKey, c.didB).ok).toBe(true);
    expectErr(await svc.createConnection(DID_A, DID_B, 'xlink'), 'CONNECTION_ALREADY_EXISTS');
    expectErr(
      await svc.createConnection(DID_A, DID_B, 'xlink', { status: 'bogus' as never }),
      'INVALID_INPUT',
    );
  });

  it('each agent fetches its own share; the pair reconstructs; refetch rotates', async () => {
    const svc = service();
    const c = must(await svc.createConnection(DID_A, DID_B, 'xlink', { distribute: false }));
    expect(c.share1).toBeUndefined();
    const a = must(await svc.issueShare(c.connectionId, c.didA));
    const b = must(await svc.issueShare(c.connectionId, c.didB));
    expect(a.index).toBe(0);
    expect(b.index).toBe(1);
    must(reconstructSecret(a, b));
    // Nothing secret remains stored once both were delivered.
    const rec = await svc.store.get(c.connectionId);
    expect(rec!.splits.every((s) => s.pending[0] === null && s.pending[1] === null)).toBe(true);
    // Asking again makes a new split: the old peer share no longer combines.
    const a2 = must(await svc.issueShare(c.connectionId, c.didA));
    expectErr(reconstructSecret(a2, b), 'RECONSTRUCTION_FAILED', 'SPLIT_MISMATCH');
    const b2 = must(await svc.issueShare(c.connectionId, c.didB));
    must(reconstructSecret(a2, b2));
    expectErr(await svc.issueShare(c.connectionId, DID_C), 'REQUEST_REJECTED', 'NOT_A_PARTY');
    expectErr(await svc.issueShare('f'.repeat(64), DID_A), 'CONNECTION_NOT_FOUND');
    expectErr(await svc.issueShare('nope', DID_A), 'INVALID_INPUT');
  });

  it('concurrent first fetches by both agents get one split', async () => {
    const svc = service();
    const c = must(await svc.createConnection(DID_A, DID_B, 'xlink', { distribute: false }));
    const [a, b] = await Promise.all([
      svc.issueShare(c.connectionId, c.didA),
      svc.issueShare(c.connectionId, c.didB),
    ]);
    must(reconstructSecret(must(a), must(b)));
  });

  it('epoch windows: next epoch from the overlap before it, old shares until the overlap after it', async () => {
    const c = clock(T0 + 1000);
    const svc = service({ now: c.now });
    const conn = must(await svc.createConnection(DID_A, DID_B, 'xlink'));
    const e = conn.share1!.epoch;
    expect(e).toBe(T0 / DAY);
    expectErr(await svc.issueShare(conn.connectionId, DID_A, { epoch: e + 1 }), 'EPOCH_NOT_READY');
    c.set(T0 + DAY - 15 * MIN);
    const nextA = must(await svc.issueShare(conn.connectionId, DID_A, { epoch: e + 1 }));
    const nextB = must(await svc.issueShare(conn.connectionId, DID_B, { epoch: e + 1 }));
    // Overlap: both epochs' shares are valid.
    must(reconstructSecret(conn.share1!, conn.share2!, { now: c.now() }));
    must(reconstructSecret(nextA, nextB, { now: c.now() }));
    c.set(T0 + DAY + 15 * MIN - 1);
    must(reconstructSecret(conn.share1!, conn.share2!, { now: c.now() }));
    c.set(T0 + DAY + 15 * MIN);
    expectErr(reconstructSecret(conn.share1!, conn.share2!, { now: c.now() }), 'EPOCH_EXPIRED');
    must(reconstructSecret(nextA, nextB, { now: c.now() }));
    expectErr(await svc.issueShare(conn.connectionId, DID_A, { epoch: e }), 'EPOCH_EXPIRED');
    expectErr(await svc.verifyConnection(conn.connectionId, conn.share1!), 'EPOCH_EXPIRED');
  });

  it('configurable epochs and validation', async () => {
    const c = clock(T0 + 1000);
    const svc = service({ now: c.now, epochMs: 3_600_000, overlapMs: 60_000 });
    const conn = must(await svc.createConnection(DID_A, DID_B, 'xlink'));
    expect(conn.share1!.epochMs).toBe(3_600_000);
    expect(conn.share1!.epoch).toBe(T0 / 3_600_000);
    expectErr(BillingService.create({ epochMs: 1500 }), 'INVALID_INPUT');
    expectErr(BillingService.create({ epochMs: 60_000, overlapMs: 30_000 }), 'INVALID_INPUT');
    expectErr(BillingService.create({ signingSeed: new Uint8Array(3) }), 'INVALID_INPUT');
    expectErr(BillingService.create({ graceMs: -1 }), 'INVALID_INPUT');
  });

  it('checkBilling, verifyConnection, listConnections', async () => {
    const c = clock(T0 + 1000);
    const svc = service({ now: c.now });
    const x = must(await svc.createConnection(DID_A, DID_B, 'xlink'));
    must(await svc.createConnection(DID_A, DID_C, 'xcompute', { status: 'pending' }));
    const b = must(await svc.checkBilling(x.connectionId));
    expect(b).toMatchObject({
      status: 'active',
      currentEpoch: T0 / DAY,
      nextEpochBoundary: T0 + DAY,
      epochRemainingMs: DAY - 1000,
      graceRemainingMs: null,
    });
    const v = must(await svc.verifyConnection(x.connectionId, x.share2!));
    expect(v).toMatchObject({
      shareIndex: 1,
      holder: x.didB,
      status: 'active',
      epochRemainingMs: DAY + 15 * MIN - 1000,
    });
    expect(must(await svc.listConnections(DID_A)).length).toBe(2);
    expect(must(await svc.listConnections(DID_A, { scope: 'xcompute' })).length).toBe(1);
    expect(must(await svc.listConnections(DID_A, { status: 'pending' })).length).toBe(1);
    expect(must(await svc.listConnections(DID_A, { epoch: T0 / DAY })).length).toBe(1);
    expect(must(await svc.listConnections(DID_B)).length).toBe(1);
    expectErr(await svc.listConnections('bad'), 'INVALID_INPUT');
    must(await svc.suspend(x.connectionId));
    expectErr(await svc.verifyConnection(x.connectionId, x.share2!), 'CONNECTION_SUSPENDED');
    expectErr(await svc.checkBilling('a'.repeat(64)), 'CONNECTION_NOT_FOUND');
    expectErr(await svc.checkBilling('zz'), 'INVALID_INPUT');
  });

  it('the docs-shaped free functions work on the default service', async () => {
    const svc = must(configureDefaultBilling({ signingSeed: SEED, now: () => T0 + 5000 }));
    const c = must(await createConnection(DID_A, DID_B, 'docs'));
    expect(must(await checkBilling(c.connectionId)).status).toBe('active');
    expect(must(await verifyConnection(c.connectionId, c.share1!)).shareIndex).toBe(0);
    expect(must(await listConnections(DID_A)).map((x) => x.connectionId)).toEqual([c.connectionId]);
    must(await revokeConnection(c.connectionId, 'subscription_cancelled'));
    expect(must(await svc.checkBilling(c.connectionId)).status).toBe('revoked');
  });

  it('a failing store maps to STORE_FAILED', async () => {
    const svc = must(
      BillingService.create({
        store: {
          get: async () => {
            throw new Error('disk gone');
          },
          put: async () => {
            throw new Error('disk gone');
          },
          list: async () => {
            throw new Error('disk gone');
          },
        },
      }),
    );
    expectErr(await svc.createConnection(DID_A, DID_B, 'xlink'), 'STORE_FAILED');
    expectErr(await svc.checkBilling('a'.repeat(64)), 'STORE_FAILED');
    expectErr(await svc.listConnections(DID_A), 'STORE_FAILED');
  });
});
