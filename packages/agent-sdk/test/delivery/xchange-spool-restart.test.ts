// Xchange parts (version 2, one group signature per message) survive the receiver's death
// (docs/formats.md#delivery-contract): three `xlink serve` relays, the sender deposits part i on
// relay i; the receiver (test/delivery/xchange-spool-peer.ts, its own process with a
// FileShareSpool and the CLI's nonce file) first listens on relay A only, acks and spools
// part 0, and is killed with SIGKILL. Restarted on all three relays it delivers the message
// exactly once (the restored part carries no verified statement, so the live part that joins
// it is verified on its own), and a second restart delivers nothing. A spooled group whose
// deadline passed while the receiver was down (moved share-buffer clock) is not delivered, and
// a spooled part edited on disk is refused without killing the receiver.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Agent,
  type AgentIdentity,
  HttpsTransportAdapter,
  HttpTrustRegistry,
  identityFromSeed,
  type Payload,
  RelayClient,
} from '../../src/index.js';
import { childEnv, pkg, type Served, serve, sleep } from './e2e-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'xlink-xchange-spool-'));
const env = { XDG_CONFIG_HOME: join(root, 'cfg') };
const GROUP_TIMEOUT = 60_000;
let relays: Served[] = [];
let alice: Agent;

/** Registers an identity (scope `pay`) at every relay: each checks a sender's key at deposit. */
async function registerEverywhere(identity: AgentIdentity, name: string) {
  for (const r of relays) {
    const reg = await Agent.fromParts({
      identity,
      name,
      scopes: ['pay'],
      registry: new HttpTrustRegistry({ baseUrl: r.url, signer: identity }),
      transport: new HttpsTransportAdapter({ baseUrl: r.url }),
      logger: {},
    }).register();
    if (!reg.ok) throw new Error(`${reg.error.code}: ${reg.error.message}`);
  }
}

function seededIdentity(seed: string): AgentIdentity {
  const id = identityFromSeed(Buffer.from(seed, 'hex'));
  if (!id.ok) throw new Error(id.error.message);
  return id.value;
}

beforeAll(async () => {
  relays = await Promise.all(
    ['a', 'b', 'c'].map((n) =>
      serve(['--data-dir', join(root, `relay-${n}`), '--self-registration'], env),
    ),
  );
  const identity = seededIdentity(randomBytes(32).toString('hex'));
  await registerEverywhere(identity, 'alice');
  alice = Agent.fromParts({
    identity,
    name: 'alice',
    scopes: ['pay'],
    xchange: true,
    registry: new HttpTrustRegistry({ baseUrl: relays[0]!.url, signer: identity }),
    // part i goes to relay i
    transport: relays.map((r) => new HttpsTransportAdapter({ baseUrl: r.url, retries: 0 })),
    logger: {},
  });
}, 90_000);

afterAll(async () => {
  await Promise.all(relays.map((r) => r.stop()));
  rmSync(root, { recursive: true, force: true });
});

/** A receiver identity registered at the three relays, with its own data dir. */
async function receiver(name: string) {
  const seed = randomBytes(32).toString('hex');
  const identity = seededIdentity(seed);
  await registerEverywhere(identity, name);
  const dataDir = join(root, name);
  const spoolDir = join(dataDir, 'shares');
  const spooled = () =>
    existsSync(spoolDir) ? readdirSync(spoolDir).filter((f) => f.endsWith('.share')) : [];
  const clients = relays.map((r) => new RelayClient({ baseUrl: r.url, signer: identity }));
  /** Waits until the given relays' mailboxes are empty (everything acked). */
  const drained = async (which: number[]) => {
    for (let i = 0; i < 200; i++) {
      const left = await Promise.all(which.map((j) => clients[j]!.pull({ limit: 10 })));
      if (left.every((l) => l.ok && l.value.length === 0)) return;
      await sleep(50);
    }
    throw new Error(`relays ${which} were not drained`);
  };
  /** Starts the receiver process on the given relays. */
  const start = async (which: number[], clockOffsetMs = 0) => {
    const config = {
      seed,
      dataDir,
      relays: which.map((j) => relays[j]!.url),
      groupTimeoutMs: GROUP_TIMEOUT,
      clockOffsetMs,
    };
    return peer(
      spawn(
        process.execPath,
        [
          '--conditions=@xorida/source',
          '--import',
          'tsx',
          join(pkg, 'test', 'delivery', 'xchange-spool-peer.ts'),
          JSON.stringify(config),
        ],
        { cwd: pkg, env: childEnv({}), stdio: 'pipe' },
      ),
    );
  };
  return { did: identity.did, spooled, spoolDir, drained, start };
}

type Line = Record<string, unknown> & {
  message?: { payload: unknown; indices: number[]; verifications: number };
  error?: { code: string; subCode?: string };
};

async function peer(p: ChildProcessWithoutNullStreams) {
  let buf = '';
  let err = '';
  p.stdout.on('data', (d) => (buf += String(d)));
  p.stderr.on('data', (d) => (err += String(d)));
  const exited = new Promise<NodeJS.Signals | number | null>((r) =>
    p.on('exit', (code, signal) => r(signal ?? code)),
  );
  const lines = (): Line[] =>
    buf
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Line);
  const until = async (what: string, pred: (l: Line) => boolean, ms = 20_000) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (lines().some(pred)) return;
      if (p.exitCode !== null) break;
      await sleep(25);
    }
    throw new Error(`peer: no ${what}; stdout ${buf.slice(0, 2000)} stderr ${err.slice(0, 2000)}`);
  };
  await until('ready line', (l) => l.ready !== undefined);
  const kill = async (signal: NodeJS.Signals) => {
    p.kill(signal);
    return exited;
  };
  return {
    lines,
    until,
    kill,
    alive: () => p.exitCode === null && p.signalCode === null,
    messages: () => lines().filter((l) => l.message),
    errors: () => lines().filter((l) => l.error),
  };
}

