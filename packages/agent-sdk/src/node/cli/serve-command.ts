/**
 * `xlink serve`: the registry + relay server (file storage or Redis), built by calling
 * `createXlinkServer`; it stops on SIGINT/SIGTERM (or `CliIo.waitForStop`).
 *
 * Pitfall: self-registration is off by default; with it on, anyone can register a fresh DID
 * with any scope the server allows.
 *
 * @module
 */
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { MemoryNonceStore } from '../../nonce-store.js';
import type { TrustRegistry } from '../../registry.js';
import { payloadLimitFromEnv } from '../../size-policy.js';
import { envOption, parseList, parsePort } from '../cli-kit/options.js';
import { FileTrustRegistry } from '../file-trust-registry.js';
import {
  FileInviteStore,
  type InviteStore,
  inviteRoutes,
  RedisInviteStore,
} from '../invite-routes.js';
import { createRequestVerifier } from '../lib/signed-request-check.js';
import { RedisTrustRegistry } from '../redis-trust-registry.js';
import { createXlinkServer } from '../xlink-server.js';
import { loadOrCreateKeystore } from './keystore.js';
import { windowFromEnv } from './replay-state.js';
import { adminTokenOption, type XlinkContext } from './shared-options.js';

interface ServeOptions {
  port: number;
  host: string;
  dataDir?: string;
  redisUrl?: string;
  selfRegistration: boolean | string;
  quiet?: boolean;
  adminToken?: string;
  relayKey?: string;
}

/**
 * Adds `serve` to the program.
 * @param x the shared context (program, option resolvers)
 */
export function addServeCommand(x: XlinkContext): void {
  const { cli } = x;
  cli.program
    .command('serve')
    .description('run the registry + relay server (file storage or Redis)')
    .addOption(
      envOption('--port <port>', 'port (0 = ephemeral)', 'XLINK_PORT', {
        parse: parsePort,
        defaultValue: 3300,
      }),
    )
    .addOption(
      envOption('--host <host>', 'bind address', 'XLINK_HOST', { defaultValue: '127.0.0.1' }),
    )
    .addOption(
      envOption(
        '--data-dir <dir>',
        'file storage directory (default ./xlink-data unless --redis-url)',
        'XLINK_DATA_DIR',
      ),
    )
    .addOption(
      envOption(
        '--redis-url <url>',
        'Redis URL (registry, relay and nonces in Redis)',
        'XLINK_REDIS_URL',
      ),
    )
    .option(
      '--self-registration [scopes]',
      'accept DID-signed self-registration (optionally only these comma-separated scopes); off by default',
      false,
    )
    .addOption(
      envOption(
        '--relay-key <path>',
        'relay receipt key (keystore format, created 0600 if absent; default <data dir>/relay-key.json)',
        'XLINK_RELAY_KEY',
      ),
    )
    .option('--quiet', 'no request logs')
    .addOption(adminTokenOption())
    .action(async (o: ServeOptions) => {
      const closers: (() => Promise<void>)[] = [];
      const closeAll = async () => {
        for (const c of closers) await c().catch(() => {});
      };
      let registry: TrustRegistry;
      let store: InviteStore;
      const dataDir = o.dataDir ?? (o.redisUrl ? undefined : './xlink-data');
      if (o.redisUrl) {
        const client = new Redis(o.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true });
        client.on('error', () => {});
        try {
          await client.connect();
        } catch (e) {
          client.disconnect();
          cli.fail({
            code: 'STORAGE_FAILED',
            message: `Redis unreachable: ${(e as Error).message}`,
            hint: 'Check --redis-url',
          });
        }
        closers.push(async () => {
          await client.quit().catch(() => client.disconnect());
        });
        registry = new RedisTrustRegistry({ client, keyPrefix: 'xlink:registry:' });
        store = new RedisInviteStore(client, 'xlink:invite:');
      } else {
        const fr = new FileTrustRegistry({ path: join(dataDir as string, 'registry.jsonl') });
        cli.unwrap(await fr.open());
        closers.push(() => fr.close());
        registry = fr;
        const s = await FileInviteStore.open(join(dataDir as string, 'invites.jsonl'));
        if (!s.ok) await closeAll();
        store = cli.unwrap(s);
        closers.push(() => store.close());
      }
      const selfReg =
        typeof o.selfRegistration === 'string'
          ? { scopes: parseList(o.selfRegistration) }
          : o.selfRegistration;
      // Deposit receipts are signed with this key; receivers trust it (docs/formats.md).
      const relayKey = cli.unwrap(
        loadOrCreateKeystore(
          o.relayKey ?? join(dataDir ?? './xlink-data', 'relay-key.json'),
          'relay',
        ),
      );
      const window = cli.unwrap(windowFromEnv(cli.env));
      const server = await createXlinkServer({
        relayReceiptKey: relayKey.identity.signing,
        depositWindowMs: window,
        maxPayloadBytes: cli.unwrap(payloadLimitFromEnv(cli.env)),
        registry,
        ...(o.redisUrl ? { redisUrl: o.redisUrl } : { dataDir: dataDir as string }),
        ...(o.adminToken ? { adminToken: o.adminToken } : {}),
        selfRegistration: selfReg,
        ...(o.quiet || cli.json() ? { logger: false } : {}),
      });
      if (!server.ok) await closeAll();
      const s = cli.unwrap(server);
      await s.app.register(inviteRoutes, {
        registry,
        store,
        verifyRequest: createRequestVerifier(new MemoryNonceStore()),
      });
      const l = await s.listen({ port: o.port, host: o.host });
      if (!l.ok) {
        await s.close();
        await closeAll();
      }
      const { url, port } = cli.unwrap(l);
      cli.print(
        `xlink serve listening on ${url} (storage ${o.redisUrl ? 'redis' : `file ${dataDir}`}, relay key ${relayKey.identity.did})`,
        { url, port, storage: o.redisUrl ? 'redis' : 'file', relayDid: relayKey.identity.did },
      );
      await cli.waitForStop();
      await s.close();
      await closeAll();
    });
}
