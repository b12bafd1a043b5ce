/**
 * The vendor's share-delivery server (`xghost serve`, default port 3700). `POST /v1/share` takes
 * a DID-signed request (agent-sdk request signature; its nonce is the fresh challenge, recorded
 * in a nonce store, ±30 s) with the bundle id, the customer's epoch and key document; checks the
 * customer's billing through xpass for the connection `(vendorDid, customerDid, 'xghost:<id>')`;
 * if shares may be issued it answers with a vendor-signed lease echoing the challenge and share 2
 * sealed to the customer in an Xlink envelope, else with the xpass error code. Every issued or
 * refused lease is appended to `<dataDir>/leases.jsonl` (agent-sdk durable log, fdatasync before
 * the answer). Built on the agent-sdk server kit: 64 KiB body limit, rate limits per client
 * address and per verified DID, `GET /health`, `GET /openapi.json`, one error body, pino logs,
 * graceful close.
 *
 * Pitfalls: the server holds share 2 of every bundle in memory and the vendor key; one process
 * per data dir (the log is locked).
 *
 * @module
 */
import { join } from 'node:path';
import { keyDocumentFromJson, MemoryNonceStore, type NonceStore } from '@xorida/agent-sdk';
import {
  createRequestVerifier,
  createServerKit,
  DurableLog,
  defaultDataDir,
  ERROR_RESPONSE_SCHEMA,
  ensureDataDir,
  RedisNonceStore,
  SIGNED_REQUEST_HEADERS_SCHEMA,
  sendError,
} from '@xorida/agent-sdk/node';
import { type BillingService, checkIssuable, createConnectionId } from '@xorida/xpass';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { Redis } from 'ioredis';
import { ok, type Result } from 'xorida';
import packageJson from '../../package.json';
import {
  billingScope,
  DEFAULT_XGHOST_PORT,
  type GhostManifest,
  SHARE_REQUEST_PATH,
  type XghostError,
  xghostErr,
} from '../index.js';
import { verifyManifest } from './runtime.js';
import { identityOf, issueLease, type VendorKey } from './vendor.js';

const SHARE_REQUEST_SCHEMA = {
  summary: 'DID-signed share request: a lease and share 2 sealed to the customer',
  headers: SIGNED_REQUEST_HEADERS_SCHEMA,
  // Types only; the handler checks the exact shape after the signature.
  body: {
    additionalProperties: true,
    properties: {
      bundleId: { type: 'string' },
      epoch: { type: 'integer' },
      keyDocument: { additionalProperties: true },
    },
  },
  response: {
    200: { type: 'object', description: 'vendor-signed lease', additionalProperties: true },
    '4xx': ERROR_RESPONSE_SCHEMA,
    '5xx': ERROR_RESPONSE_SCHEMA,
  },
} as const;

/** Billing status of a connection id: `status` is an xpass ConnectionStatus. */
export type BillingSource = (
  connectionId: string,
) => Promise<Result<{ status: string }, { code: string; message: string }>>;

/** Billing from an in-process xpass `BillingService`. */
export function billingFromService(service: BillingService): BillingSource {
  return (id) => service.checkBilling(id);
}

/** Billing from an xpass billing server (`GET /connections/:id/status`, admin token). */
export function billingFromXpassServer(baseUrl: string, adminToken: string): BillingSource {
  return async (id) => {
    try {
      const res = await fetch(new URL(`/connections/${id}/status`, baseUrl), {
        headers: { authorization: `Bearer ${adminToken}` },
        signal: AbortSignal.timeout(5_000),
      });
      const j = (await res.json()) as {
        status?: string;
        error?: { code: string; message: string };
      };
      if (res.ok && typeof j.status === 'string') return ok({ status: j.status });
      return {
        ok: false,
        error: j.error ?? { code: 'STORE_FAILED', message: `xpass ${res.status}` },
      };
    } catch (e) {
      return { ok: false, error: { code: 'STORE_FAILED', message: (e as Error).message } };
    }
  };
}

/** A bundle the server delivers. */
export interface ServedBundle {
  readonly manifest: GhostManifest;
  /** Encoded share 2. */
  readonly vendorShare: Uint8Array;
}

