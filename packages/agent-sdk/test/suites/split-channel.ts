import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bytesToHex, encodeShare, hexToBytes, type Result, type Share, split } from 'xorida';
import { xlinkErr } from '../../src/errors.js';
import {
  Agent,
  type AgentLogger,
  type AgentOptions,
  buildSplitSecret,
  buildXchangeParts,
  createEnvelope,
  decideSecurity,
  decodeShareRecord,
  type EnvelopeJson,
  encodeShareRecord,
  envelopeToJson,
  isPendingShares,
  LoopbackTransport,
  MemoryNonceStore,
  MemoryTrustRegistry,
  openSplitSecret,
  type ProgressEvent,
  type ReceiveResult,
  splitTag,
  type TransportAdapter,
  type XlinkErrorDetail,
  xchangeAad,
} from '../../src/index.js';
import { backend } from '../../src/lib/crypto/node.js';
import { encodePayload } from '../../src/lib/payload.js';
import { writeShareRecordHead } from '../../src/split-channel/share-record.js';
import { flip, makePeer, type Peer } from '../helpers.js';

type R = { ok: true } | { ok: false; error: { code: string; subCode?: string } };
const codeOf = (r: R) =>
  r.ok ? 'ok' : r.error.subCode ? `${r.error.code}:${r.error.subCode}` : r.error.code;

/** A transport that refuses everything. */
class DroppingTransport implements TransportAdapter {
  attempts = 0;
  async send(): Promise<Result<void, XlinkErrorDetail>> {
    this.attempts++;
    return xlinkErr('NETWORK_ERROR', 'down', 'retry');
  }
}

const quiet: AgentLogger = { warn: () => {} };

async function setup(
  opts: Partial<AgentOptions> = {},
  transports: TransportAdapter[] = [
    new LoopbackTransport(),
    new LoopbackTransport(),
    new LoopbackTransport(),
  ],
) {
  const registry = new MemoryTrustRegistry();
  const base = { registry, transport: new LoopbackTransport() };
  const alice = await makePeer(1, base, { logger: quiet, ...opts, transport: transports });
  const bob = await makePeer(2, base, { logger: quiet, ...opts });
  return { registry, alice, bob, transports };
}

/** A fresh receiver instance with Bob's identity (own nonce store and share buffer). */
function bobAgain(bob: Peer, registry: MemoryTrustRegistry, opts: Partial<AgentOptions> = {}) {
  return Agent.fromParts({
    registry,
    transport: new LoopbackTransport(),
    identity: bob.identity,
    logger: quiet,
    ...opts,
  });
}

async function sendOk(a: Agent, to: Agent, extra: Record<string, unknown> = {}) {
  const s = await a.send({ to: to.did, payload: { n: 1 }, scope: 'chat', ...extra });
  if (!s.ok) throw new Error(codeOf(s));
  return s.value;
}

function subsets<T>(items: T[], size: number): T[][] {
  if (size === 0) return [[]];
  if (items.length < size) return [];
  const [head, ...rest] = items;
  return [...subsets(rest, size - 1).map((s) => [head!, ...s]), ...subsets(rest, size)];
}

function pendingOf(r: { ok: boolean; value?: ReceiveResult }) {
  return r.ok && r.value && isPendingShares(r.value) ? r.value : null;
}

/** Share envelopes built by hand with the sender's real keys (for tamper tests). */
async function craft(
  from: Peer,
  to: Agent,
  opts: {
    payload?: Record<string, unknown>;
    scope?: string;
    tagScope?: string;
    k?: number;
    n?: number;
    mutate?: (shares: Share[]) => Share[];
  } = {},
): Promise<EnvelopeJson[]> {
  const k = opts.k ?? 2;
  const n = opts.n ?? 3;
  const scope = opts.scope ?? 'chat';
  const plaintext = encodePayload(opts.payload ?? { n: 1 }, 1 << 20);
  if (!plaintext.ok) throw new Error('payload');
  const secret = buildSplitSecret(plaintext.value, {
    k,
    n,
    sender: from.identity.did,
    recipient: to.did,
    scope: opts.tagScope ?? scope,
  });
  const shares = split(secret, { threshold: k, shares: n });
  if (!shares.ok) throw new Error('split');
  const list = opts.mutate ? opts.mutate(shares.value) : shares.value;
  const out: EnvelopeJson[] = [];
  for (const s of list) {
    const env = await createEnvelope({
      sender: from.identity,
      recipient: to.keyDocument,
      version: 2,
      scope,
      plaintext: encodeShareRecord(s),
    });
    if (!env.ok) throw new Error(env.error.code);
    out.push(envelopeToJson(env.value));
  }
  return out;
}

