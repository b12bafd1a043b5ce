/**
 * `createServerKit(options)`: the one way every xorida HTTP server is built. It returns a
 * Fastify instance already carrying the common plumbing, and the server adds its routes:
 * - JSON bodies parsed strictly with the raw text kept for signature checks (`req.rawBody`);
 * - one error body for every non-2xx answer (error-shape.ts);
 * - rate limits by client address before authentication and by verified DID after it
 *   (rate-limits.ts), in Redis when a client or URL is given;
 * - `GET /health` in one shape (health.ts) and `GET /openapi.json` (openapi.ts);
 * - pino logs with secret redaction, level from `LOG_LEVEL` (logging.ts);
 * - graceful close and SIGTERM/SIGINT handling that drains in-flight requests (shutdown.ts).
 *
 * Response schemas document the answers (OpenAPI) but do not filter them: answers are
 * serialised with `JSON.stringify`, so adding a schema never changes bytes on the wire.
 * Request schemas are enforced (Ajv, no type coercion of bodies).
 *
 * @module
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { Redis } from 'ioredis';
import { err, ok, type Result } from 'xorida';
import { installJsonParsers } from '../lib/signed-request-check.js';
import { installErrorShape } from './error-shape.js';
import { type HealthReport, registerHealth } from './health.js';
import { type KitLoggerOption, loggerOptions } from './logging.js';
import { registerOpenApi } from './openapi.js';
import {
  type DidCheck,
  type DidLimiter,
  type RateBudget,
  registerRateLimits,
} from './rate-limits.js';
import { installShutdownHandlers } from './shutdown.js';

/** Options of {@link createServerKit}. */
export interface ServerKitOptions {
  /** Server name (`xlink`, `xpass`, ...): OpenAPI title, log name, Redis namespace. */
  readonly name: string;
  /** Version reported by `/health` and OpenAPI. */
  readonly version: string;
  readonly description?: string;
  /** Largest request body, bytes (default 64 KiB). */
  readonly bodyLimit?: number;
  /** Extra JSON media types accepted besides `application/json`. */
  readonly mediaTypes?: readonly string[];
  /** Fastify logger option; `false` silences. Default: pino at `logLevel`. */
  readonly logger?: KitLoggerOption;
  /** Log level; default `LOG_LEVEL` env, else `info`. */
  readonly logLevel?: string;
  /** Behind a reverse proxy: what to trust for `req.ip` (Fastify `trustProxy`). */
  readonly trustProxy?: FastifyServerOptions['trustProxy'];
  /** Rate limits; `false` disables both. Default 1 200/min per address, 600/min per DID. */
  readonly rateLimit?:
    | false
    | { readonly address?: false | RateBudget; readonly did?: false | RateBudget };
  /** Rate-limit counters in this Redis (shared by replicas). */
  readonly redis?: Redis;
  /** Or a Redis URL for them (the kit opens and closes that connection). */
  readonly redisUrl?: string;
  /** Redis key namespace of the counters (default `xorida-rl:<name>:`). */
  readonly rateLimitNameSpace?: string;
  /** Storage backend name for `/health`. */
  readonly storage: string;
  /** Per-server health details. */
  readonly health?: () => HealthReport | Promise<HealthReport>;
  /** Code of a request-schema failure (default `BAD_REQUEST`). */
  readonly validationCode?: string;
  /**
   * Longest wait, ms, for in-flight requests and open connections on close (default 10 000);
   * then every connection is cut so that close, and a SIGTERM, always finish.
   */
  readonly shutdownGraceMs?: number;
}

/** Default `shutdownGraceMs`. */
const SHUTDOWN_GRACE_MS = 10_000;
/** A server under construction (routes are added to `app`). */
export interface ServerKit {
  readonly app: FastifyInstance;
  /** Counts a request against its verified DID; sends 429 and returns false when spent. */
  readonly limitDid: DidLimiter;
  /** Counts a request against its verified DID and reports instead of answering. */
  readonly checkDid: DidCheck;
  /** Runs `fn` on close, after the HTTP server drained (last added runs first). */
  onClose(fn: () => Promise<void> | void): void;
  /**
   * Starts listening.
   * @param o `port` (0 = ephemeral), `host` (default 127.0.0.1)
   * @returns the base URL and port, or `LISTEN_FAILED`
   */
  listen(o: {
    port: number;
    host?: string;
  }): Promise<
    Result<{ url: string; port: number }, { code: 'LISTEN_FAILED'; message: string; hint: string }>
  >;
  /** Graceful stop: refuses new requests (503), finishes in-flight ones, runs the closers. Idempotent. */
  close(): Promise<void>;
  /** Closes then exits 0 on SIGTERM/SIGINT. Returns an uninstaller. */
  installSignalHandlers(): () => void;
}

