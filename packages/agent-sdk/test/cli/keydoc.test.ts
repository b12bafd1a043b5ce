// `xlink keydoc export` as separate real processes: `init` in one run, `keydoc export` in the
// next; the written document verifies, names the keystore DID, carries no secret, and another
// service can seal to it (the keystore identity opens what was sealed to the exported document).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Agent,
  keyDocumentFromJson,
  LoopbackTransport,
  MemoryTrustRegistry,
} from '../../src/index.js';
import { loadKeystore } from '../../src/node/cli/keystore.js';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..', '..');
const bin = join(pkg, 'src', 'node', 'cli', 'bin.ts');
const root = mkdtempSync(join(tmpdir(), 'xlink-keydoc-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function xlink(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const c = spawn(
    process.execPath,
    ['--conditions=@xorida/source', '--import', 'tsx', bin, ...args],
    {
      cwd: pkg,
      env: { ...process.env, XDG_CONFIG_HOME: join(root, 'cfg') },
      stdio: 'pipe',
    },
  );
  let out = '';
  let err = '';
  c.stdout.on('data', (d) => (out += String(d)));
  c.stderr.on('data', (d) => (err += String(d)));
  return new Promise((resolve) => c.on('close', (code) => resolve({ code, out, err })));
}

describe('xlink keydoc export', () => {
  it('writes the verified key document of the keystore identity that others can seal to', async () => {
    const keystore = join(root, 'customer.json');
    const init = await xlink(['init', '--name', 'customer', '--keystore', keystore, '--json']);
    expect(init.code).toBe(0);
    const did = JSON.parse(init.out).did as string;
    const out = join(root, 'customer-keydoc.json');
    const exp = await xlink(['keydoc', 'export', '--keystore', keystore, '--out', out, '--json']);
    expect([exp.code, JSON.parse(exp.out).did]).toEqual([0, did]);
    expect(statSync(out).mode & 0o777).toBe(0o644);
    const text = readFileSync(out, 'utf8');
    const ks = loadKeystore(keystore);
    if (!ks.ok) throw new Error(ks.error.code);
    expect(text).not.toContain(ks.value.file.pkcs8);
    const doc = keyDocumentFromJson(JSON.parse(text));
    expect(doc.ok && doc.value.did).toBe(did);
    if (!doc.ok) return;
    // Another service seals to the exported document; the keystore identity opens it.
    const registry = new MemoryTrustRegistry();
    await registry.register({ keyDocument: doc.value, scopes: ['*'] });
    const sender = await Agent.create({ registry, transport: new LoopbackTransport() });
    if (!sender.ok) throw new Error(sender.error.code);
    const sent = await sender.value.send({ to: did, payload: { lease: 1 }, scope: 'lease' });
    expect(sent.ok).toBe(true);
    const customer = Agent.fromParts({
      identity: ks.value.identity,
      registry,
      transport: new LoopbackTransport(),
    });
    const got = sent.ok ? await customer.receive(sent.value.envelope) : sent;
    expect(got.ok && got.value.status !== 'pending' && got.value.payload).toEqual({ lease: 1 });
    // stdout form (no --out) prints the same document
    const printed = await xlink(['keydoc', 'export', '--keystore', keystore]);
    expect(keyDocumentFromJson(JSON.parse(printed.out)).ok).toBe(true);
  });

  it('fails with the keystore code when there is no identity', async () => {
    const r = await xlink(['keydoc', 'export', '--keystore', join(root, 'none.json'), '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).error.code).toBe('KEYSTORE_NOT_FOUND');
  });
});
