// Xchange parts version 2 (issue 15, docs/formats.md#xchange-parts): one Ed25519 signature per
// message, one verification per group on the receiver, and every later part bound to it.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bytesToHex, decodeShare, hexToBytes, reconstruct } from 'xorida';
import {
  Agent,
  type AgentLogger,
  buildXchangeParts,
  decodeXchangePart,
  type Envelope,
  type EnvelopeJson,
  encodeEnvelope,
  envelopeFromJson,
  envelopeToJson,
  isPendingShares,
  LoopbackTransport,
  MemoryTrustRegistry,
  type ReceiveResult,
  xchangeAad,
} from '../src/index.js';
import { backend } from '../src/lib/crypto/node.js';
import { encodePayload } from '../src/lib/payload.js';
import { flip, makePeer } from './helpers.js';

type R = { ok: true } | { ok: false; error: { code: string; subCode?: string } };
const codeOf = (r: R) =>
  r.ok ? 'ok' : r.error.subCode ? `${r.error.code}:${r.error.subCode}` : r.error.code;
const quiet: AgentLogger = { warn: () => {} };
const pendingOf = (r: { ok: boolean; value?: ReceiveResult }) =>
  r.ok && r.value && isPendingShares(r.value) ? r.value : null;

async function setup() {
  const registry = new MemoryTrustRegistry();
  const base = { registry, transport: new LoopbackTransport() };
  const transports = [1, 2, 3, 4, 5].map(() => new LoopbackTransport());
  const opts = { logger: quiet, xchange: true, scopes: ['chat', 'other'] };
  const alice = await makePeer(1, base, { ...opts, transport: transports });
  const bob = await makePeer(2, base, opts);
  const fresh = () =>
    Agent.fromParts({
      registry,
      transport: new LoopbackTransport(),
      identity: bob.identity,
      logger: quiet,
      xchange: true,
    });
  const send = async (extra: Record<string, unknown> = {}) => {
    const s = await alice.agent.send({
      to: bob.agent.did,
      payload: { n: 1 },
      scope: 'chat',
      xchange: true,
      ...extra,
    });
    if (!s.ok) throw new Error(codeOf(s));
    return s.value.split!.envelopes;
  };
  return { alice, bob, fresh, send };
}

/** A part with `change` applied to its parsed envelope. */
function edit(json: EnvelopeJson, change: (e: Envelope) => Envelope): EnvelopeJson {
  const env = envelopeFromJson(json, 1 << 20);
  if (!env.ok) throw new Error('parse');
  return envelopeToJson(change({ ...env.value, ciphertext: env.value.ciphertext.slice() }));
}

/** Byte offsets inside a 2-of-3 part body: magic 4, version 1, b16 share (66), iv 12, ... */
const AT = { share: 7 + 40, digests: 7 + 66 + 12, ciphertext: 7 + 66 + 12 + 96 + 4 + 5 };

