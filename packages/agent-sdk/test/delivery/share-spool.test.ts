// The share spool (split-channel/share-spool.ts, node/file-share-spool.ts) with in-process
// agents: a buffered share is on disk (0600) before receive() answers pending, a restarted agent
// (new Agent, same spool) completes the group with it and empties the spool, a group overdue at
// restore is reported as INSUFFICIENT_SHARES and dropped, unreadable records are removed.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Agent,
  type AgentOptions,
  decodeSpooledShare,
  type EnvelopeJson,
} from '../../src/index.js';
import { FileShareSpool } from '../../src/node/index.js';
import { makePeer, world } from '../helpers.js';

const root = mkdtempSync(join(tmpdir(), 'xlink-spool-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function setup(dir: string) {
  const w = world();
  const alice = await makePeer(1, w);
  const bob = await makePeer(2, w);
  const spool = new FileShareSpool(dir);
  /** A "process" of bob: a new Agent (empty memory) on the same identity and spool. */
  const bobProcess = (extra: Partial<AgentOptions> = {}) =>
    Agent.fromParts({ ...w, identity: bob.identity, shareSpool: spool, logger: {}, ...extra });
  const sendHigh = async (n: number): Promise<EnvelopeJson[]> => {
    const before = w.transport.outbox.length;
    const s = await alice.agent.send({
      to: bob.agent.did,
      payload: { n },
      scope: 'pay',
      security: 'high',
    });
    if (!s.ok) throw new Error(s.error.message);
    expect(s.value.split?.k).toBe(2);
    return w.transport.outbox.slice(before);
  };
  const files = () => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.share')) : []);
  return { spool, bobProcess, sendHigh, files };
}

describe('share spool', () => {
  it('a share buffered by one process completes its group in the next; the spool empties', async () => {
    const dir = join(root, 'a');
    const { bobProcess, sendHigh, files } = await setup(dir);
    const shares = await sendHigh(1);
    const first = await bobProcess().receive(shares[0]!);
    expect(first.ok && first.value.status).toBe('pending');
    expect(files()).toHaveLength(1);
    expect(statSync(join(dir, files()[0]!)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);

    const restarted = bobProcess();
    const done = await restarted.receive(shares[1]!);
    expect(done.ok && done.value.status === 'complete' && done.value.payload).toEqual({ n: 1 });
    expect(files()).toEqual([]);
    // without the spool the restarted process would only hold share 2: pending, never complete
    const late = await restarted.receive(shares[2]!);
    expect(late.ok && late.value.status === 'pending' && late.value.delivered).toBe(true);
  });

  it('a group overdue when restored is reported as INSUFFICIENT_SHARES and dropped', async () => {
    const dir = join(root, 'b');
    const { bobProcess, sendHigh, files } = await setup(dir);
    const old = await sendHigh(2);
    const first = bobProcess({ splitChannel: { groupTimeoutMs: 1000 } });
    expect((await first.receive(old[0]!)).ok).toBe(true);
    expect(files()).toHaveLength(1);
    // restarted 5 s later (injected clock): any share restores the spool first
    const later = bobProcess({
      splitChannel: { groupTimeoutMs: 1000, now: () => Date.now() + 5000 },
    });
    const other = await sendHigh(3);
    expect((await later.receive(other[0]!)).ok).toBe(true);
    const expired = later.takeExpiredShareGroups();
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({ code: 'INSUFFICIENT_SHARES', received: 1, threshold: 2 });
    await new Promise((r) => setTimeout(r, 100)); // the expiry hook drops asynchronously
    expect(files()).toHaveLength(1); // only the new group's share is left
  });

  it('unreadable records are removed on load; strict decoding', async () => {
    const dir = join(root, 'c');
    const { spool, files } = await setup(dir);
    await spool.save('k', 0, new Uint8Array([0, 0, 0, 2, 123, 125]));
    writeFileSync(join(dir, 'junk.1.share'), 'not a record');
    expect(files()).toHaveLength(2);
    expect(await spool.load()).toEqual([]);
    expect(files()).toEqual([]);
    expect(decodeSpooledShare(new Uint8Array([0, 0, 0, 9]))).toMatchObject({
      ok: false,
      error: { code: 'INCONSISTENT_SHARES', subCode: 'SPOOL_CORRUPT' },
    });
  });
});
