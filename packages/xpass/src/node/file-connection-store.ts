/**
 * A durable {@link ConnectionStore}: every `put` appends the full record to an agent-sdk
 * `DurableLog` (JSONL with length + CRC framing, fdatasync before the promise resolves, torn-tail
 * recovery on open); the latest record per id wins on replay. The log is compacted (rewritten
 * with one record per connection) when it holds more than 4x as many records as connections.
 *
 * A fetched share leaves the disk when it is fetched: a `put` that drops a pending share (its
 * owner fetched it, or the split was replaced or cleared) compacts the log before it resolves,
 * so no line holding the share's envelope remains in any file once the fetch is answered.
 * The file is 0600 (the durable log's default): until fetched, pending shares are secrets.
 *
 * Pitfalls:
 * - One process owns the file (the durable log's `<file>.lock`).
 * - Dropping a share costs one compaction, O(live records): fine for thousands of connections
 *   per server; beyond that use the Redis store.
 * - The old file's blocks are freed, not overwritten: a forensic read of the raw device may
 *   still find them (as with any file system delete); encrypt the volume if that matters.
 *
 * @module
 */
import { DurableLog } from '@xorida/agent-sdk/node';
import { ok, type Result } from 'xorida';
import type { ConnectionRecord, ConnectionStore } from '../connection-store.js';
import { type XpassError, xpassErr } from '../errors.js';

function isRecord(r: unknown): r is ConnectionRecord {
  const o = r as ConnectionRecord;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.connectionId === 'string' &&
    /^[0-9a-f]{64}$/.test(o.connectionId) &&
    typeof o.didA === 'string' &&
    typeof o.didB === 'string' &&
    typeof o.scope === 'string' &&
    typeof o.status === 'string' &&
    Array.isArray(o.splits)
  );
}

/** The share envelopes a record still holds, i.e. not yet fetched. */
function pendingShares(r: ConnectionRecord | undefined): Set<string> {
  const out = new Set<string>();
  for (const split of r?.splits ?? [])
    for (const share of split.pending) if (share !== null) out.add(share);
  return out;
}

/** JSONL-file connection store (fsync before ack). */
export class FileConnectionStore implements ConnectionStore {
  private constructor(
    private readonly log: DurableLog,
    private readonly records: Map<string, ConnectionRecord>,
  ) {}

  /**
   * Opens (creating if needed) and replays the store.
   * @param path the JSONL file
   * @returns the store, or `STORE_FAILED` (I/O error, corrupt log, or a record of the wrong shape)
   */
  static async open(path: string): Promise<Result<FileConnectionStore, XpassError>> {
    const opened = await DurableLog.open(path);
    if (!opened.ok)
      return xpassErr(
        'STORE_FAILED',
        `cannot open ${path}: ${opened.error.code}: ${opened.error.message}`,
      );
    const map = new Map<string, ConnectionRecord>();
    for (const r of opened.value.records) {
      if (!isRecord(r)) {
        await opened.value.log.close();
        return xpassErr('STORE_FAILED', `${path} holds a record that is not a connection`);
      }
      map.set(r.connectionId, r);
    }
    return ok(new FileConnectionStore(opened.value.log, map));
  }

  /** @returns the record or undefined */
  async get(connectionId: string): Promise<ConnectionRecord | undefined> {
    return this.records.get(connectionId);
  }

  /**
   * Appends and fsyncs the record, then makes it visible; when the record drops a pending share
   * that the previous one held, compacts the log so the share is on no disk line any more.
   * Throws on I/O failure (mapped to STORE_FAILED by the service).
   */
  async put(record: ConnectionRecord): Promise<void> {
    const before = pendingShares(this.records.get(record.connectionId));
    const after = pendingShares(record);
    const r = await this.log.append(record);
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    this.records.set(record.connectionId, record);
    const dropped = [...before].some((share) => !after.has(share));
    if (dropped || (this.log.recordCount > 64 && this.log.recordCount > 4 * this.records.size)) {
      const c = await this.log.rewrite(() => [...this.records.values()]);
      if (!c.ok) throw new Error(`${c.error.code}: ${c.error.message}`);
    }
  }

  /** @returns every record */
  async list(): Promise<readonly ConnectionRecord[]> {
    return [...this.records.values()];
  }

  /** Completes pending writes and closes the file. */
  async close(): Promise<void> {
    await this.log.close();
  }
}
