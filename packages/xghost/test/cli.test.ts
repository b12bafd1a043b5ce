import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyDocumentToJson } from '@xorida/agent-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { createGhost, runCli } from '../src/node/index.js';
import { customerAgent, plainModule, SOURCE } from './helpers.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s), env: {} },
  };
}

describe('xghost CLI', () => {
  it('build + lease export produce files the runtime accepts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xghost-cli-'));
    dirs.push(dir);
    const entry = join(dir, 'model.js');
    await writeFile(entry, SOURCE);
    const out = join(dir, 'dist');
    const a = io();
    expect(await runCli(['build', entry, '--exports', 'predict,sum', '--out', out], a.io)).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.exports).toEqual(['predict', 'sum']);

    const customer = customerAgent();
    const docPath = join(dir, 'customer-keydoc.json');
    await writeFile(docPath, JSON.stringify(keyDocumentToJson(customer.keyDocument)));
    const leasePath = join(dir, 'lease.json');
    const b = io();
    const code = await runCli(
      [
        'lease',
        'export',
        '--manifest',
        join(out, 'manifest.json'),
        '--share',
        join(out, 'share-2.ida5'),
        '--customer-key-document',
        docPath,
        '--vendor-key',
        join(out, 'vendor-identity.json'),
        '--days',
        '7',
        '--out',
        leasePath,
      ],
      b.io,
    );
    expect(b.err).toEqual([]);
    expect(code).toBe(0);
    const g = await createGhost({
      manifest: await readFile(join(out, 'manifest.json'), 'utf8'),
      customerShare: new Uint8Array(await readFile(join(out, 'share-1.ida5'))),
      shareFile: leasePath,
      agent: customer,
      vendorDid: manifest.vendorDid,
    });
    if (!g.ok) throw new Error(g.error.message);
    const r = g.value.call('predict', [2, 3]);
    expect(r.ok && r.value).toBe(plainModule().predict!([2, 3]));
    const lease = JSON.parse(await readFile(leasePath, 'utf8'));
    expect(lease.lease.notAfter - lease.lease.issuedAt).toBe(7 * 86_400_000);
    g.value.dispose();
  });

  it('usage errors exit 2', async () => {
    const a = io();
    expect(await runCli(['build', 'x.js'], a.io)).toBe(2);
    expect(await runCli(['lease', 'export'], a.io)).toBe(2);
    expect(await runCli(['serve'], a.io)).toBe(2);
    expect(await runCli([], a.io)).toBe(2);
  });
});