describe('Xchange v2: one signature per message', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('round trips 2-of-3 and 3-of-5 in any order; late parts give no second delivery', async () => {
    const { fresh, send } = await setup();
    for (const [security, order] of [
      ['high', [2, 0, 1]],
      ['critical', [4, 1, 3, 0, 2]],
    ] as const) {
      const envs = await send({ security, payload: { security } });
      const rx = fresh();
      const k = security === 'high' ? 2 : 3;
      for (const [j, i] of order.entries()) {
        const r = await rx.receive(envs[i]);
        if (j < k - 1) expect(pendingOf(r)).toMatchObject({ received: j + 1, delivered: false });
        else if (j === k - 1)
          expect(r.ok && r.value).toMatchObject({ payload: { security }, split: { k } });
        else expect(pendingOf(r)).toMatchObject({ delivered: true });
      }
      // a part replayed after delivery is acknowledged as delivered, never delivered again
      expect(pendingOf(await rx.receive(envs[order[0]!]))).toMatchObject({ delivered: true });
    }
  });

  it('sender makes one signature; receiver verifies exactly one per group', async () => {
    const { alice, fresh, send } = await setup();
    const rx = fresh();
    // warm up: resolving and checking the sender's key document is not part of the count
    const warm = await send();
    await rx.receive(warm[0]);
    await rx.receive(warm[1]);
    const sign = vi.spyOn(alice.identity.signing, 'sign');
    const verify = vi.spyOn(backend, 'ed25519Verify');
    const envs = await send();
    expect(sign).toHaveBeenCalledTimes(1);
    expect(new Set(envs.map((e) => e.signature)).size).toBe(1);
    expect(pendingOf(await rx.receive(envs[1]))).toMatchObject({ received: 1 });
    const done = await rx.receive(envs[0]);
    expect(done.ok && !isPendingShares(done.value)).toBe(true);
    expect(pendingOf(await rx.receive(envs[2]))).toMatchObject({ delivered: true });
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it('refuses a tampered later part; the genuine one still completes the group', async () => {
    const { fresh, send } = await setup();
    const envs = await send();
    const tamper: Record<string, (e: Envelope) => Envelope> = {
      share: (e) => ({ ...e, ciphertext: flip(e.ciphertext, AT.share) }),
      ciphertext: (e) => ({ ...e, ciphertext: flip(e.ciphertext, AT.ciphertext) }),
      'statement digest': (e) => ({ ...e, ciphertext: flip(e.ciphertext, AT.digests) }),
      'own digest': (e) => ({ ...e, ciphertext: flip(e.ciphertext, AT.digests + 32) }),
      nonce: (e) => ({ ...e, nonce: flip(e.nonce, 0) }),
      timestamp: (e) => ({ ...e, timestamp: e.timestamp + 1 }),
      scope: (e) => ({ ...e, scope: 'other' }),
      signature: (e) => ({ ...e, signature: flip(e.signature, 5) }),
    };
    const rx = fresh();
    expect(pendingOf(await rx.receive(envs[0]))).toMatchObject({ received: 1 });
    for (const [what, change] of Object.entries(tamper)) {
      const r = await rx.receive(edit(envs[1]!, change));
      expect([what, codeOf(r)]).toEqual([what, 'VERIFICATION_FAILED:SIGNATURE_MISMATCH']);
    }
    const done = await rx.receive(envs[1]);
    expect(done.ok && done.value).toMatchObject({ payload: { n: 1 } });
  });

  it('refuses a part carrying the statement and signature of another group', async () => {
    const { fresh, send } = await setup();
    const a = await send();
    const b = await send();
    const rx = fresh();
    await rx.receive(a[0]);
    await rx.receive(b[0]);
    const bBody = envelopeFromJson(b[1]!, 1 << 20);
    if (!bBody.ok) throw new Error('parse');
    // a's part 1 with b's digests and signature (a's key share, nonce and ciphertext)
    const mixed = edit(a[1]!, (e) => {
      const body = e.ciphertext;
      body.set(bBody.value.ciphertext.subarray(AT.digests, AT.digests + 96), AT.digests);
      return { ...e, signature: bBody.value.signature };
    });
    expect(codeOf(await rx.receive(mixed))).toBe('VERIFICATION_FAILED:SIGNATURE_MISMATCH');
    // b's part 1 moved to another recipient is refused before any check
    const moved = { ...b[1]!, recipient: a[0]!.sender };
    expect(codeOf(await rx.receive(moved))).toBe('RECIPIENT_MISMATCH');
    expect((await rx.receive(a[1])).ok).toBe(true);
    expect((await rx.receive(b[1])).ok).toBe(true);
  });

  it('replays: a part seen before completion is a replay; version 1 parts are refused', async () => {
    const { fresh, send } = await setup();
    const envs = await send();
    const rx = fresh();
    await rx.receive(envs[0]);
    expect(codeOf(await rx.receive(envs[0]))).toBe('REPLAY_DETECTED');
    const v1 = edit(envs[1]!, (e) => {
      e.ciphertext[4] = 1;
      return e;
    });
    expect(codeOf(await rx.receive(v1))).toBe('INCONSISTENT_SHARES:MALFORMED_SHARE');
  });
});

// Known answers pinned in docs/formats.md#xchange-parts.
const KAT = {
  key: '44'.repeat(32),
  iv: '22'.repeat(12),
  timestamp: 1700000000000,
  shares: [
    '4944413501000100030217c9ed88f5ad9cd732ee6f673b20675600000020000000206fc33790a9f3e0d11b8599ea5490b4917b6b04c1dba76428f14340aa1060bac8',
    '4944413501000101030217c9ed88f5ad9cd732ee6f673b20675600000020000000202b8773d4edb7a4955fc1ddae10d4f0d53f2f40859fe3206cb50704ee5424fe8c',
    '4944413501000102030217c9ed88f5ad9cd732ee6f673b20675600000020000000202b8773d4edb7a4955fc1ddae10d4f0d57b6b04c1dba76428f14340aa1060bac8',
  ],
  statement:
    '584c494e4b2d584348414e47452d53544154454d454e542d563200386469643a6b65793a7a364d6b77437679' +
    '4a337671484d4d42674846686366524e4854756d6b687370565941655a55506831594d7a7a35505800386469' +
    '643a6b65793a7a364d6b705979687436486273355378544666324b6b52335276746651475751467576624733' +
    '67665156524262445472000f7061796d656e74733a6e6f7469667917c9ed88f5ad9cd732ee6f673b20675602' +
    '030000018bcfe56800222222222222222222222222be13496fbaeeff240f64e178c26ac5b6924a88c9157765' +
    '5ca6f3af22670cf78e4fa045768a5b1a5073c6000a1d6bf8361d268a257a1ecabae64e226ac54924ef3f62da' +
    '09abc82f718ad5df00011fc2ec4ab58936fcb506bc967367a0354d6bc7fb2ce136de87aa2a04f9f0dca61591' +
    '3ae37891acb99b5ee5b3ef4dd952b35b6c',
  signature:
    '5668e1c041a96c5f72c68e08327530f0dccb065ab1e4a92290a756eb2414f026fa1786bb0256f2e8eb72f5bb' +
    '365b18d900f06037e50ae2b63a70bacebe5fe308',
  partSha256: [
    '52fdaa5198f866772550ca2dd338abcbe27d925d0df6f1e19db08be549a3d92d',
    '609e3dd0dda343ba23a1775b2240eb96c4ee153b4110523a541fd985a74bc648',
    '1ed0bd2897629daa3f0e2a5c7bf585dc43d1e1fba6f3ffe10c05983d926c7da5',
  ],
};

describe('Xchange v2 known-answer vector', () => {
  it('builds the pinned statement and parts, which a receiver opens', async () => {
    const registry = new MemoryTrustRegistry();
    const base = { registry, transport: new LoopbackTransport() };
    const alice = await makePeer(1, base, { logger: quiet, xchange: true });
    const bob = await makePeer(2, base, { logger: quiet, xchange: true });
    const shares = KAT.shares.map(hexToBytes);
    const decoded = shares.map((s) => {
      const d = decodeShare(s);
      if (!d.ok) throw new Error('share');
      return d.value;
    });
    const key = reconstruct([decoded[0]!, decoded[2]!]);
    expect(key.ok && bytesToHex(key.value)).toBe(KAT.key);
    const pt = encodePayload({ amount: 42 }, 1000);
    if (!pt.ok) throw new Error('payload');
    const groupId = decoded[0]!.groupId;
    const aad = xchangeAad(groupId, 2, 3, alice.agent.did, bob.agent.did, 'payments:notify');
    const iv = hexToBytes(KAT.iv);
    const ciphertext = await backend.aes256GcmSeal(hexToBytes(KAT.key), iv, pt.value, aad);
    const built = buildXchangeParts({
      identity: alice.identity,
      recipientDid: bob.agent.did,
      scope: 'payments:notify',
      shares,
      groupId,
      k: 2,
      iv,
      ciphertext,
      timestamp: KAT.timestamp,
      nonces: [0x10, 0x11, 0x12].map((b) => new Uint8Array(16).fill(b)),
    });
    if (!built.ok) throw new Error(codeOf(built));
    const { statement, envelopes } = built.value;
    const hashes = envelopes.map((e) => bytesToHex(backend.sha256(encodeEnvelope(e))));
    expect(bytesToHex(statement)).toBe(KAT.statement);
    expect(bytesToHex(envelopes[0]!.signature)).toBe(KAT.signature);
    expect(hashes).toEqual(KAT.partSha256);
    const part = decodeXchangePart(envelopes[1]!.ciphertext, 1 << 20);
    expect(part.ok && part.value.share.index).toBe(1);
    // the receiver opens them at the pinned time
    const now = KAT.timestamp;
    await bob.agent.receive(envelopeToJson(envelopes[2]!), { now });
    const r = await bob.agent.receive(envelopeToJson(envelopes[0]!), { now });
    expect(r.ok && r.value).toMatchObject({ payload: { amount: 42 }, timestamp: KAT.timestamp });
    const doc = readFileSync(new URL('../../../docs/formats.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('### Xchange parts'), doc.indexOf('### Relay and'));
    for (const v of [KAT.statement, KAT.signature, ...KAT.partSha256, ...KAT.shares])
      expect(section).toContain(v);
  });
});
