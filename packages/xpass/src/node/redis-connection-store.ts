/**
 * A {@link ConnectionStore} on Redis (the scale-out backend): one hash `<prefix>connections`
 * mapping connection id -> JSON record. `put` resolves after Redis acknowledged the `HSET`;
 * durability beyond that is Redis' own (AOF `appendfsync always` for fsync-before-ack).
 *
 * Pitfalls: several billing servers may read one Redis, but the service's per-connection
 * serialization is per process, so concurrent issuance for the same connection from two
 * servers can race (both make a split; agents recover by refetching). `list` reads the whole
 * hash.
 *
 * @module
 */
import type { Redis } from 'ioredis';
import type { ConnectionRecord, ConnectionStore } from '../connection-store.js';

/** The subset of an ioredis client used. */
export type RedisConnectionClient = Pick<Redis, 'hget' | 'hset' | 'hvals'>;

/** Redis-backed connection store. */
export class RedisConnectionStore implements ConnectionStore {
  private readonly key: string;

  /**
   * @param client an ioredis client
   * @param keyPrefix key namespace (default `xpass:`)
   */
  constructor(
    private readonly client: RedisConnectionClient,
    keyPrefix = 'xpass:',
  ) {
    this.key = `${keyPrefix}connections`;
  }

  /** @returns the record or undefined; throws on Redis errors (mapped to STORE_FAILED) */
  async get(connectionId: string): Promise<ConnectionRecord | undefined> {
    const v = await this.client.hget(this.key, connectionId);
    return v === null ? undefined : (JSON.parse(v) as ConnectionRecord);
  }

  /** Stores the record (HSET). */
  async put(record: ConnectionRecord): Promise<void> {
    await this.client.hset(this.key, record.connectionId, JSON.stringify(record));
  }

  /** @returns every record */
  async list(): Promise<readonly ConnectionRecord[]> {
    return (await this.client.hvals(this.key)).map((v) => JSON.parse(v) as ConnectionRecord);
  }
}
