import { generateIdentity, MemoryNonceStore } from '@xorida/agent-sdk';
import { describe, expect, it } from 'vitest';
import {
  AuditChain,
  type BillingRoutesContext,
  createShareRequest,
  handleBillingRequest,
  openShareResponse,
  RateLimiter,
  shareEnvelopeToBase45,
  verifyAuditLog,
} from '../src/index.js';
import { clock, must, service } from './helpers.js';

const TOKEN = 'test-admin-token';
const admin = { authorization: `Bearer ${TOKEN}` };

function setup(extra: Partial<BillingRoutesContext> = {}) {
  const c = clock(Date.now());
  let svcRef: ReturnType<typeof service> | undefined;
  const audit = new AuditChain({ sign: (m) => svcRef!.signBytes(m), headEvery: 1000, now: c.now });
  const svc = service({ now: c.now, audit });
  svcRef = svc;
  const ctx: BillingRoutesContext = {
    service: svc,
    audit,
    adminToken: TOKEN,
    challenges: new MemoryNonceStore(),
    rateLimiter: new RateLimiter({ limit: 3, now: c.now }),
    ...extra,
  };
  const call = (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = admin,
    query?: Record<string, string>,
  ) => handleBillingRequest(ctx, { method, path, headers, body, ...(query ? { query } : {}) });
  const id = () => {
    const r = generateIdentity();
    if (!r.ok) throw new Error('identity');
    return r.value;
  };
  return { c, svc, audit, ctx, call, id };
}

