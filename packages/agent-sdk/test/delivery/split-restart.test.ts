// Split-channel shares survive the receiver's death (docs/formats.md#delivery-contract): a
// relayed share acked before its group completed is held in the receiver's share spool (next to
// its keystore), not only in memory. `xlink serve`, `xlink send --security high` and two
// `xlink listen` processes; the first listener is killed with SIGKILL after it took share 1 of a
// 2-of-3 group, the second gets share 2 (then the late share 3): the message is delivered once.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeystore } from '../../src/node/cli/keystore.js';
import { RelayClient, type RelayMessage } from '../../src/relay-client.js';
import { type Served, serve, sleep, spawnXlink, xlink } from './e2e-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'xlink-split-restart-'));
// Wide windows: slow CLI start-ups on a loaded machine must not decide this test.
const env = { XDG_CONFIG_HOME: join(root, 'cfg'), XLINK_TIMESTAMP_WINDOW_MS: '120000' };
const listenEnv = { ...env, XLINK_SHARE_GROUP_TIMEOUT_MS: '300000' };
const ks = (n: string) => join(root, `${n}.json`);
let srv: Served;
const dids: Record<string, string> = {};

const cmd = (args: string[], extra: Record<string, string> = {}) =>
  xlink([...args, '--registry', srv.url, '--json'], { ...env, ...extra });

beforeAll(async () => {
  srv = await serve(['--data-dir', join(root, 'data'), '--self-registration'], env);
  for (const n of ['alice', 'bob']) {
    const r = await cmd(['create', '--name', n, '--scope', 'pay', '--keystore', ks(n)]);
    expect(r.code, r.err).toBe(0);
    dids[n] = r.json.did;
  }
}, 90_000);

afterAll(async () => {
  await srv?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** A running `xlink listen --json`: its JSON lines so far, and how to wait for one. */
function listen() {
  const p = spawnXlink(
    ['listen', '--keystore', ks('bob'), '--registry', srv.url, '--interval', '100', '--json'],
    listenEnv,
  );
  let buf = '';
  let err = '';
  p.stdout.on('data', (d) => (buf += String(d)));
  p.stderr.on('data', (d) => (err += String(d)));
  const lines = () =>
    buf
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const until = async (
    what: string,
    pred: (l: Record<string, unknown>) => boolean,
    ms = 60_000,
  ) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (lines().some(pred)) return;
      if (p.exitCode !== null) break;
      await sleep(100);
    }
    throw new Error(
      `listen: no ${what}; stdout ${buf.slice(0, 2000)} stderr ${err.slice(0, 2000)}`,
    );
  };
  const exited = new Promise((r) => p.on('exit', r));
  return { p, lines, until, exited };
}

describe('split-channel shares across a receiver killed with SIGKILL', () => {
  it('share 1 spooled, process killed, restarted: delivered exactly once', async () => {
    const sent = await cmd([
      'send',
      '--to',
      dids.bob!,
      '--scope',
      'pay',
      '--security',
      'high',
      '--payload',
      '{"amount":42}',
      '--keystore',
      ks('alice'),
    ]);
    expect(sent.code, sent.err + sent.out).toBe(0);
    // Take the three shares out of bob's mailbox, to hand them back one at a time.
    const bob = loadKeystore(ks('bob'));
    if (!bob.ok) throw new Error(bob.error.message);
    const relay = new RelayClient({ baseUrl: srv.url, signer: bob.value.identity });
    const pulled = await relay.pull({ limit: 10 });
    if (!pulled.ok) throw new Error(pulled.error.message);
    expect(pulled.value).toHaveLength(3);
    expect((await relay.ack(pulled.value.map((m) => m.id))).ok).toBe(true);
    const deposit = async (m: RelayMessage) => {
      const r = await fetch(`${srv.url}/relay/${dids.bob}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(m.envelope),
      });
      expect(r.status).toBe(202);
    };
    const mailboxEmpty = async () => {
      for (let i = 0; i < 300; i++) {
        const left = await relay.pull({ limit: 10 });
        if (left.ok && left.value.length === 0) return;
        await sleep(100);
      }
      throw new Error('the listener did not ack');
    };
    const spool = join(root, 'bob.shares');
    const spooled = () => (existsSync(spool) ? readdirSync(spool) : []);

    const first = listen();
    await first.until('ready line', (l) => l.listening === dids.bob);
    await deposit(pulled.value[0]!);
    await mailboxEmpty(); // acked: from now on only the receiver holds share 1
    expect(spooled()).toHaveLength(1);
    expect(statSync(join(spool, spooled()[0]!)).mode & 0o777).toBe(0o600);
    first.p.kill('SIGKILL');
    expect(await first.exited).toBeNull(); // exit code null: killed by the signal
    expect(first.lines().filter((l) => l.message)).toEqual([]);

    await deposit(pulled.value[1]!);
    const second = listen();
    await second.until('message', (l) => l.message !== undefined);
    // the late third share is acked as part of a delivered group, not delivered again
    await deposit(pulled.value[2]!);
    await mailboxEmpty();
    await sleep(500);
    second.p.kill('SIGTERM');
    await second.exited;
    const messages = second.lines().filter((l) => l.message);
    expect(messages).toEqual([
      { message: { sender: dids.alice, scope: 'pay', version: 2, payload: { amount: 42 } } },
    ]);
    expect(second.lines().filter((l) => l.error)).toEqual([]);
    expect(spooled()).toEqual([]); // the completed group left the spool
    // and nothing is left to deliver on a later run
    const again = await cmd(['receive', '--keystore', ks('bob')], listenEnv);
    expect(again.json).toEqual({ messages: [], rejected: [] });
  }, 180_000);
});
