/**
 * The billing server (`xpass serve`): a Fastify app around `handleBillingRequest`, with the
 * connection metadata and the audit chain in agent-sdk durable JSONL logs under the data dir:
 *
 *   <dataDir>/connections.jsonl   connection records (FileConnectionStore)
 *   <dataDir>/audit.jsonl         audit entries and signed heads (DurableLog framing)
 *   <dataDir>/server-key.json     the Ed25519 signing seed (mode 0600), created on first start
 *   <dataDir>/admin-token         the admin bearer token (mode 0600) when XPASS_ADMIN_TOKEN is unset
 *   <dataDir>/stripe-events.jsonl ids of handled Stripe events, 30 days (stripe-webhook.ts)
 *
 * Every answer is sent only after the audit entries it caused are fsynced. On start the audit
 * log is verified with the server key; a log that does not verify stops the start
 * (`AUDIT_VERIFICATION_FAILED`) rather than extending a broken chain. Request bodies are limited
 * to 64 KiB; requests are rate limited per client address, and share fetches per DID after the
 * request's signature verified (429 + Retry-After; counters in Redis with `redisUrl`, server kit
 * rate-limits.ts); the HTTP plumbing is the agent-sdk server kit; a head is signed at least
 * every `auditHeadIntervalMs` (default 60 s) when there are new entries, and at shutdown.
 *
 * With `redisUrl` (`XPASS_REDIS_URL`) connection records and share-fetch challenges live in Redis
 * (`<prefix>connections` hash, `<prefix>challenge:*` keys); the audit log stays a local file.
 *
 * Pitfalls: one process per data dir; the seed file IS the server's identity (back it up, keep
 * it secret); without Redis the challenge store is in memory (forgotten on restart; requests
 * older than 30 s are refused anyway).
 *
 * @module
 */
import { link, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MemoryNonceStore } from '@xorida/agent-sdk';
import { backend } from '@xorida/agent-sdk/crypto';
import {
  createServerKit,
  DurableLog,
  defaultDataDir,
  ensureDataDir,
  RedisNonceStore,
  syncDir,
  writeFileAtomic,
} from '@xorida/agent-sdk/node';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { Redis } from 'ioredis';
import { bytesToHex, hexToBytes, ok, type Result } from 'xorida';
import packageJson from '../../package.json';
import { AuditChain, verifyAuditLog } from '../audit-chain.js';
import { BillingService } from '../billing-service.js';
import type { ConnectionStore } from '../connection-store.js';
import { type XpassError, xpassErr, xpassError } from '../errors.js';
import type { ChallengeStore } from '../share-fetch.js';
import { registerBillingRoutes } from './billing-http-routes.js';
import { FileConnectionStore } from './file-connection-store.js';
import { OutboundWebhooks } from './outbound-webhooks.js';
import {
  FileProcessedEventStore,
  type ProcessedEventStore,
  RedisProcessedEventStore,
} from './processed-events.js';
import { RedisConnectionStore } from './redis-connection-store.js';
import type { ServerConfig } from './server-config.js';
import { loadStripeMapping, type StripeMapping } from './stripe-mapping.js';
import { registerStripeWebhookRoute } from './stripe-webhook.js';

/** Options of {@link startBillingServer}: the env settings plus test hooks. */
export interface BillingServerOptions extends Partial<ServerConfig> {
  /** Data directory (default `defaultDataDir('xpass')`: per user, never the working directory). */
  readonly dataDir?: string;
  /** Clock, Unix ms (tests). */
  readonly now?: () => number;
  /** Sign a head at least this often when entries are new, ms (default 60 000). */
  readonly auditHeadIntervalMs?: number;
  /** Fastify/pino logger setting (default on at `LOG_LEVEL` or `info`, secrets redacted; `false` silences). */
  readonly logger?: FastifyServerOptions['logger'];
  /** Share fetches per verified DID per window, ms (default 60 000; the count is `rateLimit`). */
  readonly rateLimitWindowMs?: number;
  /** Requests per client address per minute, before any check (default 1 200). */
  readonly addressRateLimit?: number;
  /** Rate-limit counters in this Redis (default: `redisUrl`, else in memory). */
  readonly rateLimitRedisUrl?: string;
  /** Redis URL: connection records and share-fetch challenges go to Redis (audit log stays a file). */
  readonly redisUrl?: string;
  /** Redis key namespace (default `xpass:`). */
  readonly redisPrefix?: string;
  /** Stripe mapping in code (wins over `stripeMappingFile`); see stripe-mapping.ts. */
  readonly stripeMapping?: StripeMapping;
  /** Oldest accepted Stripe signature timestamp, seconds (default 300). */
  readonly stripeToleranceSeconds?: number;
  /** Outbound webhook retry policy and timer (tests); see outbound-webhooks.ts. */
  readonly webhookRetry?: {
    readonly maxAttempts?: number;
    readonly baseDelayMs?: number;
    readonly sleep?: (ms: number) => Promise<void>;
  };
}