describe('billing routes', () => {
  it('admin token guards billing operations', async () => {
    const { call, id } = setup();
    const [a, b] = [id(), id()];
    expect(
      (await call('POST', '/connections', { didA: a.did, didB: b.did, scope: 'xlink' }, {})).status,
    ).toBe(401);
    expect(
      (
        await call(
          'POST',
          '/connections',
          { didA: a.did, didB: b.did, scope: 'xlink' },
          { authorization: 'Bearer wrong' },
        )
      ).status,
    ).toBe(401);
    const created = await call('POST', '/connections', {
      didA: a.did,
      didB: b.did,
      scope: 'xlink',
    });
    expect(created.status).toBe(201);
    const cid = (created.body as { connectionId: string }).connectionId;
    expect((created.body as Record<string, unknown>).share1).toBeUndefined();
    expect(
      (await call('POST', '/connections', { didA: a.did, didB: b.did, scope: 'xlink' })).status,
    ).toBe(409);
    // New connections are PENDING (billing closed) and the answer says how to open billing.
    expect(created.body).toMatchObject({
      status: 'pending',
      activation: { required: true, path: `/connections/${cid}/activate` },
    });
    expect((await call('GET', `/connections/${cid}/status`)).body).toMatchObject({
      status: 'pending',
    });
    expect((await call('POST', `/connections/${cid}/activate`)).body).toMatchObject({
      status: 'active',
    });
    expect((await call('GET', `/connections/${cid}/status`)).body).toMatchObject({
      status: 'active',
    });
    const opened = await call('POST', '/connections', {
      didA: a.did,
      didB: id().did,
      scope: 'xlink',
      status: 'active',
    });
    expect([opened.status, (opened.body as Record<string, unknown>).status]).toEqual([
      201,
      'active',
    ]);
    expect((opened.body as Record<string, unknown>).activation).toBeUndefined();
    expect(
      (await call('POST', `/connections/${cid}/suspend`, { reason: 'payment_failed' })).body,
    ).toMatchObject({ status: 'suspended' });
    expect((await call('POST', `/connections/${cid}/suspend`)).status).toBe(409);
    expect((await call('POST', `/connections/${cid}/activate`)).body).toMatchObject({
      status: 'active',
    });
    expect((await call('POST', `/connections/${cid}/rotate`)).status).toBe(200);
    expect((await call('GET', '/connections', undefined, admin, { did: a.did })).body).toHaveLength(
      2,
    );
    expect((await call('GET', `/connections/${cid}`)).body).toMatchObject({ connectionId: cid });
    expect(
      (await call('DELETE', `/connections/${cid}`, { reason: 'cancelled' })).body,
    ).toMatchObject({ status: 'revoked' });
    expect((await call('GET', `/connections/${'0'.repeat(64)}`)).status).toBe(404);
    const health = await call('GET', '/health', undefined, {});
    expect(health.body).toMatchObject({ status: 'ok', connections: 2 });
  });

  it('share fetch over the routes, rate limited per DID with Retry-After', async () => {
    const { svc, call, id, c } = setup();
    const [a, b] = [id(), id()];
    const cid = (
      (
        await call('POST', '/connections', {
          didA: a.did,
          didB: b.did,
          scope: 'xlink',
          status: 'active',
        })
      ).body as {
        connectionId: string;
      }
    ).connectionId;
    const fetchOnce = async () => {
      const { request, challenge } = must(
        createShareRequest({ connectionId: cid, did: a.did, sign: a.signing.sign, now: c.now() }),
      );
      return { res: await call('POST', '/shares/fetch', request, {}), challenge };
    };
    const first = await fetchOnce();
    expect(first.res.status).toBe(200);
    must(
      openShareResponse(first.res.body, {
        serverPublicKey: svc.publicKey,
        did: a.did,
        connectionId: cid,
        challenge: first.challenge,
        now: c.now(),
      }),
    );
    expect((await fetchOnce()).res.status).toBe(200);
    expect((await fetchOnce()).res.status).toBe(200);
    const limited = (await fetchOnce()).res;
    expect(limited.status).toBe(429);
    expect(Number(limited.headers?.['retry-after'])).toBeGreaterThan(0);
    c.advance(60_000);
    expect((await fetchOnce()).res.status).toBe(200);
    await call('POST', `/connections/${cid}/suspend`);
    c.advance(86_400_000);
    const refused = (await fetchOnce()).res;
    expect(refused.status).toBe(402);
    expect((refused.body as { error: { code: string } }).error.code).toBe('CONNECTION_SUSPENDED');
  });

  it('debug endpoints are off unless enabled', async () => {
    const off = setup();
    const [a, b] = [off.id(), off.id()];
    const conn = must(await off.svc.createConnection(a.did, b.did, 'xlink'));
    const body = {
      share1: shareEnvelopeToBase45(conn.share1!),
      share2: shareEnvelopeToBase45(conn.share2!),
    };
    for (const p of ['/shares/reconstruct', '/encrypt', '/decrypt'])
      expect((await off.call('POST', p, body)).status).toBe(404);
    const on = setup({ debugEndpoints: true });
    const conn2 = must(await on.svc.createConnection(a.did, b.did, 'xlink'));
    const body2 = {
      share1: shareEnvelopeToBase45(conn2.share1!),
      share2: shareEnvelopeToBase45(conn2.share2!),
    };
    const rec = await on.call('POST', '/shares/reconstruct', body2, {});
    expect((rec.body as { secret: string }).secret).toMatch(/^[0-9a-f]{64}$/);
    const enc = await on.call('POST', '/encrypt', { ...body2, plaintext: 'aGVsbG8' }, {});
    const dec = await on.call(
      'POST',
      '/decrypt',
      { ...body2, ciphertext: (enc.body as { ciphertext: string }).ciphertext },
      {},
    );
    expect(dec.body).toEqual({ plaintext: 'aGVsbG8' });
  });

  it('GET /audit/head serves a head that verifies the log', async () => {
    const { call, id, audit, svc } = setup();
    const [a, b] = [id(), id()];
    await call('POST', '/connections', { didA: a.did, didB: b.did, scope: 'xlink' });
    const head = await call('GET', '/audit/head', undefined, {});
    expect(head.status).toBe(200);
    must(
      verifyAuditLog(audit.lines, {
        publicKey: svc.publicKey,
        expectedHead: head.body as never,
        requireSignedTail: true,
      }),
    );
  });
});