/** Options of {@link startGhostServer}. */
export interface GhostServerOptions {
  readonly vendor: VendorKey;
  readonly bundles: readonly ServedBundle[];
  readonly billing: BillingSource;
  /** Default `defaultDataDir('xghost')` (per user, never the working directory). */
  readonly dataDir?: string;
  /** Default 3700; 0 = ephemeral. */
  readonly port?: number;
  readonly host?: string;
  /** Lease validity (default 1 h). */
  readonly leaseMs?: number;
  /** Epoch length (default 24 h); requests more than one epoch off are refused. */
  readonly epochMs?: number;
  /** Share requests per DID per window (default 60 / 60 s). */
  readonly rateLimit?: { readonly limit?: number; readonly windowMs?: number };
  readonly now?: () => number;
  /** Fastify/pino logger (default on at `LOG_LEVEL` or `info`, secrets redacted; `false` silences). */
  readonly logger?: FastifyServerOptions['logger'];
  /** Requests per client address per minute, before any check (default 1 200). */
  readonly addressRateLimit?: number;
  /** Keep request nonces in Redis (shared by several server processes, kept across restarts). */
  readonly redisUrl?: string;
  /** Redis key prefix (default `xghost:`). */
  readonly redisPrefix?: string;
}

/** A running share server. */
export interface GhostServer {
  readonly url: string;
  readonly port: number;
  readonly app: FastifyInstance;
  /** Refuses new requests, drains in-flight ones, closes the lease log and Redis. */
  close(): Promise<void>;
  /** Closes then exits 0 on SIGTERM/SIGINT. Returns an uninstaller. */
  installSignalHandlers(): () => void;
}

/**
 * Starts the share server.
 * @returns the server, or `INVALID_INPUT` (bad bundle) / `IO_FAILED` (log)
 */