/** A running billing server. */
export interface BillingServer {
  /** e.g. `http://127.0.0.1:3600`. */
  readonly url: string;
  readonly port: number;
  readonly service: BillingService;
  readonly audit: AuditChain;
  /** The admin bearer token in force. */
  readonly adminToken: string;
  readonly app: FastifyInstance;
  /** Outbound webhook sender (undefined without `webhookUrls`); `drain()` waits for deliveries. */
  readonly webhooks: OutboundWebhooks | undefined;
  /** Stops accepting requests, drains in-flight ones, signs a final head, closes the files. */
  close(): Promise<void>;
  /** Closes then exits 0 on SIGTERM/SIGINT. Returns an uninstaller. */
  installSignalHandlers(): () => void;
}

async function loadOrCreateSecret(
  path: string,
  make: () => string,
  check: (s: string) => boolean,
): Promise<Result<string, XpassError>> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    if (!check(text)) return xpassErr('STORE_FAILED', `${path} is malformed`);
    return ok(text);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      return xpassErr('STORE_FAILED', `cannot read ${path}: ${(e as Error).message}`);
  }
  const value = make();
  // Written and fsynced under a temporary name (writeFileAtomic, 0600), then linked into place:
  // `link` fails with EEXIST when a racing start created it first, so both agree on one secret.
  const temp = `${path}.new-${bytesToHex(backend.randomBytes(6))}`;
  try {
    await writeFileAtomic(temp, `${value}\n`, { mode: 0o600 });
    await link(temp, path);
    await syncDir(dirname(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      return loadOrCreateSecret(path, make, check);
    return xpassErr('STORE_FAILED', `cannot write ${path}: ${(e as Error).message}`);
  } finally {
    await rm(temp, { force: true });
  }
  return ok(value);
}

/**
 * Starts the billing server.
 * @param options data dir, port (0 = ephemeral), host, epoch/grace/overlap ms, rate limit,
 *   admin token, debug flag, audit head cadence, clock, logger
 * @returns the running server, or `STORE_FAILED` (files), `AUDIT_VERIFICATION_FAILED` (existing
 *   log does not verify), `INVALID_INPUT` (settings), `BILLING_SERVER_UNREACHABLE` (cannot listen)
 */
export async function startBillingServer(
  options: BillingServerOptions,
): Promise<Result<BillingServer, XpassError>> {
  const dataDir = options.dataDir ?? defaultDataDir('xpass');
  const made = await ensureDataDir(dataDir);
  if (!made.ok) return xpassErr('STORE_FAILED', made.error.message);
  const seedHex = await loadOrCreateSecret(
    join(dataDir, 'server-key.json'),
    () => JSON.stringify({ ed25519Seed: bytesToHex(backend.randomBytes(32)) }),
    (s) => {
      try {
        return /^[0-9a-f]{64}$/.test(JSON.parse(s).ed25519Seed);
      } catch {
        return false;
      }
    },
  );
  if (!seedHex.ok) return seedHex;
  const seed = hexToBytes(JSON.parse(seedHex.value).ed25519Seed);
  const signer = backend.ed25519Signer(seed);
  let adminToken = options.adminToken;
  if (!adminToken) {
    const t = await loadOrCreateSecret(
      join(dataDir, 'admin-token'),
      () => bytesToHex(backend.randomBytes(32)),
      (s) => s.length >= 16,
    );
    if (!t.ok) return t;
    adminToken = t.value;
  }
  const now = options.now ?? Date.now;
  const rateRedisUrl = options.rateLimitRedisUrl ?? options.redisUrl;

  const opened = await DurableLog.open(join(dataDir, 'audit.jsonl'));
  if (!opened.ok)
    return xpassErr('STORE_FAILED', `audit log: ${opened.error.code}: ${opened.error.message}`);
  const auditLog = opened.value.log;
  const webhooks = options.webhookUrls?.length
    ? new OutboundWebhooks({
        urls: options.webhookUrls,
        sign: signer.sign,
        now,
        ...options.webhookRetry,
      })
    : undefined;
  let mapping: StripeMapping | undefined = options.stripeMapping;
  if (!mapping && options.stripeMappingFile) {
    const m = await loadStripeMapping(options.stripeMappingFile);
    if (!m.ok) {
      await auditLog.close();
      return m;
    }
    mapping = m.value;
  }
  const restored = verifyAuditLog(
    opened.value.records.map((r) => JSON.stringify(r)),
    { publicKey: signer.publicKey },
  );
  if (!restored.ok) {
    await auditLog.close();
    return restored;
  }
  let auditFailure: string | undefined;
  const audit = new AuditChain(
    {
      sign: signer.sign,
      headEvery: options.auditHeadEvery ?? 16,
      now,
      sink: (line) => {
        void auditLog.append(JSON.parse(line)).then((r) => {
          if (!r.ok) auditFailure = `${r.error.code}: ${r.error.message}`;
        });
        webhooks?.onAuditLine(line);
      },
    },
    restored.value,
  );
  let store: ConnectionStore;
  let challenges: ChallengeStore = new MemoryNonceStore({ now });
  let closeStore: () => Promise<void>;
  let processed: ProcessedEventStore;
  if (options.redisUrl) {
    const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true });
    redis.on('error', () => {}); // failures surface as failed commands (STORE_FAILED)
    try {
      await redis.connect();
    } catch (e) {
      redis.disconnect();
      await auditLog.close();
      return xpassErr('STORE_FAILED', `cannot connect to Redis: ${(e as Error).message}`);
    }
    const prefix = options.redisPrefix ?? 'xpass:';
    store = new RedisConnectionStore(redis, prefix);
    challenges = new RedisNonceStore({
      client: redis,
      keyPrefix: `${prefix}challenge:`,
      ttlSeconds: 120,
    });
    processed = new RedisProcessedEventStore(redis, `${prefix}stripe-event:`);
    closeStore = async () => {
      await redis.quit().catch(() => redis.disconnect());
    };
  } else {
    const file = await FileConnectionStore.open(join(dataDir, 'connections.jsonl'));
    if (!file.ok) {
      await auditLog.close();
      return file;
    }
    store = file.value;
    const events = await FileProcessedEventStore.open(join(dataDir, 'stripe-events.jsonl'), {
      now,
    });
    if (!events.ok) {
      await auditLog.close();
      await file.value.close();
      return events;
    }
    processed = events.value;
    closeStore = async () => {
      await file.value.close();
      await events.value.close();
    };
  }
  const service = BillingService.create({
    signingSeed: seed,
    ...(options.epochMs === undefined ? {} : { epochMs: options.epochMs }),
    ...(options.overlapMs === undefined ? {} : { overlapMs: options.overlapMs }),
    ...(options.graceMs === undefined ? {} : { graceMs: options.graceMs }),
    store,
    audit,
    now,
  });
  if (!service.ok) {
    await auditLog.close();
    await closeStore();
    return service;
  }
  const ctx = {
    service: service.value,
    audit,
    adminToken,
    challenges,
    debugEndpoints: options.debugEndpoints === true,
  };
  const svc = service.value;
  const kit = await createServerKit({
    name: 'xpass',
    version: packageJson.version,
    description: 'xpass billing server (docs/formats.md#xpass)',
    bodyLimit: 64 * 1024,
    storage: options.redisUrl ? 'redis' : 'file',
    validationCode: 'INVALID_INPUT',
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
    ...(rateRedisUrl
      ? {
          redisUrl: rateRedisUrl,
          rateLimitNameSpace: `${options.redisPrefix ?? 'xpass:'}ratelimit:`,
        }
      : {}),
    rateLimit: {
      address: { max: options.addressRateLimit ?? 1200, timeWindowMs: 60_000 },
      did: { max: options.rateLimit ?? 100, timeWindowMs: options.rateLimitWindowMs ?? 60_000 },
    },
    health: async () => {
      const all = await svc.allConnections();
      return {
        status: all.ok ? 'ok' : 'degraded',
        details: {
          connections: all.ok ? all.value.length : null,
          epoch: Math.floor(svc.now() / svc.epochs.epochMs),
          epochMs: svc.epochs.epochMs,
          publicKey: bytesToHex(svc.publicKey),
        },
      };
    },
  });
  if (!kit.ok) {
    await auditLog.close();
    await closeStore();
    return xpassErr('STORE_FAILED', kit.error.message);
  }
  const { app, checkDid } = kit.value;
  const flushAudit = async () => {
    await auditLog.drain();
    return auditFailure;
  };
  registerBillingRoutes(app, {
    debugEndpoints: ctx.debugEndpoints,
    context: (req) => ({
      ...ctx,
      rateLimiter: {
        hit: async (did: string) => {
          const r = await checkDid(req, did);
          if (r.allowed) return ok(undefined);
          return {
            ok: false as const,
            error: xpassError('RATE_LIMITED', r.message, {
              metadata: { retryAfterMs: r.retryAfterMs },
            }),
          };
        },
      },
    }),
    flushAudit,
  });
  if (options.stripeWebhookSecret)
    registerStripeWebhookRoute(app, {
      secret: options.stripeWebhookSecret,
      ...(options.stripeToleranceSeconds === undefined
        ? {}
        : { toleranceSeconds: options.stripeToleranceSeconds }),
      mapping: mapping ?? { customers: {}, subscriptions: {} },
      service: svc,
      audit,
      processed,
      now,
      flushAudit,
    });
  const timer = setInterval(() => {
    audit.signHead();
  }, options.auditHeadIntervalMs ?? 60_000);
  timer.unref();
  kit.value.onClose(async () => {
    clearInterval(timer);
    audit.signHead();
    await webhooks?.drain();
    await auditLog.close();
    await closeStore();
  });
  const listening = await kit.value.listen({
    port: options.port ?? 3600,
    ...(options.host ? { host: options.host } : {}),
  });
  if (!listening.ok) {
    await kit.value.close();
    return xpassErr('BILLING_SERVER_UNREACHABLE', `cannot listen: ${listening.error.message}`);
  }
  const port = listening.value.port;
  return ok({
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    service: service.value,
    audit,
    adminToken,
    app,
    webhooks,
    close: kit.value.close,
    installSignalHandlers: kit.value.installSignalHandlers,
  });
}
