/**
 * A fixed-window rate limiter per key (DID), in memory: at most `limit` hits per `windowMs`.
 * Used by the billing server for share fetches and billing checks (`XPASS_RATE_LIMIT`, per DID
 * per minute, answered with 429 + Retry-After).
 *
 * Pitfalls: per process (replicas each allow `limit`); bounded to `maxKeys` keys, beyond which
 * expired windows are swept and, if still full, new keys are refused (fail closed).
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { type XpassError, xpassErr } from './errors.js';

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Hits allowed per window (default 100). */
  readonly limit?: number;
  /** Window length in ms (default 60 000). */
  readonly windowMs?: number;
  /** Most keys tracked at once (default 100 000). */
  readonly maxKeys?: number;
  /** Clock, Unix ms. */
  readonly now?: () => number;
}

/** Fixed-window per-key limiter. */
export class RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(options: RateLimiterOptions = {}) {
    this.limit = options.limit ?? 100;
    this.windowMs = options.windowMs ?? 60_000;
    this.maxKeys = options.maxKeys ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Counts one hit for `key`.
   * @returns `ok(remaining)` or `RATE_LIMITED` with `metadata.retryAfterMs` (ms until the window resets)
   */
  hit(key: string): Result<number, XpassError> {
    const now = this.now();
    let w = this.windows.get(key);
    if (w === undefined || now - w.start >= this.windowMs) {
      if (w === undefined && this.windows.size >= this.maxKeys) {
        for (const [k, v] of this.windows)
          if (now - v.start >= this.windowMs) this.windows.delete(k);
        if (this.windows.size >= this.maxKeys)
          return xpassErr('RATE_LIMITED', 'rate limiter is full', {
            metadata: { retryAfterMs: this.windowMs },
          });
      }
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    if (w.count >= this.limit) {
      const retryAfterMs = w.start + this.windowMs - now;
      return xpassErr('RATE_LIMITED', `more than ${this.limit} requests in ${this.windowMs} ms`, {
        metadata: { retryAfterMs },
      });
    }
    w.count++;
    return ok(this.limit - w.count);
  }
}
