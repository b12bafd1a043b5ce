/**
 * The ids of payment-provider events already handled, so a redelivered event changes nothing.
 * Kept for a bounded time (default 30 days; Stripe stops retrying after 3 days), in a durable
 * JSONL log under the data dir (agent-sdk `DurableLog`: fsync before the claim resolves) or in
 * Redis (`SET key NX EX`), like the other xpass stores.
 *
 * Pitfall: an event redelivered after the retention window is handled again; its transitions
 * are then usually no-ops ("already in that status").
 *
 * @module
 */
import { DurableLog } from '@xorida/agent-sdk/node';
import type { Redis } from 'ioredis';
import { ok, type Result } from 'xorida';
import { type XpassError, xpassErr } from '../errors.js';

/** Default retention of processed event ids: 30 days in ms. */
export const PROCESSED_EVENT_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

/** A set of processed event ids with expiry. */
export interface ProcessedEventStore {
  /** Marks `eventId` processed; resolves true when it was new, false when already seen. Throws on I/O failure. */
  claim(eventId: string): Promise<boolean>;
  /** Forgets a claim whose handling failed, so the provider's retry is handled. */
  release(eventId: string): Promise<void>;
  close(): Promise<void>;
}

interface Line {
  readonly id: string;
  /** Unix ms of the claim; -1 marks a release. */
  readonly at: number;
}

/** Processed event ids in a durable JSONL log, compacted when expired or released lines pile up. */
export class FileProcessedEventStore implements ProcessedEventStore {
  private constructor(
    private readonly log: DurableLog,
    private readonly seen: Map<string, number>,
    private readonly now: () => number,
    private readonly retentionMs: number,
  ) {}

  /**
   * Opens (creating if needed) the log and drops expired ids.
   * @param path the JSONL file
   * @param options `{ now?: () => Unix ms, retentionMs? (default 30 days) }`
   * @returns the store, or `STORE_FAILED`
   */
  static async open(
    path: string,
    options: { now?: () => number; retentionMs?: number } = {},
  ): Promise<Result<FileProcessedEventStore, XpassError>> {
    const opened = await DurableLog.open(path);
    if (!opened.ok) return xpassErr('STORE_FAILED', `cannot open ${path}: ${opened.error.message}`);
    const now = options.now ?? Date.now;
    const retentionMs = options.retentionMs ?? PROCESSED_EVENT_RETENTION_MS;
    const seen = new Map<string, number>();
    for (const r of opened.value.records as Line[]) {
      if (typeof r?.id !== 'string' || typeof r.at !== 'number') continue;
      if (r.at < 0) seen.delete(r.id);
      else seen.set(r.id, r.at);
    }
    const store = new FileProcessedEventStore(opened.value.log, seen, now, retentionMs);
    store.expire();
    return ok(store);
  }

  private expire(): void {
    const cutoff = this.now() - this.retentionMs;
    for (const [id, at] of this.seen) if (at < cutoff) this.seen.delete(id);
  }

  private async compactIfNeeded(): Promise<void> {
    if (this.log.recordCount <= 64 || this.log.recordCount <= 2 * this.seen.size) return;
    this.expire();
    const r = await this.log.rewrite(() => [...this.seen].map(([id, at]) => ({ id, at })));
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  }

  /** @inheritdoc */
  async claim(eventId: string): Promise<boolean> {
    const at = this.seen.get(eventId);
    if (at !== undefined && at >= this.now() - this.retentionMs) return false;
    const t = this.now();
    this.seen.set(eventId, t); // synchronously, so a concurrent redelivery sees the claim
    const r = await this.log.append({ id: eventId, at: t });
    if (!r.ok) {
      this.seen.delete(eventId);
      throw new Error(`${r.error.code}: ${r.error.message}`);
    }
    await this.compactIfNeeded();
    return true;
  }

  /** @inheritdoc */
  async release(eventId: string): Promise<void> {
    this.seen.delete(eventId);
    const r = await this.log.append({ id: eventId, at: -1 });
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  }

  /** Completes pending writes and closes the file. */
  async close(): Promise<void> {
    await this.log.close();
  }
}

/** Processed event ids as Redis keys `<prefix><id>` expiring after the retention. */
export class RedisProcessedEventStore implements ProcessedEventStore {
  /**
   * @param redis a connected client (not closed by this store)
   * @param prefix key prefix, e.g. `xpass:stripe-event:`
   * @param retentionMs expiry of each id, ms (default 30 days)
   */
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly retentionMs = PROCESSED_EVENT_RETENTION_MS,
  ) {}

  /** @inheritdoc */
  async claim(eventId: string): Promise<boolean> {
    const r = await this.redis.set(
      this.prefix + eventId,
      String(Date.now()),
      'PX',
      this.retentionMs,
      'NX',
    );
    return r === 'OK';
  }

  /** @inheritdoc */
  async release(eventId: string): Promise<void> {
    await this.redis.del(this.prefix + eventId);
  }

  /** Nothing to close: the client belongs to the caller. */
  async close(): Promise<void> {}
}
