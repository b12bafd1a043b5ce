// Server kit units against real listening servers: secret redaction in logs, the default data
// directory, and one rate limit shared by two replicas through Redis.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createServerKit, defaultDataDir, ensureDataDir } from '../../src/node/index.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function redisDown(): Promise<string | null> {
  const c = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 1500,
  });
  c.on('error', () => {});
  try {
    await c.connect();
    return (await c.ping()) === 'PONG' ? null : 'bad PING';
  } catch (e) {
    return (e as Error).message;
  } finally {
    c.disconnect();
  }
}
const unreachable = await redisDown();

describe('logs', () => {
  it('a request with Authorization and signature headers logs no secret', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const kit = await createServerKit({
      name: 'logtest',
      version: '0.0.0',
      storage: 'memory',
      logger: { level: 'trace', stream } as never,
    });
    if (!kit.ok) throw new Error(kit.error.message);
    kit.value.app.post('/echo', async (req) => {
      req.log.info({ headers: req.headers, body: req.body }, 'got');
      return { ok: true };
    });
    const l = await kit.value.listen({ port: 0 });
    if (!l.ok) throw new Error(l.error.message);
    const res = await fetch(`${l.value.url}/echo`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer TOPSECRETTOKEN123',
        'x-xlink-signature': 'SIGNATUREVALUE456',
      },
      body: JSON.stringify({ seed: 'SEEDVALUE789', token: 'TOKENVALUE000', note: 'visible' }),
    });
    expect(res.status).toBe(200);
    await kit.value.close();
    const text = lines.join('');
    expect(text).toContain('visible');
    expect(text).toContain('[redacted]');
    for (const s of ['TOPSECRETTOKEN123', 'SIGNATUREVALUE456', 'SEEDVALUE789', 'TOKENVALUE000'])
      expect(text).not.toContain(s);
  });
});

describe('data directory', () => {
  it('is per user on every platform, never the working directory, created 0700', async () => {
    expect(
      defaultDataDir('xpass', { env: { XDG_DATA_HOME: '/x/data' }, platform: 'linux', home: '/h' }),
    ).toBe('/x/data/xorida/xpass');
    expect(defaultDataDir('xpass', { env: {}, platform: 'linux', home: '/h' })).toBe(
      '/h/.local/share/xorida/xpass',
    );
    expect(
      defaultDataDir('xpass', { env: { XDG_DATA_HOME: 'rel' }, platform: 'linux', home: '/h' }),
    ).toBe('/h/.local/share/xorida/xpass');
    expect(defaultDataDir('xpass', { env: {}, platform: 'darwin', home: '/Users/u' })).toBe(
      '/Users/u/Library/Application Support/xorida/xpass',
    );
    expect(
      defaultDataDir('xpass', { env: { LOCALAPPDATA: 'C:\\L' }, platform: 'win32', home: 'C:\\U' }),
    ).toBe('C:\\L\\xorida\\xpass');
    const base = mkdtempSync(join(tmpdir(), 'kit-dd-'));
    dirs.push(base);
    const d = await ensureDataDir(join(base, 'a', 'b'));
    expect(d.ok).toBe(true);
    expect(statSync(join(base, 'a', 'b')).mode & 0o777).toBe(0o700);
  });
});

it(`Redis reachable at ${REDIS_URL} (required when CI=true)`, () => {
  if (unreachable && process.env.CI === 'true')
    throw new Error(`CI=true but Redis at ${REDIS_URL} is unreachable: ${unreachable}`);
  expect(typeof unreachable === 'string' || unreachable === null).toBe(true);
});

describe.runIf(!unreachable)('rate limits in Redis', () => {
  it('two replicas sharing Redis enforce one limit between them', async () => {
    const ns = `kit-test-${process.pid}-${Date.now()}:`;
    const make = async () => {
      const k = await createServerKit({
        name: 'replica',
        version: '0.0.0',
        storage: 'memory',
        logger: false,
        redisUrl: REDIS_URL,
        rateLimitNameSpace: ns,
        rateLimit: { address: { max: 4, timeWindowMs: 60_000 } },
      });
      if (!k.ok) throw new Error(k.error.message);
      k.value.app.get('/ping', async () => ({ pong: true }));
      const l = await k.value.listen({ port: 0 });
      if (!l.ok) throw new Error(l.error.message);
      return { kit: k.value, url: l.value.url };
    };
    const a = await make();
    const b = await make();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++)
        statuses.push((await fetch(`${(i % 2 ? b : a).url}/ping`)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429, 429, 429]);
    } finally {
      await a.kit.close();
      await b.kit.close();
    }
  });
});
