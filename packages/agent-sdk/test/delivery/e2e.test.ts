// The delivery contract end to end (docs/formats.md#delivery-contract): `xlink serve` and every
// `xlink` command in separate processes. The receivers' direct window is shortened to 3 s
// (XLINK_TIMESTAMP_WINDOW_MS) and then really waited out. The relay's deposit window is widened
// to 120 s so that a loaded machine (slow CLI start-ups) cannot make the re-deposits below stale;
// the deposit check itself is tested in listen.test.ts.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopeToJson, parseEnvelope } from '../../src/envelope.js';
import { type Served, serve, sleep, xlink } from './e2e-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'xlink-delivery-'));
const WINDOW = 3000;
const base = { XDG_CONFIG_HOME: join(root, 'cfg'), XLINK_TIMESTAMP_WINDOW_MS: String(WINDOW) };
const serveEnv = { XDG_CONFIG_HOME: join(root, 'cfg'), XLINK_TIMESTAMP_WINDOW_MS: '120000' };
const ks = (n: string) => join(root, `${n}.json`);
const dataDir = join(root, 'data');
let srv: Served;
let alice = '';
let bob = '';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisPrefix = `xlink-e2e:${randomBytes(6).toString('hex')}:`;
async function redisDown(): Promise<string | null> {
  const c = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 1500,
  });
  c.on('error', () => {});
  try {
    await c.connect();
    return (await c.ping()) === 'PONG' ? null : 'no PONG';
  } catch (e) {
    return (e as Error).message;
  } finally {
    c.disconnect();
  }
}
const redisProblem = await redisDown();

const cmd = (args: string[], env: Record<string, string | undefined> = {}) =>
  xlink([...args, '--registry', srv.url, '--json'], { ...base, ...env });
const send = (payload: string, extra: string[] = [], env = {}) =>
  cmd(
    [
      'send',
      '--to',
      bob,
      '--scope',
      'chat',
      '--keystore',
      ks('alice'),
      ...(payload ? ['--payload', payload] : []),
      ...extra,
    ],
    env,
  );
const receive = (extra: string[] = [], env = {}) =>
  cmd(['receive', '--keystore', ks('bob'), ...extra], env);
