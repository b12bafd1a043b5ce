/**
 * The `xghost` CLI: `build`, `lease export`, `serve`. Exit codes: 0 ok, 1 failed, 2 usage.
 *
 * Pitfalls: the vendor identity file (agent-sdk `exportIdentity` JSON) is the vendor's signing
 * key; `build` creates one (mode 0600) in the output directory when none is given.
 *
 * @module
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  exportIdentity,
  generateIdentity,
  importIdentityExport,
  keyDocumentFromJson,
} from '@xorida/agent-sdk';
import { DEFAULT_XGHOST_PORT } from '../index.js';
import { verifyManifest } from './runtime.js';
import { billingFromXpassServer, type ServedBundle, startGhostServer } from './server.js';
import { exportLeaseFile, ghostBuild } from './vendor.js';

/** Output sinks and environment of {@link runCli}. */
export interface CliIo {
  out(s: string): void;
  err(s: string): void;
  env: Record<string, string | undefined>;
}

const USAGE = `usage:
  xghost build <entry.js> --exports a,b [--out dist/] [--vendor-key vendor.json] [--version 1.0.0] [--globals console]
  xghost lease export --manifest m.json --share share-2.ida5 --customer-key-document doc.json --vendor-key vendor.json [--days 30] [--out lease.json]
  xghost serve   (env: XGHOST_DATA_DIR, XGHOST_VENDOR_KEY, XGHOST_BUNDLES_DIR, XPASS_URL, XPASS_ADMIN_TOKEN, XGHOST_PORT=${DEFAULT_XGHOST_PORT}, XGHOST_HOST, XGHOST_LEASE_SECONDS, XGHOST_REDIS_URL)`;

function flags(args: string[]): { pos: string[]; f: Map<string, string> } {
  const pos: string[] = [];
  const f = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--')) {
      f.set(a.slice(2), args[i + 1] ?? '');
      i++;
    } else pos.push(a);
  }
  return { pos, f };
}

async function loadVendor(path: string) {
  return importIdentityExport(await readFile(path, 'utf8'));
}

