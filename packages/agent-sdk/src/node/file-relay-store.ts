/**
 * `FileRelayStore`: relay mailboxes in memory, made durable by a {@link DurableLog}
 * (fsync before a `put` or `ack` is acknowledged; torn-tail recovery on start).
 *
 * Records: {"t":"put","id","to","at","exp","env"} and {"t":"ack","to","ids":[...]}.
 * The log is compacted (rewritten with the live messages only) when dead records outnumber
 * live ones and exceed `compactAfter` (default 10 000).
 *
 * Pitfalls:
 * - Every live message is held in memory; bound it with `maxMailboxMessages` and the relay's
 *   body limit (worst case = mailboxes x max messages x max envelope size).
 * - A message whose `put` failed may still be in the file (it was being written): after a
 *   restart it can appear although the sender got an error. Senders retry, receivers drop the
 *   duplicate by nonce; this is the at-least-once side of the contract.
 * - An `ack` is applied in memory before it is durable; a crash in between re-delivers those
 *   messages after restart (never loses them).
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { ok, type Result } from 'xorida';
import { DurableLog, type DurableLogOptions } from './durable-log.js';
import {
  DEFAULT_MAX_MAILBOX_MESSAGES,
  DEFAULT_RELAY_TTL_MS,
  type RelayStore,
  type RelayStoreErrorDetail,
  type RelayStoreStats,
  relayStoreErr,
  type StoredRelayMessage,
} from './relay-store.js';

/** Options of {@link FileRelayStore.open}. */
export interface FileRelayStoreOptions extends DurableLogOptions {
  /** Log file path. */
  readonly path: string;
  /** Message lifetime, ms (default 7 days). */
  readonly ttlMs?: number;
  /** Unacked messages per mailbox (default 10 000). */
  readonly maxMailboxMessages?: number;
  /** Compact when more than this many dead records (default 10 000). */
  readonly compactAfter?: number;
}

interface Live {
  id: string;
  to: string;
  at: number;
  exp: number;
  env: unknown;
  deliveries: number;
  durable: boolean;
}