/** POSTs an envelope (compact form) to the relay, as anyone on the network could. */
async function deposit(compact: string): Promise<number> {
  const env = parseEnvelope(compact);
  if (!env.ok) throw new Error('compact');
  const r = await fetch(`${srv.url}/relay/${bob}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(envelopeToJson(env.value)),
  });
  return r.status;
}

beforeAll(async () => {
  srv = await serve(['--data-dir', dataDir, '--self-registration'], serveEnv);
  for (const n of ['alice', 'bob']) {
    const r = await cmd(['create', '--name', n, '--scope', 'chat', '--keystore', ks(n)]);
    expect(r.code, r.err).toBe(0);
    if (n === 'alice') alice = r.json.did;
    else bob = r.json.did;
  }
}, 90_000);

afterAll(async () => {
  await srv?.stop();
  if (!redisProblem) {
    const c = new Redis(REDIS_URL);
    const keys = await c.keys(`${redisPrefix}*`);
    if (keys.length) await c.del(...keys);
    await c.quit();
  }
  rmSync(root, { recursive: true, force: true });
});

describe('store-and-forward across time and a relay restart', () => {
  it('offline receiver, past the direct window, relay restarted: delivered exactly once; replays refused (file store)', async () => {
    const s = await send('{"n":1}');
    expect(s.code, s.err).toBe(0);
    await sleep(WINDOW + 1500); // the receiver is offline past the direct window
    await srv.stop();
    srv = await serve(['--data-dir', dataDir, '--self-registration'], serveEnv);
    // the same envelope handed over directly is stale now (and nothing is recorded from it)
    const direct = await receive(['--envelope', s.json.envelope]);
    expect(direct.code).toBe(1);
    expect(direct.out + direct.err).toContain('TIMESTAMP_EXPIRED');
    // through the relay, whose signed deposit receipt vouches for the deposit time: accepted
    const got = await receive();
    expect(got.code, got.err).toBe(0);
    expect(got.json.messages).toEqual([
      { sender: alice, scope: 'chat', version: 2, payload: { n: 1 } },
    ]);
    expect(got.json.rejected).toEqual([]);
    const again = await receive();
    expect(again.json.messages).toEqual([]);
    // replaying it after delivery (re-deposited by anyone, in the relay's deposit window): the
    // relay stores it with a fresh receipt, the durable nonce file refuses it
    expect(await deposit(s.json.envelope)).toBe(202);
    // (a receiver window wide enough for this slow re-deposit, so the nonce store decides)
    const replay = await receive([], { XLINK_TIMESTAMP_WINDOW_MS: '120000' });
    expect(replay.code).toBe(1);
    expect(replay.json.messages).toEqual([]);
    expect(replay.json.rejected.map((r: { code: string }) => r.code)).toEqual(['REPLAY_DETECTED']);
    // the permanent rejection was acked with its code: gone from the mailbox, kept as dead letter
    expect((await receive()).json).toEqual({ messages: [], rejected: [] });
    const dead = await receive(['--dead-letters']);
    expect(dead.json.deadLetters.map((d: { code: string }) => d.code)).toContain('REPLAY_DETECTED');
  }, 120_000);

  it('three receive runs of one envelope give exactly one accept (file store)', async () => {
    const s = await send('{"n":3}');
    const env = { XLINK_TIMESTAMP_WINDOW_MS: '60000' };
    const runs = [
      await receive(['--envelope', s.json.envelope], env),
      await receive(['--envelope', s.json.envelope], env),
      await receive([], env),
    ];
    const accepted = runs.filter((r) => r.code === 0 && r.json?.messages?.length === 1);
    expect(
      accepted,
      JSON.stringify(runs.map((r) => [r.code, r.out.slice(0, 300), r.err.slice(0, 300)])),
    ).toHaveLength(1);
    expect(runs[1]!.out + runs[1]!.err).toContain('REPLAY_DETECTED');
    expect(runs[2]!.json.rejected.map((r: { code: string }) => r.code)).toEqual([
      'REPLAY_DETECTED',
    ]);
  }, 60_000);
});

describe.skipIf(redisProblem !== null && process.env.CI !== 'true')('Redis nonce store', () => {
  it(`Redis reachable at ${REDIS_URL} (required when CI=true)`, () => {
    expect(redisProblem).toBeNull();
  });

  it('three runs, one accept; a replay after delivery is refused (REDIS_URL)', async () => {
    const env = {
      REDIS_URL,
      XLINK_REDIS_KEY_PREFIX: redisPrefix,
      XLINK_TIMESTAMP_WINDOW_MS: '60000',
    };
    const s = await send('{"n":4}');
    const runs = [
      await receive(['--envelope', s.json.envelope], env),
      await receive([], env),
      await receive(['--envelope', s.json.envelope], env),
    ];
    expect(runs.filter((r) => r.code === 0 && r.json?.messages?.length === 1)).toHaveLength(1);
    expect(runs[1]!.json.rejected.map((r: { code: string }) => r.code)).toEqual([
      'REPLAY_DETECTED',
    ]);
    // the file store knows nothing of it: the Redis store did the work
    const s2 = await send('{"n":5}');
    expect((await receive([], env)).json.messages).toHaveLength(1);
    expect(await deposit(s2.json.envelope)).toBe(202);
    const replay = await receive([], env);
    expect(replay.json.rejected.map((r: { code: string }) => r.code)).toEqual(['REPLAY_DETECTED']);
  }, 60_000);
});

describe('one size policy through the relay (HTTP transport, relay, CLI)', () => {
  const payloadOf = (bytes: number) => {
    // {"b":"aaaa"} with exactly `bytes` bytes of JSON
    const path = join(root, `p${bytes}.json`);
    writeFileSync(path, `{"b":"${'a'.repeat(bytes - 8)}"}`);
    return path;
  };
  for (const [label, bytes] of [
    ['200 KiB', 200 * 1024],
    ['1 MiB', 1024 * 1024],
    ['16 MiB', 16 * 1024 * 1024],
  ] as const)
    it(`${label} payload passes send -> relay -> receive`, async () => {
      const s = await send('', ['--payload-file', payloadOf(bytes)]);
      expect(s.code, (s.err + s.out).slice(0, 500)).toBe(0);
      // the receiver's window matches the relay's here: how long encrypting and uploading
      // 16 MiB takes on a loaded machine must not decide this test
      const got = await receive([], { XLINK_TIMESTAMP_WINDOW_MS: '120000' });
      expect(got.code, (got.err + got.out).slice(0, 500)).toBe(0);
      expect(got.json.messages).toHaveLength(1);
      expect(got.json.messages[0].payload.b.length).toBe(bytes - 8);
    }, 120_000);

  // split-channel through the CLI: from 1 MiB the shares are sealed and sent one at a time and
  // not kept, so `send` reports the group, not an envelope
  for (const [label, bytes] of [
    ['200 KiB', 200 * 1024],
    ['1 MiB', 1024 * 1024],
    ['16 MiB', 16 * 1024 * 1024],
  ] as const)
    it(`${label} payload passes send --security high -> relay -> receive`, async () => {
      const s = await send('', ['--payload-file', payloadOf(bytes), '--security', 'high']);
      expect(s.code, (s.err + s.out).slice(0, 500)).toBe(0);
      expect(s.json.split).toMatchObject({ mode: 'split-channel', k: 2, n: 3, failed: [] });
      expect(s.json.split.delivered).toEqual([0, 1, 2]);
      const got = await receive([], { XLINK_TIMESTAMP_WINDOW_MS: '120000' });
      expect(got.code, (got.err + got.out).slice(0, 500)).toBe(0);
      expect(got.json.messages).toHaveLength(1);
      expect(got.json.messages[0].payload.b.length).toBe(bytes - 8);
      // the third share, processed after the group completed, is not a second message
      expect((await receive([], { XLINK_TIMESTAMP_WINDOW_MS: '120000' })).json.messages).toEqual(
        [],
      );
    }, 180_000);

  it('one byte over the limit fails at send, naming the limit and the setting', async () => {
    const s = await send('', ['--payload-file', payloadOf(16 * 1024 * 1024 + 1)]);
    expect(s.code).toBe(1);
    expect(s.out + s.err).toContain('PAYLOAD_TOO_LARGE');
    expect(s.out + s.err).toContain(`limit of ${16 * 1024 * 1024} bytes`);
    expect(s.out + s.err).toContain('XLINK_MAX_PAYLOAD_BYTES');
    expect((await receive()).json.messages).toEqual([]); // nothing was deposited
  }, 60_000);
});
