// xlink CLI end to end: a real `xlink serve` in its own process (sources through tsx), other
// commands both in-process (runCli) and as separate processes (invite accepted by another one).
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInvite, parseInvite } from '../../src/invite.js';
import { loadKeystore } from '../../src/node/cli/keystore.js';
import { runCli } from '../../src/node/cli/program.js';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..', '..');
const bin = join(pkg, 'src', 'node', 'cli', 'bin.ts');
const root = mkdtempSync(join(tmpdir(), 'xlink-cli-'));
const ADMIN = 'admin-secret-for-tests';

function spawnCli(
  args: string[],
  env: Record<string, string> = {},
): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--conditions=@xorida/source', '--import', 'tsx', bin, ...args], {
    cwd: pkg,
    env: { ...process.env, XDG_CONFIG_HOME: join(root, 'cfg'), ...env },
    stdio: 'pipe',
  });
}

function runSpawned(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const c = spawnCli(args);
  let out = '';
  let err = '';
  c.stdout.on('data', (d) => (out += String(d)));
  c.stderr.on('data', (d) => (err += String(d)));
  return new Promise((resolve) => c.on('close', (code) => resolve({ code, out, err })));
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    env: { XDG_CONFIG_HOME: join(root, 'cfg'), ...env },
  });
  const text = out.join('\n');
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
  let json: any;
  try {
    json = JSON.parse(out[out.length - 1] ?? '');
  } catch {}
  return { code, text, err: err.join('\n'), json };
}

let server: ChildProcessWithoutNullStreams;
let url = '';
const ks = (n: string) => join(root, `${n}.json`);

beforeAll(async () => {
  server = spawnCli(
    ['serve', '--port', '0', '--data-dir', join(root, 'data'), '--self-registration', '--json'],
    {
      XLINK_ADMIN_TOKEN: ADMIN,
    },
  );
  url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    let errText = '';
    const t = setTimeout(() => reject(new Error(`serve did not start: ${errText}`)), 30_000);
    server.stderr.on('data', (d) => (errText += String(d)));
    server.stdout.on('data', (d) => {
      buf += String(d);
      const line = buf.split('\n').find((l) => l.includes('"url"'));
      if (line) {
        clearTimeout(t);
        resolve(JSON.parse(line).url);
      }
    });
    server.on('exit', (c) => reject(new Error(`serve exited ${c}: ${errText}`)));
  });
}, 40_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const done = new Promise((r) => server.on('exit', r));
    server.kill('SIGTERM');
    await done;
  }
  rmSync(root, { recursive: true, force: true });
});

