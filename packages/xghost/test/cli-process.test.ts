// The `xghost` executable as a user runs it: the built dist/node/cli.js in its own process, in
// empty sandbox directories (cwd, HOME, XDG dirs), so "wrote nothing" is checked on disk.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, packageCli, runCli, startCli } from '../../../test-support/cli-process.mjs';
import { SOURCE } from './helpers.js';

const { bin, version, sandbox } = packageCli(join(import.meta.dirname, '..'), 'xghost-cli-');
const box = sandbox;
const mode = (p: string) => statSync(p).mode & 0o777;

describe('xghost CLI (real process, built)', () => {
  it('--version prints the package version; --help of every command exits 0', async () => {
    const v = await runCli(bin, ['--version']);
    expect(v.code).toBe(0);
    expect(v.out.trim()).toBe(version);
    for (const args of [
      ['--help'],
      ['build', '--help'],
      ['lease', 'export', '--help'],
      ['serve', '--help'],
    ]) {
      const h = await runCli(bin, args);
      expect(h.code, args.join(' ')).toBe(0);
      expect(h.out).toContain('Usage: xghost');
    }
    expect((await runCli(bin, ['serve', '--help'])).out).toContain('XGHOST_PORT');
  });

  it('build nosuch.js exits 2 naming the file, and writes no key', async () => {
    const b = box();
    const r = await runCli(bin, ['build', 'nosuch.js', '--exports', 'predict'], { sandbox: b });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^xghost: USAGE:FILE_NOT_FOUND: .*nosuch\.js: no such file\n {2}hint: /);
    expect(r.err).not.toContain('ENOENT');
    expect(r.written).toEqual([]);
    const j = await runCli(bin, ['build', 'nosuch.js', '--exports', 'predict', '--json'], {
      sandbox: b,
    });
    expect(JSON.parse(j.out.trim()).error.subCode).toBe('FILE_NOT_FOUND');
    expect(j.written).toEqual([]);
  });

  it('bad flags and unusable inputs exit 2 and write nothing', async () => {
    for (const [args, env] of [
      [['build', 'm.js', '--exports', 'predict', '--bogus'], {}],
      [['build', 'm.js'], {}],
      [['build', 'm.js', '--exports', 'predict', '--vendor-key', 'none.json'], {}],
      [['build', 'm.js', '--exports', 'predict'], { XGHOST_VENDOR_KEY: 'none.json' }],
      [['lease', 'export', '--manifest', 'm.json'], {}],
      [['serve'], {}],
      [['serve', '--port', 'x'], {}],
      [
        [
          'serve',
          '--vendor-key',
          'v.json',
          '--bundles-dir',
          'b',
          '--xpass-url',
          'http://127.0.0.1:1',
        ],
        { XPASS_ADMIN_TOKEN: 't' },
      ],
    ] as const) {
      const b = box();
      writeFileSync(join(b.cwd, 'm.js'), SOURCE);
      const before = b.written();
      const r = await runCli(bin, args, { sandbox: b, env });
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(2);
      expect(r.err).toMatch(/^xghost: USAGE[:A-Z_]*: .*\n {2}hint: /);
      expect(b.written(), args.join(' ')).toEqual(before);
    }
  });

  it('build writes the key and shares 0600; serve takes flags over env; SIGTERM stops it', async () => {
    const b = box();
    writeFileSync(join(b.cwd, 'model.js'), SOURCE);
    const out = join(b.cwd, 'bundles', 'model');
    const built = await runCli(
      bin,
      ['build', 'model.js', '--exports', 'predict,sum', '--out', out, '--json'],
      {
        sandbox: b,
      },
    );
    expect(built.code, built.err).toBe(0);
    const res = JSON.parse(built.out.trim());
    expect(res.ok).toBe(true);
    expect(mode(join(out, 'vendor-identity.json'))).toBe(0o600);
    expect(mode(join(out, 'share-1.ida5'))).toBe(0o600);
    expect(mode(join(out, 'share-2.ida5'))).toBe(0o600);
    expect(mode(join(out, 'manifest.json'))).toBe(0o644);
    // The key lives outside the bundles directory when served.
    const key = join(b.home, 'vendor.json');
    writeFileSync(key, readFileSync(join(out, 'vendor-identity.json')), { mode: 0o600 });
    const tokenFile = join(b.home, 'xpass-token');
    writeFileSync(tokenFile, 'xpass-admin-token-0123456789\n', { mode: 0o600 });
    const [envPort, flagPort] = [await freePort(), await freePort()];
    const run = startCli(
      bin,
      ['serve', '--json', '--port', String(flagPort), '--xpass-admin-token-file', tokenFile],
      {
        sandbox: b,
        env: {
          XGHOST_PORT: String(envPort),
          XGHOST_VENDOR_KEY: key,
          XGHOST_BUNDLES_DIR: join(b.cwd, 'bundles'),
          XPASS_URL: 'http://127.0.0.1:1',
        },
      },
    );
    const line = await run.waitFor(/^\{.*\}$/m);
    const started = JSON.parse(line[0]);
    expect(started).toMatchObject({
      ok: true,
      port: flagPort,
      bundles: 1,
      vendorDid: res.vendorDid,
    });
    expect((await fetch(`http://127.0.0.1:${flagPort}/health`)).status).toBe(200);
    await expect(fetch(`http://127.0.0.1:${envPort}/health`)).rejects.toThrow();
    run.child.kill('SIGTERM');
    const end = await run.exited;
    expect(end.code, end.err).toBe(0);
    // Default data directory: per-user (XDG_DATA_HOME).
    expect(b.written().some((p) => p.startsWith('data/xorida/xghost'))).toBe(true);
  });
});
