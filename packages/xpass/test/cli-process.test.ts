// The `xpass` executable as a user runs it: the built dist/node/cli.js in its own process, in
// empty sandbox directories (cwd, HOME, XDG dirs), so "wrote nothing" is checked on disk.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, packageCli, runCli, startCli } from '../../../test-support/cli-process.mjs';

const { bin, version, sandbox } = packageCli(join(import.meta.dirname, '..'), 'xpass-cli-');
const box = sandbox;

describe('xpass CLI (real process, built)', () => {
  it('--version prints the package version; --help and serve --help exit 0', async () => {
    const v = await runCli(bin, ['--version']);
    expect(v.code).toBe(0);
    expect(v.out.trim()).toBe(version);
    const h = await runCli(bin, ['--help']);
    expect(h.code).toBe(0);
    expect(h.out).toContain('serve');
    expect(h.out).toContain('Exit codes');
    const sh = await runCli(bin, ['serve', '--help']);
    expect(sh.code).toBe(0);
    for (const v of ['XPASS_PORT', 'XPASS_REDIS_URL', 'XPASS_STRIPE_MAPPING_FILE', 'LOG_LEVEL'])
      expect(sh.out).toContain(v);
    expect((await runCli(bin, ['audit', 'verify', '--help'])).code).toBe(0);
  });

  it('bad flags and bad values exit 2 and write nothing (no data directory)', async () => {
    for (const [args, env, needle] of [
      [['serve', '--no-such-flag'], {}, 'USAGE:UNKNOWN_OPTION'],
      [['serve', '--port', 'eighty'], {}, '--port'],
      [['serve', '--rate-limit', 'lots'], {}, '--rate-limit'],
      [['serve', '--log-level', 'loud'], {}, '--log-level'],
      [['serve', '--webhook-url', 'ftp://x'], {}, 'XPASS_WEBHOOK_URLS'],
      [['serve', '--admin-token-file', 'missing-token'], {}, '--admin-token-file'],
      [['serve'], { XPASS_PORT: 'x' }, 'XPASS_PORT'],
      [['serve'], { XPASS_EPOCH_HOURS: '-1' }, 'XPASS_EPOCH_HOURS'],
      [['audit', 'verify', 'log.jsonl', '--public-key', 'zz'], {}, '--public-key'],
      [['bogus'], {}, 'USAGE'],
    ] as const) {
      const b = box();
      const r = await runCli(bin, args, { sandbox: b, env });
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(2);
      expect(r.err).toContain(needle);
      expect(r.err).toMatch(/^xpass: USAGE[:A-Z_]*: .*\n {2}hint: /);
      expect(r.written, args.join(' ')).toEqual([]);
    }
    const b = box();
    const j = await runCli(bin, ['serve', '--port', 'x', '--json'], { sandbox: b });
    expect(j.code).toBe(2);
    expect(JSON.parse(j.out.trim())).toMatchObject({ ok: false, error: { code: 'USAGE' } });
    expect(j.written).toEqual([]);
  });

  it('serve: env settings are the fallback, flags win; SIGTERM stops it', async () => {
    const b = box();
    const [envPort, flagPort] = [await freePort(), await freePort()];
    const tokenFile = join(b.home, 'admin-token.txt');
    writeFileSync(tokenFile, 'token-from-flag-file-0123456789\n', { mode: 0o600 });
    const flagDir = join(b.home, 'flag-data');
    const run = startCli(
      bin,
      [
        'serve',
        '--json',
        '--port',
        String(flagPort),
        '--data-dir',
        flagDir,
        '--admin-token-file',
        tokenFile,
      ],
      {
        sandbox: b,
        env: {
          XPASS_PORT: String(envPort),
          XPASS_DATA_DIR: join(b.home, 'env-data'),
          XPASS_ADMIN_TOKEN: 'token-from-env-0123456789',
          XPASS_EPOCH_HOURS: '2',
        },
      },
    );
    const line = await run.waitFor(/^\{.*\}$/m);
    const started = JSON.parse(line[0]) as { url: string; port: number; dataDir: string };
    expect(started.port).toBe(flagPort);
    expect(started.dataDir).toBe(flagDir);
    // The flag's token file wins over XPASS_ADMIN_TOKEN.
    const admin = (token: string) =>
      fetch(`${started.url}/connections`, { headers: { authorization: `Bearer ${token}` } });
    expect((await admin('token-from-flag-file-0123456789')).status).toBe(200);
    expect((await admin('token-from-env-0123456789')).status).toBe(401);
    // A setting with no flag given comes from the environment.
    const health = (await (await fetch(`${started.url}/health`)).json()) as {
      details: { epochMs: number };
    };
    expect(health.details.epochMs).toBe(2 * 3_600_000);
    await expect(fetch(`http://127.0.0.1:${envPort}/health`)).rejects.toThrow();
    run.child.kill('SIGTERM');
    const end = await run.exited;
    expect(end.code, end.err).toBe(0);
    expect(b.written()).toContain('home/flag-data/server-key.json');
    expect(b.written().some((p) => p.startsWith('home/env-data'))).toBe(false);
  });

  it('serve: with no flags the environment configures it', async () => {
    const b = box();
    const port = await freePort();
    const run = startCli(bin, ['serve'], {
      sandbox: b,
      env: { XPASS_PORT: String(port), LOG_LEVEL: 'silent' },
    });
    await run.waitFor(/listening on (\S+)/);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    run.child.kill('SIGTERM');
    const end = await run.exited;
    expect(end.code, end.err).toBe(0);
    expect(end.out).toContain('xpass billing server stopped');
    // LOG_LEVEL=silent: no request log lines.
    expect(end.out).not.toContain('"msg"');
    // Default data directory: per-user (XDG_DATA_HOME), never the working directory.
    expect(b.written()).toContain('data/xorida/xpass/admin-token');
    expect(b.written().filter((p) => p.startsWith('cwd/'))).toEqual([]);
  });
});
