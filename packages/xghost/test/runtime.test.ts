import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createGhost,
  exportLeaseFile,
  type GhostLeaseFile,
  type GhostManifest,
  ghostBuild,
  reconstructVerify,
} from '../src/node/index.js';
import { customerAgent, EXPORTS, enc, plainModule, SOURCE, vendorIdentity } from './helpers.js';

const vendor = vendorIdentity();
const DAY = 86_400_000;
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function build() {
  const b = ghostBuild({ source: enc(SOURCE), exports: EXPORTS, vendor, version: '2.1.0' });
  if (!b.ok) throw new Error(b.error.message);
  return b.value;
}

async function airGapped(opts: { days?: number; now?: number } = {}) {
  const { manifest, shares } = build();
  const customer = customerAgent();
  const file = await exportLeaseFile({
    vendor,
    manifest,
    vendorShare: shares[1]!,
    customer: customer.keyDocument,
    validityDays: opts.days ?? 7,
    ...(opts.now !== undefined ? { now: opts.now } : {}),
  });
  if (!file.ok) throw new Error(file.error.message);
  return { manifest, shares, customer, file: file.value };
}

describe('ghostBuild', () => {
  it('writes a signed manifest and IDA5 shares of product type 0x0020', () => {
    const { manifest, shares } = build();
    expect(manifest.exports).toEqual(EXPORTS);
    expect(manifest.vendorDid).toBe(vendor.did);
    expect(manifest.sourceBytes).toBe(enc(SOURCE).length);
    expect(shares).toHaveLength(2);
    // IDA5 header: magic "IDA5", version, product type big-endian at bytes 5..6
    expect(new TextDecoder().decode(shares[0]!.subarray(0, 4))).toBe('IDA5');
    expect(manifest.shareBytes).toBe(shares[0]!.length);
  });
  it('refuses bad input', () => {
    expect(ghostBuild({ source: new Uint8Array(), exports: ['a'], vendor }).ok).toBe(false);
    const e = ghostBuild({ source: new Uint8Array(), exports: ['a'], vendor });
    expect(e.ok ? '' : `${e.error.code}:${e.error.field}`).toBe('INVALID_INPUT:source');
    const r = ghostBuild({ source: enc(SOURCE), exports: ['not a name'], vendor });
    expect(r.ok ? '' : r.error.code).toBe('INVALID_OPTIONS');
    const g = ghostBuild({ source: enc(SOURCE), exports: ['a'], vendor, globals: ['process'] });
    expect(g.ok ? '' : `${g.error.code}:${g.error.field}`).toBe('INVALID_OPTIONS:globals');
  });
});

