// CLI defects as real processes (tsx): split refuses to overwrite a manifest without --force;
// restoring a signed manifest without --trusted-key warns, --require-signature makes it an error.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './cli-process.js';
import { bytes } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'modelguard-defects-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let seq = 0;
const fresh = (name: string) => join(root, `${name}-${seq++}`);

const splitArgs = (file: string, dirs: string[], manifest: string, extra: string[] = []) => [
  'split',
  file,
  '--nodes',
  dirs.join(','),
  '--threshold',
  '2',
  '--chunk-size',
  '1024',
  '--manifest',
  manifest,
  '--workers',
  '0',
  '--no-fsync',
  '--json',
  ...extra,
];

describe('CLI defects (real processes)', () => {
  it('split refuses to overwrite an existing manifest without --force, and writes no blob', async () => {
    const file = fresh('model');
    writeFileSync(file, bytes(3000, 4));
    const dirs = [0, 1, 2].map(() => fresh('node'));
    const manifest = fresh('m.json');
    const first = await cli(splitArgs(file, dirs, manifest));
    expect(first.code).toBe(0);
    const before = readFileSync(manifest, 'utf8');
    const blobsBefore = dirs.map((d) => readdirSync(d).sort());

    const again = await cli(splitArgs(file, dirs, manifest));
    expect(again.code).toBe(1);
    expect(JSON.parse(again.out).error.code).toBe('FILE_FAILED');
    expect(JSON.parse(again.out).error.hint).toMatch(/--force/);
    expect(readFileSync(manifest, 'utf8')).toBe(before);
    expect(dirs.map((d) => readdirSync(d).sort())).toEqual(blobsBefore);

    const forced = await cli(splitArgs(file, dirs, manifest, ['--force']));
    expect(forced.code).toBe(0);
    expect(JSON.parse(readFileSync(manifest, 'utf8')).id).toBe(JSON.parse(forced.out).id);
    expect(JSON.parse(forced.out).id).not.toBe(JSON.parse(before).id);
  }, 60_000);

  it('signed manifest: restore without --trusted-key warns; --require-signature fails', async () => {
    const file = fresh('model');
    writeFileSync(file, bytes(2500, 8));
    const dirs = [0, 1, 2].map(() => fresh('node'));
    const manifest = fresh('m.json');
    const seedFile = fresh('seed.hex');
    writeFileSync(seedFile, '07'.repeat(32), { mode: 0o600 });
    const s = await cli(splitArgs(file, dirs, manifest, ['--sign-key', seedFile]));
    expect(s.code).toBe(0);
    const publicKey = JSON.parse(s.out).publicKey as string;
    expect(publicKey).toMatch(/^[0-9a-f]{64}$/);

    const restoreArgs = (out: string, extra: string[]) => [
      'restore',
      manifest,
      '--nodes',
      dirs.join(','),
      '--out',
      out,
      '--workers',
      '0',
      ...extra,
    ];

    const out1 = fresh('out');
    const warned = await cli(restoreArgs(out1, []));
    expect(warned.code).toBe(0);
    expect(warned.err).toMatch(/warning: the manifest signature was not checked/);
    expect(readFileSync(out1)).toEqual(readFileSync(file));

    const out2 = fresh('out');
    const refused = await cli(restoreArgs(out2, ['--require-signature', '--json']));
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.out).error.code).toBe('INVALID_CONFIG');
    expect(existsSync(out2)).toBe(false);

    const out3 = fresh('out');
    const checked = await cli(
      restoreArgs(out3, ['--require-signature', '--trusted-key', publicKey]),
    );
    expect(checked.code).toBe(0);
    expect(checked.err).not.toMatch(/warning/);
    expect(readFileSync(out3)).toEqual(readFileSync(file));
  }, 60_000);
});
