/**
 * Real trained weights: the TF.js models shipped in @vladmandic/face-api (devDependency).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { guardModel, reconstructModel } from '../src/index.js';
import { runCli } from '../src/node/cli-program.js';
import { createDirectoryNode, guardFile, reconstructFile } from '../src/node/index.js';
import { subsets } from './helpers.js';

const modelDir = join(
  dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')),
  'model',
);
const root = mkdtempSync(join(tmpdir(), 'modelguard-faceapi-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('face-api TF.js weights', () => {
  const bin = join(modelDir, 'face_recognition_model.bin');
  const weightsManifest = join(modelDir, 'face_recognition_model-weights_manifest.json');

  it('2-of-3 over directory nodes: every pair restores; one corrupted byte is routed around', async () => {
    const original = readFileSync(bin);
    expect(original.length).toBeGreaterThan(6_000_000);
    const dirs = [0, 1, 2].map((i) => join(root, `node${i}`));
    const nodes = dirs.map((d) => createDirectoryNode(d, { fsync: false }));
    const g = await guardFile(bin, {
      nodes,
      threshold: 2,
      chunkSize: 1 << 20,
      tfjsWeightsManifest: weightsManifest,
      workers: 0,
    });
    if (!g.ok) throw new Error(g.error.message);
    const { manifest, blobs } = g.value;
    expect(manifest.modelHash).toBeUndefined();
    expect(manifest.tagListHash).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.metadata.format).toBe('tfjs');
    const groups = manifest.metadata.tfjs?.weightsManifest as { weights: { name: string }[] }[];
    expect(groups[0]!.weights.length).toBeGreaterThan(10);
    for (const pair of subsets(3, 2)) {
      const out = join(root, `out-${pair.join('')}.bin`);
      const r = await reconstructFile(
        manifest,
        pair.map((i) => nodes[i]!),
        out,
        { workers: 0 },
      );
      expect(r.ok).toBe(true);
      expect(sha(readFileSync(out))).toBe(sha(original));
    }
    const blob = join(dirs[2]!, blobs[2]!);
    const raw = readFileSync(blob);
    raw[3_000_000]! ^= 0x20;
    writeFileSync(blob, raw);
    const out = join(root, 'out-all.bin');
    const r = await reconstructFile(manifest, nodes, out, { workers: 0 });
    expect(r.ok && r.value.badNodes).toEqual([2]);
    expect(sha(readFileSync(out))).toBe(sha(original));
  });

  it('in-memory API on the same weights', async () => {
    const original = new Uint8Array(readFileSync(join(modelDir, 'tiny_face_detector_model.bin')));
    const g = await guardModel(
      original,
      {
        name: 'tiny_face_detector',
        version: '1.7.15',
        architecture: 'tiny-yolov2',
        parameterCount: 0,
        modelSize: original.length,
      },
      { storageNodes: 3, threshold: 2, chunkSize: 65_536 },
    );
    if (!g.ok) throw new Error(g.error.message);
    const r = await reconstructModel(
      g.value.manifest,
      [0, 2].map((n) => g.value.shares.map((c) => c[n]!)),
    );
    expect(r.ok && sha(r.value.weights)).toBe(sha(original));
  });

  it('CLI split / verify / restore with --json', async () => {
    const file = join(modelDir, 'tiny_face_detector_model.bin');
    const dirs = [0, 1, 2].map((i) => join(root, `cli${i}`));
    const manifest = join(root, 'cli.manifest.json');
    const lines: string[] = [];
    const io = {
      out: (s: string) => lines.push(s),
      err: (s: string) => lines.push(s),
      isTty: false,
    };
    const split = await runCli(
      [
        'split',
        file,
        '--nodes',
        dirs.join(','),
        '--threshold',
        '2',
        '--chunk-size',
        '64KiB',
        '--manifest',
        manifest,
        '--workers',
        '0',
        '--json',
      ],
      io,
    );
    expect(split).toBe(0);
    const written = JSON.parse(readFileSync(manifest, 'utf8'));
    expect(JSON.parse(lines.pop()!).tagListHash).toBe(written.tagListHash);
    const id = written.id as string;
    const blob0 = join(dirs[0]!, `${id}.node0.mgs`);
    const bad = readFileSync(blob0);
    bad[100]! ^= 1;
    writeFileSync(blob0, bad);
    const verify = await runCli(
      ['verify', manifest, '--nodes', dirs.join(','), '--workers', '0', '--json'],
      io,
    );
    expect(verify).toBe(1);
    const v = JSON.parse(lines.pop()!);
    expect(v.badNodes).toEqual([0]);
    expect(v.recoverable).toBe(true);
    const out = join(root, 'cli-out.bin');
    const restore = await runCli(
      ['restore', manifest, '--nodes', dirs.join(','), '--out', out, '--workers', '0', '--json'],
      io,
    );
    expect(restore).toBe(0);
    expect(JSON.parse(lines.pop()!).badNodes).toEqual([0]);
    expect(sha(readFileSync(out))).toBe(sha(readFileSync(file)));
    expect(await runCli(['split', file, '--nodes', dirs.join(',')], io)).toBe(2); // missing --threshold
  });
});
