// The envelope timestamp is taken after encryption (it is not AES-GCM additional data:
// docs/formats.md#envelope), so a slow encryption does not age a message; the send-side
// freshness check (send/fresh.ts, and before any share leaves on the split path) refuses an
// envelope that signing made stale. Injected clocks advance during encryption or after the stamp.
import { describe, expect, it } from 'vitest';
import { makePeer, world } from '../helpers.js';

/** A clock that reads `t0` at the first call (the stamp) and `t0 + advanceMs` afterwards. */
function slowSealClock(t0: number, advanceMs: number): () => number {
  let calls = 0;
  return () => (calls++ === 0 ? t0 : t0 + advanceMs);
}

describe('encryption time does not age a message', () => {
  it('a 60 s encryption (clock moved on between encrypting and signing) is delivered', async () => {
    const w = world();
    const alice = await makePeer(1, w, { timestampWindowMs: 30_000 });
    const bob = await makePeer(2, w, { timestampWindowMs: 30_000 });
    const t0 = Date.now();
    let elapsed = 0;
    const sent = await alice.agent.send({
      to: bob.agent.did,
      payload: { n: 1 },
      scope: 'chat',
      testing: { now: () => t0 + elapsed },
      // 'signing' is reported once the plaintext is encrypted: encryption "took" 60 s
      onProgress: (e) => {
        if (e.stage === 'signing') elapsed += 60_000;
      },
    });
    expect(sent.ok, sent.ok ? '' : `${sent.error.code}/${sent.error.subCode}`).toBe(true);
    expect(w.transport.outbox).toHaveLength(1);
    expect(w.transport.outbox[0]!.timestamp).toBe(t0 + 60_000);
    const got = await bob.agent.receive(w.transport.outbox[0]!, { now: t0 + 60_000 });
    expect(got.ok && got.value.status === 'complete' ? got.value.payload : got).toEqual({ n: 1 });
  });
});

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
      expect(slow.error.message).toContain('30001 ms old once sealed');
      expect(slow.error.hint).toContain('XLINK_TIMESTAMP_WINDOW_MS');
      expect(w.transport.outbox).toHaveLength(0);

      // the same advance within the window: sent; the (first) envelope carries the clock's first
      // reading, later split-channel shares are stamped after their own encryption
      const ok = await alice.agent.send({
        to: bob.agent.did,
        payload: { n: 2 },
        scope: 'chat',
        security,
        testing: { now: slowSealClock(t0, 29_000) },
      });
      expect(ok.ok, ok.ok ? '' : ok.error.message).toBe(true);
      expect(w.transport.outbox.length).toBeGreaterThan(0);
      expect(w.transport.outbox[0]!.timestamp).toBe(t0);
      expect(
        w.transport.outbox.every((e) => e.timestamp === t0 || e.timestamp === t0 + 29_000),
      ).toBe(true);
      let got: unknown;
      for (const e of w.transport.outbox) {
        const r = await bob.agent.receive(e);
        if (r.ok && r.value.status === 'complete') got = r.value.payload;
      }
      expect(got).toEqual({ n: 2 });
    });
});
