/**
 * `createXlinkServer(options)`: the registry + relay server (`xlink serve`, default port 3300)
 * in one Fastify process built with the server kit (server-kit/app.ts): registry routes, relay
 * routes, `GET /health`, `GET /openapi.json`, one error body, rate limits per client address
 * and per verified DID, structured (pino) logs and graceful shutdown. Storage: durable JSONL files under `dataDir` (default) or Redis
 * (`redisUrl`), or stores passed in.
 *
 * Pitfalls:
 * - Bind to loopback (default host 127.0.0.1) unless a TLS-terminating proxy is in front: the
 *   admin token and envelope metadata travel in the clear over plain HTTP.
 * - Without `adminToken`, register/revoke/list answer 401 (self-registration still works when
 *   enabled).
 * - The file stores are owned by ONE process; run several nodes only with Redis.
 * - Rate limits count per client address before any check, and per DID only after that DID's
 *   signature verified: naming a victim's DID (path or `x-xlink-did`) never spends its budget.
 *   With Redis the counters are shared by all nodes.
 *
 * @module
 */
import { join } from 'node:path';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { Redis } from 'ioredis';
import { err, ok, type Result } from 'xorida';
import packageJson from '../../package.json';
import type { Ed25519SigningKey } from '../lib/crypto/types.js';
import { MemoryNonceStore, type NonceStore } from '../nonce-store.js';
import type { TrustRegistry } from '../registry.js';
import { sizeLimits } from '../size-policy.js';
import { FileRelayStore } from './file-relay-store.js';
import { FileTrustRegistry } from './file-trust-registry.js';
import { createRequestVerifier } from './lib/signed-request-check.js';
import { RedisNonceStore } from './redis-nonce-store.js';
import { RedisRelayStore } from './redis-relay-store.js';
import { RedisTrustRegistry } from './redis-trust-registry.js';
import { registryRoutes } from './registry-routes.js';
import { relayRoutes } from './relay-routes.js';
import { DEFAULT_RELAY_TTL_MS, type RelayStore } from './relay-store.js';
import { createServerKit } from './server-kit/app.js';
import type { DidLimiter } from './server-kit/rate-limits.js';

/** Package version reported by `/health` (from package.json, inlined at build time). */
export const XLINK_SERVER_VERSION: string = packageJson.version;
/** Default port of `xlink serve`. */
export const DEFAULT_XLINK_PORT = 3300;

/** Options of {@link createXlinkServer}. */
export interface XlinkServerOptions {
  /** Directory of `registry.jsonl` and `relay.jsonl` (file storage; default when no Redis). */
  readonly dataDir?: string;
  /** Redis URL (e.g. `redis://127.0.0.1:6379`): registry, relay and request nonces in Redis. */
  readonly redisUrl?: string;
  /** Key prefix in Redis (default `xlink:`). */
  readonly redisKeyPrefix?: string;
  /** Use this registry instead of the built-in ones. */
  readonly registry?: TrustRegistry;
  /** Use this relay store instead of the built-in ones. */
  readonly relayStore?: RelayStore;
  /** Nonce store of signed requests (default: memory, or Redis with `redisUrl`). */
  readonly nonceStore?: NonceStore;
  /** Which parts to serve (default both). */
  readonly parts?: { readonly registry?: boolean; readonly relay?: boolean };
  /** Admin bearer token for register/revoke/list. */
  readonly adminToken?: string;
  /** Allow DID-signed self-registration (optionally only these scopes). Default false. */
  readonly selfRegistration?: boolean | { readonly scopes?: readonly string[] };
  /** Relay message lifetime, ms (default 7 days). */
  readonly relayTtlMs?: number;
  /**
   * Largest plaintext payload, bytes (default 16 MiB): the size policy's one setting, from which
   * the relay and server body limits and the relay log record limit derive (size-policy.ts).
   */
  readonly maxPayloadBytes?: number;
  /** @deprecated derived from `maxPayloadBytes`; an explicit value still wins. */
  readonly maxEnvelopeBytes?: number;
  /** The relay's Ed25519 key signing deposit receipts (relay-receipt.ts); default none. */
  readonly relayReceiptKey?: Ed25519SigningKey;
  /** Relay deposit freshness window, ms (default 30 000). */
  readonly depositWindowMs?: number;
  /** Unacked messages per mailbox (default 10 000). */
  readonly maxMailboxMessages?: number;
  /** Check envelope sender signatures on relay POST (default true). */
  readonly verifySenderSignature?: boolean;
  /** Requests per client address, and per verified DID, per window; `false` disables. Default 1 200 / 60 000 ms. */
  readonly rateLimit?: false | { readonly max: number; readonly timeWindowMs: number };
  /** Accepted clock difference of signed requests, ms (default 30 000). */
  readonly requestWindowMs?: number;
  /** Behind a reverse proxy: trust `X-Forwarded-For` for client addresses (rate limits). Default false. */
  readonly trustProxy?: FastifyServerOptions['trustProxy'];
  /** Fastify/pino logger option (default pino at `LOG_LEVEL` or `info`, secrets redacted; `false` silences). */
  readonly logger?: FastifyServerOptions['logger'];
}

