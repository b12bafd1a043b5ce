/**
 * A durable {@link ConnectionStore}: every `put` appends the full record to an agent-sdk
 * `DurableLog` (JSONL with length + CRC framing, fdatasync before the promise resolves, torn-tail
 * recovery on open); the latest record per id wins on replay. The log is compacted (rewritten
 * with one record per connection) when it holds more than 4x as many records as connections.
 *
 * Pitfall: one process owns the file (no cross-process locking).
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

  /** Appends and fsyncs the record, then makes it visible. Throws on I/O failure (mapped to STORE_FAILED by the service). */
  async put(record: ConnectionRecord): Promise<void> {
    const r = await this.log.append(record);
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    this.records.set(record.connectionId, record);
    if (this.log.recordCount > 64 && this.log.recordCount > 4 * this.records.size) {
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
