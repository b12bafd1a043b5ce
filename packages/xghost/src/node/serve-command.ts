/**
 * `xghost serve`: the vendor's share server. Every setting is a flag with its variable as
 * fallback (the flag wins), resolved by the CLI kit's `envOption` — the one config path of
 * this command.
 *
 * Pitfalls:
 * - The xpass admin token is a secret, so it is never a flag value (a command line is visible
 *   in `ps`): `--xpass-admin-token-file`, else `XPASS_ADMIN_TOKEN`.
 * - Vendor key, bundles and token are all read and checked before the server starts, so bad
 *   input exits 2 without creating the data directory.
 *
 * @module
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CliProgram,
  envOption,
  logLevelOption,
  parsePort,
  parseWholeNumber,
  readSecretFile,
  usageError,
} from '@xorida/agent-sdk/node';
import { DEFAULT_XGHOST_PORT } from '../index.js';
import { vendorKeyOption } from './build-command.js';
import { loadVendorKey, readInput, readInputText } from './cli-inputs.js';
import { verifyManifest } from './runtime.js';
import { billingFromXpassServer, type ServedBundle, startGhostServer } from './server.js';

interface ServeOptions {
  vendorKey: string;
  bundlesDir: string;
  xpassUrl: string;
  xpassAdminTokenFile?: string;
  dataDir?: string;
  port: number;
  host: string;
  leaseSeconds?: number;
  redisUrl?: string;
  logLevel?: string;
}

/** Each bundle is a directory holding manifest.json and share-2.ida5, signed by the vendor. */
async function loadBundles(dir: string, vendorDid: string): Promise<ServedBundle[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw usageError(
      'FILE_NOT_FOUND',
      `--bundles-dir ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      'Point --bundles-dir at a directory of bundle directories',
    );
  }
  const bundles: ServedBundle[] = [];
  for (const d of names.sort()) {
    const at = join(dir, d);
    const m = verifyManifest(
      await readInputText(join(at, 'manifest.json'), 'a bundle manifest'),
      vendorDid,
    );
    if (!m.ok)
      throw usageError(
        'INVALID_VALUE',
        `${at}: ${m.error.message}`,
        'Rebuild the bundle with this vendor key',
      );
    bundles.push({
      manifest: m.value,
      vendorShare: await readInput(join(at, 'share-2.ida5'), 'a bundle share'),
    });
  }
  return bundles;
}

/**
 * Adds `serve` to the program.
 * @param cli the xghost program
 */
export function addServeCommand(cli: CliProgram): void {
  cli.program
    .command('serve')
    .description('run the share server (stops on SIGINT/SIGTERM)')
    .addOption(vendorKeyOption('vendor identity file', true))
    .addOption(
      envOption('--bundles-dir <dir>', 'directory of bundle directories', 'XGHOST_BUNDLES_DIR', {
        required: true,
      }),
    )
    .addOption(
      envOption('--xpass-url <url>', 'xpass billing server URL', 'XPASS_URL', { required: true }),
    )
    .addOption(
      envOption(
        '--xpass-admin-token-file <path>',
        'file holding the xpass admin token (else XPASS_ADMIN_TOKEN)',
        'XPASS_ADMIN_TOKEN_FILE',
      ),
    )
    .addOption(
      envOption(
        '--data-dir <dir>',
        'data directory (default $XDG_DATA_HOME/xorida/xghost or the platform equivalent)',
        'XGHOST_DATA_DIR',
      ),
    )
    .addOption(
      envOption('--port <port>', 'port, 0 = ephemeral', 'XGHOST_PORT', {
        parse: parsePort,
        defaultValue: DEFAULT_XGHOST_PORT,
      }),
    )
    .addOption(
      envOption('--host <host>', 'bind address', 'XGHOST_HOST', { defaultValue: '127.0.0.1' }),
    )
    .addOption(
      envOption('--lease-seconds <s>', 'online lease validity, seconds', 'XGHOST_LEASE_SECONDS', {
        parse: parseWholeNumber,
      }),
    )
    .addOption(envOption('--redis-url <url>', 'Redis URL for replay state', 'XGHOST_REDIS_URL'))
    .addOption(logLevelOption())
    .action(async (o: ServeOptions) => {
      const token = o.xpassAdminTokenFile
        ? readSecretFile(o.xpassAdminTokenFile, '--xpass-admin-token-file')
        : cli.env.XPASS_ADMIN_TOKEN;
      if (!token)
        throw usageError(
          'MISSING_OPTION',
          'no xpass admin token',
          'Pass --xpass-admin-token-file <path> or set XPASS_ADMIN_TOKEN',
        );
      if (!URL.canParse(o.xpassUrl))
        throw usageError('INVALID_VALUE', `--xpass-url ${o.xpassUrl}: not a URL`);
      const vendor = await loadVendorKey(o.vendorKey, '--vendor-key');
      const bundles = await loadBundles(o.bundlesDir, vendor.did);
      const s = cli.unwrap(
        await startGhostServer({
          vendor,
          bundles,
          billing: billingFromXpassServer(o.xpassUrl, token),
          ...(o.dataDir ? { dataDir: o.dataDir } : {}),
          port: o.port,
          host: o.host,
          ...(o.redisUrl ? { redisUrl: o.redisUrl } : {}),
          ...(o.leaseSeconds ? { leaseMs: o.leaseSeconds * 1000 } : {}),
          ...(cli.json() ? { logger: false } : o.logLevel ? { logger: { level: o.logLevel } } : {}),
        }),
      );
      cli.print(`xghost serve: ${s.url} (${bundles.length} bundles, vendor ${vendor.did})`, {
        ok: true,
        url: s.url,
        port: s.port,
        bundles: bundles.length,
        vendorDid: vendor.did,
      });
      await cli.waitForStop();
      await s.close();
    });
}
