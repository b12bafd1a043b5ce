import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/node/index.js';
import { bytes } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'modelguard-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let seq = 0;
const fresh = (name: string) => join(root, `${name}-${seq++}`);

function capture() {
  const lines: string[] = [];
  const io = {
    out: (s: string) => lines.push(s),
    err: (s: string) => lines.push(s),
    isTty: false,
  };
  return { lines, io };
}

async function split(extra: string[] = []) {
  const file = fresh('model');
  writeFileSync(file, bytes(5000, 3));
  const dirs = [0, 1, 2].map(() => fresh('node'));
  const manifest = fresh('m.json');
  const { lines, io } = capture();
  const code = await runCli(
    [
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
    ],
    io,
  );
  return { code, lines, file, dirs, manifest };
}

describe('CLI', () => {
  it('--trusted-key "" (an unset variable) is refused, not treated as no key', async () => {
    const s = await split();
    expect(s.code).toBe(0);
    for (const cmd of ['restore', 'verify']) {
      const { lines, io } = capture();
      const args = [cmd, s.manifest, '--nodes', s.dirs.join(','), '--trusted-key', ''];
      if (cmd === 'restore') args.push('--out', fresh('out'));
      const code = await runCli([...args, '--workers', '0', '--json'], io);
      expect(code, cmd).toBe(1);
      const j = JSON.parse(lines.pop()!);
      expect(j.ok).toBe(false);
      expect(j.error.code).toBe('INVALID_CONFIG');
    }
  });
});

describe('CLI split manifest write', () => {
  it('a manifest that cannot be written -> FILE_FAILED, exit 1, JSON error, no blobs left', async () => {
    const s = await split(['--manifest', join(root, 'no-such-dir', 'm.json')]);
    expect(s.code).toBe(1);
    const j = JSON.parse(s.lines.pop()!);
    expect(j.ok).toBe(false);
    expect(j.error.code).toBe('FILE_FAILED');
    expect(j.error.field).toBe('manifest');
    for (const d of s.dirs) expect(readdirSync(d)).toEqual([]);
  });

  it('the manifest is written in place, with no temporary file left', async () => {
    const s = await split();
    expect(s.code).toBe(0);
    expect(JSON.parse(readFileSync(s.manifest, 'utf8')).version).toBe(5);
    expect(readdirSync(root).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