/**
 * Runs the CLI.
 * @returns the exit code
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const { pos, f } = flags(argv);
  try {
    if (pos[0] === 'build' && pos[1]) {
      const exp = (f.get('exports') ?? '').split(',').filter(Boolean);
      if (exp.length === 0) {
        io.err(USAGE);
        return 2;
      }
      const out = f.get('out') ?? 'dist';
      await mkdir(out, { recursive: true });
      let keyPath = f.get('vendor-key');
      if (keyPath === undefined) {
        keyPath = join(out, 'vendor-identity.json');
        const id = generateIdentity();
        if (!id.ok) throw new Error(id.error.message);
        await writeFile(keyPath, JSON.stringify(exportIdentity(id.value)), { mode: 0o600 });
        io.out(`created vendor key ${keyPath} (keep it secret; it signs manifests and leases)`);
      }
      const vendor = await loadVendor(keyPath);
      if (!vendor.ok) throw new Error(vendor.error.message);
      const source = new Uint8Array(await readFile(pos[1]));
      const globals = (f.get('globals') ?? '').split(',').filter(Boolean);
      const built = ghostBuild({
        source,
        exports: exp,
        vendor: vendor.value,
        globals,
        ...(f.has('version') ? { version: f.get('version')! } : {}),
        metadata: { entry: basename(pos[1]) },
      });
      if (!built.ok) {
        io.err(`xghost: ${built.error.code}: ${built.error.message}`);
        return 1;
      }
      const { manifest, shares } = built.value;
      await writeFile(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      for (let i = 0; i < shares.length; i++)
        await writeFile(join(out, `share-${i + 1}.ida5`), shares[i]!, { mode: 0o600 });
      io.out(
        `bundle ${manifest.bundleId}: manifest.json, share-1.ida5 (customer), share-2.ida5 (vendor server) in ${out}`,
      );
      return 0;
    }
    if (pos[0] === 'lease' && pos[1] === 'export') {
      const need = ['manifest', 'share', 'customer-key-document', 'vendor-key'];
      if (!need.every((k) => f.has(k))) {
        io.err(USAGE);
        return 2;
      }
      const vendor = await loadVendor(f.get('vendor-key')!);
      if (!vendor.ok) throw new Error(vendor.error.message);
      const m = verifyManifest(await readFile(f.get('manifest')!, 'utf8'), vendor.value.did);
      if (!m.ok) {
        io.err(`xghost: ${m.error.code}: ${m.error.message}`);
        return 1;
      }
      const doc = keyDocumentFromJson(
        JSON.parse(await readFile(f.get('customer-key-document')!, 'utf8')),
      );
      if (!doc.ok) {
        io.err(`xghost: customer key document: ${doc.error.message}`);
        return 1;
      }
      const lf = await exportLeaseFile({
        vendor: vendor.value,
        manifest: m.value,
        vendorShare: new Uint8Array(await readFile(f.get('share')!)),
        customer: doc.value,
        validityDays: Number(f.get('days') ?? 30),
      });
      if (!lf.ok) {
        io.err(`xghost: ${lf.error.code}: ${lf.error.message}`);
        return 1;
      }
      const out = f.get('out') ?? 'lease.json';
      await writeFile(out, `${JSON.stringify(lf.value, null, 2)}\n`);
      io.out(
        `lease file ${out} for ${doc.value.did}, valid until ${new Date(lf.value.lease.notAfter).toISOString()}`,
      );
      return 0;
    }
    if (pos[0] === 'serve') {
      const e = io.env;
      if (
        !e.XGHOST_DATA_DIR ||
        !e.XGHOST_VENDOR_KEY ||
        !e.XGHOST_BUNDLES_DIR ||
        !e.XPASS_URL ||
        !e.XPASS_ADMIN_TOKEN
      ) {
        io.err(USAGE);
        return 2;
      }
      const vendor = await loadVendor(e.XGHOST_VENDOR_KEY);
      if (!vendor.ok) throw new Error(vendor.error.message);
      // Each bundle is a directory with manifest.json and share-2.ida5.
      const bundles: ServedBundle[] = [];
      for (const d of await readdir(e.XGHOST_BUNDLES_DIR)) {
        const dir = join(e.XGHOST_BUNDLES_DIR, d);
        const m = verifyManifest(
          await readFile(join(dir, 'manifest.json'), 'utf8'),
          vendor.value.did,
        );
        if (!m.ok) throw new Error(`${dir}: ${m.error.message}`);
        bundles.push({
          manifest: m.value,
          vendorShare: new Uint8Array(await readFile(join(dir, 'share-2.ida5'))),
        });
      }
      const s = await startGhostServer({
        vendor: vendor.value,
        bundles,
        billing: billingFromXpassServer(e.XPASS_URL, e.XPASS_ADMIN_TOKEN),
        dataDir: e.XGHOST_DATA_DIR,
        port: Number(e.XGHOST_PORT ?? DEFAULT_XGHOST_PORT),
        host: e.XGHOST_HOST ?? '127.0.0.1',
        ...(e.XGHOST_REDIS_URL ? { redisUrl: e.XGHOST_REDIS_URL } : {}),
        ...(e.XGHOST_LEASE_SECONDS ? { leaseMs: Number(e.XGHOST_LEASE_SECONDS) * 1000 } : {}),
      });
      if (!s.ok) {
        io.err(`xghost: ${s.error.code}: ${s.error.message}`);
        return 1;
      }
      s.value.installSignalHandlers();
      io.out(
        `xghost serve: ${s.value.url} (${bundles.length} bundles, vendor ${vendor.value.did})`,
      );
      await new Promise(() => {});
    }
  } catch (e) {
    io.err(`xghost: ${(e as Error).message}`);
    return 1;
  }
  io.err(USAGE);
  return 2;
}
