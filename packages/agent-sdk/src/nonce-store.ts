/**
 * Nonce stores for replay protection. The contract is an atomic set-if-absent with a TTL
 * (`SET key 1 NX PX ttl` in Redis terms), so two concurrent deliveries of one envelope can
 * never both be accepted.
 *
 * Pitfalls:
 * - `MemoryNonceStore` forgets everything on restart: a captured envelope can be replayed
 *   after a restart until its timestamp leaves the window. Use a shared persistent store
 *   (Redis) across restarts and across processes.
 * - When full, it evicts only EXPIRED entries and otherwise refuses (`NONCE_STORE_FULL`):
 *   silently dropping live nonces would re-open replay.
 * - The TTL must cover the whole timestamp window on both sides (the Agent uses 2x window).
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';

/** Replay-protection store. */
export interface NonceStore {
  /**
   * Non-mutating lookup (early, cheap rejection of obvious replays).
   * @param key sender DID + nonce
   * @returns `true` when the key is present and unexpired
   */
  has(key: string): Promise<boolean>;
  /**
   * Atomically records `key` for `ttlMs` milliseconds if absent.
   * @returns `ok('stored')`, `ok('replay')` when already present, or `NONCE_STORE_FULL`
   */
  checkAndStore(key: string, ttlMs: number): Promise<Result<'stored' | 'replay', XlinkErrorDetail>>;
}

/** Bounded in-memory nonce store with TTL. */
export class MemoryNonceStore implements NonceStore {
  private readonly expiries = new Map<string, number>();
  /** Maximum live entries. */
  readonly maxEntries: number;
  private readonly now: () => number;

  /**
   * @param options `maxEntries` (default 1 000 000), `now` clock in ms (tests)
   */
  constructor(options: { maxEntries?: number; now?: () => number } = {}) {
    this.maxEntries = options.maxEntries ?? 1_000_000;
    this.now = options.now ?? Date.now;
  }

  /** Number of entries currently held (expired ones may linger until the next sweep). */
  get size(): number {
    return this.expiries.size;
  }

  /** See {@link NonceStore.has}. */
  async has(key: string): Promise<boolean> {
    const exp = this.expiries.get(key);
    return exp !== undefined && exp > this.now();
  }

  /** See {@link NonceStore.checkAndStore}. Synchronous inside, hence atomic in one process. */
  async checkAndStore(
    key: string,
    ttlMs: number,
  ): Promise<Result<'stored' | 'replay', XlinkErrorDetail>> {
    const now = this.now();
    const exp = this.expiries.get(key);
    if (exp !== undefined) {
      if (exp > now) return ok('replay');
      this.expiries.delete(key);
    }
    if (this.expiries.size >= this.maxEntries) {
      this.sweep(now);
      if (this.expiries.size >= this.maxEntries)
        return xlinkErr(
          'NONCE_STORE_FULL',
          `nonce store holds ${this.maxEntries} live nonces`,
          'Raise maxEntries, shorten the timestamp window, or use a Redis nonce store',
        );
    }
    this.expiries.set(key, now + ttlMs);
    return ok('stored');
  }

  /** Removes expired entries. O(n); runs only when the store is full. */
  private sweep(now: number): void {
    for (const [k, exp] of this.expiries) if (exp <= now) this.expiries.delete(k);
  }
}
