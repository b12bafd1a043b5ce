// `security: 'auto'` without surprises: the receipt says which policy applied and why, and an
// escalation never splits over fewer transports than shares unless the caller opted in.
import { describe, expect, it } from 'vitest';
import {
  Agent,
  decideSecurity,
  LoopbackTransport,
  MemoryTrustRegistry,
  type TransportAdapter,
} from '../src/index.js';

const quiet = { warn: () => {} };

async function pair(transport: TransportAdapter | TransportAdapter[], security = {}) {
  const registry = new MemoryTrustRegistry();
  const warnings: string[] = [];
  const logger = { warn: (e: string) => warnings.push(e) };
  const a = await Agent.create({ registry, transport, security, logger });
  const b = await Agent.create({ registry, transport: new LoopbackTransport(), logger: quiet });
  if (!a.ok || !b.ok) throw new Error('setup');
  return { alice: a.value, bob: b.value, warnings };
}

describe("security: 'auto' reports and respects transport independence", () => {
  it('one transport: a 25 000 amount is sent as one envelope and the receipt says why', async () => {
    const t = new LoopbackTransport();
    const { alice, bob, warnings } = await pair(t);
    const r = await alice.send({ to: bob.did, payload: { amount: 25_000 }, scope: 'pay' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.split).toBeUndefined();
    expect(t.outbox).toHaveLength(1);
    expect(r.value.security).toMatchObject({
      level: 'standard',
      k: 1,
      n: 1,
      reason: 'amount',
      skipped: { level: 'high', k: 2, n: 3, transports: 1 },
    });
    expect(r.value.security?.detail).toMatch(/amount 25000 > amountThreshold 10000/);
    expect(r.value.security?.detail).toMatch(/1 transport\(s\) for 3 shares/);
    expect(warnings).toEqual([]);
    const got = await bob.receive(r.value.envelope);
    expect(got.ok && got.value.status !== 'pending' && got.value.payload).toEqual({
      amount: 25_000,
    });
  });

  it('three transports: the same message is split 2-of-3, the receipt names the rule', async () => {
    const ts = [new LoopbackTransport(), new LoopbackTransport(), new LoopbackTransport()];
    const { alice, bob } = await pair(ts);
    const r = await alice.send({ to: bob.did, payload: { amount: 25_000 }, scope: 'pay' });
    expect(r.ok && r.value.split && [r.value.split.k, r.value.split.n]).toEqual([2, 3]);
    expect(r.ok && r.value.security).toMatchObject({ level: 'high', reason: 'amount' });
    expect(r.ok && r.value.security?.skipped).toBeUndefined();
    expect(ts.map((t) => t.outbox.length)).toEqual([1, 1, 1]);
  });

  it('opting in: allowSharedTransport or an explicit level still splits over one transport', async () => {
    const t = new LoopbackTransport();
    const { alice, bob, warnings } = await pair(t, { allowSharedTransport: true });
    const r = await alice.send({ to: bob.did, payload: { amount: 25_000 }, scope: 'pay' });
    expect(r.ok && r.value.split?.n).toBe(3);
    expect(r.ok && r.value.security?.detail).toMatch(/allowSharedTransport/);
    expect(warnings).toEqual(['split-channel.shared-transport']);
    const t2 = new LoopbackTransport();
    const other = await pair(t2);
    const explicit = await other.alice.send({
      to: other.bob.did,
      payload: { amount: 1 },
      scope: 'pay',
      security: 'high',
    });
    expect(explicit.ok && explicit.value.security).toMatchObject({
      level: 'high',
      reason: 'explicit',
      detail: "security: 'high' was requested",
    });
    expect(t2.outbox).toHaveLength(3);
  });

  it('every decision carries a detail sentence; a bad allowSharedTransport is INVALID_OPTIONS', async () => {
    const d = decideSecurity({ payload: {}, scope: 'custody:vault', transports: 5 });
    expect(d.ok && [d.value.level, d.value.reason, d.value.detail]).toEqual([
      'high',
      'scope',
      "scope 'custody:vault' is in sensitiveScopes",
    ]);
    const plain = decideSecurity({ payload: {}, scope: 's', transports: 1 });
    expect(plain.ok && plain.value.detail).toBe('no auto rule matched');
    const bad = await Agent.create({
      registry: new MemoryTrustRegistry(),
      transport: new LoopbackTransport(),
      security: { allowSharedTransport: 'yes' as never },
    });
    expect(!bad.ok && [bad.error.code, bad.error.field]).toEqual([
      'INVALID_OPTIONS',
      'security.allowSharedTransport',
    ]);
  });
});
