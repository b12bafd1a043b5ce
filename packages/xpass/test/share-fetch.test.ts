import { type AgentIdentity, generateIdentity, MemoryNonceStore } from '@xorida/agent-sdk';
import { describe, expect, it } from 'vitest';
import {
  createShareRequest,
  handleShareRequest,
  openShareResponse,
  RateLimiter,
  reconstructSecret,
  type ShareRequest,
} from '../src/index.js';
import { clock, expectErr, must, service, T0 } from './helpers.js';

function identity(): AgentIdentity {
  const r = generateIdentity();
  if (!r.ok) throw new Error(r.error.code);
  return r.value;
}

async function setup() {
  const c = clock(T0 + 1000);
  const svc = service({ now: c.now });
  const challenges = new MemoryNonceStore({ now: c.now });
  const alice = identity();
  const bob = identity();
  const conn = must(await svc.createConnection(alice.did, bob.did, 'xlink', { distribute: false }));
  const fetch = async (who: AgentIdentity, tweak?: (r: ShareRequest) => ShareRequest) => {
    const { request, challenge } = must(
      createShareRequest({
        connectionId: conn.connectionId,
        did: who.did,
        sign: who.signing.sign,
        now: c.now(),
      }),
    );
    const body = JSON.parse(JSON.stringify(tweak ? tweak(request) : request));
    const resp = await handleShareRequest(svc, body, { challenges });
    return { resp, challenge, request };
  };
  return { c, svc, challenges, alice, bob, conn, fetch };
}

describe('share fetch protocol', () => {
  it('each agent fetches its own share with a signed request; the answer verifies', async () => {
    const { svc, alice, bob, conn, fetch, c } = await setup();
    const a = await fetch(alice);
    const b = await fetch(bob);
    const sa = must(
      openShareResponse(must(a.resp), {
        serverPublicKey: svc.publicKey,
        did: alice.did,
        connectionId: conn.connectionId,
        challenge: a.challenge,
        now: c.now(),
      }),
    );
    const sb = must(
      openShareResponse(must(b.resp), {
        serverPublicKey: svc.publicKey,
        did: bob.did,
        connectionId: conn.connectionId,
        challenge: b.challenge,
        now: c.now(),
      }),
    );
    must(reconstructSecret(sa, sb, { now: c.now() }));
  });

  it('rejects replayed, stale, forged and foreign requests', async () => {
    const { svc, challenges, alice, fetch, c } = await setup();
    const first = await fetch(alice);
    must(first.resp);
    expectErr(
      await handleShareRequest(svc, JSON.parse(JSON.stringify(first.request)), { challenges }),
      'REQUEST_REJECTED',
      'REPLAYED',
    );
    expectErr(
      (await fetch(alice, (r) => ({ ...r, ts: r.ts - 31_000 }))).resp,
      'REQUEST_REJECTED',
      'BAD_SIGNATURE',
    );
    const mallory = identity();
    expectErr(
      (await fetch(alice, (r) => ({ ...r, did: mallory.did }))).resp,
      'REQUEST_REJECTED',
      'BAD_SIGNATURE',
    );
    expectErr((await fetch(mallory)).resp, 'REQUEST_REJECTED', 'NOT_A_PARTY');
    expectErr(
      (await fetch(alice, (r) => ({ ...r, extra: 1 }) as ShareRequest)).resp,
      'REQUEST_REJECTED',
      'MALFORMED',
    );
    expectErr(
      (await fetch(alice, (r) => ({ ...r, did: 'did:web:example.com' }))).resp,
      'REQUEST_REJECTED',
      'UNSUPPORTED_DID',
    );
    // A correctly signed request from the past is stale.
    const old = must(
      createShareRequest({
        connectionId: first.request.connectionId,
        did: alice.did,
        sign: alice.signing.sign,
        now: c.now() - 60_000,
      }),
    );
    expectErr(
      await handleShareRequest(svc, old.request, { challenges }),
      'REQUEST_REJECTED',
      'STALE',
    );
  });

  it('a recorded "paid" answer cannot be replayed to the agent after suspension', async () => {
    const { svc, alice, conn, fetch, c } = await setup();
    const paid = await fetch(alice);
    const recorded = must(paid.resp);
    must(await svc.suspend(conn.connectionId, 'payment_failed'));
    c.advance(86_400_000 + 20 * 60_000); // next epoch, past the overlap
    const fresh = await fetch(alice);
    expectErr(fresh.resp, 'CONNECTION_SUSPENDED');
    // An attacker (or a forked SDK's cache) answers the fresh request with the old answer.
    expectErr(
      openShareResponse(recorded, {
        serverPublicKey: svc.publicKey,
        did: alice.did,
        connectionId: conn.connectionId,
        challenge: fresh.challenge,
        now: c.now(),
      }),
      'REQUEST_REJECTED',
      'CHALLENGE_MISMATCH',
    );
    // And even with its own challenge the old share is out of its epoch window by now.
    expectErr(
      openShareResponse(recorded, {
        serverPublicKey: svc.publicKey,
        did: alice.did,
        connectionId: conn.connectionId,
        challenge: paid.challenge,
        now: c.now(),
      }),
      'EPOCH_EXPIRED',
    );
  });

  it('rejects tampered and wrongly signed answers', async () => {
    const { svc, alice, conn, fetch, c } = await setup();
    const a = await fetch(alice);
    const resp = must(a.resp);
    const exp = {
      serverPublicKey: svc.publicKey,
      did: alice.did,
      connectionId: conn.connectionId,
      challenge: a.challenge,
      now: c.now(),
    };
    expectErr(
      openShareResponse({ ...resp, status: 'grace' }, exp),
      'REQUEST_REJECTED',
      'BAD_SIGNATURE',
    );
    expectErr(
      openShareResponse(resp, { ...exp, serverPublicKey: new Uint8Array(32).fill(3) }),
      'REQUEST_REJECTED',
      'BAD_SIGNATURE',
    );
    expectErr(openShareResponse({ nope: 1 }, exp), 'REQUEST_REJECTED', 'MALFORMED');
  });
});

describe('RateLimiter', () => {
  it('allows limit hits per window, then RATE_LIMITED with retryAfterMs', () => {
    const c = clock(0);
    const rl = new RateLimiter({ limit: 3, windowMs: 60_000, now: c.now });
    for (let i = 0; i < 3; i++) must(rl.hit('did:key:a'));
    must(rl.hit('did:key:b'));
    c.advance(10_000);
    const e = expectErr(rl.hit('did:key:a'), 'RATE_LIMITED');
    expect(e.metadata?.retryAfterMs).toBe(50_000);
    c.advance(50_000);
    must(rl.hit('did:key:a'));
  });
});