async function sendTo(did: string, payload: Payload) {
  const sent = await alice.send({
    to: did,
    payload,
    scope: 'pay',
    security: 'high',
    xchange: true,
  });
  if (!sent.ok) throw new Error(`${sent.error.code}/${sent.error.subCode}: ${sent.error.message}`);
  expect(sent.value.split?.mode).toBe('xchange');
  expect(sent.value.split?.k).toBe(2);
  expect(sent.value.split?.delivered).toEqual([0, 1, 2]);
}

/** Part 0 taken from relay A and spooled; then the receiver is killed with SIGKILL. */
async function spoolPartZeroAndKill(bob: Awaited<ReturnType<typeof receiver>>) {
  const first = await bob.start([0]);
  await bob.drained([0]); // acked: from now on only the receiver holds part 0
  expect(bob.spooled()).toHaveLength(1);
  expect(bob.spooled()[0]).toMatch(/\.0\.share$/);
  expect(await first.kill('SIGKILL')).toBe('SIGKILL');
  expect(first.messages()).toEqual([]);
  expect(first.errors()).toEqual([]);
}

describe('Xchange parts across a receiver killed with SIGKILL', () => {
  it('part 0 spooled, process killed, restarted: delivered exactly once, not again later', async () => {
    const bob = await receiver('bob');
    const payload = { amount: 42, note: 'x'.repeat(100) };
    await sendTo(bob.did, payload);
    await spoolPartZeroAndKill(bob);

    // restarted on relays A and B only: part 1 completes the group only with the spooled part 0
    const second = await bob.start([0, 1]);
    await second.until('message', (l) => l.message !== undefined);
    await bob.drained([0, 1]);
    await sleep(300);
    expect(second.messages()).toHaveLength(1);
    const m = second.messages()[0]!.message!;
    expect(m.payload).toEqual(payload);
    expect(m.indices).toEqual([0, 1]);
    // part 0 came from the spool with no verified statement (none is spooled), so live part 1
    // was checked with an Ed25519 verification of its own instead of the cached one
    expect(m.verifications).toBe(1);
    expect(second.errors()).toEqual([]);
    expect(bob.spooled()).toEqual([]); // the completed group left the spool
    expect(await second.kill('SIGKILL')).toBe('SIGKILL');

    // a second restart, now on all three relays: the late part 2 is acked, nothing delivered
    const third = await bob.start([0, 1, 2]);
    await bob.drained([0, 1, 2]);
    await sleep(500);
    expect(third.messages()).toEqual([]);
    expect(third.errors()).toEqual([]);
    expect(bob.spooled()).toEqual([]);
    await third.kill('SIGTERM');
  }, 30_000);

  it('a spooled group whose deadline passed while the receiver was down is not delivered', async () => {
    const bob = await receiver('carol');
    await sendTo(bob.did, { amount: 7 });
    await spoolPartZeroAndKill(bob);

    // restarted after the group's deadline (share-buffer clock moved past it); part 1 waits on B
    const late = await bob.start([0, 1], GROUP_TIMEOUT + 1000);
    await late.until('expiry report', (l) => l.error?.code === 'INSUFFICIENT_SHARES');
    await bob.drained([0, 1]);
    await sleep(300);
    expect(late.messages()).toEqual([]);
    expect(late.errors().map((l) => l.error!.code)).toEqual(['INSUFFICIENT_SHARES']);
    // the expired part 0 left the spool; only part 1 (a new, incomplete group) is held
    expect(bob.spooled().map((f) => f.replace(/^[0-9a-f]+/, ''))).toEqual(['.1.share']);
    await late.kill('SIGKILL');
  }, 30_000);

  it('a spooled part edited on disk is refused; the receiver keeps running', async () => {
    const bob = await receiver('dave');
    await sendTo(bob.did, { amount: 13 });
    await spoolPartZeroAndKill(bob);
    // flip one byte of the spooled key share (record: u32 header length | header | share record)
    const file = join(bob.spoolDir, bob.spooled()[0]!);
    const rec = readFileSync(file);
    const hLen = rec.readUInt32BE(0);
    const header = JSON.parse(rec.subarray(4, 4 + hLen).toString('utf8'));
    rec[4 + hLen + header.shareBytes - 1]! ^= 0x01;
    writeFileSync(file, rec);

    // Current behaviour, by design of the spool (it keeps no signature: it is trusted like the
    // keystore): the edited part still decodes, is restored, and is caught by the GCM tag once
    // a live part completes the group; the group is refused as a whole and recorded, so the
    // other live part is acked as belonging to a finished group. Nothing false is delivered.
    const after = await bob.start([0, 1, 2]);
    await after.until('refusal', (l) => l.error !== undefined);
    await bob.drained([0, 1, 2]);
    await sleep(300);
    expect(after.messages()).toEqual([]);
    expect(after.errors().map((l) => l.error)).toEqual([
      { code: 'HMAC_VERIFICATION_FAILED', subCode: 'AEAD_MISMATCH' },
    ]);
    expect(bob.spooled()).toEqual([]);
    // still alive and receiving
    expect(after.alive()).toBe(true);
    await sendTo(bob.did, { amount: 14 });
    await after.until('next message', (l) => l.message !== undefined);
    expect(after.messages().map((l) => l.message!.payload)).toEqual([{ amount: 14 }]);
    await after.kill('SIGTERM');
  }, 30_000);
});
