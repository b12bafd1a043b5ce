/**
 * `xghost build <entry.js> --exports a,b [--out dist/] [--vendor-key vendor.json]
 * [--version 1.0.0] [--globals console]`: splits a module into a signed manifest and two
 * shares; `lease export` issues an offline lease file for one customer.
 *
 * Pitfalls:
 * - Every input is read and the bundle built in memory before the first write: a missing entry
 *   file or a bad vendor key writes no key and no directory.
 * - The vendor identity file is the vendor's signing key; `build` creates one in the output
 *   directory when none is given. Keys, shares and lease files are written atomically
 *   (`writeFileAtomic`) with mode 0600; the manifest is public (0644).
 *
 * @module
 */
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { exportIdentity, generateIdentity, keyDocumentFromJson } from '@xorida/agent-sdk';
import {
  type CliProgram,
  envOption,
  InvalidArgumentError,
  parseList,
  parseWholeNumber,
  usageError,
  writeFileAtomic,
} from '@xorida/agent-sdk/node';
import { loadVendorKey, readInput, readInputText } from './cli-inputs.js';
import { verifyManifest } from './runtime.js';
import { exportLeaseFile, ghostBuild } from './vendor.js';

/** `--vendor-key <file>`, falling back to `XGHOST_VENDOR_KEY` (shared with `serve`). */
export const vendorKeyOption = (help: string, required = false) =>
  envOption('--vendor-key <file>', help, 'XGHOST_VENDOR_KEY', { required });

function nonEmptyList(v: string, prev: string[] | undefined): string[] {
  const list = parseList(v, prev);
  if (list.length === 0) throw new InvalidArgumentError('expected a,b,...');
  return list;
}

function days(v: string): number {
  const n = parseWholeNumber(v);
  if (n < 1 || n > 3650) throw new InvalidArgumentError('expected 1..3650 days');
  return n;
}

interface BuildOptions {
  exports: string[];
  out: string;
  vendorKey?: string;
  version?: string;
  globals?: string[];
}

interface LeaseOptions {
  manifest: string;
  share: string;
  customerKeyDocument: string;
  vendorKey: string;
  days: number;
  out: string;
}

/**
 * Adds `build` and `lease export` to the program.
 * @param cli the xghost program
 */
export function addBuildCommands(cli: CliProgram): void {
  cli.program
    .command('build <entry.js>')
    .description(
      'split a module into manifest.json, share-1.ida5 (customer), share-2.ida5 (vendor)',
    )
    .requiredOption('--exports <names>', 'exported function names, comma-separated', nonEmptyList)
    .option('--out <dir>', 'output directory', 'dist')
    .addOption(vendorKeyOption('vendor identity file (default: create <out>/vendor-identity.json)'))
    .option('--version <v>', 'bundle version recorded in the manifest')
    .option('--globals <names>', 'globals the module may use, comma-separated', parseList)
    .action(async (entry: string, o: BuildOptions) => {
      const source = await readInput(entry, 'the entry file');
      const given =
        o.vendorKey === undefined ? undefined : await loadVendorKey(o.vendorKey, '--vendor-key');
      const vendor = given ?? cli.unwrap(generateIdentity());
      const built = cli.unwrap(
        ghostBuild({
          source,
          exports: o.exports,
          vendor,
          globals: o.globals ?? [],
          ...(o.version !== undefined ? { version: o.version } : {}),
          metadata: { entry: basename(entry) },
        }),
      );
      const { manifest, shares } = built;
      await mkdir(o.out, { recursive: true });
      let created: string | undefined;
      if (given === undefined) {
        created = join(o.out, 'vendor-identity.json');
        await writeFileAtomic(created, JSON.stringify(exportIdentity(vendor)));
      }
      await writeFileAtomic(
        join(o.out, 'manifest.json'),
        `${JSON.stringify(manifest, null, 2)}\n`,
        {
          mode: 0o644,
        },
      );
      const files = shares.map((_, i) => join(o.out, `share-${i + 1}.ida5`));
      for (let i = 0; i < shares.length; i++) await writeFileAtomic(files[i]!, shares[i]!);
      cli.print(
        [
          ...(created
            ? [`created vendor key ${created} (keep it secret; it signs manifests and leases)`]
            : []),
          `bundle ${manifest.bundleId}: manifest.json, share-1.ida5 (customer), share-2.ida5 (vendor server) in ${o.out}`,
        ].join('\n'),
        {
          ok: true,
          bundleId: manifest.bundleId,
          out: o.out,
          manifest: join(o.out, 'manifest.json'),
          shares: files,
          vendorDid: vendor.did,
          ...(created ? { createdVendorKey: created } : {}),
        },
      );
    });

  cli.program
    .command('lease')
    .description('offline leases')
    .command('export')
    .description('issue a lease file that lets one customer run a bundle offline')
    .requiredOption('--manifest <file>', 'the bundle manifest.json')
    .requiredOption('--share <file>', 'the vendor share (share-2.ida5)')
    .requiredOption('--customer-key-document <file>', 'the customer key document JSON')
    .addOption(vendorKeyOption('vendor identity file', true))
    .option('--days <n>', 'validity in days (1..3650)', days, 30)
    .option('--out <file>', 'lease file to write', 'lease.json')
    .action(async (o: LeaseOptions) => {
      const vendor = await loadVendorKey(o.vendorKey, '--vendor-key');
      const manifestText = await readInputText(o.manifest, '--manifest');
      const vendorShare = await readInput(o.share, '--share');
      const docText = await readInputText(o.customerKeyDocument, '--customer-key-document');
      const manifest = cli.unwrap(verifyManifest(manifestText, vendor.did));
      let docJson: unknown;
      try {
        docJson = JSON.parse(docText);
      } catch {
        throw usageError(
          'INVALID_VALUE',
          `--customer-key-document ${o.customerKeyDocument}: not JSON`,
        );
      }
      const doc = keyDocumentFromJson(docJson);
      if (!doc.ok)
        throw usageError(
          'INVALID_VALUE',
          `--customer-key-document ${o.customerKeyDocument}: ${doc.error.message}`,
        );
      const lf = cli.unwrap(
        await exportLeaseFile({
          vendor,
          manifest,
          vendorShare,
          customer: doc.value,
          validityDays: o.days,
        }),
      );
      await writeFileAtomic(o.out, `${JSON.stringify(lf, null, 2)}\n`);
      const notAfter = new Date(lf.lease.notAfter).toISOString();
      cli.print(`lease file ${o.out} for ${doc.value.did}, valid until ${notAfter}`, {
        ok: true,
        out: o.out,
        customer: doc.value.did,
        notAfter,
      });
    });
}
