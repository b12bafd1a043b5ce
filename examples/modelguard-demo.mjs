// modelguard demo: real trained TF.js weights (@vladmandic/face-api) split 2-of-3 across three
// directories, restored from every pair, then one byte corrupted on one node and restored from
// all three (routed around, bad node named). Imports the BUILT package: run `pnpm build` first.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseManifest, serializeManifest } from '@xorida/modelguard';
import {
  createDirectoryNode,
  guardFile,
  reconstructFile,
  verifyFile,
} from '@xorida/modelguard/node';

const modelDir = join(
  dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')),
  'model',
);
const file = join(modelDir, 'face_recognition_model.bin');
const sha = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');
const work = mkdtempSync(join(tmpdir(), 'modelguard-demo-'));
try {
  const original = sha(file);
  console.log(`model: ${file} (${readFileSync(file).length} bytes)\nsha256: ${original}`);

  // Owner key: the manifest is signed; restores check it against the public key.
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const seed = new Uint8Array(Buffer.from(jwk.d, 'base64url'));
  const publicKey = new Uint8Array(Buffer.from(jwk.x, 'base64url'));

  const dirs = ['a', 'b', 'c'].map((d) => join(work, `node-${d}`));
  const nodes = dirs.map((d) => createDirectoryNode(d));
  const g = await guardFile(file, {
    nodes,
    threshold: 2,
    chunkSize: 1 << 20,
    tfjsWeightsManifest: join(modelDir, 'face_recognition_model-weights_manifest.json'),
    signingSeed: seed,
  });
  assert.ok(g.ok, g.ok ? '' : g.error.message);
  const manifestPath = join(work, 'manifest.json');
  writeFileSync(manifestPath, serializeManifest(g.value.manifest));
  const manifest = parseManifest(readFileSync(manifestPath));
  assert.ok(manifest.ok);
  const m = manifest.value;
  // Manifest version 4 records a tag list hash (over the chunk tags), not the file's SHA-256;
  // every restore below is compared with the original's SHA-256.
  assert.match(m.tagListHash, /^[0-9a-f]{64}$/);
  console.log(
    `split 2-of-3: ${m.totalChunks} chunks, ${m.metadata.tfjs.weightsManifest[0].weights.length} TF.js tensors recorded, signed by ${m.signature.publicKey.slice(0, 16)}…`,
  );

  for (const pair of [
    [0, 1],
    [0, 2],
    [1, 2],
  ]) {
    const out = join(work, `restored-${pair.join('')}.bin`);
    const r = await reconstructFile(
      m,
      pair.map((i) => nodes[i]),
      out,
      { trustedPublicKey: publicKey },
    );
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.equal(sha(out), original);
    console.log(`restore from nodes ${pair.join('+')}: sha256 matches`);
  }

  const blob = join(dirs[1], g.value.blobs[1]);
  const raw = readFileSync(blob);
  raw[2_000_000] ^= 0x01;
  writeFileSync(blob, raw);
  console.log('corrupted one byte on node 1');

  const out = join(work, 'restored-all.bin');
  const r = await reconstructFile(m, nodes, out, { trustedPublicKey: publicKey });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.deepEqual(r.value.badNodes, [1]);
  assert.equal(sha(out), original);
  console.log(
    `restore from all three: sha256 matches, bad node(s): ${r.value.badNodes.join(', ')}`,
  );

  const v = await verifyFile(m, nodes);
  assert.ok(v.ok);
  assert.deepEqual(v.value.badNodes, [1]);
  console.log(`verify: ${v.value.nodes.map((x) => `node ${x.index} ${x.state}`).join(', ')}`);

  const tampered = { ...m, metadata: { ...m.metadata, name: 'swapped' } };
  const t = await reconstructFile(tampered, nodes, join(work, 'never.bin'), {
    trustedPublicKey: publicKey,
  });
  assert.ok(!t.ok && t.error.subCode === 'SIGNATURE_INVALID');
  console.log(`tampered manifest refused: ${t.error.code}:${t.error.subCode}`);
  console.log('modelguard demo: all checks passed');
} finally {
  rmSync(work, { recursive: true, force: true });
}
