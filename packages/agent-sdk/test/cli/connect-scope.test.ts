// `xlink connect` registers the new identity with the right scopes, with real processes: `xlink
// serve` (self-registration restricted to the scope `pay`, so the default `*` is refused) and
// every `xlink` command in its own process. With `--scope`; without it, the scopes of a signed
// discovery document (served by a local web server) or of an invite. Each connected identity
// then sends (`xlink send` names only the message scope) and the peer's `xlink receive` gets it.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscoveryDocument, createKeyDocument, keyDocumentToJson } from '../../src/index.js';
import { loadKeystore } from '../../src/node/cli/keystore.js';
import { type Served, serve, xlink } from '../delivery/e2e-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'xlink-connect-scope-'));
const env = { XDG_CONFIG_HOME: join(root, 'cfg'), XLINK_TIMESTAMP_WINDOW_MS: '120000' };
const ks = (n: string) => join(root, `${n}.json`);
let srv: Served;
let wellKnown: Server;
let wkUrl = '';
let payments = '';

const cmd = (args: string[]) => xlink([...args, '--registry', srv.url, '--json'], env);

beforeAll(async () => {
  srv = await serve(['--data-dir', join(root, 'data'), '--self-registration', 'pay'], env);
  const p = await cmd([
    'create',
    '--name',
    'payments',
    '--scope',
    'pay',
    '--keystore',
    ks('payments'),
  ]);
  expect(p.code, p.err).toBe(0);
  payments = p.json.did;
  // payments publishes a signed discovery document granting `pay` on its own web server
  const id = loadKeystore(ks('payments'));
  if (!id.ok) throw new Error(id.error.message);
  const kd = createKeyDocument(id.value.identity);
  if (!kd.ok) throw new Error(kd.error.message);
  const doc = createDiscoveryDocument({
    identity: id.value.identity,
    keyDocument: keyDocumentToJson(kd.value),
    registry: srv.url,
    name: 'payments',
    scopes: ['pay'],
  });
  wellKnown = createServer((req, res) => {
    res.statusCode = req.url === '/.well-known/xlink.json' ? 200 : 404;
    res.setHeader('content-type', 'application/json');
    res.end(res.statusCode === 200 ? JSON.stringify(doc) : '{}');
  });
  await new Promise<void>((r) => wellKnown.listen(0, '127.0.0.1', r));
  wkUrl = `http://127.0.0.1:${(wellKnown.address() as AddressInfo).port}`;
}, 90_000);

afterAll(async () => {
  await srv?.stop();
  await new Promise((r) => wellKnown?.close(r));
  rmSync(root, { recursive: true, force: true });
});

/** `who` sends to payments, payments receives: the message from `who` arrives. */
async function delivered(who: string, did: string, n: number): Promise<void> {
  const s = await cmd([
    'send',
    '--to',
    payments,
    '--scope',
    'pay',
    '--payload',
    JSON.stringify({ n }),
    '--keystore',
    ks(who),
  ]);
  expect(s.code, s.err + s.out).toBe(0);
  const r = await cmd(['receive', '--keystore', ks('payments')]);
  expect(r.code, r.err + r.out).toBe(0);
  expect(r.json.messages).toEqual([{ sender: did, scope: 'pay', version: 2, payload: { n } }]);
}

async function scopesOf(did: string): Promise<string[]> {
  const l = await cmd(['lookup', '--did', did]);
  expect(l.code, l.err).toBe(0);
  return l.json.scopes;
}

describe('xlink connect registers, across processes', () => {
  it('connect payments --scope pay: registered with pay; send without scopes is delivered', async () => {
    const c = await cmd(['connect', 'payments', '--scope', 'pay', '--keystore', ks('alice')]);
    expect(c.code, c.err + c.out).toBe(0);
    expect(c.json.did).toBe(payments);
    expect(await scopesOf(c.json.self)).toEqual(['pay']);
    await delivered('alice', c.json.self, 1);
  }, 120_000);

  it('connect payments without --scope asks for `*`, which this server refuses clearly', async () => {
    const c = await cmd(['connect', 'payments', '--keystore', ks('mallory')]);
    expect(c.code).toBe(1);
    expect(c.out + c.err).toContain('SCOPE_NOT_SELF_REGISTRABLE');
  }, 60_000);

  it('connect <domain> without --scope: the discovery document grants pay', async () => {
    const c = await cmd(['connect', wkUrl, '--allow-insecure-http', '--keystore', ks('carol')]);
    expect(c.code, c.err + c.out).toBe(0);
    expect(c.json.did).toBe(payments);
    expect(await scopesOf(c.json.self)).toEqual(['pay']);
    await delivered('carol', c.json.self, 2);
  }, 120_000);

  it('connect --invite without --scope: the invite grants pay', async () => {
    const inv = await cmd(['invite', 'billing', '--scope', 'pay', '--keystore', ks('payments')]);
    expect(inv.code, inv.err).toBe(0);
    const c = await cmd(['connect', '--invite', inv.json.code, '--keystore', ks('dave')]);
    expect(c.code, c.err + c.out).toBe(0);
    expect(c.json.scopes).toEqual(['pay']);
    await delivered('dave', c.json.did, 3);
  }, 120_000);
});
