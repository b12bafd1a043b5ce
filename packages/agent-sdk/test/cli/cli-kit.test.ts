// The CLI kit as the user meets it: the real `xlink` in its own process (sources through tsx),
// in an empty working directory with HOME and XDG directories pointed at empty temp dirs.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..', '..');
const bin = join(pkg, 'src', 'node', 'cli', 'bin.ts');
// Absolute, because the child runs in an empty directory where `tsx` does not resolve.
const tsx = pathToFileURL(createRequire(join(pkg, 'package.json')).resolve('tsx')).href;
const version = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).version as string;
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function xlink(args: string[], env: Record<string, string> = {}) {
  const root = mkdtempSync(join(tmpdir(), 'xlink-kit-'));
  roots.push(root);
  const [cwd, home, cfg, data] = ['cwd', 'home', 'cfg', 'data'].map((d) => {
    const p = join(root, d);
    mkdirSync(p);
    return p;
  }) as [string, string, string, string];
  const r = spawnSync(
    process.execPath,
    ['--conditions=@xorida/source', '--import', tsx, bin, ...args],
    {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        XDG_CONFIG_HOME: cfg,
        XDG_DATA_HOME: data,
        ...env,
      },
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  const written = [cwd, home, cfg, data].flatMap((d) =>
    readdirSync(d, { recursive: true }).map(String),
  );
  return { code: r.status, out: r.stdout, err: r.stderr, written };
}

describe('xlink on the CLI kit (real processes)', () => {
  it('--version prints the package version; --help and a subcommand --help exit 0', () => {
    const v = xlink(['--version']);
    expect(v.code).toBe(0);
    expect(v.out.trim()).toBe(version);
    expect(xlink(['serve', '--version']).out.trim()).toBe(version);
    const h = xlink(['--help']);
    expect(h.code).toBe(0);
    expect(h.out).toContain('Exit codes');
    const sh = xlink(['serve', '--help']);
    expect(sh.code).toBe(0);
    expect(sh.out).toContain('XLINK_PORT');
  });

  it('an unknown flag exits 2 and writes nothing; --json gives error.code', () => {
    const bad = xlink(['init', '--name', 'a', '--no-such-flag']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^xlink: USAGE:UNKNOWN_OPTION: [\s\S]*\n {2}hint: /);
    expect(bad.written).toEqual([]);
    const j = xlink(['init', '--name', 'a', '--bogus', '--json']);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.out.trim()).error.code).toBe('USAGE');
    expect(j.written).toEqual([]);
    const port = xlink(['serve', '--port', 'eighty']);
    expect(port.code).toBe(2);
    expect(port.written).toEqual([]);
  });

  it('a bad env value is a usage error naming the variable; the flag wins over it', () => {
    const env = xlink(['lookup', '--did', 'did:key:z6Mkx'], {
      XLINK_REGISTRY_URL: 'http://127.0.0.1:1',
    });
    // The env URL was used (connection refused: exit 1, not "no registry URL": exit 2).
    expect(env.code).toBe(1);
    expect(env.err).not.toContain('no registry URL');
    const none = xlink(['lookup', '--did', 'did:key:z6Mkx']);
    expect(none.code).toBe(2);
    expect(none.err).toContain('no registry URL');
    const badEnv = xlink(['serve'], { XLINK_PORT: 'x' });
    expect(badEnv.code).toBe(2);
    expect(badEnv.err).toContain('XLINK_PORT');
    expect(badEnv.written).toEqual([]);
    // The flag wins: a valid --port is used although XLINK_PORT is bad, so parsing passes and
    // the failure is the later storage one (a file where the data directory should be).
    const flag = xlink(['serve', '--port', '0', '--data-dir', '/dev/null/x', '--json'], {
      XLINK_PORT: 'x',
    });
    expect(flag.code).toBe(1);
    expect(JSON.parse(flag.out.trim().split('\n').pop() ?? '').error.code).toBeTruthy();
  });
});
