// The `modelguard` executable as a user runs it: the built dist/node/cli.js in its own process,
// in empty sandbox directories (cwd, HOME, XDG dirs), so "wrote nothing" is checked on disk.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageCli, runCli } from '../../../test-support/cli-process.mjs';

const { bin, version, sandbox } = packageCli(join(import.meta.dirname, '..'), 'modelguard-cli-');
const box = () => {
  const b = sandbox();
  writeFileSync(join(b.cwd, 'model.bin'), new Uint8Array(3000).fill(7));
  return b;
};

describe('modelguard CLI (real process, built)', () => {
  it('--version prints the package version; --help of every command exits 0', async () => {
    const v = await runCli(bin, ['--version']);
    expect(v.code).toBe(0);
    expect(v.out.trim()).toBe(version);
    for (const cmd of [[], ['split'], ['restore'], ['verify']]) {
      const h = await runCli(bin, [...cmd, '--help']);
      expect(h.code, cmd.join(' ')).toBe(0);
      expect(h.out).toContain('Usage: modelguard');
    }
  });

  it('bad flags and bad values exit 2 and write nothing', async () => {
    const split = ['split', 'model.bin', '--nodes', 'a,b,c', '--threshold', '2'];
    for (const [args, env] of [
      [[...split, '--bogus'], {}],
      [[...split, '--chunk-size', 'huge'], {}],
      [[...split, '--workers', 'many'], {}],
      [split, { MODELGUARD_WORKERS: 'many' }],
      [['split', 'model.bin', '--nodes', 'a,b,c'], {}],
      [['split', 'model.bin', '--nodes', ',', '--threshold', '2'], {}],
      [['restore', 'm.json', '--nodes', 'a,b'], {}],
    ] as const) {
      const b = box();
      const r = await runCli(bin, args, { sandbox: b, env });
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(2);
      expect(r.err).toMatch(/^modelguard: USAGE[:A-Z_]*: .*\n {2}hint: /);
      expect(b.written(), args.join(' ')).toEqual(['cwd/model.bin']);
    }
  });

  it('env fallback: MODELGUARD_TRUSTED_KEY is used, and --trusted-key wins over it', async () => {
    const b = box();
    const keyHex = '11'.repeat(32);
    writeFileSync(join(b.cwd, 'seed.hex'), keyHex, { mode: 0o600 });
    const s = await runCli(
      bin,
      [
        'split',
        'model.bin',
        '--nodes',
        'a,b,c',
        '--threshold',
        '2',
        '--workers',
        '0',
        '--no-fsync',
        '--json',
      ],
      { sandbox: b, env: { MODELGUARD_SIGN_KEY: 'seed.hex' } },
    );
    expect(s.code, s.err).toBe(0);
    const { publicKey, manifest } = JSON.parse(s.out.trim());
    expect(publicKey).toMatch(/^[0-9a-f]{64}$/);
    const verify = (env: Record<string, string>, extra: string[] = []) =>
      runCli(bin, ['verify', manifest, '--nodes', 'a,b,c', '--workers', '0', '--json', ...extra], {
        sandbox: b,
        env,
      });
    const wrong = 'ab'.repeat(32);
    const byEnv = await verify({ MODELGUARD_TRUSTED_KEY: wrong });
    expect(byEnv.code).toBe(1);
    expect(JSON.parse(byEnv.out.trim()).error.code).toBe('INTEGRITY_FAILED');
    const flagWins = await verify({ MODELGUARD_TRUSTED_KEY: wrong }, ['--trusted-key', publicKey]);
    expect(flagWins.code, flagWins.out).toBe(0);
    expect(JSON.parse(flagWins.out.trim())).toMatchObject({ ok: true, recoverable: true });
    // An empty variable is a key that fails, never "no key".
    const empty = await verify({ MODELGUARD_TRUSTED_KEY: '' });
    expect(empty.code).toBe(1);
    expect(JSON.parse(empty.out.trim()).error.code).toBe('INVALID_CONFIG');
  });
});