export async function startGhostServer(
  opts: GhostServerOptions,
): Promise<Result<GhostServer, XghostError>> {
  const now = opts.now ?? Date.now;
  const leaseMs = opts.leaseMs ?? 3_600_000;
  const epochMs = opts.epochMs ?? 86_400_000;
  const vendor = identityOf(opts.vendor, 'vendor');
  if (!vendor.ok) return vendor;
  const bundles = new Map<string, ServedBundle>();
  for (const b of opts.bundles) {
    const m = verifyManifest(b.manifest, vendor.value.did);
    if (!m.ok)
      return xghostErr(
        'INVALID_INPUT',
        `bundle: ${m.error.message}`,
        'Serve manifests signed by this vendor key',
        { field: 'bundles' },
      );
    bundles.set(m.value.bundleId, { manifest: m.value, vendorShare: b.vendorShare });
  }
  const dataDir = opts.dataDir ?? defaultDataDir('xghost');
  const made = await ensureDataDir(dataDir);
  if (!made.ok) return xghostErr('IO_FAILED', made.error.message, made.error.hint);
  const opened = await DurableLog.open(join(dataDir, 'leases.jsonl'));
  if (!opened.ok) return xghostErr('IO_FAILED', opened.error.message, opened.error.hint);
  const log = opened.value.log;
  let nonces: NonceStore = new MemoryNonceStore();
  let closeRedis = async () => {};
  let redisClient: Redis | undefined;
  if (opts.redisUrl) {
    const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true });
    redis.on('error', () => {}); // failures surface as failed commands
    try {
      await redis.connect();
    } catch (e) {
      redis.disconnect();
      await log.close();
      return xghostErr(
        'IO_FAILED',
        `cannot connect to Redis: ${(e as Error).message}`,
        'Check the Redis URL',
      );
    }
    redisClient = redis;
    nonces = new RedisNonceStore({
      client: redis,
      keyPrefix: `${opts.redisPrefix ?? 'xghost:'}nonce:`,
      ttlSeconds: 120,
    });
    closeRedis = async () => {
      await redis.quit().catch(() => redis.disconnect());
    };
  }
  const verifyReq = createRequestVerifier(nonces);
  const kit = await createServerKit({
    name: 'xghost',
    version: packageJson.version,
    description: 'xghost share server (docs/formats.md#xghost)',
    bodyLimit: 64 * 1024,
    storage: opts.redisUrl ? 'redis' : 'file',
    ...(opts.logger !== undefined ? { logger: opts.logger } : {}),
    ...(redisClient
      ? { redis: redisClient, rateLimitNameSpace: `${opts.redisPrefix ?? 'xghost:'}ratelimit:` }
      : {}),
    rateLimit: {
      address: { max: opts.addressRateLimit ?? 1200, timeWindowMs: 60_000 },
      did: { max: opts.rateLimit?.limit ?? 60, timeWindowMs: opts.rateLimit?.windowMs ?? 60_000 },
    },
    health: () => ({
      details: { service: 'xghost', vendorDid: vendor.value.did, bundles: [...bundles.keys()] },
    }),
  });
  if (!kit.ok) {
    await log.close();
    await closeRedis();
    return xghostErr('IO_FAILED', kit.error.message, kit.error.hint);
  }
  const { app, limitDid } = kit.value;
  kit.value.onClose(async () => {
    await log.close();
    await closeRedis();
  });

  app.post(SHARE_REQUEST_PATH, { schema: SHARE_REQUEST_SCHEMA }, async (req, reply) => {
    const v = await verifyReq(req);
    if (!v.ok)
      return sendError(reply, 401, {
        code: 'REQUEST_REJECTED',
        subCode: v.error.code,
        message: v.error.message,
        hint: v.error.hint,
      });
    const customerDid = v.value.did;
    if (!(await limitDid(req, reply, customerDid))) return reply;
    const b = req.body as Record<string, unknown> | undefined;
    if (
      b === null ||
      typeof b !== 'object' ||
      typeof b.bundleId !== 'string' ||
      !Number.isSafeInteger(b.epoch) ||
      b.keyDocument === undefined ||
      Object.keys(b).length !== 3
    )
      return sendError(reply, 400, {
        code: 'BAD_REQUEST',
        message: 'body must be { bundleId, epoch, keyDocument }',
        hint: 'See docs/formats.md#xghost',
      });
    const bundle = bundles.get(b.bundleId);
    if (bundle === undefined)
      return sendError(reply, 404, {
        code: 'BUNDLE_NOT_FOUND',
        message: 'unknown bundle id',
        hint: 'Check the manifest',
      });
    const t = now();
    const epoch = Math.floor(t / epochMs);
    if (Math.abs((b.epoch as number) - epoch) > 1)
      return sendError(reply, 400, {
        code: 'REQUEST_REJECTED',
        subCode: 'EPOCH_MISMATCH',
        message: 'epoch is more than one off the server epoch',
        hint: 'Fix the clock',
      });
    const doc = keyDocumentFromJson(b.keyDocument, customerDid);
    if (!doc.ok)
      return sendError(reply, 400, {
        code: 'REQUEST_REJECTED',
        subCode: doc.error.code,
        message: 'key document does not verify for the signing DID',
        hint: doc.error.hint,
      });
    const connectionId = createConnectionId(
      vendor.value.did,
      customerDid,
      billingScope(bundle.manifest.bundleId),
    );
    const billed = connectionId.ok ? await opts.billing(connectionId.value) : connectionId;
    let refusal: { code: string; message: string } | undefined;
    if (!billed.ok)
      refusal =
        billed.error.code === 'CONNECTION_NOT_FOUND'
          ? {
              code: 'BILLING_REQUIRED',
              message: 'no billing connection for this customer and bundle',
            }
          : billed.error;
    else {
      const iss = checkIssuable(
        billed.value.status as Parameters<typeof checkIssuable>[0],
        connectionId.ok ? connectionId.value : '',
      );
      if (!iss.ok) refusal = iss.error;
    }
    if (refusal !== undefined) {
      await log.append({
        t,
        kind: 'refused',
        bundleId: bundle.manifest.bundleId,
        customerDid,
        code: refusal.code,
      });
      const status = refusal.code === 'STORE_FAILED' ? 503 : 402;
      return sendError(reply, status, {
        code: refusal.code,
        message: refusal.message,
        hint: 'Bring the payment for this bundle up to date',
      });
    }
    const lease = await issueLease({
      vendor: vendor.value,
      manifest: bundle.manifest,
      vendorShare: bundle.vendorShare,
      customer: doc.value,
      epoch,
      notAfter: t + leaseMs,
      challenge: v.value.nonce,
      mode: 'online',
      now: t,
    });
    if (!lease.ok) return sendError(reply, 400, lease.error);
    const w = await log.append({
      t,
      kind: 'issued',
      bundleId: bundle.manifest.bundleId,
      customerDid,
      epoch,
      notAfter: t + leaseMs,
    });
    if (!w.ok)
      return sendError(reply, 503, {
        code: 'STORAGE_FAILED',
        message: 'lease log write failed',
        hint: 'Check the data dir',
      });
    return reply.code(200).send(lease.value);
  });

  const listening = await kit.value.listen({
    port: opts.port ?? DEFAULT_XGHOST_PORT,
    ...(opts.host ? { host: opts.host } : {}),
  });
  if (!listening.ok) {
    await kit.value.close();
    return xghostErr('IO_FAILED', `cannot listen: ${listening.error.message}`, 'Pick another port');
  }
  return ok({
    url: listening.value.url,
    port: listening.value.port,
    app,
    close: kit.value.close,
    installSignalHandlers: kit.value.installSignalHandlers,
  });
}