describe('createGhost (air-gapped lease file)', () => {
  it('runs the module with results identical to the plain module', async () => {
    const { manifest, shares, customer, file } = await airGapped();
    const g = await createGhost({
      manifest,
      customerShare: shares[0]!,
      shareFile: file,
      agent: customer,
      vendorDid: vendor.did,
    });
    if (!g.ok) throw new Error(g.error.message);
    const plain = plainModule();
    for (const row of [
      [1, 2],
      [5.5, -1, 3],
      [0, 0, 0, 0],
    ]) {
      const r = g.value.call('predict', row);
      expect(r.ok && r.value).toBe(plain.predict!(row));
    }
    const s = g.value.call('sum', [1, 2, 3.5]);
    expect(s.ok && s.value).toBe(6.5);
    expect(g.value.status()).toMatchObject({
      state: 'active',
      tier: 'air-gapped',
      bundleId: manifest.bundleId,
    });
    g.value.dispose();
  });

  it('exposes only declared exports and no host capabilities', async () => {
    const { manifest, shares, customer, file } = await airGapped();
    const g = await createGhost({
      manifest,
      customerShare: shares[0]!,
      shareFile: file,
      agent: customer,
    });
    if (!g.ok) throw new Error(g.error.message);
    for (const name of [
      'notDeclared',
      'helper',
      'secretTable',
      'constructor',
      '__proto__',
      'toString',
    ]) {
      const r = g.value.call(name);
      expect(r.ok ? 'reachable' : r.error.code).toBe('EXPORT_NOT_FOUND');
    }
    const p = g.value.call('probe');
    expect(p.ok && [...(p.value as string[])]).toEqual([
      'undefined',
      'undefined',
      'undefined',
      'undefined',
      'undefined',
    ]);
    const e = g.value.call('tryEval');
    expect(e.ok ? 'eval ran' : e.error.code).toBe('CALL_FAILED');
    const b = g.value.call('boom');
    expect(b.ok ? '' : b.error.code).toBe('CALL_FAILED');
    // Nothing on the ghost object leads to the module.
    expect(Object.keys(g.value).sort()).toEqual(['call', 'dispose', 'renew', 'status']);
    g.value.dispose();
  });

  it('dispose() leaves no reachable code', async () => {
    const { manifest, shares, customer, file } = await airGapped();
    let purged = '';
    const g = await createGhost({
      manifest,
      customerShare: shares[0]!,
      shareFile: file,
      agent: customer,
      onPurge: (e) => {
        purged = e.code;
      },
    });
    if (!g.ok) throw new Error(g.error.message);
    expect(g.value.call('sum', [1]).ok).toBe(true);
    g.value.dispose();
    for (const name of EXPORTS) {
      const r = g.value.call(name, [1]);
      expect(r.ok ? 'still callable' : r.error.code).toBe('GHOST_DISPOSED');
    }
    expect(g.value.status()).toMatchObject({ state: 'disposed', lease: null });
    expect(purged).toBe('GHOST_DISPOSED');
    g.value.dispose(); // idempotent
  });

  it('after dispose() the module and its data can be garbage-collected', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const src =
      'const model = { weights: new Array(1000).fill(1) };\nexports.model = () => model;\n';
    const b = ghostBuild({ source: enc(src), exports: ['model'], vendor });
    if (!b.ok) throw new Error(b.error.message);
    const customer = customerAgent();
    const file = await exportLeaseFile({
      vendor,
      manifest: b.value.manifest,
      vendorShare: b.value.shares[1]!,
      customer: customer.keyDocument,
    });
    if (!file.ok) throw new Error(file.error.message);
    const g = await createGhost({
      manifest: b.value.manifest,
      customerShare: b.value.shares[0]!,
      shareFile: file.value,
      agent: customer,
    });
    if (!g.ok) throw new Error(g.error.message);
    const ref = (() => {
      const r = g.value.call('model');
      if (!r.ok) throw new Error(r.error.code);
      return new WeakRef(r.value as object);
    })();
    // Still held by the live ghost.
    // deref() keeps its target alive until the current job ends: collect in a later job.
    const tick = () => new Promise((r) => setTimeout(r, 10));
    const collected = async () => {
      for (let i = 0; i < 10; i++) {
        await tick();
        gc();
        await tick();
        if (ref.deref() === undefined) return true;
      }
      return false;
    };
    expect(await collected()).toBe(false);
    // Still held by the live ghost, and the same object.
    expect(
      (() => {
        const again = g.value.call('model');
        return again.ok && again.value === ref.deref();
      })(),
    ).toBe(true);
    g.value.dispose();
    expect(await collected()).toBe(true);
  });

  it('reconstructVerify: the exact source from shares at any byte offset, inputs untouched', () => {
    // The payloads are read in place (views), and the output is placed to match their offset
    // modulo 8: every pair of offsets must give the same bytes, aligned or not.
    const source = `${SOURCE}/*${'x'.repeat(10_001)}*/`; // pieces well over 64 bytes
    const built = ghostBuild({ source: enc(source), exports: EXPORTS, vendor });
    if (!built.ok) throw new Error(built.error.message);
    const { manifest, shares } = built.value;
    const at = (bytes: Uint8Array, off: number) => {
      const buf = new Uint8Array(bytes.length + 8);
      buf.set(bytes, off);
      return buf.subarray(off, off + bytes.length);
    };
    for (let i = 0; i < 8; i++) {
      for (const j of [0, 3, i]) {
        const a = at(shares[0]!, i);
        const b = at(shares[1]!, j);
        const r = reconstructVerify(manifest, a, b);
        expect([i, j, r.ok && Buffer.from(r.value).toString('utf8')]).toEqual([i, j, source]);
        expect([a, b]).toEqual([shares[0], shares[1]]);
      }
    }
  });

  it('rejects a tampered customer share (SOURCE_MISMATCH)', async () => {
    const { manifest, shares, customer, file } = await airGapped();
    const bad = shares[0]!.slice();
    bad[bad.length - 3]! ^= 0x01;
    const g = await createGhost({ manifest, customerShare: bad, shareFile: file, agent: customer });
    expect(g.ok ? '' : g.error.code).toBe('SOURCE_MISMATCH');
  });

  it('rejects a tampered manifest (MANIFEST_INVALID)', async () => {
    const { manifest, shares, customer, file } = await airGapped();
    const m: GhostManifest = { ...manifest, exports: [...manifest.exports, 'notDeclared'] };
    const g = await createGhost({
      manifest: m,
      customerShare: shares[0]!,
      shareFile: file,
      agent: customer,
    });
    expect(g.ok ? '' : `${g.error.code}/${g.error.subCode}`).toBe('MANIFEST_INVALID/BAD_SIGNATURE');
    const other = vendorIdentity();
    const g2 = await createGhost({
      manifest,
      customerShare: shares[0]!,
      shareFile: file,
      agent: customer,
      vendorDid: other.did,
    });
    expect(g2.ok ? '' : g2.error.subCode).toBe('VENDOR_MISMATCH');
  });

  it('rejects a tampered lease and a tampered sealed share (LEASE_INVALID)', async () => {
    const { manifest, shares, customer, file } = await airGapped();
    const longer: GhostLeaseFile = {
      ...file,
      lease: { ...file.lease, notAfter: file.lease.notAfter + 365 * DAY },
    };
    const g = await createGhost({
      manifest,
      customerShare: shares[0]!,
      shareFile: longer,
      agent: customer,
    });
    expect(g.ok ? '' : `${g.error.code}/${g.error.subCode}`).toBe('LEASE_INVALID/BAD_SIGNATURE');
    const env = { ...(file.sealedShare as Record<string, string>) };
    const ct = Buffer.from(env.ciphertext!, 'base64url');
    ct[0]! ^= 1;
    env.ciphertext = ct.toString('base64url');
    const g2 = await createGhost({
      manifest,
      customerShare: shares[0]!,
      shareFile: { ...file, sealedShare: env },
      agent: customer,
    });
    expect(g2.ok ? '' : `${g2.error.code}/${g2.error.subCode}`).toBe('LEASE_INVALID/BAD_ENVELOPE');
  });

  it('rejects a lease for another customer DID', async () => {
    const { manifest, shares, file } = await airGapped();
    const g = await createGhost({
      manifest,
      customerShare: shares[0]!,
      shareFile: file,
      agent: customerAgent('mallory'),
    });
    expect(g.ok ? '' : `${g.error.code}/${g.error.subCode}`).toBe('LEASE_INVALID/WRONG_CUSTOMER');
  });

  it('rejects an expired lease and purges at notAfter', async () => {
    const t0 = Date.now() - 8 * DAY;
    const old = await airGapped({ days: 7, now: t0 });
    const g = await createGhost({
      manifest: old.manifest,
      customerShare: old.shares[0]!,
      shareFile: old.file,
      agent: old.customer,
    });
    expect(g.ok ? '' : g.error.code).toBe('LEASE_EXPIRED');

    const fresh = await airGapped({ days: 7 });
    let clock = Date.now();
    const g2 = await createGhost({
      manifest: fresh.manifest,
      customerShare: fresh.shares[0]!,
      shareFile: fresh.file,
      agent: fresh.customer,
      now: () => clock,
    });
    if (!g2.ok) throw new Error(g2.error.message);
    expect(g2.value.call('sum', [2]).ok).toBe(true);
    clock += 7 * DAY + 1;
    const r = g2.value.call('sum', [2]);
    expect(r.ok ? '' : r.error.code).toBe('LEASE_EXPIRED');
    expect(g2.value.status().state).toBe('purged');
    clock -= 7 * DAY; // even back in time: the code is gone
    expect(g2.value.call('sum', [2]).ok).toBe(false);
  });

  it('air-gapped renewal with a new lease file; a file for another build is refused', async () => {
    const { manifest, shares, customer, file } = await airGapped({ days: 1 });
    let clock = Date.now();
    const g = await createGhost({
      manifest,
      customerShare: shares[0]!,
      shareFile: file,
      agent: customer,
      now: () => clock,
    });
    if (!g.ok) throw new Error(g.error.message);
    const next = await exportLeaseFile({
      vendor,
      manifest,
      vendorShare: shares[1]!,
      customer: customer.keyDocument,
      validityDays: 30,
    });
    if (!next.ok) throw new Error(next.error.message);
    expect((await g.value.renew(next.value)).ok).toBe(true);
    clock += 2 * DAY; // past the first file, inside the second
    expect(g.value.call('sum', [1, 1]).ok).toBe(true);
    const other = ghostBuild({ source: enc(SOURCE), exports: EXPORTS, vendor });
    if (!other.ok) throw new Error('build');
    const foreign = await exportLeaseFile({
      vendor,
      manifest: other.value.manifest,
      vendorShare: other.value.shares[1]!,
      customer: customer.keyDocument,
    });
    if (!foreign.ok) throw new Error('lease');
    const r = await g.value.renew(foreign.value);
    expect(r.ok ? '' : `${r.error.code}/${r.error.subCode}`).toBe('LEASE_INVALID/WRONG_BUNDLE');
    g.value.dispose();
  });

  it('refuses a clock moved backwards (persisted across restarts)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xghost-clock-'));
    dirs.push(dir);
    const clockStateFile = join(dir, 'clock.json');
    const { manifest, shares, customer, file } = await airGapped();
    let clock = Date.now() + DAY;
    const base = {
      manifest,
      customerShare: shares[0]!,
      shareFile: file,
      agent: customer,
      clockStateFile,
      now: () => clock,
    };
    const g = await createGhost(base);
    if (!g.ok) throw new Error(g.error.message);
    g.value.dispose();
    clock -= 2 * 3_600_000; // two hours back, e.g. to stretch an expiring lease
    const g2 = await createGhost(base);
    expect(g2.ok ? '' : g2.error.code).toBe('CLOCK_ROLLBACK');
    // a running ghost notices on the next call
    clock = Date.now() + 2 * DAY;
    const g3 = await createGhost(base);
    if (!g3.ok) throw new Error(g3.error.message);
    clock -= 3_600_000;
    const r = g3.value.call('sum', [1]);
    expect(r.ok ? '' : r.error.code).toBe('CLOCK_ROLLBACK');
    g3.value.dispose();
  });
});