/** Durable file-backed relay store. */
export class FileRelayStore implements RelayStore {
  readonly kind = 'file';
  private readonly boxes = new Map<string, Map<string, Live>>();
  private liveCount = 0;
  private compacting = false;
  private sweepTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly log: DurableLog,
    private readonly ttlMs: number,
    private readonly maxPerBox: number,
    private readonly compactAfter: number,
  ) {}

  /**
   * Opens (creating if needed) and replays the store.
   * @param options {@link FileRelayStoreOptions}
   * @returns the store, or `STORAGE_FAILED` (unreadable or mid-file corrupt log)
   */
  static async open(
    options: FileRelayStoreOptions,
  ): Promise<Result<FileRelayStore, RelayStoreErrorDetail>> {
    const r = await DurableLog.open(options.path, {
      maxRecordBytes: options.maxRecordBytes ?? 4 * 1024 * 1024,
      ...(options.repair !== undefined ? { repair: options.repair } : {}),
    });
    if (!r.ok)
      return relayStoreErr('STORAGE_FAILED', `${r.error.code}: ${r.error.message}`, r.error.hint);
    const store = new FileRelayStore(
      r.value.log,
      options.ttlMs ?? DEFAULT_RELAY_TTL_MS,
      options.maxMailboxMessages ?? DEFAULT_MAX_MAILBOX_MESSAGES,
      options.compactAfter ?? 10_000,
    );
    const now = Date.now();
    for (const rec of r.value.records) {
      const o = rec as Record<string, unknown>;
      if (o.t === 'put' && typeof o.id === 'string' && typeof o.to === 'string') {
        const exp = typeof o.exp === 'number' ? o.exp : 0;
        if (exp <= now) continue;
        store.insert({
          id: o.id,
          to: o.to,
          at: typeof o.at === 'number' ? o.at : now,
          exp,
          env: o.env,
          deliveries: 0,
          durable: true,
        });
      } else if (o.t === 'ack' && typeof o.to === 'string' && Array.isArray(o.ids)) {
        store.remove(o.to, o.ids as string[]);
      }
    }
    store.sweepTimer = setInterval(() => store.sweep(Date.now()), 60_000);
    store.sweepTimer.unref();
    return ok(store);
  }

  private insert(m: Live): void {
    let box = this.boxes.get(m.to);
    if (!box) {
      box = new Map();
      this.boxes.set(m.to, box);
    }
    if (!box.has(m.id)) this.liveCount++;
    box.set(m.id, m);
  }

  private remove(to: string, ids: readonly string[]): number {
    const box = this.boxes.get(to);
    if (!box) return 0;
    let n = 0;
    for (const id of ids)
      if (typeof id === 'string' && box.delete(id)) {
        n++;
        this.liveCount--;
      }
    if (box.size === 0) this.boxes.delete(to);
    return n;
  }

  private sweep(now: number): void {
    for (const [to, box] of this.boxes) {
      for (const [id, m] of box)
        if (m.exp <= now) {
          box.delete(id);
          this.liveCount--;
        }
      if (box.size === 0) this.boxes.delete(to);
    }
  }

  /** See {@link RelayStore.put}. */
  async put(
    to: string,
    envelope: unknown,
    now = Date.now(),
  ): Promise<Result<{ id: string; expiresAt: number }, RelayStoreErrorDetail>> {
    const box = this.boxes.get(to);
    if (box && box.size >= this.maxPerBox)
      return relayStoreErr(
        'MAILBOX_FULL',
        `mailbox holds ${this.maxPerBox} unacked messages`,
        'The recipient must pull and ack; retry later',
      );
    const m: Live = {
      id: randomBytes(16).toString('base64url'),
      to,
      at: now,
      exp: now + this.ttlMs,
      env: envelope,
      deliveries: 0,
      durable: false,
    };
    // Inserted before the write so a concurrent compaction snapshot includes it.
    this.insert(m);
    const w = await this.log.append({
      t: 'put',
      id: m.id,
      to,
      at: m.at,
      exp: m.exp,
      env: envelope,
    });
    if (!w.ok) {
      this.remove(to, [m.id]);
      return relayStoreErr('STORAGE_FAILED', w.error.message, w.error.hint);
    }
    m.durable = true;
    this.maybeCompact();
    return ok({ id: m.id, expiresAt: m.exp });
  }

  /** See {@link RelayStore.pull}. */
  async pull(
    to: string,
    limit: number,
    now = Date.now(),
  ): Promise<Result<StoredRelayMessage[], RelayStoreErrorDetail>> {
    const box = this.boxes.get(to);
    const out: StoredRelayMessage[] = [];
    if (!box) return ok(out);
    for (const m of box.values()) {
      if (out.length >= limit) break;
      if (!m.durable) continue;
      if (m.exp <= now) continue;
      m.deliveries++;
      out.push({
        id: m.id,
        to: m.to,
        envelope: m.env,
        receivedAt: m.at,
        expiresAt: m.exp,
        deliveries: m.deliveries,
      });
    }
    return ok(out);
  }

  /** See {@link RelayStore.ack}. */
  async ack(to: string, ids: readonly string[]): Promise<Result<number, RelayStoreErrorDetail>> {
    const box = this.boxes.get(to);
    const mine = box ? ids.filter((id) => box.get(id)?.durable === true) : [];
    if (mine.length === 0) return ok(0);
    const n = this.remove(to, mine);
    const w = await this.log.append({ t: 'ack', to, ids: mine });
    if (!w.ok) return relayStoreErr('STORAGE_FAILED', w.error.message, w.error.hint);
    this.maybeCompact();
    return ok(n);
  }

  private maybeCompact(): void {
    const dead = this.log.recordCount - this.liveCount;
    if (this.compacting || dead < this.compactAfter || dead < this.liveCount) return;
    this.compacting = true;
    const now = Date.now();
    void this.log
      .rewrite(() => {
        const recs: unknown[] = [];
        for (const box of this.boxes.values())
          for (const m of box.values())
            if (m.exp > now)
              recs.push({ t: 'put', id: m.id, to: m.to, at: m.at, exp: m.exp, env: m.env });
        return recs;
      })
      .finally(() => {
        this.compacting = false;
      });
  }

  /** See {@link RelayStore.stats}. */
  async stats(): Promise<RelayStoreStats> {
    return { messages: this.liveCount, mailboxes: this.boxes.size };
  }

  /** Log size in bytes (diagnostics). */
  get logBytes(): number {
    return this.log.sizeBytes;
  }

  /** See {@link RelayStore.close}. */
  async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.log.close();
  }
}