/** A running (or ready to listen) server. */
export interface XlinkServer {
  readonly app: FastifyInstance;
  /** Storage backend in use (`file`, `redis`, `custom`). */
  readonly storage: string;
  /** Counts a request against its verified DID (for routes added after creation, e.g. invites). */
  readonly limitDid: DidLimiter;
  /**
   * Starts listening.
   * @param options `port` (default 3300; 0 = ephemeral), `host` (default 127.0.0.1)
   * @returns the base URL and port, or `LISTEN_FAILED`
   */
  listen(options?: {
    port?: number;
    host?: string;
  }): Promise<
    Result<{ url: string; port: number }, { code: 'LISTEN_FAILED'; message: string; hint: string }>
  >;
  /** Graceful stop: refuses new requests, finishes in-flight ones, flushes and closes stores. */
  close(): Promise<void>;
  /** Calls `close()` then `process.exit(0)` on SIGTERM/SIGINT. Returns an uninstaller. */
  installSignalHandlers(): () => void;
}

/** Server construction errors. */
export interface XlinkServerErrorDetail {
  readonly code: 'STORAGE_FAILED' | 'INVALID_OPTIONS';
  readonly message: string;
  readonly hint: string;
}

/**
 * Builds the server (opens stores; does not listen yet).
 * @param options {@link XlinkServerOptions}
 * @returns the server, or `STORAGE_FAILED` (a store could not open, e.g. corrupt log or Redis
 *   down) / `INVALID_OPTIONS`
 */
