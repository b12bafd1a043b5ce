/**
 * `FileNonceStore`: a durable {@link NonceStore} in one file (the `xlink` CLI keeps it next to
 * its keystore), so an envelope is accepted once across any number of process runs.
 *
 * Storage: a `DurableLog` (durable-log.ts: JSONL lines `{"k":key,"exp":ms}`, each append
 * fdatasync'ed before `checkAndStore` answers `stored`, file mode 0600, owner lock). On open the
 * log is replayed and expired entries dropped; when dead lines outnumber live ones it is
 * compacted (rewritten with the live entries only). Retention is max(requested TTL,
 * `minRetentionMs`), so entries are pruned only after every acceptance window has closed.
 *
 * Pitfalls:
 * - One process owns the file at a time (`open` fails with `STORAGE_FAILED` / `LOG_LOCKED`
 *   while another live process holds it); `openWithRetry` waits for a short-lived owner.
 * - Memory holds every live key (bounded by `maxEntries`, then `NONCE_STORE_FULL`).
 *
 * @module
 */
import { err, ok, type Result } from 'xorida';
import { type XlinkErrorDetail, xlinkErr } from '../errors.js';
import { MemoryNonceStore, type NonceStore } from '../nonce-store.js';
import { DurableLog } from './durable-log.js';

/** Options of {@link FileNonceStore.open}. */
export interface FileNonceStoreOptions {
  /** Log file path (created 0600 with its directory). */
  readonly path: string;
  /** Lower bound of every entry's lifetime, ms (default 0: the TTL the agent asks for). */
  readonly minRetentionMs?: number;
  /** Live entries (default 1 000 000). */
  readonly maxEntries?: number;
  /** Clock in ms (tests). */
  readonly now?: () => number;
}

/** Open failure. */
export interface FileNonceStoreErrorDetail {
  readonly code: 'STORAGE_FAILED';
  readonly subCode?: string;
  readonly message: string;
  readonly hint: string;
}

/** Durable, file-backed nonce store. */
export class FileNonceStore implements NonceStore {
  private readonly mem: MemoryNonceStore;
  private readonly expiries = new Map<string, number>();

  private constructor(
    private readonly log: DurableLog,
    private readonly opts: FileNonceStoreOptions,
    private readonly now: () => number,
  ) {
    this.mem = new MemoryNonceStore({ maxEntries: opts.maxEntries ?? 1_000_000, now });
  }

  /**
   * Opens (creating if needed) and replays the file.
   * @param options {@link FileNonceStoreOptions}
   * @returns the store, or `STORAGE_FAILED` (subCode `LOG_LOCKED`, `LOG_CORRUPT`, `LOG_IO_FAILED`)
   */
  static async open(
    options: FileNonceStoreOptions,
  ): Promise<Result<FileNonceStore, FileNonceStoreErrorDetail>> {
    const r = await DurableLog.open(options.path, { maxRecordBytes: 4096, mode: 0o600 });
    if (!r.ok)
      return err({
        code: 'STORAGE_FAILED',
        subCode: r.error.code,
        message: `nonce store ${options.path}: ${r.error.message}`,
        hint: r.error.hint,
      });
    const now = options.now ?? Date.now;
    const store = new FileNonceStore(r.value.log, options, now);
    const t = now();
    for (const rec of r.value.records) {
      const o = rec as { k?: unknown; exp?: unknown };
      if (typeof o.k !== 'string' || typeof o.exp !== 'number' || o.exp <= t) continue;
      await store.mem.checkAndStore(o.k, o.exp - t);
      store.expiries.set(o.k, Math.max(o.exp, store.expiries.get(o.k) ?? 0));
    }
    if (r.value.records.length > 2 * store.expiries.size + 1000) {
      const w = await store.log.rewrite(() => [...store.expiries].map(([k, exp]) => ({ k, exp })));
      if (!w.ok) {
        await store.close();
        return err({
          code: 'STORAGE_FAILED',
          subCode: w.error.code,
          message: w.error.message,
          hint: w.error.hint,
        });
      }
    }
    return ok(store);
  }

  /**
   * {@link open}, retrying while another process holds the file.
   * @param options {@link FileNonceStoreOptions}
   * @param waitMs how long to keep retrying, ms (default 10 000)
   * @returns as {@link open}
   */
  static async openWithRetry(
    options: FileNonceStoreOptions,
    waitMs = 10_000,
  ): Promise<Result<FileNonceStore, FileNonceStoreErrorDetail>> {
    const until = Date.now() + waitMs;
    for (;;) {
      const r = await FileNonceStore.open(options);
      if (r.ok || r.error.subCode !== 'LOG_LOCKED' || Date.now() >= until) return r;
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  /** Live entries (expired ones linger in memory until the next open). */
  get size(): number {
    return this.expiries.size;
  }

  /** See {@link NonceStore.has}. */
  has(key: string): Promise<boolean> {
    return this.mem.has(key);
  }

  /**
   * See {@link NonceStore.checkAndStore}: `stored` only after the entry is fsync'ed.
   * @returns `stored`, `replay`, or `NONCE_STORE_FULL` (full, or subCode `STORAGE_FAILED`)
   */
  async checkAndStore(
    key: string,
    ttlMs: number,
  ): Promise<Result<'stored' | 'replay', XlinkErrorDetail>> {
    const ttl = Math.max(ttlMs, this.opts.minRetentionMs ?? 0);
    const r = await this.mem.checkAndStore(key, ttl);
    if (!r.ok || r.value === 'replay') return r;
    const exp = this.now() + ttl;
    const w = await this.log.append({ k: key, exp });
    if (!w.ok)
      // Fail closed: the entry stays in memory (no second acceptance in this process) but the
      // envelope is refused as transient, so the relay keeps it for a later run.
      return xlinkErr(
        'NONCE_STORE_FULL',
        `nonce store write failed: ${w.error.message}`,
        w.error.hint,
        {
          subCode: 'STORAGE_FAILED',
        },
      );
    this.expiries.set(key, exp);
    return ok('stored');
  }

  /** Flushes and releases the file lock. */
  async close(): Promise<void> {
    await this.log.close();
  }
}
