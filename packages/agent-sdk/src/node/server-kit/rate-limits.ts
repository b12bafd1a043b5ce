/**
 * Rate limits with `@fastify/rate-limit`, in two places:
 * - by client address on every route (except `/health`), before any authentication: the only
 *   thing a caller cannot choose freely (behind a proxy, `trustProxy` decides what `req.ip` is);
 * - by the VERIFIED DID, called by a route after its signature check ({@link DidLimiter}), so
 *   naming someone else's DID in a body, path or header never spends that DID's budget.
 * With a Redis client the counters live in Redis (keys `<nameSpace>...`), so replicas sharing
 * it enforce one limit; otherwise in a bounded in-process LRU (`cacheSize` keys; an attacker
 * needs that many distinct addresses or DID keys in one window to evict a counter, and each
 * key costs them a request from the address budget first).
 * 429 answers carry `Retry-After` in seconds (RFC 6585 section 4, RFC 9110 section 10.2.3) and
 * the kit's error body.
 *
 * @module
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { sendError } from '../lib/http-errors.js';

/** A budget: `max` requests per `timeWindowMs`. */
export interface RateBudget {
  readonly max: number;
  readonly timeWindowMs: number;
}

/** Options of {@link registerRateLimits}. */
export interface RateLimitOptions {
  /** Per client address, every route; `false` disables. Default 1 200 / 60 000 ms. */
  readonly address?: false | RateBudget;
  /** Per verified DID; `false` disables. Default 600 / 60 000 ms. */
  readonly did?: false | RateBudget;
  /** Shared counters (replicas enforce one limit). */
  readonly redis?: Redis;
  /** Redis key namespace (default `xorida-rl:<server>:`). */
  readonly nameSpace?: string;
  /** Keys kept by the in-memory store (default 100 000). */
  readonly cacheSize?: number;
}

/**
 * Counts one request against a verified DID's budget; on excess it sends the 429 answer.
 * @param req the request (for logging)
 * @param reply the reply: a 429 is sent on it when the budget is spent
 * @param did the DID whose signature was verified
 * @returns true when the request may proceed; false when 429 was sent
 */
export type DidLimiter = (
  req: FastifyRequest,
  reply: FastifyReply,
  did: string,
) => Promise<boolean>;

/**
 * Counts one request against a verified DID's budget without answering (for framework-free
 * handlers that build their own error value).
 * @returns `{ allowed: true }`, or `{ allowed: false, retryAfterMs, message }`
 */
export type DidCheck = (
  req: FastifyRequest,
  did: string,
) => Promise<{ allowed: true } | { allowed: false; retryAfterMs: number; message: string }>;

/** Both forms of the per-DID limit. */
export interface DidLimits {
  readonly limitDid: DidLimiter;
  readonly checkDid: DidCheck;
}

const VERIFIED_DID = Symbol('xorida.verifiedDid');
type WithDid = FastifyRequest & { [VERIFIED_DID]?: string };

const tooMany = (ctx: { after: string }) =>
  Object.assign(new Error(`rate limit exceeded, retry in ${ctx.after}`), { statusCode: 429 });

/**
 * Registers the address limit and returns the DID limiter.
 * @param app Fastify instance (root)
 * @param server server name (Redis namespace)
 * @param options budgets, Redis, cache size
 * @returns {@link DidLimits} (always allowing when the DID limit is disabled)
 */
export async function registerRateLimits(
  app: FastifyInstance,
  server: string,
  options: RateLimitOptions = {},
): Promise<DidLimits> {
  const address = options.address ?? { max: 1200, timeWindowMs: 60_000 };
  const didBudget = options.did ?? { max: 600, timeWindowMs: 60_000 };
  await app.register(rateLimit, {
    global: address !== false,
    max: address === false ? 1 : address.max,
    timeWindow: address === false ? 60_000 : address.timeWindowMs,
    cache: options.cacheSize ?? 100_000,
    ...(options.redis
      ? { redis: options.redis, nameSpace: options.nameSpace ?? `xorida-rl:${server}:` }
      : {}),
    // A store outage must not open the gate silently; it answers 500 through the error shape.
    skipOnError: false,
    keyGenerator: (req) => `ip:${req.ip}`,
    allowList: (req) => req.url === '/health',
    errorResponseBuilder: (_req, ctx) => tooMany(ctx),
  });
  if (didBudget === false)
    return { limitDid: async () => true, checkDid: async () => ({ allowed: true }) };
  const check = app.createRateLimit({
    max: didBudget.max,
    timeWindow: didBudget.timeWindowMs,
    keyGenerator: (req) => `did:${(req as WithDid)[VERIFIED_DID] ?? ''}`,
  });
  const checkDid: DidCheck = async (req, did) => {
    (req as WithDid)[VERIFIED_DID] = did;
    const r = await check(req);
    if (r.isAllowed || !r.isExceeded) return { allowed: true };
    return {
      allowed: false,
      retryAfterMs: Math.max(1000, r.ttl),
      message: `more than ${r.max} requests in ${r.timeWindow} ms for this DID`,
    };
  };
  const limitDid: DidLimiter = async (req, reply, did) => {
    const r = await checkDid(req, did);
    if (r.allowed) return true;
    reply.header('retry-after', String(Math.ceil(r.retryAfterMs / 1000)));
    sendError(reply, 429, {
      code: 'RATE_LIMITED',
      message: r.message,
      hint: 'Slow down; see the retry-after header',
    });
    return false;
  };
  return { limitDid, checkDid };
}
