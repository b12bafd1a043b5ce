// The envelope timestamp is AES-GCM additional data, so it is chosen before encryption; the
// send-side freshness check (send/fresh.ts, and before any share leaves on the split path)
// refuses an envelope that sealing made stale. An injected clock advances while sealing.
import { describe, expect, it } from 'vitest';
import { makePeer, world } from '../helpers.js';

/** A clock that reads `t0` at the first call and `t0 + advanceMs` afterwards. */
function slowSealClock(t0: number, advanceMs: number): () => number {
  let calls = 0;
  return () => (calls++ === 0 ? t0 : t0 + advanceMs);
}

describe('freshness checked at send, once sealing ended', () => {
  for (const security of ['standard', 'high'] as const)
    it(`${security}: sealing slower than the window fails at send; nothing is sent`, async () => {
      const w = world();
      const alice = await makePeer(1, w, { timestampWindowMs: 30_000 });
      const bob = await makePeer(2, w);
      const t0 = Date.now();
      const slow = await alice.agent.send({
        to: bob.agent.did,
        payload: { n: 1 },
        scope: 'chat',
        security,
        testing: { now: slowSealClock(t0, 30_001) },
      });
      expect(slow.ok).toBe(false);
      if (slow.ok) return;
      expect(`${slow.error.code}/${slow.error.subCode}`).toBe('TIMESTAMP_EXPIRED/STALE_AT_SEND');
      expect(slow.error.message).toContain('sealing took 30001 ms');
      expect(slow.error.hint).toContain('XLINK_TIMESTAMP_WINDOW_MS');
      expect(w.transport.outbox).toHaveLength(0);

      // the same advance within the window: sent, stamped with the clock's first reading
      const ok = await alice.agent.send({
        to: bob.agent.did,
        payload: { n: 2 },
        scope: 'chat',
        security,
        testing: { now: slowSealClock(t0, 29_000) },
      });
      expect(ok.ok, ok.ok ? '' : ok.error.message).toBe(true);
      expect(w.transport.outbox.length).toBeGreaterThan(0);
      expect(w.transport.outbox.every((e) => e.timestamp === t0)).toBe(true);
      let got: unknown;
      for (const e of w.transport.outbox) {
        const r = await bob.agent.receive(e);
        if (r.ok && r.value.status === 'complete') got = r.value.payload;
      }
      expect(got).toEqual({ n: 2 });
    });
});
