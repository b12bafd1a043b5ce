// The size policy end to end with a real receiving peer process (size-peer.ts) and `xlink serve`
// as registry and relay: a 16 MiB payload (the default limit, docs/formats.md#size-policy) passes
// the HTTP transport in direct mode (POSTed to the peer's `agent.middleware()`, no relay), the
// relay (pulled by the peer's `listen()`), and split-channel (security 'high', every share POSTed
// directly to the peer); one byte more fails at send with PAYLOAD_TOO_LARGE naming the limit and
// the setting, and nothing reaches the peer.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Agent,
  generateIdentity,
  HttpsTransportAdapter,
  HttpTrustRegistry,
} from '../../src/index.js';
import { childEnv, pkg, type Served, serve, sleep } from './e2e-helpers.js';

const LIMIT = 16 * 1024 * 1024;
const root = mkdtempSync(join(tmpdir(), 'xlink-size-e2e-'));
let srv: Served;
let peer: ChildProcessWithoutNullStreams;
let peerOut = '';
let peerUrl = '';
let peerDid = '';
const payload = randomBytes(LIMIT);
const digest = createHash('sha256').update(payload).digest('hex');

const lines = () =>
  peerOut
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, Record<string, unknown>>);

async function nextGot(
  before: number,
  ms = 120_000,
): Promise<Record<string, Record<string, unknown>>> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const l = lines().slice(before);
    if (l.length) return l[0]!;
    if (peer.exitCode !== null) break;
    await sleep(100);
  }
  throw new Error(`peer reported nothing: ${peerOut.slice(-2000)}`);
}

/** A sender registered at the served registry, sending through `transport`. */
async function sender(transport: HttpsTransportAdapter): Promise<Agent> {
  const id = generateIdentity();
  if (!id.ok) throw new Error('identity');
  const a = Agent.fromParts({
    identity: id.value,
    scopes: ['bulk'],
    registry: new HttpTrustRegistry({ baseUrl: srv.url, signer: id.value }),
    transport,
  });
  const r = await a.register();
  if (!r.ok) throw new Error(r.error.message);
  return a;
}

beforeAll(async () => {
  const env = { XDG_CONFIG_HOME: join(root, 'cfg'), XLINK_TIMESTAMP_WINDOW_MS: '300000' };
  srv = await serve(['--data-dir', join(root, 'data'), '--self-registration'], env);
  peer = spawn(
    process.execPath,
    [
      '--conditions=@xorida/source',
      '--import',
      'tsx',
      join(pkg, 'test', 'delivery', 'size-peer.ts'),
      srv.url,
    ],
    { cwd: pkg, env: childEnv({}), stdio: 'pipe' },
  );
  peer.stdout.on('data', (d) => (peerOut += String(d)));
  peer.stderr.on('data', (d) => (peerOut += String(d)));
  const ready = await nextGot(0, 60_000);
  peerUrl = String(ready.url);
  peerDid = String(ready.did);
  expect(peerDid).toMatch(/^did:key:/);
}, 90_000);

afterAll(async () => {
  peer?.kill('SIGTERM');
  await srv?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('16 MiB through every path, with a real peer process', () => {
  const direct = () => new HttpsTransportAdapter({ baseUrl: peerUrl, endpoint: 'direct' });

  it('HTTP transport, direct mode (no relay)', async () => {
    const alice = await sender(direct());
    const before = lines().length;
    const s = await alice.send({ to: peerDid, payload, scope: 'bulk', security: 'standard' });
    expect(s.ok, s.ok ? '' : s.error.message).toBe(true);
    expect((await nextGot(before)).got).toEqual({
      via: 'direct',
      bytes: LIMIT,
      sha256: digest,
      split: 0,
    });
  }, 180_000);

  it('through the relay', async () => {
    const alice = await sender(new HttpsTransportAdapter({ baseUrl: srv.url }));
    const before = lines().length;
    const s = await alice.send({ to: peerDid, payload, scope: 'bulk', security: 'standard' });
    expect(s.ok, s.ok ? '' : s.error.message).toBe(true);
    expect((await nextGot(before)).got).toEqual({
      via: 'relay',
      bytes: LIMIT,
      sha256: digest,
      split: 0,
    });
  }, 180_000);

  it('split-channel, every share POSTed directly to the peer', async () => {
    const alice = await sender(direct());
    const before = lines().length;
    const s = await alice.send({ to: peerDid, payload, scope: 'bulk', security: 'high' });
    expect(s.ok, s.ok ? '' : s.error.message).toBe(true);
    const n = s.ok ? s.value.split?.n : 0;
    expect(n).toBeGreaterThan(1);
    expect((await nextGot(before)).got).toEqual({
      via: 'direct',
      bytes: LIMIT,
      sha256: digest,
      split: n,
    });
  }, 240_000);

  it('one byte over the limit fails at send, naming the limit and the setting', async () => {
    const alice = await sender(direct());
    const before = lines().length;
    for (const security of ['standard', 'high'] as const) {
      const s = await alice.send({
        to: peerDid,
        payload: new Uint8Array(LIMIT + 1),
        scope: 'bulk',
        security,
      });
      expect(s.ok).toBe(false);
      if (s.ok) return;
      expect(s.error.code).toBe('PAYLOAD_TOO_LARGE');
      expect(s.error.message).toContain(`limit of ${LIMIT} bytes`);
      expect(s.error.message).toContain('XLINK_MAX_PAYLOAD_BYTES');
    }
    await sleep(500);
    expect(lines().slice(before)).toEqual([]); // nothing reached the peer
  }, 60_000);
});