export function splitChannelSuite(): void {
  describe('split-channel mode', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('2-of-3 over three transports: pending, then the message once, then delivered', async () => {
      const { alice, bob, transports } = await setup();
      const events: ProgressEvent[] = [];
      const s = await alice.agent.send({
        to: bob.agent.did,
        payload: { text: 'hi', amount: 3 },
        scope: 'chat',
        security: 'high',
        onProgress: (e) => {
          events.push(e);
        },
      });
      expect(codeOf(s)).toBe('ok');
      if (!s.ok) return;
      expect(s.value.split).toMatchObject({ mode: 'split-channel', k: 2, n: 3, failed: [] });
      expect(s.value.split!.delivered).toEqual([0, 1, 2]);
      expect(s.value.security).toMatchObject({ level: 'high', reason: 'explicit' });
      // share i went to transport i
      const outs = transports.map((t) => (t as LoopbackTransport).outbox);
      expect(outs.map((o) => o.length)).toEqual([1, 1, 1]);
      expect(outs.map((o) => o[0]!.nonce)).toEqual(s.value.split!.envelopes.map((e) => e.nonce));
      expect(events.map((e) => `${e.stage}:${e.current}/${e.total}`)).toEqual([
        'splitting:1/1',
        'sending:1/3',
        'sending:2/3',
        'sending:3/3',
        'complete:1/1',
      ]);
      const recv: ProgressEvent[] = [];
      const onProgress = (e: ProgressEvent) => {
        recv.push(e);
      };
      const r1 = await bob.agent.receive(outs[2]![0], { onProgress });
      expect(pendingOf(r1)).toMatchObject({
        received: 1,
        threshold: 2,
        total: 3,
        delivered: false,
      });
      const r2 = await bob.agent.receive(outs[0]![0], { onProgress });
      expect(r2.ok && !isPendingShares(r2.value) && r2.value).toMatchObject({
        status: 'complete',
        sender: alice.agent.did,
        payload: { text: 'hi', amount: 3 },
        version: 2,
        split: { mode: 'split-channel', k: 2, n: 3, indices: [0, 2] },
      });
      expect(recv.filter((e) => e.stage === 'reconstructing')).toEqual([
        { stage: 'reconstructing', current: 2, total: 2 },
      ]);
      // the late share is recognised by its derived nonce and acknowledged without decryption:
      // even a damaged copy of it is only acknowledged, never opened
      const lateCopy = { ...outs[1]![0]!, ciphertext: outs[0]![0]!.ciphertext };
      const r3 = await bob.agent.receive(lateCopy);
      expect(pendingOf(r3)).toMatchObject({ delivered: true, groupId: s.value.split!.groupId });
      expect(pendingOf(await bob.agent.receive(outs[1]![0]))).toMatchObject({ delivered: true });
      // a receiver that never saw the late nonces runs the full pipeline on the damaged copy
      const other = bobAgain(bob, bob.agent.registry as MemoryTrustRegistry);
      expect(codeOf(await other.receive(lateCopy))).toBe('VERIFICATION_FAILED:SIGNATURE_MISMATCH');
      // per-share replay
      expect(codeOf(await bob.agent.receive(outs[0]![0]))).toBe('REPLAY_DETECTED');
      expect(bob.agent.pendingShareStats()).toMatchObject({ groups: 0, bytes: 0 });
    });

    it('every k-subset reconstructs and no (k-1)-subset yields a message (2-of-3, 3-of-5)', async () => {
      for (const [level, k, n] of [
        ['high', 2, 3],
        ['critical', 3, 5],
      ] as const) {
        const ts = Array.from({ length: n }, () => new LoopbackTransport());
        const { registry, alice, bob } = await setup({}, ts);
        const s = await sendOk(alice.agent, bob.agent, {
          security: level,
          payload: { level, big: 'x'.repeat(300) },
        });
        const envs = s.split!.envelopes;
        expect(envs).toHaveLength(n);
        const idx = Array.from({ length: n }, (_, i) => i);
        for (const sub of subsets(idx, k)) {
          const rx = bobAgain(bob, registry);
          const results = [];
          for (const i of [...sub].reverse()) results.push(await rx.receive(envs[i]));
          const last = results.at(-1)!;
          expect(last.ok && !isPendingShares(last.value) && last.value.payload).toEqual({
            level,
            big: 'x'.repeat(300),
          });
          for (const r of results.slice(0, -1)) expect(pendingOf(r)).not.toBeNull();
        }
        for (const sub of subsets(idx, k - 1)) {
          const rx = bobAgain(bob, registry);
          for (const i of sub) {
            const r = await rx.receive(envs[i]);
            expect(pendingOf(r)).toMatchObject({ delivered: false });
          }
        }
      }
    });

    it('property: any payload, any k-of-n, any arrival order with repeats gives the message once', async () => {
      const ts = Array.from({ length: 5 }, () => new LoopbackTransport());
      const { registry, alice, bob } = await setup({}, ts);
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ minLength: 0, maxLength: 600 }),
          fc.constantFrom('high', 'critical'),
          fc.array(fc.nat(20), { minLength: 1, maxLength: 12 }),
          async (bytes, level, picks) => {
            const s = await alice.agent.send({
              to: bob.agent.did,
              payload: bytes,
              scope: 'p',
              security: level,
            });
            if (!s.ok) return false;
            const envs = s.value.split!.envelopes;
            const k = s.value.split!.k;
            const rx = bobAgain(bob, registry);
            const order = [...picks.map((p) => p % envs.length), ...envs.keys()];
            const seen = new Set<number>();
            let messages = 0;
            for (const i of order) {
              const r = await rx.receive(envs[i]);
              if (seen.has(i)) {
                // a share combined into the message is a replay; a late one stays acknowledged
                const used = [...seen].slice(0, k).includes(i);
                if (used ? codeOf(r) !== 'REPLAY_DETECTED' : !pendingOf(r)?.delivered) return false;
                continue;
              }
              seen.add(i);
              if (!r.ok) return false;
              if (isPendingShares(r.value)) {
                if (seen.size === k && !r.value.delivered) return false;
                continue;
              }
              messages++;
              if (seen.size !== k) return false;
              expect(r.value.payload).toEqual(bytes);
            }
            return messages === 1 && rx.pendingShareStats().groups === 0;
          },
        ),
        { numRuns: 25 },
      );
    });

    it('a share altered by its (authenticated) sender fails the integrity tag', async () => {
      const { registry, alice, bob } = await setup();
      // Any bit of a share payload changes the reconstructed r, tag, plaintext or padding.
      for (const at of [0, 40, 70, -1]) {
        const envs = await craft(alice, bob.agent, {
          payload: { amount: 100 },
          mutate: (sh) =>
            sh.map((s, i) =>
              i === 1
                ? { ...s, payload: flip(s.payload, at < 0 ? s.payload.length + at : at, 4) }
                : s,
            ),
        });
        const rx = bobAgain(bob, registry);
        expect(pendingOf(await rx.receive(envs[0]))).not.toBeNull();
        expect(codeOf(await rx.receive(envs[1]))).toMatch(/^HMAC_VERIFICATION_FAILED/);
        expect(rx.pendingShareStats().groups).toBe(0);
      }
      // Tag computed for another scope than the envelopes carry.
      const envs = await craft(alice, bob.agent, { scope: 'chat', tagScope: 'other' });
      const rx = bobAgain(bob, registry);
      await rx.receive(envs[0]);
      expect(codeOf(await rx.receive(envs[2]))).toBe('HMAC_VERIFICATION_FAILED:TAG_MISMATCH');
      // A bit flipped in transit breaks the envelope signature first.
      const s = await sendOk(alice.agent, bob.agent, { security: 'high' });
      const env = { ...s.split!.envelopes[0]! };
      const ct = env.ciphertext;
      env.ciphertext = `${ct.slice(0, 10)}${ct[10] === 'A' ? 'B' : 'A'}${ct.slice(11)}`;
      expect(codeOf(await bob.agent.receive(env))).toBe('VERIFICATION_FAILED:SIGNATURE_MISMATCH');
    });

    it('shares of two messages do not mix', async () => {
      const { registry, alice, bob } = await setup();
      const a = await sendOk(alice.agent, bob.agent, { security: 'high', payload: { m: 'A' } });
      const b = await sendOk(alice.agent, bob.agent, { security: 'high', payload: { m: 'B' } });
      expect(a.split!.groupId).not.toBe(b.split!.groupId);
      const rx = bobAgain(bob, registry);
      expect(pendingOf(await rx.receive(a.split!.envelopes[0]))).toMatchObject({ received: 1 });
      expect(pendingOf(await rx.receive(b.split!.envelopes[1]))).toMatchObject({ received: 1 });
      expect(rx.pendingShareStats().groups).toBe(2);
      const rb = await rx.receive(b.split!.envelopes[2]);
      expect(rb.ok && rb.value.payload).toEqual({ m: 'B' });
      const ra = await rx.receive(a.split!.envelopes[1]);
      expect(ra.ok && ra.value.payload).toEqual({ m: 'A' });
      // Shares of two different splits relabelled to one groupId by a (signing) sender.
      let first: Share | undefined;
      await craft(alice, bob.agent, {
        mutate: (sh) => {
          first = sh[0];
          return sh;
        },
      });
      const mixed = await craft(alice, bob.agent, {
        mutate: (sh) => [first!, { ...sh[1]!, groupId: first!.groupId }],
      });
      const rx2 = bobAgain(bob, registry);
      await rx2.receive(mixed[0]);
      expect(codeOf(await rx2.receive(mixed[1]))).toMatch(/^HMAC_VERIFICATION_FAILED/);
      // Same groupId, different parameters: inconsistent.
      const odd = await craft(alice, bob.agent, {
        k: 2,
        n: 4,
        mutate: (sh) => [first!, { ...sh[1]!, groupId: first!.groupId }],
      });
      const rx3 = bobAgain(bob, registry);
      await rx3.receive(odd[0]);
      expect(codeOf(await rx3.receive(odd[1]))).toBe('INCONSISTENT_SHARES:PARAMETER_MISMATCH');
      expect(rx3.pendingShareStats().groups).toBe(0);
    });

    it('out-of-order and duplicated arrival', async () => {
      const { registry, alice, bob } = await setup();
      const s = await sendOk(alice.agent, bob.agent, {
        security: 'critical',
        payload: { x: 1 },
      });
      const envs = s.split!.envelopes;
      expect(envs).toHaveLength(5);
      const rx = bobAgain(bob, registry);
      expect(pendingOf(await rx.receive(envs[4]))).toMatchObject({ received: 1 });
      // the same envelope again: per-share replay protection
      expect(codeOf(await rx.receive(envs[4]))).toBe('REPLAY_DETECTED');
      expect(pendingOf(await rx.receive(envs[1]))).toMatchObject({ received: 2 });
      const r = await rx.receive(envs[3]);
      expect(r.ok && r.value.payload).toEqual({ x: 1 });
      expect(r.ok && r.value.split?.indices).toEqual([1, 3, 4]);
      for (const i of [0, 2])
        expect(pendingOf(await rx.receive(envs[i]))).toMatchObject({ delivered: true });
    });

    it('a duplicate share index in a new envelope is ignored', async () => {
      const { registry, alice, bob } = await setup();
      let kept: Share[] = [];
      const envs = await craft(alice, bob.agent, {
        k: 3,
        n: 5,
        payload: { d: 1 },
        mutate: (sh) => {
          kept = sh.map((s) => ({ ...s, payload: s.payload.slice() }));
          return sh;
        },
      });
      const rx = bobAgain(bob, registry);
      expect(pendingOf(await rx.receive(envs[3]))).toMatchObject({ received: 1 });
      const resent = await createEnvelope({
        sender: alice.identity,
        recipient: bob.agent.keyDocument,
        version: 2,
        scope: 'chat',
        plaintext: encodeShareRecord(kept[3]!),
      });
      if (!resent.ok) throw new Error('seal');
      expect(pendingOf(await rx.receive(envelopeToJson(resent.value)))).toMatchObject({
        received: 1,
        duplicate: true,
      });
      expect(pendingOf(await rx.receive(envs[0]))).toMatchObject({ received: 2 });
      const r = await rx.receive(envs[2]);
      expect(r.ok && r.value.payload).toEqual({ d: 1 });
      expect(r.ok && r.value.split?.indices).toEqual([0, 2, 3]);
    });

    it('one dropped transport still delivers a 2-of-3; two dropped give BELOW_THRESHOLD', async () => {
      const dead = new DroppingTransport();
      const { alice, bob, transports } = await setup({}, [
        new LoopbackTransport(),
        dead,
        new LoopbackTransport(),
      ]);
      const s = await sendOk(alice.agent, bob.agent, { security: 'high', payload: { ok: 1 } });
      expect(s.split!.delivered).toEqual([0, 2]);
      expect(s.split!.failed).toEqual([{ index: 1, transport: 1, code: 'NETWORK_ERROR' }]);
      const t0 = transports[0] as LoopbackTransport;
      const t2 = transports[2] as LoopbackTransport;
      expect(pendingOf(await bob.agent.receive(t0.outbox[0]))).not.toBeNull();
      const r = await bob.agent.receive(t2.outbox[0]);
      expect(r.ok && r.value.payload).toEqual({ ok: 1 });

      const two = await setup({}, [new LoopbackTransport(), new DroppingTransport(), dead]);
      const f = await two.alice.agent.send({
        to: two.bob.agent.did,
        payload: { ok: 1 },
        scope: 'chat',
        security: 'high',
      });
      expect(codeOf(f)).toBe('SEND_FAILED:BELOW_THRESHOLD');
      expect(!f.ok && f.error.message).toMatch(/share 1 via transport 1: NETWORK_ERROR/);
      expect(!f.ok && f.error.message).toMatch(/share 2 via transport 2: NETWORK_ERROR/);
      // a transport that throws counts as a failure too
      const throwing: TransportAdapter = {
        send: () => Promise.reject(new Error('boom')),
      };
      const three = await setup({}, [throwing]);
      expect(
        codeOf(
          await three.alice.agent.send({
            to: three.bob.agent.did,
            payload: {},
            scope: 'chat',
            security: 'high',
          }),
        ),
      ).toBe('SEND_FAILED:BELOW_THRESHOLD');
    });

    it('warns once (logger hook) when there are fewer transports than shares', async () => {
      const warnings: string[] = [];
      const single = new LoopbackTransport();
      const { alice, bob } = await setup({ logger: { warn: (e) => warnings.push(e) } }, [single]);
      await sendOk(alice.agent, bob.agent, { security: 'high' });
      await sendOk(alice.agent, bob.agent, { security: 'critical' });
      await sendOk(alice.agent, bob.agent, {});
      expect(warnings).toEqual(['split-channel.shared-transport']);
      expect(single.outbox).toHaveLength(3 + 5 + 1);
    });

    it('concurrent receives of every share give exactly one message', async () => {
      const { registry, alice, bob } = await setup();
      for (const level of ['high', 'critical'] as const) {
        const s = await sendOk(alice.agent, bob.agent, { security: level, payload: { c: level } });
        const rx = bobAgain(bob, registry);
        const all = await Promise.all(s.split!.envelopes.map((e) => rx.receive(e)));
        const messages = all.filter((r) => r.ok && !isPendingShares(r.value));
        expect(messages).toHaveLength(1);
        expect(messages[0]!.ok && messages[0]!.value.payload).toEqual({ c: level });
        expect(all.every((r) => r.ok)).toBe(true);
        expect(rx.pendingShareStats().groups).toBe(0);
      }
    });

    it('routes share i to transports[i % length] (3 shares over 2 transports: 0, 1, 0)', async () => {
      const t0 = new LoopbackTransport();
      const t1 = new LoopbackTransport();
      const { alice, bob } = await setup({}, [t0, t1]);
      const s = await sendOk(alice.agent, bob.agent, { security: 'high' });
      const nonces = s.split!.envelopes.map((e) => e.nonce);
      expect(t0.outbox.map((e) => e.nonce)).toEqual([nonces[0], nonces[2]]);
      expect(t1.outbox.map((e) => e.nonce)).toEqual([nonces[1]]);
    });

    it('the per-group record survives a receiver restart that keeps its nonce store', async () => {
      const { registry, alice, bob } = await setup();
      const store = new MemoryNonceStore();
      const s = await sendOk(alice.agent, bob.agent, {
        security: 'critical',
        payload: { once: 1 },
      });
      const envs = s.split!.envelopes;
      const before = bobAgain(bob, registry, { nonceStore: store });
      for (const i of [0, 1]) await before.receive(envs[i]);
      const m = await before.receive(envs[2]);
      expect(m.ok && m.value.payload).toEqual({ once: 1 });
      // new process, same (persistent) nonce store: the remaining shares never re-deliver
      const after = bobAgain(bob, registry, { nonceStore: store });
      expect(pendingOf(await after.receive(envs[3]))).toMatchObject({ delivered: true });
      expect(pendingOf(await after.receive(envs[4]))).toMatchObject({ delivered: true });
      expect(codeOf(await after.receive(envs[0]))).toBe('REPLAY_DETECTED');
      expect(after.pendingShareStats().groups).toBe(0);
    });

    it('buffers stay bounded under a flood of orphan shares', async () => {
      const ts = [new LoopbackTransport(), new LoopbackTransport(), new LoopbackTransport()];
      const { registry, alice, bob } = await setup({}, ts);
      const carol = await makePeer(
        3,
        { registry, transport: new LoopbackTransport() },
        {
          logger: quiet,
          transport: [new LoopbackTransport(), new LoopbackTransport()],
        },
      );
      const rx = bobAgain(bob, registry, {
        splitChannel: { maxGroupsPerSender: 5, maxBufferedBytesPerSender: 64 * 1024 },
      });
      const codes: string[] = [];
      for (let i = 0; i < 40; i++) {
        const s = await sendOk(alice.agent, bob.agent, {
          security: 'high',
          payload: { i, pad: 'p'.repeat(200) },
        });
        const r = await rx.receive(s.split!.envelopes[0]);
        codes.push(pendingOf(r) ? 'pending' : codeOf(r));
      }
      expect(codes.slice(0, 5)).toEqual(Array(5).fill('pending'));
      expect(new Set(codes.slice(5))).toEqual(new Set(['PAYLOAD_TOO_LARGE:SHARE_BUFFER_FULL']));
      const stats = rx.pendingShareStats(alice.agent.did);
      expect(stats.groups).toBe(5);
      expect(stats.senderBytes).toBeLessThanOrEqual(64 * 1024);
      // another sender has its own budget
      const c = await carol.agent.send({
        to: bob.agent.did,
        payload: { c: 1 },
        scope: 'chat',
        security: 'high',
      });
      expect(c.ok).toBe(true);
      if (!c.ok) return;
      expect(pendingOf(await rx.receive(c.value.split!.envelopes[0]))).not.toBeNull();
      // byte budget: large shares hit the byte bound before the group bound
      const rxBytes = bobAgain(bob, registry, {
        splitChannel: { maxBufferedBytesPerSender: 5000 },
      });
      const out: string[] = [];
      for (let i = 0; i < 10; i++) {
        const s = await sendOk(alice.agent, bob.agent, {
          security: 'high',
          payload: { big: 'b'.repeat(1500) },
        });
        const r = await rxBytes.receive(s.split!.envelopes[1]);
        out.push(pendingOf(r) ? 'pending' : codeOf(r));
      }
      expect(out.filter((x) => x === 'pending').length).toBe(3);
      expect(rxBytes.pendingShareStats(alice.agent.did).senderBytes).toBeLessThanOrEqual(5000);
    });

    it('incomplete groups expire after the group timeout and their buffers are dropped', async () => {
      vi.useFakeTimers({ now: 1_700_000_000_000 });
      const events: string[] = [];
      const { registry, alice, bob } = await setup();
      const rx = bobAgain(bob, registry, {
        splitChannel: { groupTimeoutMs: 5_000 },
        logger: { info: (e) => events.push(e), warn: () => {} },
      });
      const s = await sendOk(alice.agent, bob.agent, { security: 'high', payload: { t: 1 } });
      const envs = s.split!.envelopes;
      expect(pendingOf(await rx.receive(envs[0]))).toMatchObject({ received: 1 });
      expect(rx.pendingShareStats().groups).toBe(1);
      vi.advanceTimersByTime(4_999);
      expect(rx.pendingShareStats().groups).toBe(1);
      vi.advanceTimersByTime(2);
      expect(rx.pendingShareStats()).toMatchObject({ groups: 0, bytes: 0 });
      expect(events).toEqual(['split-channel.group-expired']);
      // the second share now starts a new group instead of completing the dropped one
      expect(pendingOf(await rx.receive(envs[1]))).toMatchObject({ received: 1 });
      // default timeout is 30 s
      const rx2 = bobAgain(bob, registry);
      const s2 = await sendOk(alice.agent, bob.agent, { security: 'high' });
      await rx2.receive(s2.split!.envelopes[2]);
      vi.advanceTimersByTime(29_999);
      expect(rx2.pendingShareStats().groups).toBe(1);
      vi.advanceTimersByTime(2);
      expect(rx2.pendingShareStats().groups).toBe(0);
    });

    it('an injectable clock expires groups lazily too', async () => {
      let now = 1_700_000_000_000;
      const { registry, alice, bob } = await setup();
      const rx = bobAgain(bob, registry, {
        splitChannel: { groupTimeoutMs: 1_000, now: () => now },
      });
      const a = await sendOk(alice.agent, bob.agent, {
        security: 'high',
        testing: { timestamp: now },
      });
      await rx.receive(a.split!.envelopes[0], { now });
      now += 1_001;
      const b = await sendOk(alice.agent, bob.agent, {
        security: 'high',
        testing: { timestamp: now },
      });
      await rx.receive(b.split!.envelopes[0], { now });
      expect(rx.pendingShareStats().groups).toBe(1);
      expect(pendingOf(await rx.receive(a.split!.envelopes[1], { now }))).toMatchObject({
        received: 1,
      });
    });

    it('v3 share envelopes where both sides have ML-DSA-65', async () => {
      const { alice, bob } = await setup({ postQuantumSig: true });
      const s = await sendOk(alice.agent, bob.agent, { security: 'high', payload: { pq: 1 } });
      expect(s.split!.envelopes.map((e) => e.version)).toEqual([3, 3, 3]);
      await bob.agent.receive(s.split!.envelopes[1]);
      const r = await bob.agent.receive(s.split!.envelopes[2]);
      expect(r.ok && r.value).toMatchObject({ version: 3, payload: { pq: 1 } });
    });

    it('payloads close to maxPayloadBytes split and reconstruct', async () => {
      const { alice, bob } = await setup({ maxPayloadBytes: 2000 });
      const payload = new Uint8Array(2000).fill(7);
      const s = await alice.agent.send({
        to: bob.agent.did,
        payload,
        scope: 'blob',
        security: 'critical',
      });
      expect(codeOf(s)).toBe('ok');
      if (!s.ok) return;
      const envs = s.value.split!.envelopes;
      await bob.agent.receive(envs[0]);
      await bob.agent.receive(envs[1]);
      const r = await bob.agent.receive(envs[2]);
      expect(r.ok && r.value.payload).toEqual(payload);
      // an ordinary envelope over the receiver's limit is still refused
      const small = bobAgain(bob, bob.agent.registry as MemoryTrustRegistry, {
        maxPayloadBytes: 1990,
      });
      const one = await alice.agent.send({
        to: bob.agent.did,
        payload,
        scope: 'blob',
        security: 'standard',
      });
      expect(one.ok && codeOf(await small.receive(one.value.envelope))).toBe('PAYLOAD_TOO_LARGE');
      const sh = await alice.agent.send({
        to: bob.agent.did,
        payload,
        scope: 'blob',
        security: 'high',
      });
      expect(sh.ok && codeOf(await small.receive(sh.value.split!.envelopes[0]))).toBe(
        'PAYLOAD_TOO_LARGE',
      );
    });

    it('the auto policy escalates high-risk messages and nothing else', async () => {
      const d = (input: Parameters<typeof decideSecurity>[0], p = {}) => {
        const r = decideSecurity(input, p);
        return r.ok ? `${r.value.level}:${r.value.k}/${r.value.n}:${r.value.reason}` : codeOf(r);
      };
      expect(d({ payload: { amount: 10 }, scope: 'payments' })).toBe('standard:1/1:default');
      expect(d({ payload: { amount: 10_000 }, scope: 'payments' })).toBe('standard:1/1:default');
      expect(d({ payload: { amount: 500_000, action: 'transfer' }, scope: 'payments' })).toBe(
        'high:2/3:amount',
      );
      expect(d({ payload: { amount: '999999' }, scope: 'payments' })).toBe('standard:1/1:default');
      expect(d({ payload: {}, scope: 'custody' })).toBe('high:2/3:scope');
      expect(d({ payload: {}, scope: 'classified:read' })).toBe('high:2/3:scope');
      expect(d({ payload: {}, scope: 'custodyx' })).toBe('standard:1/1:default');
      expect(d({ payload: {}, scope: 's', action: 'execute' })).toBe('high:2/3:action');
      expect(d({ payload: { action: 'execute' }, scope: 's' })).toBe('high:2/3:action');
      expect(d({ payload: new Uint8Array(3), scope: 'custody' })).toBe('high:2/3:scope');
      expect(d({ payload: { amount: 1e9 }, scope: 's', security: 'standard' })).toBe(
        'standard:1/1:explicit',
      );
      expect(d({ payload: {}, scope: 's', security: 'critical' })).toBe('critical:3/5:explicit');
      expect(d({ payload: {}, scope: 's', splitChannel: true })).toBe('high:2/3:deprecated-flag');
      expect(
        d({ payload: {}, scope: 's', splitChannelConfig: { totalShares: 4, threshold: 3 } }),
      ).toBe('critical:3/4:deprecated-flag');
      expect(
        d({ payload: {}, scope: 's', splitChannelConfig: { totalShares: 3, threshold: 4 } }),
      ).toBe('INVALID_OPTIONS');
      expect(d({ payload: {}, scope: 's', security: 'max' as never })).toBe('INVALID_OPTIONS');
      expect(d({ payload: {}, scope: 's', xchange: true })).toBe('high:2/3:xchange');
      // configurable rules
      const p = {
        amountThreshold: 5,
        sensitiveScopes: ['phi'],
        criticalActions: ['wire'],
        escalateTo: 'critical' as const,
      };
      expect(d({ payload: { amount: 6 }, scope: 's' }, p)).toBe('critical:3/5:amount');
      expect(d({ payload: {}, scope: 'phi:lab' }, p)).toBe('critical:3/5:scope');
      expect(d({ payload: {}, scope: 'custody' }, p)).toBe('standard:1/1:default');
      expect(d({ payload: {}, scope: 's', action: 'wire' }, p)).toBe('critical:3/5:action');
      // through the Agent
      const { alice, bob } = await setup({ security: { amountThreshold: 100 } });
      const hi = await sendOk(alice.agent, bob.agent, { payload: { amount: 101 } });
      expect(hi.split).toMatchObject({ k: 2, n: 3 });
      const lo = await sendOk(alice.agent, bob.agent, { payload: { amount: 100 } });
      expect(lo.split).toBeUndefined();
      expect(lo.security?.level).toBe('standard');
      const r = await bob.agent.receive(lo.envelope);
      expect(r.ok && r.value.payload).toEqual({ amount: 100 });
      const dep = await sendOk(alice.agent, bob.agent, { splitChannel: true });
      expect(dep.split?.n).toBe(3);
      expect(
        codeOf(
          await Agent.create({
            registry: new MemoryTrustRegistry(),
            transport: new LoopbackTransport(),
            security: { escalateTo: 'max' as never },
          }),
        ),
      ).toBe('INVALID_OPTIONS');
    });

    it('integrity tag and share record known answers (docs/formats.md)', () => {
      const tag = splitTag(
        new Uint8Array(32).fill(0x44),
        {
          k: 2,
          n: 3,
          sender: 'did:key:z6MkwCvyJ3vqHMMBgHFhcfRNHTumkhspVYAeZUPh1YMzz5PX',
          recipient: 'did:key:z6MkpYyht6Hbs5SxTFf2KkR3RvtfQGWQFuvbG3gfQVRBbDTr',
          scope: 'payments:notify',
        },
        Uint8Array.from([0x01, ...new TextEncoder().encode('{"amount":42}')]),
      );
      expect(bytesToHex(tag)).toBe(KAT_TAG);
      // in place (memory path of send.ts and receive.ts): the same tag, the plaintext intact
      const ctx = {
        k: 2,
        n: 3,
        sender: 'did:key:z6MkwCvyJ3vqHMMBgHFhcfRNHTumkhspVYAeZUPh1YMzz5PX',
        recipient: 'did:key:z6MkpYyht6Hbs5SxTFf2KkR3RvtfQGWQFuvbG3gfQVRBbDTr',
        scope: 'payments:notify',
      };
      const pt = Uint8Array.from([0x01, ...new TextEncoder().encode('{"amount":42}')]);
      const roomy = new Uint8Array(512 + pt.length).subarray(512);
      roomy.set(pt);
      expect(bytesToHex(splitTag(new Uint8Array(32).fill(0x44), ctx, roomy, true))).toBe(KAT_TAG);
      expect(roomy).toEqual(pt);
      const r44 = new Uint8Array(32).fill(0x44);
      const copied = buildSplitSecret(pt, ctx, r44);
      const inPlace = buildSplitSecret(roomy, ctx, r44, true);
      expect(inPlace.buffer).toBe(roomy.buffer);
      expect(inPlace).toEqual(copied);
      const opened = openSplitSecret(inPlace, ctx, true);
      expect(opened.ok && opened.value).toEqual(pt);
      expect(opened.ok && opened.value.buffer).toBe(roomy.buffer);
      copied[40] = copied[40]! ^ 1;
      expect(codeOf(openSplitSecret(copied, ctx, true))).toBe(
        'HMAC_VERIFICATION_FAILED:TAG_MISMATCH',
      );
      // a record laid out around its payload (send.ts) is the encoded record
      const laid = new Uint8Array(2 + 34 + 4);
      laid.subarray(36).fill(0x66);
      writeShareRecordHead(laid, {
        index: 1,
        k: 2,
        n: 3,
        groupId: new Uint8Array(16).fill(0x55),
        originalLength: 4,
        payload: laid.subarray(36),
      });
      expect(bytesToHex(laid)).toBe(KAT_RECORD);
      const view = decodeShareRecord(laid, true);
      expect(view.ok && view.value.payload.buffer).toBe(laid.buffer);
      const record = encodeShareRecord({
        index: 1,
        k: 2,
        n: 3,
        groupId: new Uint8Array(16).fill(0x55),
        originalLength: 4,
        payload: new Uint8Array(4).fill(0x66),
      });
      expect(bytesToHex(record)).toBe(KAT_RECORD);
      const back = decodeShareRecord(hexToBytes(KAT_RECORD));
      expect(back.ok && back.value.index).toBe(1);
      expect(codeOf(decodeShareRecord(hexToBytes(`${KAT_RECORD}00`)))).toBe(
        'INCONSISTENT_SHARES:MALFORMED_SHARE',
      );
      expect(codeOf(decodeShareRecord(hexToBytes(KAT_RECORD.replace(/^0301/, '0302'))))).toBe(
        'INCONSISTENT_SHARES:MALFORMED_SHARE',
      );
    });
  });

  describe('Xchange mode', () => {
    async function xsetup() {
      return setup({ xchange: true });
    }

    it('round trip 2-of-3 over three transports; parts are signed-only envelopes', async () => {
      const { alice, bob, transports } = await xsetup();
      const s = await alice.agent.send({
        to: bob.agent.did,
        payload: { reading: 22.5 },
        scope: 'telemetry',
        xchange: true,
      });
      expect(codeOf(s)).toBe('ok');
      if (!s.ok) return;
      expect(s.value.split).toMatchObject({ mode: 'xchange', k: 2, n: 3 });
      const envs = s.value.split!.envelopes;
      expect(envs.every((e) => e.alg === 'SIGNED-ONLY+Ed25519' && e.kem === '')).toBe(true);
      expect(transports.map((t) => (t as LoopbackTransport).outbox.length)).toEqual([1, 1, 1]);
      // the payload is not readable from one part
      expect(JSON.stringify(envs)).not.toContain('22.5');
      const p = await bob.agent.receive(envs[1]);
      expect(pendingOf(p)).toMatchObject({ mode: 'xchange', received: 1 });
      const r = await bob.agent.receive(envs[0]);
      expect(r.ok && r.value).toMatchObject({
        payload: { reading: 22.5 },
        cleartext: false,
        split: { mode: 'xchange', indices: [0, 1] },
      });
      expect(pendingOf(await bob.agent.receive(envs[2]))).toMatchObject({ delivered: true });
      // a late part of a delivered group is only acknowledged (even when its signature is bad),
      // while the same damage to a part of an undelivered group is caught by the signature
      const late = { ...envs[2]!, signature: envs[0]!.signature };
      expect(pendingOf(await bob.agent.receive(late))).toMatchObject({ delivered: true });
      const fresh = await sendOk(alice.agent, bob.agent, { xchange: true });
      const forged = { ...fresh.split!.envelopes[2]!, signature: envs[0]!.signature };
      expect(codeOf(await bob.agent.receive(forged))).toBe(
        'VERIFICATION_FAILED:SIGNATURE_MISMATCH',
      );
      const crit = await sendOk(alice.agent, bob.agent, { xchange: true, security: 'critical' });
      expect(crit.split).toMatchObject({ mode: 'xchange', k: 3, n: 5 });
    });

    it('tampered parts are refused; both sides must opt in', async () => {
      const { registry, alice, bob } = await xsetup();
      const s = await sendOk(alice.agent, bob.agent, { xchange: true, payload: { v: 1 } });
      const env = { ...s.split!.envelopes[0]! };
      const ct = env.ciphertext;
      env.ciphertext = `${ct.slice(0, 60)}${ct[60] === 'A' ? 'B' : 'A'}${ct.slice(61)}`;
      expect(codeOf(await bob.agent.receive(env))).toBe('VERIFICATION_FAILED:SIGNATURE_MISMATCH');
      // parts signed by the real sender but built wrongly
      const key = backend.randomBytes(32);
      const sh = split(key, { threshold: 2, shares: 3 });
      if (!sh.ok) throw new Error('split');
      const gid = sh.value[0]!.groupId;
      const iv = new Uint8Array(12).fill(1);
      const pt = encodePayload({ v: 2 }, 1000);
      if (!pt.ok) throw new Error('pt');
      const aad = xchangeAad(gid, 2, 3, alice.agent.did, bob.agent.did, 'chat');
      const ctGood = await backend.aes256GcmSeal(key, iv, pt.value, aad);
      // one signed group of 3 parts over these shares and this ciphertext; part i is returned
      const group = (list: Share[], c: Uint8Array) => {
        const encoded = list.map((x) => {
          const e = encodeShare(x, { productType: 1 });
          if (!e.ok) throw new Error('encode');
          return e.value;
        });
        const b = buildXchangeParts({
          identity: alice.identity,
          recipientDid: bob.agent.did,
          scope: 'chat',
          shares: encoded,
          groupId: gid,
          k: 2,
          iv,
          ciphertext: c,
          timestamp: Date.now(),
          nonces: list.map(() => backend.randomBytes(16)),
        });
        if (!b.ok) throw new Error('sign');
        return b.value.envelopes.map(envelopeToJson);
      };
      // good parts (of one signed group) reconstruct
      const good = group(sh.value, ctGood);
      const rx = bobAgain(bob, registry, { xchange: true });
      await rx.receive(good[0]);
      const ok = await rx.receive(good[2]);
      expect(ok.ok && ok.value.payload).toEqual({ v: 2 });
      // an altered key share, signed by the sender: the GCM tag under the reconstructed key fails
      const rx2 = bobAgain(bob, registry, { xchange: true });
      const bad = { ...sh.value[1]!, payload: flip(sh.value[1]!.payload, 0) };
      const badGroup = group([sh.value[0]!, bad, sh.value[2]!], ctGood);
      await rx2.receive(badGroup[0]);
      expect(codeOf(await rx2.receive(badGroup[1]))).toBe('HMAC_VERIFICATION_FAILED:AEAD_MISMATCH');
      // parts of one group with different ciphertexts (each group signed by the sender)
      const rx3 = bobAgain(bob, registry, { xchange: true });
      await rx3.receive(good[0]);
      expect(codeOf(await rx3.receive(group(sh.value, flip(ctGood, 3))[1]))).toBe(
        'INCONSISTENT_SHARES:CIPHERTEXT_MISMATCH',
      );
      // two different statements, each signed by the sender, for one group
      const rx4 = bobAgain(bob, registry, { xchange: true });
      await rx4.receive(good[0]);
      expect(codeOf(await rx4.receive(group(sh.value, ctGood)[1]))).toBe(
        'INCONSISTENT_SHARES:STATEMENT_MISMATCH',
      );
      // receiver without xchange, sender without xchange
      const plain = bobAgain(bob, registry);
      expect(codeOf(await plain.receive(s.split!.envelopes[1]))).toBe(
        'UNSUPPORTED_VERSION:XCHANGE_NOT_ENABLED',
      );
      expect(codeOf(await plain.receive(s.split!.envelopes[1], { allowCleartext: true }))).toBe(
        'UNSUPPORTED_VERSION:XCHANGE_NOT_ENABLED',
      );
      const noX = await setup();
      expect(
        codeOf(
          await noX.alice.agent.send({
            to: noX.bob.agent.did,
            payload: {},
            scope: 'chat',
            xchange: true,
          }),
        ),
      ).toBe('INVALID_OPTIONS');
    });
  });
}

// Known answers pinned in docs/formats.md#split-channel-share-envelopes.
const KAT_TAG = '4c841115dd89d492f22e601bde9b74433a58157cabeff4c791c61a44e7c49234';
const KAT_RECORD =
  '03014944413501000101030255555555555555555555555555555555000000040000000466666666';
