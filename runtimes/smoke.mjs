// The shared smoke suite: the same checks in every runtime (Node 20, newest Node LTS, Deno, Bun,
// headless Chromium), always against the BUILT packages. Uses only web-standard APIs so it runs
// unchanged everywhere. Each check asserts a result; `runSmoke` never throws, it reports.
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
  const backend = { xorida: 'globalThis.crypto.getRandomValues' };
  return { runtime, backend, passed, failed };
}
