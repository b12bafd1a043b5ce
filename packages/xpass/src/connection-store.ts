/**
 * Where the billing service keeps connection metadata: an interface plus the in-memory default.
 * Durable backends (the JSONL file store of `@xorida/xpass/node`, Redis) implement the same
 * interface.
 *
 * What is stored: DIDs, scope, status, timestamps, and per recent epoch the split id and which
 * shares were delivered. Between generating a split and its owner fetching it, a share envelope
 * waits here (`pending`); once fetched it is deleted, so after both agents fetched, the store
 * holds nothing from which the secret could be rebuilt.
 *
 * Pitfall: a store holding BOTH pending shares of a split holds the secret; protect it like one
 * until the shares are fetched (a split is only created when its first share is requested).
 *
 * @module
 */
import type { ConnectionStatus } from './state-machine.js';

/** One epoch's split as the store remembers it. */
export interface SplitRecord {
  readonly epoch: number;
  /** 32 hex chars. */
  readonly splitId: string;
  /** Base45 share envelopes not yet delivered, by share index; null once delivered. */
  readonly pending: readonly [string | null, string | null];
  /** Unix ms the split was made. */
  readonly createdAt: number;
}

/** Stored metadata of one connection. */
export interface ConnectionRecord {
  readonly connectionId: string;
  /** The lower DID (share index 0). */
  readonly didA: string;
  /** The higher DID (share index 1). */
  readonly didB: string;
  readonly scope: string;
  readonly status: ConnectionStatus;
  /** Unix ms. */
  readonly createdAt: number;
  /** Unix ms of the last change. */
  readonly updatedAt: number;
  /** End of the grace period (Unix ms) while in GRACE, else null. */
  readonly graceUntil: number | null;
  /** Reason given with the last status change. */
  readonly reason: string | null;
  /** Splits of at most the two most recent epochs. */
  readonly splits: readonly SplitRecord[];
}

/** Storage of connection records. Implementations must make `put` durable before resolving. */
export interface ConnectionStore {
  get(connectionId: string): Promise<ConnectionRecord | undefined>;
  put(record: ConnectionRecord): Promise<void>;
  list(): Promise<readonly ConnectionRecord[]>;
}

/** The in-memory {@link ConnectionStore} (tests, single process, no persistence). */
export class MemoryConnectionStore implements ConnectionStore {
  private readonly records = new Map<string, ConnectionRecord>();

  /** @returns the record or undefined */
  async get(connectionId: string): Promise<ConnectionRecord | undefined> {
    return this.records.get(connectionId);
  }

  /** Replaces the record with this id. */
  async put(record: ConnectionRecord): Promise<void> {
    this.records.set(record.connectionId, record);
  }

  /** @returns every record, in insertion order */
  async list(): Promise<readonly ConnectionRecord[]> {
    return [...this.records.values()];
  }

  /** Synchronous lookup for hot paths (`checkBilling` in-process). */
  getSync(connectionId: string): ConnectionRecord | undefined {
    return this.records.get(connectionId);
  }
}
