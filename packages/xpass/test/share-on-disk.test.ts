// Secrets on disk, with the real billing server on an ephemeral loopback port: every file in a
// data dir that already existed (mode 0755) is 0600, and a share leaves every file under the
// data dir as soon as its owner has fetched it; after a restart the fetched share is not
// handed out again.
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity } from '@xorida/agent-sdk';
import { decodeLogLine } from '@xorida/agent-sdk/node';
import { afterAll, expect, it } from 'vitest';
import { bytesToHex } from 'xorida';
import {
  createShareRequest,
  openShareResponse,
  shareEnvelopeToBase45,
  type XpassShare,
} from '../src/index.js';
import { type BillingServer, startBillingServer } from '../src/node/index.js';
import { clock, must } from './helpers.js';

const DAY = 86_400_000;
const TOKEN = 'disk-admin-token-0123456789';
const servers: BillingServer[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const s of servers) await s.close().catch(() => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** Pending (not yet fetched) share envelopes recorded in a connections log. */
function pendingOnDisk(path: string): string[] {
  return readFileSync(path)
    .toString('latin1')
    .split('\n')
    .filter((l) => l.length > 0)
    .flatMap((l) => {
      const rec = decodeLogLine(Buffer.from(l, 'latin1'))?.record as {
        splits: { pending: (string | null)[] }[];
      };
      return rec.splits.flatMap((s) => s.pending.filter((p): p is string => p !== null));
    });
}

it('a fetched share is on no file under the data dir; secret files are 0600', async () => {
  const c = clock(Math.floor(Date.now() / DAY) * DAY + 3_600_000);
  const root = mkdtempSync(join(tmpdir(), 'xpass-disk-'));
  dirs.push(root);
  const dataDir = join(root, 'data');
  mkdirSync(dataDir);
  chmodSync(dataDir, 0o755); // a pre-existing, world-readable directory
  const start = async () => {
    const s = must(
      await startBillingServer({
        dataDir,
        port: 0,
        adminToken: TOKEN,
        now: c.now,
        rateLimit: 1000,
      }),
    );
    servers.push(s);
    return s;
  };
  let server = await start();
  const a = must(generateIdentity());
  const b = must(generateIdentity());
  const res = await fetch(`${server.url}/connections`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ didA: a.did, didB: b.did, scope: 'xlink', status: 'active' }),
  });
  expect(res.status).toBe(201);
  const cid = ((await res.json()) as { connectionId: string }).connectionId;
  const fetchShare = async (id: typeof a, s: BillingServer): Promise<XpassShare> => {
    const req = must(
      createShareRequest({ connectionId: cid, did: id.did, sign: id.signing.sign, now: c.now() }),
    );
    const answer = await fetch(`${s.url}/shares/fetch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(req.request),
    });
    expect(answer.status).toBe(200);
    return must(
      openShareResponse(await answer.json(), {
        serverPublicKey: s.service.publicKey,
        did: id.did,
        connectionId: cid,
        challenge: req.challenge,
        now: c.now(),
      }),
    );
  };

  await fetchShare(a, server); // makes the split; b's share waits on disk
  const log = join(dataDir, 'connections.jsonl');
  const waiting = pendingOnDisk(log);
  expect(waiting).toHaveLength(1);
  const bShare = await fetchShare(b, server);
  expect(shareEnvelopeToBase45(bShare)).toBe(waiting[0]); // b got exactly the stored share

  const forms = [
    waiting[0]!,
    bytesToHex(bShare.bytes),
    Buffer.from(bShare.bytes).toString('base64'),
    Buffer.from(bShare.bytes).toString('base64url'),
  ];
  const files = filesUnder(root);
  expect(files).toContain(log);
  for (const f of files) {
    const text = readFileSync(f).toString('latin1');
    for (const form of forms) expect(text.includes(form), `${f} holds the share`).toBe(false);
  }
  for (const name of ['connections.jsonl', 'audit.jsonl', 'server-key.json'])
    expect((statSync(join(dataDir, name)).mode & 0o777).toString(8), name).toBe('600');

  await server.close();
  server = await start();
  const again = await fetchShare(b, server); // same epoch, after a restart
  expect(bytesToHex(again.splitId)).not.toBe(bytesToHex(bShare.splitId));
  expect(bytesToHex(again.bytes)).not.toBe(bytesToHex(bShare.bytes));
  expect((statSync(log).mode & 0o777).toString(8)).toBe('600');
});