describe('xlink CLI', () => {
  it('init -> register -> send -> receive against a spawned xlink serve', async () => {
    const a = await cli(['--json', 'init', '--name', 'alice', '--keystore', ks('alice')]);
    expect(a.code).toBe(0);
    expect(a.json.did).toMatch(/^did:key:z6Mk/);
    expect(statSync(ks('alice')).mode & 0o777).toBe(0o600);
    expect(a.text).not.toContain(JSON.parse(readFileSync(ks('alice'), 'utf8')).pkcs8);
    // the default keystore lives under $XDG_CONFIG_HOME/xlink/
    const b = await cli(['init', '--name', 'bob', '--json']);
    expect(b.code).toBe(0);
    expect(b.json.keystore).toBe(join(root, 'cfg', 'xlink', 'keystore.json'));
    // a second init does not overwrite
    const again = await cli(['init', '--name', 'bob']);
    expect(again.code).toBe(1);
    expect(again.err).toContain('KEYSTORE_EXISTS');

    for (const k of [['--keystore', ks('alice')], []]) {
      const r = await cli(['register', '--scope', 'chat', '--registry', url, '--json', ...k]);
      expect(r.code, r.err).toBe(0);
    }
    const sent = await cli([
      'send',
      '--to',
      b.json.did,
      '--payload',
      '{"amount":5}',
      '--scope',
      'chat',
      '--keystore',
      ks('alice'),
      '--registry',
      url,
      '--json',
    ]);
    expect(sent.code, sent.err).toBe(0);
    expect(sent.json.version).toBe(2);

    const got = await runSpawned(['receive', '--json', '--registry', url]);
    expect(got.code, got.err).toBe(0);
    const msgs = JSON.parse(got.out.trim()).messages;
    expect(msgs).toEqual([
      { sender: a.json.did, scope: 'chat', version: 2, payload: { amount: 5 } },
    ]);
    // acked: the mailbox is empty now
    const empty = await cli(['receive', '--json', '--registry', url]);
    expect(empty.json.messages).toEqual([]);
    // the compact envelope printed by send opens with receive --envelope ... once (replay refused)
    const sent2 = await cli([
      'send',
      '--to',
      b.json.did,
      '--payload',
      '{"n":2}',
      '--scope',
      'chat',
      '--keystore',
      ks('alice'),
      '--registry',
      url,
      '--json',
    ]);
    const opened = await cli([
      'receive',
      '--envelope',
      sent2.json.envelope,
      '--registry',
      url,
      '--json',
    ]);
    expect(opened.code, opened.err).toBe(0);
    expect(opened.json.messages[0].payload).toEqual({ n: 2 });

    const look = await cli(['lookup', '--did', a.json.did, '--registry', url, '--json']);
    expect(look.json).toMatchObject({
      did: a.json.did,
      status: 'active',
      scopes: ['chat'],
      name: 'alice',
    });

    const noToken = await cli(['revoke', '--did', a.json.did, '--registry', url]);
    expect(noToken.code).toBe(2);
    const rev = await cli(
      ['revoke', '--did', a.json.did, '--reason', 'test', '--registry', url, '--json'],
      {
        XLINK_ADMIN_TOKEN: ADMIN,
      },
    );
    expect(rev.code, rev.err).toBe(0);
    expect(rev.json.status).toBe('revoked');
    // a revoked sender is refused by the receiver (operation failed, code printed)
    const sent3 = await cli([
      'send',
      '--to',
      b.json.did,
      '--payload',
      '{}',
      '--scope',
      'chat',
      '--keystore',
      ks('alice'),
      '--registry',
      url,
    ]);
    // a revoked sender fails at send (the peer would refuse it), naming the reason
    expect(sent3.code).toBe(1);
    expect(sent3.err).toContain('SENDER_REVOKED');
    // sent2, already opened with --envelope in an earlier run, waits in the relay: the durable
    // nonce store refuses it as a replay (permanent: acked with its code)
    const refused = await cli(['receive', '--registry', url]);
    expect(refused.code).toBe(1);
    expect(refused.text).toContain('REPLAY_DETECTED');
  }, 60_000);

  it('errors: usage exit 2, failures exit 1 with code, message and hint', async () => {
    expect((await cli(['nosuch'])).code).toBe(2);
    expect((await cli(['send', '--to', 'x'])).code).toBe(2);
    expect((await cli(['--help'])).code).toBe(0);
    const missing = await cli(['whoami', '--keystore', join(root, 'none.json')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/KEYSTORE_NOT_FOUND: .*\n {2}hint: Run `xlink init/);
    const nolook = await cli([
      'lookup',
      '--did',
      'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
      '--registry',
      url,
      '--json',
    ]);
    expect(nolook.code).toBe(1);
    expect(nolook.json.error.code).toBe('DID_NOT_IN_REGISTRY');
  }, 30_000);

  it('invites: created by one process, accepted by another; reused, expired and tampered codes refused', async () => {
    const inviter = await cli([
      'create',
      '--name',
      'payments',
      '--scope',
      'pay',
      '--keystore',
      ks('payments'),
      '--registry',
      url,
      '--json',
    ]);
    expect(inviter.code, inviter.err).toBe(0);
    const inv = await runSpawned([
      'invite',
      'billing',
      '--scope',
      'pay',
      '--expires',
      '1h',
      '--keystore',
      ks('payments'),
      '--registry',
      url,
      '--json',
    ]);
    expect(inv.code, inv.err).toBe(0);
    const { code, url: qr } = JSON.parse(inv.out.trim());
    expect(code).toMatch(/^XLK-/);
    expect(qr).toBe(`xlink://invite?code=${code}`);

    const acc = await cli([
      'connect',
      '--invite',
      code,
      '--name',
      'billing',
      '--keystore',
      ks('billing'),
      '--json',
    ]);
    expect(acc.code, acc.err).toBe(0);
    expect(acc.json.inviter).toBe(inviter.json.did);
    expect(acc.json.scopes).toEqual(['pay']);
    // mutual trust: each side sends to the other through the registry and relay
    const billingDid = loadKeystore(ks('billing'));
    if (!billingDid.ok) throw new Error('keystore');
    const s1 = await cli([
      'send',
      '--to',
      billingDid.value.file.did,
      '--payload',
      '{"x":1}',
      '--scope',
      'pay',
      '--keystore',
      ks('payments'),
      '--registry',
      url,
    ]);
    expect(s1.code, s1.err).toBe(0);
    const s2 = await cli([
      'send',
      '--to',
      inviter.json.did,
      '--payload',
      '{"y":2}',
      '--scope',
      'pay',
      '--keystore',
      ks('billing'),
      '--registry',
      url,
    ]);
    expect(s2.code, s2.err).toBe(0);
    const r1 = await cli(['receive', '--keystore', ks('billing'), '--registry', url, '--json']);
    expect(r1.json.messages[0]).toMatchObject({ sender: inviter.json.did, payload: { x: 1 } });
    const r2 = await cli(['receive', '--keystore', ks('payments'), '--registry', url, '--json']);
    expect(r2.json.messages[0]).toMatchObject({
      sender: billingDid.value.file.did,
      payload: { y: 2 },
    });

    // reused (by another identity): refused
    const reuse = await cli(['connect', '--invite', code, '--keystore', ks('mallory'), '--json']);
    expect(reuse.code).toBe(1);
    expect(reuse.json.error.code).toBe('INVITE_USED');

    // expired
    const payments = loadKeystore(ks('payments'));
    if (!payments.ok) throw new Error('keystore');
    const old = createInvite({
      identity: payments.value.identity,
      service: 'x',
      registry: url,
      scopes: ['pay'],
      expiresIn: 1000,
      testing: { now: Date.now() - 10_000 },
    });
    if (!old.ok) throw new Error('invite');
    const exp = await cli([
      'connect',
      '--invite',
      old.value.code,
      '--keystore',
      ks('late'),
      '--json',
    ]);
    expect(exp.code).toBe(1);
    expect(exp.json.error.code).toBe('INVITE_EXPIRED');

    // tampered: scopes widened in the payload, signature kept
    const fresh = createInvite({
      identity: payments.value.identity,
      service: 'x',
      registry: url,
      scopes: ['pay'],
    });
    if (!fresh.ok) throw new Error('invite');
    const [body, sig] = fresh.value.code.slice(4).split('.');
    const p = JSON.parse(Buffer.from(body!, 'base64url').toString());
    p.scopes = ['*'];
    const forged = `XLK-${Buffer.from(JSON.stringify(p)).toString('base64url')}.${sig}`;
    expect(parseInvite(forged)).toMatchObject({
      ok: false,
      error: { code: 'INVITE_INVALID', subCode: 'BAD_SIGNATURE' },
    });
    const tam = await cli(['connect', '--invite', forged, '--keystore', ks('forger'), '--json']);
    expect(tam.code).toBe(1);
    expect(tam.json.error).toMatchObject({ code: 'INVITE_INVALID', subCode: 'BAD_SIGNATURE' });
    // the server refuses a tampered code too (not only the client-side check)
    const direct = await fetch(`${url}/invites/redeem`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: forged, keyDocument: {} }),
    });
    expect(direct.status).toBe(400);
    expect((await direct.json()).error.subCode).toBe('BAD_SIGNATURE');
  }, 60_000);
});
