/**
 * `RedisNonceStore`: the {@link NonceStore} for several processes or machines, on Redis
 * `SET key 1 NX EX ttl` (atomic set-if-absent with expiry: of N concurrent deliveries of one
 * envelope, exactly one gets `stored`).
 *
 * Pitfalls:
 * - The expiry used is max(`ttlSeconds`, the TTL the agent asks for, rounded up): a store must
 *   never forget a nonce while its envelope could still pass the timestamp check.
 * - Redis must be durable enough for your threat model: a Redis restart without persistence
 *   forgets nonces (like MemoryNonceStore does on a process restart).
 * - Errors talking to Redis come back as `NONCE_STORE_FULL` (subCode `REDIS_ERROR`): the
 *   receive pipeline then refuses the envelope (fail closed) and `listen()` retries it later.
 *
 * @module
 */
import type { Redis } from 'ioredis';
import { ok, type Result } from 'xorida';
import { type XlinkErrorDetail, xlinkErr } from '../errors.js';
import type { NonceStore } from '../nonce-store.js';

/** The subset of an ioredis client used. */
export type RedisNonceClient = Pick<Redis, 'set' | 'exists'>;

/** Options of {@link RedisNonceStore}. */
export interface RedisNonceStoreOptions {
  /** An ioredis client (`new Redis(url)`). */
  readonly client: RedisNonceClient;
  /** Minimum expiry, seconds (default 600). */
  readonly ttlSeconds?: number;
  /** Key namespace (default `nonce:`). */
  readonly keyPrefix?: string;
}

/** Distributed nonce store on Redis. */
export class RedisNonceStore implements NonceStore {
  readonly ttlSeconds: number;
  readonly keyPrefix: string;
  private readonly client: RedisNonceClient;

  /** @param options {@link RedisNonceStoreOptions} */
  constructor(options: RedisNonceStoreOptions) {
    if (!options?.client) throw new TypeError('RedisNonceStore: client required');
    this.client = options.client;
    this.ttlSeconds = options.ttlSeconds ?? 600;
    this.keyPrefix = options.keyPrefix ?? 'nonce:';
    if (!Number.isSafeInteger(this.ttlSeconds) || this.ttlSeconds < 1)
      throw new TypeError('RedisNonceStore: ttlSeconds must be a positive integer');
  }

  /** See {@link NonceStore.has}; a Redis error answers `false` (checkAndStore still fails closed). */
  async has(key: string): Promise<boolean> {
    try {
      return (await this.client.exists(this.keyPrefix + key)) === 1;
    } catch {
      return false;
    }
  }

  /**
   * See {@link NonceStore.checkAndStore}: `SET prefix+key 1 NX EX max(ttlSeconds, ceil(ttlMs/1000))`.
   * @returns `stored`, `replay`, or `NONCE_STORE_FULL` (subCode `REDIS_ERROR`)
   */
  async checkAndStore(
    key: string,
    ttlMs: number,
  ): Promise<Result<'stored' | 'replay', XlinkErrorDetail>> {
    const ttl = Math.max(this.ttlSeconds, Math.ceil(ttlMs / 1000));
    try {
      const r = await this.client.set(this.keyPrefix + key, '1', 'EX', ttl, 'NX');
      return ok(r === 'OK' ? 'stored' : 'replay');
    } catch (e) {
      return xlinkErr(
        'NONCE_STORE_FULL',
        `Redis nonce store unavailable: ${(e as Error).message}`,
        'Check the Redis connection; envelopes are refused until it is back',
        { subCode: 'REDIS_ERROR' },
      );
    }
  }
}
