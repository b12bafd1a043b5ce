// An expired split group surfaces INSUFFICIENT_SHARES to the caller: through
// agent.takeExpiredShareGroups() and through listen()'s onError (real relay server).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RelayClient, type XlinkErrorDetail } from '../../src/index.js';
import { cleanup, type Running, relayAgent, startServer } from '../infra/helpers.js';

let srv: Running;
beforeAll(async () => {
  srv = await startServer({ rateLimit: false });
});
afterAll(async () => {
  await srv.server.close();
  cleanup(srv.dataDir);
});

describe('INSUFFICIENT_SHARES reaches the caller', () => {
  it('listen() reports a group that expired with 1 of 2 shares', async () => {
    const alice = await relayAgent(srv.url, 'alice', ['pay']);
    const bob = await relayAgent(srv.url, 'bob', ['pay'], {
      splitChannel: { groupTimeoutMs: 300 },
    });
    const sent = await alice.send({
      to: bob.did,
      payload: { amount: 1 },
      scope: 'pay',
      security: 'high',
    });
    expect(sent.ok && sent.value.split?.k).toBe(2);
    // lose every share but one (acked away unseen)
    const client = new RelayClient({ baseUrl: srv.url, signer: bob.requestSigner() });
    const all = await client.pull();
    if (!all.ok) throw new Error(all.error.message);
    expect(all.value.length).toBeGreaterThanOrEqual(2);
    await client.ack(all.value.slice(1).map((m) => m.id));

    const errors: XlinkErrorDetail[] = [];
    const ac = new AbortController();
    const loop = bob.listen({
      relay: srv.url,
      intervalMs: 50,
      signal: ac.signal,
      onMessage: () => {
        throw new Error('no message can complete');
      },
      onError: (e) => {
        if (!(e instanceof Error)) errors.push(e);
        if (!(e instanceof Error) && e.code === 'INSUFFICIENT_SHARES') ac.abort();
      },
    });
    const t = setTimeout(() => ac.abort(), 10_000);
    await loop;
    clearTimeout(t);
    const ins = errors.filter((e) => e.code === 'INSUFFICIENT_SHARES');
    expect(ins).toHaveLength(1);
    expect(ins[0]).toMatchObject({ received: 1, threshold: 2, sender: alice.did });
    expect(bob.takeExpiredShareGroups()).toEqual([]); // taken by listen()
  });
});
