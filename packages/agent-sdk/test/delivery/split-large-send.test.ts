// Large split-channel messages (1 MiB or more) go share by share (split-channel/send-large.ts):
// over transports that keep envelopes (LoopbackTransport) each share gets a buffer of its own;
// over transports that declare `releasesEnvelope`, 2-of-n shares are made over the split's
// random stream and turned back after each send. Both must deliver the message intact, the
// receipt keeps the share envelopes without their ciphertext, and a stale share never leaves.
import { describe, expect, it } from 'vitest';
import type { Result } from 'xorida';
import type { EnvelopeJson } from '../../src/envelope.js';
import type { XlinkErrorDetail } from '../../src/errors.js';
import {
  type AgentLogger,
  isPendingShares,
  LoopbackTransport,
  type TransportAdapter,
} from '../../src/index.js';
import { makePeer, world } from '../helpers.js';

const quiet: AgentLogger = { warn: () => {} };
const MiB = 1024 * 1024;

/** Serialises each envelope at send (as an upload would) and keeps only the text. */
class SerialisingTransport implements TransportAdapter {
  readonly releasesEnvelope = true;
  readonly sent: string[] = [];
  async send(envelope: EnvelopeJson): Promise<Result<void, XlinkErrorDetail>> {
    this.sent.push(JSON.stringify(envelope));
    return { ok: true, value: undefined };
  }
}

async function pair(transports: TransportAdapter[]) {
  const w = world();
  const alice = await makePeer(1, w, {
    logger: quiet,
    transport: transports,
    maxPayloadBytes: 4 * MiB,
  });
  const bob = await makePeer(2, w, { logger: quiet, maxPayloadBytes: 4 * MiB });
  return { alice, bob };
}

async function deliver(bob: Awaited<ReturnType<typeof pair>>['bob'], envs: EnvelopeJson[]) {
  let got: unknown;
  for (const e of envs) {
    const r = await bob.agent.receive(e);
    expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
    if (r.ok && !isPendingShares(r.value)) got = r.value.payload;
  }
  return got;
}

describe('large split-channel sends go share by share', () => {
  const payload = { b: 'x'.repeat(2 * MiB), tail: 'end' };

  for (const [k, n] of [
    [2, 3],
    [3, 5],
  ] as const)
    it(`${k}-of-${n} over releasing transports: intact, receipt without ciphertexts`, async () => {
      const ts = Array.from({ length: n }, () => new SerialisingTransport());
      const { alice, bob } = await pair(ts);
      const security = k === 2 ? 'high' : 'critical';
      const s = await alice.agent.send({ to: bob.agent.did, payload, scope: 'chat', security });
      expect(s.ok, s.ok ? '' : s.error.message).toBe(true);
      if (!s.ok) return;
      expect(s.value.split).toMatchObject({ k, n, delivered: [...Array(n).keys()], failed: [] });
      expect(s.value.split!.envelopes.map((e) => e.ciphertext)).toEqual(Array(n).fill(''));
      const sent = ts.map((t) => JSON.parse(t.sent[0]!) as EnvelopeJson);
      expect(sent.map((e) => e.nonce)).toEqual(s.value.split!.envelopes.map((e) => e.nonce));
      // every k-subset reconstructs (the shares made over the stream are the split's shares)
      expect(await deliver(bob, sent.slice(0, k))).toEqual(payload);
      const { bob: bob2 } = await pair([new SerialisingTransport()]);
      expect(await deliver(bob2, sent.slice(n - k))).toEqual(payload);
    });

  it('2-of-3 over a transport that keeps envelopes: each share its own buffer, intact', async () => {
    const t = new LoopbackTransport();
    const { alice, bob } = await pair([t]);
    const s = await alice.agent.send({
      to: bob.agent.did,
      payload,
      scope: 'chat',
      security: 'high',
    });
    expect(s.ok, s.ok ? '' : s.error.message).toBe(true);
    expect(s.ok && s.value.split!.envelopes.every((e) => e.ciphertext === '')).toBe(true);
    expect(t.outbox).toHaveLength(3);
    // the kept envelopes still hold their own ciphertexts (not overwritten by later shares)
    expect(await deliver(bob, [t.outbox[2]!, t.outbox[0]!])).toEqual(payload);
  });

  it('a share made stale by sealing is not sent', async () => {
    const t = new SerialisingTransport();
    const { alice, bob } = await pair([t]);
    let calls = 0;
    const t0 = Date.now();
    const s = await alice.agent.send({
      to: bob.agent.did,
      payload,
      scope: 'chat',
      security: 'high',
      testing: { now: () => (calls++ === 0 ? t0 : t0 + 10 * 60_000) },
    });
    expect(s.ok ? 'ok' : `${s.error.code}/${s.error.subCode}`).toBe(
      'TIMESTAMP_EXPIRED/STALE_AT_SEND',
    );
    expect(t.sent).toHaveLength(0);
  });
});