export async function createXlinkServer(
  options: XlinkServerOptions = {},
): Promise<Result<XlinkServer, XlinkServerErrorDetail>> {
  const parts = { registry: options.parts?.registry ?? true, relay: options.parts?.relay ?? true };
  const started = Date.now();
  let redis: Redis | undefined;
  const closers: (() => Promise<void>)[] = [];
  const fail = async (message: string, hint: string) => {
    for (const c of closers) await c().catch(() => {});
    return err<XlinkServerErrorDetail>({ code: 'STORAGE_FAILED', message, hint });
  };
  if (options.redisUrl) {
    redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true });
    // connection errors surface as failed commands (503); the listener keeps them off stderr
    redis.on('error', () => {});
    try {
      await redis.connect();
    } catch (e) {
      redis.disconnect();
      return fail(
        `Redis unreachable at ${options.redisUrl}: ${(e as Error).message}`,
        'Start Redis or drop redisUrl',
      );
    }
    const r = redis;
    closers.push(async () => {
      await r.quit().catch(() => r.disconnect());
    });
  } else if (
    !options.dataDir &&
    ((parts.registry && !options.registry) || (parts.relay && !options.relayStore))
  )
    return err({
      code: 'INVALID_OPTIONS',
      message: 'dataDir or redisUrl required (or pass registry / relayStore)',
      hint: 'e.g. { dataDir: "./xlink-data" }',
    });
  const prefix = options.redisKeyPrefix ?? 'xlink:';
  const maxEnvelopeBytes =
    options.maxEnvelopeBytes ?? sizeLimits(options.maxPayloadBytes).maxEnvelopeJsonBytes;
  const storage = options.registry || options.relayStore ? 'custom' : redis ? 'redis' : 'file';

  let registry: TrustRegistry | undefined;
  let registryCount: () => Promise<number> = async () => -1;
  if (parts.registry) {
    if (options.registry) registry = options.registry;
    else if (redis) {
      const rr = new RedisTrustRegistry({ client: redis, keyPrefix: `${prefix}registry:` });
      registry = rr;
      registryCount = () => rr.count();
    } else {
      const fr = new FileTrustRegistry({ path: join(options.dataDir!, 'registry.jsonl') });
      const o = await fr.open();
      if (!o.ok) return fail(o.error.message, o.error.hint);
      closers.push(() => fr.close());
      registry = fr;
      registryCount = async () => fr.size;
    }
  }
  let relayStore: RelayStore | undefined;
  if (parts.relay) {
    const ttlMs = options.relayTtlMs ?? DEFAULT_RELAY_TTL_MS;
    const maxMailboxMessages = options.maxMailboxMessages;
    if (options.relayStore) relayStore = options.relayStore;
    else if (redis)
      relayStore = new RedisRelayStore({
        client: redis,
        keyPrefix: `${prefix}relay:`,
        ttlMs,
        ...(maxMailboxMessages !== undefined ? { maxMailboxMessages } : {}),
      });
    else {
      const s = await FileRelayStore.open({
        path: join(options.dataDir!, 'relay.jsonl'),
        ttlMs,
        maxRecordBytes: maxEnvelopeBytes + 4096,
        ...(maxMailboxMessages !== undefined ? { maxMailboxMessages } : {}),
      });
      if (!s.ok) return fail(s.error.message, s.error.hint);
      relayStore = s.value;
    }
    const rs = relayStore;
    closers.push(() => rs.close());
  }

  const nonceStore =
    options.nonceStore ??
    (redis
      ? new RedisNonceStore({ client: redis, keyPrefix: `${prefix}reqnonce:`, ttlSeconds: 120 })
      : new MemoryNonceStore({ maxEntries: 1_000_000 }));
  const verifyRequest = createRequestVerifier(nonceStore, options.requestWindowMs);

  const rl = options.rateLimit;
  const kit = await createServerKit({
    name: 'xlink',
    version: XLINK_SERVER_VERSION,
    description: 'Xlink registry and relay (docs/formats.md#relay-and-registry-http-api)',
    bodyLimit: maxEnvelopeBytes,
    storage,
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
    ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
    ...(redis ? { redis, rateLimitNameSpace: `${prefix}ratelimit:` } : {}),
    rateLimit:
      rl === false
        ? false
        : {
            address: rl ?? { max: 1200, timeWindowMs: 60_000 },
            did: rl ?? { max: 1200, timeWindowMs: 60_000 },
          },
    health: async () => {
      const relay = relayStore ? await relayStore.stats() : undefined;
      return {
        details: {
          uptimeMs: Date.now() - started,
          ...(parts.registry ? { registry: { entries: await registryCount() } } : {}),
          ...(relay ? { relay: { messages: relay.messages, mailboxes: relay.mailboxes } } : {}),
        },
      };
    },
  });
  if (!kit.ok) return fail(kit.error.message, kit.error.hint);
  const { app, limitDid } = kit.value;
  redis?.on('error', (e: Error) => app.log.warn({ err: e.message }, 'redis connection error'));

  if (registry)
    await app.register(registryRoutes, {
      registry,
      verifyRequest,
      limitDid,
      ...(options.adminToken !== undefined ? { adminToken: options.adminToken } : {}),
      ...(options.selfRegistration !== undefined
        ? { selfRegistration: options.selfRegistration }
        : {}),
    });
  if (relayStore)
    await app.register(relayRoutes, {
      store: relayStore,
      verifyRequest,
      limitDid,
      maxEnvelopeBytes,
      ...(options.relayReceiptKey ? { receiptKey: options.relayReceiptKey } : {}),
      ...(options.depositWindowMs !== undefined
        ? { depositWindowMs: options.depositWindowMs }
        : {}),
      ...(options.verifySenderSignature !== undefined
        ? { verifySenderSignature: options.verifySenderSignature }
        : {}),
    });

  for (const c of closers) kit.value.onClose(c);

  return ok({
    app,
    storage,
    limitDid,
    listen: (o = {}) =>
      kit.value.listen({ port: o.port ?? DEFAULT_XLINK_PORT, ...(o.host ? { host: o.host } : {}) }),
    close: kit.value.close,
    installSignalHandlers: kit.value.installSignalHandlers,
  });
}
