// The shared smoke suite: the same checks in every runtime (Node 20, newest Node LTS, Deno, Bun,
// headless Chromium), always against the BUILT packages. Uses only web-standard APIs so it runs
// unchanged everywhere. Each check asserts a result; `runSmoke` never throws, it reports.
import * as agentSdk from '@xorida/agent-sdk';
import * as modelguard from '@xorida/modelguard';
import * as xpass from '@xorida/xpass';
import * as xorida from 'xorida';

const enc = new TextEncoder();
const dec = new TextDecoder();

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/** Spec 4.1 vectors (docs/formats.md): two encoded shares of "Hi" from a (2,3) split. */
const VECTOR_SHARES = [
  '49444135010000000302000102030405060708090a0b0c0d0e0f0000000200000002a574',
  '49444135010042020302000102030405060708090a0b0c0d0e0f0000000200000002ed55',
];

const checks = [
  [
    'xorida: decode the documented share vectors and reconstruct "Hi"',
    () => {
      const shares = VECTOR_SHARES.map((h) => {
        const d = xorida.decodeShare(xorida.hexToBytes(h));
        assert(d.ok, `decode failed: ${d.ok || d.error.code}`);
        return d.value;
      });
      const r = xorida.reconstruct(shares);
      assert(r.ok && dec.decode(r.value) === 'Hi', 'vector did not reconstruct to "Hi"');
    },
  ],
  [
    'xorida: split 3-of-5 and reconstruct from a subset (10 KiB)',
    () => {
      const secret = crypto.getRandomValues(new Uint8Array(10_240));
      const s = xorida.split(secret, { threshold: 3, shares: 5 });
      assert(s.ok, 'split failed');
      const r = xorida.reconstruct([s.value[4], s.value[1], s.value[2]]);
      assert(r.ok && xorida.equalBytes(r.value, secret), 'round trip differs');
      const few = xorida.reconstruct([s.value[0], s.value[1]]);
      assert(!few.ok && few.error.code === 'INSUFFICIENT_SHARES', 'two shares must not suffice');
    },
  ],
  [
    'xorida: Base45 share text round trip and strict decoding',
    () => {
      const s = xorida.split(enc.encode('runtime'), { threshold: 2, shares: 2 });
      assert(s.ok, 'split failed');
      const t = xorida.encodeShareBase45(s.value[0]);
      assert(t.ok, 'encode failed');
      const back = xorida.decodeShareBase45(t.value);
      assert(
        back.ok && xorida.equalBytes(back.value.payload, s.value[0].payload),
        'base45 round trip',
      );
      const bad = xorida.decodeShare(new Uint8Array([1, 2, 3, 4, 5]));
      assert(!bad.ok && bad.error.subCode === 'BAD_MAGIC', 'bad magic not reported');
    },
  ],
  ...[1, 2].map((version) => [
    `agent-sdk: v${version} envelope send/receive between two agents`,
    async () => {
      const registry = new agentSdk.MemoryTrustRegistry();
      const transport = new agentSdk.LoopbackTransport();
      const versions = version === 1 ? [1] : [1, 2];
      const alice = await agentSdk.Agent.create({
        name: 'alice',
        registry,
        transport,
        versions,
        scopes: ['orders'],
      });
      const bob = await agentSdk.Agent.create({
        name: 'bob',
        registry,
        transport,
        versions,
        scopes: ['orders'],
      });
      assert(
        alice.ok && bob.ok,
        `create failed: ${alice.ok ? '' : alice.error.code} ${bob.ok ? '' : bob.error.code}`,
      );
      const sent = await alice.value.send({
        to: bob.value.did,
        payload: { amount: 42 },
        scope: 'orders',
      });
      assert(sent.ok, `send failed: ${sent.ok || sent.error.code}`);
      assert(
        sent.value.envelope.v === version || sent.value.envelope.version === version,
        `negotiated ${JSON.stringify(sent.value.envelope).slice(0, 40)}`,
      );
      const got = await bob.value.receive(transport.outbox[transport.outbox.length - 1]);
      assert(
        got.ok && got.value.payload.amount === 42 && got.value.sender === alice.value.did,
        `receive failed: ${got.ok || got.error.code}`,
      );
      const replay = await bob.value.receive(transport.outbox[transport.outbox.length - 1]);
      assert(!replay.ok && replay.error.code === 'REPLAY_DETECTED', 'replay not detected');
    },
  ]),
  [
    'modelguard: guard 2-of-3 in 32 KiB chunks, restore without one node and around a tampered share',
    async () => {
      const weights = crypto.getRandomValues(new Uint8Array(60_000));
      const meta = {
        name: 'smoke',
        version: '1',
        architecture: 'none',
        parameterCount: 0,
        modelSize: weights.length,
      };
      const g = await modelguard.guardModel(weights, meta, {
        storageNodes: 3,
        threshold: 2,
        chunkSize: 32_768,
      });
      assert(g.ok, `guard failed: ${g.ok || g.error.code}`);
      const withoutNode1 = g.value.shares.map((chunk) => chunk.filter((_, node) => node !== 1));
      const r = await modelguard.reconstructModel(g.value.manifest, withoutNode1);
      assert(
        r.ok && xorida.equalBytes(r.value.weights, weights),
        `restore failed: ${r.ok || r.error.code}`,
      );
      const tampered = g.value.shares.map((chunk) =>
        chunk.map((s) => ({ ...s, data: s.data.slice() })),
      );
      tampered[0][2].data[tampered[0][2].data.length - 1] ^= 1;
      const t = await modelguard.reconstructModel(g.value.manifest, tampered);
      assert(
        t.ok && xorida.equalBytes(t.value.weights, weights),
        `restore around tampering failed: ${t.ok || t.error.code}`,
      );
      assert(
        t.value.badNodes.includes(2),
        `bad node not named: ${JSON.stringify(t.value.badNodes)}`,
      );
    },
  ],
  [
    'xpass: connection shares reconstruct, encrypt and decrypt; a share from another connection is refused',
    async () => {
      const a = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
      const b = 'did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG';
      const conn = await xpass.createConnection(a, b, 'smoke');
      assert(conn.ok, `createConnection failed: ${conn.ok || conn.error.code}`);
      const { share1, share2 } = conn.value;
      const secret = xpass.reconstructSecret(share1, share2);
      assert(secret.ok, `reconstruct failed: ${secret.ok || secret.error.code}`);
      const ct = xpass.encryptWithConnectionSecret(secret.value, enc.encode('paid message'));
      assert(ct.ok, 'encrypt failed');
      const pt = xpass.decryptWithShares(share1, share2, ct.value);
      assert(
        pt.ok && dec.decode(pt.value) === 'paid message',
        `decrypt failed: ${pt.ok || pt.error.code}`,
      );
      const other = await xpass.createConnection(a, b, 'other-scope');
      assert(other.ok, 'second connection failed');
      const mixed = xpass.reconstructSecret(share1, other.value.share2);
      assert(!mixed.ok, 'shares of two connections must not combine');
    },
  ],
];

/**
 * Runs every check.
 * @returns {{ runtime: string, backend: Record<string,string>, passed: string[], failed: Array<[string,string]> }}
 */
export async function runSmoke(runtime) {
  const passed = [];
  const failed = [];
  for (const [name, fn] of checks) {
    try {
      await fn();
      passed.push(name);
    } catch (e) {
      failed.push([name, String(e?.stack ?? e)]);
    }
  }
  const backend = {
    xorida: 'globalThis.crypto.getRandomValues',
    'agent-sdk': agentSdk.cryptoBackendName,
    'agent-sdk native': Object.entries(agentSdk.cryptoCapabilities?.() ?? {})
      .filter(([k, v]) => k !== 'backend' && v === 'native')
      .map(([k]) => k)
      .join(','),
  };
  return { runtime, backend, passed, failed };
}