/** Construction errors of {@link createServerKit}. */
export interface ServerKitError {
  readonly code: 'STORAGE_FAILED';
  readonly message: string;
  readonly hint: string;
}

const ROUTES = new WeakMap<FastifyInstance, readonly { method: string; url: string }[]>();

/**
 * Every route registered on a kit app (HEAD twins of GET routes left out), in registration order.
 * @param app an app made by {@link createServerKit}
 * @returns `{ method, url }` pairs (`url` in Fastify syntax, e.g. `/relay/:did`); empty for others
 */
export function registeredRoutes(
  app: FastifyInstance,
): readonly { readonly method: string; readonly url: string }[] {
  return ROUTES.get(app) ?? [];
}

async function connectRedis(url: string): Promise<Result<Redis, ServerKitError>> {
  const redis = new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: true });
  redis.on('error', () => {}); // failures surface as failed commands
  try {
    await redis.connect();
    return ok(redis);
  } catch (e) {
    redis.disconnect();
    return err({
      code: 'STORAGE_FAILED',
      message: `Redis unreachable at ${url}: ${(e as Error).message}`,
      hint: 'Start Redis or drop the Redis URL',
    });
  }
}

/**
 * Builds a Fastify app with the common plumbing (does not listen yet).
 * @param options {@link ServerKitOptions}
 * @returns the kit, or `STORAGE_FAILED` when the rate-limit Redis is unreachable
 */
export async function createServerKit(
  options: ServerKitOptions,
): Promise<Result<ServerKit, ServerKitError>> {
  const startedAt = Date.now();
  const closers: (() => Promise<void> | void)[] = [];
  let redis = options.redis;
  if (!redis && options.redisUrl && options.rateLimit !== false) {
    const r = await connectRedis(options.redisUrl);
    if (!r.ok) return r;
    redis = r.value;
    const own = r.value;
    closers.push(async () => {
      await own.quit().catch(() => own.disconnect());
    });
  }
  const app = Fastify({
    logger: loggerOptions(options.logger, options.logLevel),
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
    // Optional bodies have schemas without `type` (an empty body is `undefined`), hence strictTypes off.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, strictTypes: false } },
  });
  const routes: { method: string; url: string }[] = [];
  ROUTES.set(app, routes);
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push({ method: m, url: r.url });
  });
  // Answers are JSON.stringify'd: response schemas document, they never drop or coerce fields.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installJsonParsers(app, options.mediaTypes);
  installErrorShape(app, {
    ...(options.validationCode ? { validationCode: options.validationCode } : {}),
  });
  await registerOpenApi(app, {
    title: options.name,
    version: options.version,
    ...(options.description ? { description: options.description } : {}),
  });
  const rl = options.rateLimit;
  const { limitDid, checkDid } = await registerRateLimits(app, options.name, {
    address: rl === false ? false : (rl?.address ?? undefined),
    did: rl === false ? false : (rl?.did ?? undefined),
    ...(redis ? { redis } : {}),
    ...(options.rateLimitNameSpace ? { nameSpace: options.rateLimitNameSpace } : {}),
  } as Parameters<typeof registerRateLimits>[2]);
  registerHealth(app, {
    version: options.version,
    storage: options.storage,
    startedAt,
    ...(options.health ? { report: options.health } : {}),
  });

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      // Fastify's close() waits for every connection to end. A request that never completes
      // (a client that stops sending its body) or a keep-alive connection that was busy when
      // close began (Fastify keeps those up to its 72 s keepAliveTimeout) would hold it, and a
      // SIGTERM, open: past the grace period every connection is cut.
      const cut = setTimeout(
        () => app.server.closeAllConnections(),
        options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS,
      );
      cut.unref();
      try {
        await app.close();
      } finally {
        clearTimeout(cut);
      }
      for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => {});
    })();
    return closed;
  };
  return ok({
    app,
    limitDid,
    checkDid,
    onClose: (fn) => {
      closers.push(fn);
    },
    async listen(o) {
      const host = o.host ?? '127.0.0.1';
      try {
        await app.listen({ port: o.port, host });
      } catch (e) {
        return err({
          code: 'LISTEN_FAILED' as const,
          message: (e as Error).message,
          hint: 'Pick another port (0 = any free port)',
        });
      }
      const addr = app.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : o.port;
      return ok({ url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, port });
    },
    close,
    installSignalHandlers: () =>
      installShutdownHandlers({
        close,
        log: (msg, signal) => app.log.info({ signal }, msg),
      }),
  });
}
