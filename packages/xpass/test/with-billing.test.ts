// Library-level lifecycle of two agent-sdk agents wrapped with withBilling, talking through a
// LoopbackTransport, with the billing service in-process and an injected clock.
import {
  Agent,
  type EnvelopeJson,
  LoopbackTransport,
  MemoryNonceStore,
  MemoryTrustRegistry,
} from '@xorida/agent-sdk';
import { describe, expect, it } from 'vitest';
import { utf8ToBytes } from 'xorida';
import { type BilledAgent, inProcessBillingClient, withBilling } from '../src/index.js';
import { clock, expectErr, must, service } from './helpers.js';

const DAY = 86_400_000;

async function world() {
  // Xlink checks envelope timestamps against the real clock, so the billing clock starts now.
  const c = clock(Math.floor(Date.now() / DAY) * DAY + 60 * 60_000);
  const svc = service({ now: c.now });
  const registry = new MemoryTrustRegistry();
  const transport = new LoopbackTransport();
  const a = await Agent.quickstart({ registry, transport });
  const b = await Agent.quickstart({ registry, transport });
  const client = inProcessBillingClient(svc, new MemoryNonceStore());
  const A = must(withBilling(a, { billingServer: client, now: c.now }));
  const B = must(withBilling(b, { billingServer: client, now: c.now }));
  const conn = must(await svc.createConnection(a.did, b.did, 'xlink', { distribute: false }));
  let seen = 0;
  const targets: Record<string, BilledAgent> = { [a.did]: A, [b.did]: B };
  /** Delivers every envelope sent since the last call to its recipient, in order. */
  const pump = async () => {
    const out: { to: string; r: Awaited<ReturnType<BilledAgent['receive']>> }[] = [];
    while (seen < transport.outbox.length) {
      const env = transport.outbox[seen] as EnvelopeJson;
      const to = transport.recipients[seen]!;
      seen++;
      out.push({ to, r: await targets[to]!.receive(env) });
    }
    return out;
  };
  return { c, svc, A, B, a, b, conn, pump, transport, targets };
}

describe('withBilling', () => {
  it('paid: handshake, then messages flow both ways', async () => {
    const { A, B, pump } = await world();
    const first = must(await A.send({ to: B.did, payload: { text: 'hello B' }, scope: 'chat' }));
    expect(first.queued).toBe(true);
    const delivered = await pump();
    const payloads = delivered.map((d) => (d.r.ok ? d.r.value.payload : d.r.error.code));
    expect(payloads).toEqual([null, null, { text: 'hello B' }]);
    const second = must(
      await B.send({ to: A.did, payload: utf8ToBytes('bytes back'), scope: 'chat' }),
    );
    expect(second.queued).toBe(false);
    const back = await pump();
    expect(back.length).toBe(1);
    expect(must(back[0]!.r).payload).toEqual(utf8ToBytes('bytes back'));
  });

  it('suspended: the next epoch share is refused and messages fail; grace, revoke, reactivate', async () => {
    const { c, svc, A, B, conn, pump } = await world();
    must(await A.send({ to: B.did, payload: { n: 1 }, scope: 'chat' }));
    await pump();
    must(await svc.suspend(conn.connectionId, 'payment_failed'));
    // The current epoch's secret still works: the documented bypass window.
    must(await A.send({ to: B.did, payload: { n: 2 }, scope: 'chat' }));
    expect(must((await pump())[0]!.r).payload).toEqual({ n: 2 });
    c.advance(DAY);
    expectErr(
      await A.send({ to: B.did, payload: { n: 3 }, scope: 'chat' }),
      'CONNECTION_SUSPENDED',
    );
    // Grace: shares are issued again.
    must(await svc.grace(conn.connectionId));
    must(await A.send({ to: B.did, payload: { n: 4 }, scope: 'chat' }));
    expect((await pump()).map((d) => must(d.r).payload)).toEqual([null, null, { n: 4 }]);
    must(await svc.revoke(conn.connectionId, 'unpaid'));
    c.advance(DAY);
    expectErr(await B.send({ to: A.did, payload: { n: 5 }, scope: 'chat' }), 'CONNECTION_REVOKED');
    must(await svc.reactivate(conn.connectionId, 'paid'));
    must(await B.send({ to: A.did, payload: { n: 6 }, scope: 'chat' }));
    expect((await pump()).map((d) => must(d.r).payload)).toEqual([null, null, { n: 6 }]);
  });

  it('the receiver is held to billing too, and plain or foreign messages are refused', async () => {
    const { c, svc, A, B, a, conn, pump } = await world();
    must(await A.send({ to: B.did, payload: { n: 1 }, scope: 'chat' }));
    await pump();
    // A plain Xlink message is not accepted by a billed receiver.
    must(await a.send({ to: B.did, payload: { plain: true }, scope: 'chat' }));
    expectErr((await pump())[0]!.r, 'BILLING_REQUIRED', 'UNBILLED_MESSAGE');
    // A unpaid connection: pending connections refuse shares to both sides.
    must(await svc.suspend(conn.connectionId));
    c.advance(DAY);
    expectErr(
      await B.send({ to: A.did, payload: { n: 2 }, scope: 'chat' }),
      'CONNECTION_SUSPENDED',
    );
  });

  it('a connection that was never paid gives BILLING_REQUIRED', async () => {
    const { c, svc, a, b } = await world();
    const pending = must(await svc.createConnection(a.did, b.did, 'other', { status: 'pending' }));
    expect(pending.status).toBe('pending');
    const P = must(
      withBilling(a, {
        billingServer: inProcessBillingClient(svc, new MemoryNonceStore()),
        billingScope: 'other',
        now: c.now,
      }),
    );
    expectErr(await P.send({ to: b.did, payload: { x: 1 }, scope: 'chat' }), 'BILLING_REQUIRED');
  });

  it('heals after an agent loses its state mid-epoch (restart): one message lost, then flows', async () => {
    const { c, svc, a, A, B, pump, targets } = await world();
    must(await A.send({ to: B.did, payload: { n: 1 }, scope: 'chat' }));
    expect((await pump()).map((d) => must(d.r).payload)).toEqual([null, null, { n: 1 }]);
    must(await B.send({ to: A.did, payload: { n: 2 }, scope: 'chat' }));
    expect(must((await pump())[0]!.r).payload).toEqual({ n: 2 });
    // A restarts: a fresh wrapper, no shares in memory.
    const A2 = must(
      withBilling(a, {
        billingServer: inProcessBillingClient(svc, new MemoryNonceStore()),
        now: c.now,
      }),
    );
    targets[a.did] = A2;
    // B still believes the old secret works; A2 cannot read that message, and hands its share over.
    must(await B.send({ to: A2.did, payload: { n: 3 }, scope: 'chat' }));
    const [lost, ...rest] = await pump();
    expectErr(lost!.r, 'INSUFFICIENT_SHARES');
    // B got A2's share of a new split, refetched its own, and answered with it.
    expect(rest.map((d) => must(d.r).payload)).toEqual([null, null]);
    must(await B.send({ to: A2.did, payload: { n: 4 }, scope: 'chat' }));
    expect(must((await pump())[0]!.r).payload).toEqual({ n: 4 });
    must(await A2.send({ to: B.did, payload: { n: 5 }, scope: 'chat' }));
    expect(must((await pump())[0]!.r).payload).toEqual({ n: 5 });
  });
});
