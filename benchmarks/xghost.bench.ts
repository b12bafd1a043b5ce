/**
 * xghost benchmarks, importing the BUILT package (build it first):
 *  - warm `ghost.call` overhead over calling the same function directly: <= 25 µs (median
 *    difference; the function is a small Iris-like tree walk);
 *  - reconstruct + verify (IDA5 decode of both shares, xorida reconstruct, SHA-256 check) of a
 *    100 KiB bundle: <= 100 µs;
 *  - evaluate of the same bundle in a fresh `node:vm` context, reported separately;
 *  - for context: manifest verification (Ed25519) and opening a lease file (Ed25519 + X-Wing +
 *    AES-256-GCM).
 */
import { Agent, generateIdentity, LoopbackTransport, MemoryTrustRegistry } from '@xorida/agent-sdk';
import {
  createGhost,
  evaluateModule,
  exportLeaseFile,
  ghostBuild,
  openLeaseFile,
  reconstructVerify,
  verifyManifest,
} from '@xorida/xghost/node';
import { makeBench, report, rowOf } from './harness.js';

function must<T>(
  r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } },
): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

const FN = `function predict(row) { return row[2] < 2.45 ? 0 : row[3] < 1.75 ? (row[2] < 4.95 ? 1 : 2) : 2; }`;
const small = `${FN}\nexports.predict = predict;\n`;
// A 100 KiB bundle: the same export plus a 100 KiB table (as model weights would be).
const weights = Array.from({ length: 20_000 }, (_, i) => (i * 7919) % 1000).join(',');
let big = `${small}const W = [${weights}];\nexports.weight = (i) => W[i];\n`;
big += `/*${'x'.repeat(Math.max(0, 100 * 1024 - big.length - 4))}*/`;
const bigBytes = new TextEncoder().encode(big);

const vendor = must(generateIdentity());
const custId = must(generateIdentity());
const customer = Agent.fromParts({
  identity: custId,
  name: 'c',
  registry: new MemoryTrustRegistry(),
  transport: new LoopbackTransport(),
});

const s = must(
  ghostBuild({ source: new TextEncoder().encode(small), exports: ['predict'], vendor }),
);
const file = must(
  await exportLeaseFile({
    vendor,
    manifest: s.manifest,
    vendorShare: s.shares[1]!,
    customer: customer.keyDocument,
    validityDays: 7,
  }),
);
const ghost = must(
  await createGhost({
    manifest: s.manifest,
    customerShare: s.shares[0]!,
    shareFile: file,
    agent: customer,
  }),
);
const direct = new Function(`${FN}; return predict;`)() as (r: number[]) => number;

const b = must(ghostBuild({ source: bigBytes, exports: ['predict', 'weight'], vendor }));
const bigFile = must(
  await exportLeaseFile({
    vendor,
    manifest: b.manifest,
    vendorShare: b.shares[1]!,
    customer: customer.keyDocument,
    validityDays: 7,
  }),
);
const share2 = must(
  await openLeaseFile(bigFile, { manifest: b.manifest, customer: custId, now: Date.now() }),
).share;
const src = must(reconstructVerify(b.manifest, b.shares[0]!, share2));
if (src.length !== bigBytes.length) throw new Error('size');

const rows = [
  [5.1, 3.5, 1.4, 0.2],
  [6.4, 3.2, 4.5, 1.5],
  [6.3, 3.3, 6.0, 2.5],
];
let i = 0;
let sink = 0;
const bench = makeBench('xghost', 1000, 50);
bench
  .add('direct call (baseline)', () => {
    sink += direct(rows[i++ % 3]!);
  })
  .add('ghost.call warm', () => {
    const r = ghost.call('predict', rows[i++ % 3]);
    if (r.ok) sink += r.value as number;
  })
  .add(`reconstruct + verify ${Math.round(bigBytes.length / 1024)} KiB`, () => {
    sink += must(reconstructVerify(b.manifest, b.shares[0]!, share2)).length;
  })
  .add(`evaluate ${Math.round(bigBytes.length / 1024)} KiB in a new vm context`, () => {
    sink += must(evaluateModule(b.manifest, src)).size;
  })
  .add('verifyManifest (Ed25519)', () => {
    sink += verifyManifest(b.manifest).ok ? 1 : 0;
  })
  .add('openLeaseFile (Ed25519 x2, X-Wing, AES-GCM)', async () => {
    sink += must(
      await openLeaseFile(bigFile, { manifest: b.manifest, customer: custId, now: Date.now() }),
    ).share.length;
  });
await bench.run();
const out = bench.tasks.map(rowOf);
const get = (p: string) => out.find((r) => r.task.startsWith(p))!;
const overhead = get('ghost.call').medianUs - get('direct').medianUs;
const rv = get('reconstruct').medianUs;
console.log(
  `ghost.call overhead (median difference): ${overhead.toFixed(3)} µs (target <= 25: ${overhead <= 25 ? 'met' : 'MISSED'})`,
);
console.log(
  `reconstruct + verify 100 KiB median: ${rv.toFixed(1)} µs (target <= 100: ${rv <= 100 ? 'met' : 'MISSED'})`,
);
console.log(
  `evaluate 100 KiB median: ${get('evaluate').medianUs.toFixed(1)} µs (reported separately)`,
);
report('xghost', out, { callOverheadUs: overhead, sink });
ghost.dispose();
