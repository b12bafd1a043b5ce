/**
 * `RedisRelayStore`: relay mailboxes in Redis so several relay nodes serve the same mailboxes.
 *
 * Keys (prefix default `xlink:relay:`):
 *   {p}box:{did}        sorted set, member = message id, score = receivedAt (ms)
 *   {p}msg:{did}:{id}   the message JSON {id,to,at,exp,env}, PEXPIRE = ttl
 *   {p}dlv:{did}        hash id -> deliveries
 *   {p}count            approximate number of stored messages (for /health)
 * A `put` is one MULTI (SET PX + ZADD + PEXPIRE box). Expired messages vanish by TTL; their
 * dangling box members are removed on the next pull.
 *
 * Pitfalls:
 * - Durability is Redis's (AOF settings); the file store fsyncs each write.
 * - Message keys contain the mailbox DID, so an `ack` can only ever delete the caller's own.
 * - The per-mailbox cap is checked with ZCARD inside the put's MULTI and the put is rolled
 *   back when full (concurrent puts may each see "not full": a resource bound, not a security
 *   boundary).
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ok, type Result } from 'xorida';
import {
  DEFAULT_MAX_MAILBOX_MESSAGES,
  DEFAULT_RELAY_TTL_MS,
  type RelayStore,
  type RelayStoreErrorDetail,
  type RelayStoreStats,
  relayStoreErr,
  type StoredRelayMessage,
} from './relay-store.js';

/** Options of {@link RedisRelayStore}. */
export interface RedisRelayStoreOptions {
  readonly client: Redis;
  readonly keyPrefix?: string;
  /** Message lifetime, ms (default 7 days). */
  readonly ttlMs?: number;
  /** Unacked messages per mailbox (default 10 000). */
  readonly maxMailboxMessages?: number;
}

function fail(e: unknown) {
  return relayStoreErr(
    'STORAGE_FAILED',
    `Redis relay store: ${(e as Error).message}`,
    'Check the Redis connection',
  );
}

/** Relay store on Redis. */
export class RedisRelayStore implements RelayStore {
  readonly kind = 'redis';
  private readonly client: Redis;
  private readonly p: string;
  private readonly ttlMs: number;
  private readonly maxPerBox: number;

  /** @param options {@link RedisRelayStoreOptions} */
  constructor(options: RedisRelayStoreOptions) {
    if (!options?.client) throw new TypeError('RedisRelayStore: client required');
    this.client = options.client;
    this.p = options.keyPrefix ?? 'xlink:relay:';
    this.ttlMs = options.ttlMs ?? DEFAULT_RELAY_TTL_MS;
    this.maxPerBox = options.maxMailboxMessages ?? DEFAULT_MAX_MAILBOX_MESSAGES;
  }

  /** See {@link RelayStore.put}. */
  async put(
    to: string,
    envelope: unknown,
    now = Date.now(),
  ): Promise<Result<{ id: string; expiresAt: number }, RelayStoreErrorDetail>> {
    const id = randomBytes(16).toString('base64url');
    const exp = now + this.ttlMs;
    const box = `${this.p}box:${to}`;
    const key = `${this.p}msg:${to}:${id}`;
    try {
      // One round trip: the cap is checked on the count seen inside the MULTI and the put is
      // rolled back when the mailbox was already full.
      const r = await this.client
        .multi()
        .zcard(box)
        .set(key, JSON.stringify({ id, to, at: now, exp, env: envelope }), 'PX', this.ttlMs)
        .zadd(box, now, id)
        .pexpire(box, this.ttlMs)
        .incr(`${this.p}count`)
        .exec();
      if (!r || r.some(([e]) => e)) return fail(new Error('MULTI failed'));
      if (Number(r[0]?.[1] ?? 0) >= this.maxPerBox) {
        await this.client.multi().zrem(box, id).del(key).decr(`${this.p}count`).exec();
        return relayStoreErr(
          'MAILBOX_FULL',
          `mailbox holds ${this.maxPerBox} unacked messages`,
          'The recipient must pull and ack; retry later',
        );
      }
      return ok({ id, expiresAt: exp });
    } catch (e) {
      return fail(e);
    }
  }

  /** See {@link RelayStore.pull}. */
  async pull(
    to: string,
    limit: number,
    now = Date.now(),
  ): Promise<Result<StoredRelayMessage[], RelayStoreErrorDetail>> {
    const box = `${this.p}box:${to}`;
    try {
      const ids = await this.client.zrange(box, '0', String(limit - 1));
      if (ids.length === 0) return ok([]);
      const vals = await this.client.mget(ids.map((id) => `${this.p}msg:${to}:${id}`));
      const out: StoredRelayMessage[] = [];
      const gone: string[] = [];
      const live: string[] = [];
      vals.forEach((v, i) => {
        if (v === null) gone.push(ids[i]!);
        else live.push(v);
      });
      if (gone.length > 0) await this.client.zrem(box, ...gone);
      if (live.length === 0) return ok([]);
      const pipe = this.client.pipeline();
      const parsed = live.map(
        (v) => JSON.parse(v) as { id: string; at: number; exp: number; env: unknown },
      );
      for (const m of parsed) pipe.hincrby(`${this.p}dlv:${to}`, m.id, 1);
      pipe.pexpire(`${this.p}dlv:${to}`, this.ttlMs);
      const counts = (await pipe.exec()) ?? [];
      parsed.forEach((m, i) => {
        if (m.exp <= now) return;
        out.push({
          id: m.id,
          to,
          envelope: m.env,
          receivedAt: m.at,
          expiresAt: m.exp,
          deliveries: Number(counts[i]?.[1] ?? 1),
        });
      });
      return ok(out);
    } catch (e) {
      return fail(e);
    }
  }

  /** See {@link RelayStore.ack}. */
  async ack(to: string, ids: readonly string[]): Promise<Result<number, RelayStoreErrorDetail>> {
    const clean = ids.filter((id) => typeof id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(id));
    if (clean.length === 0) return ok(0);
    try {
      const r = await this.client
        .multi()
        .zrem(`${this.p}box:${to}`, ...clean)
        .del(...clean.map((id) => `${this.p}msg:${to}:${id}`))
        .hdel(`${this.p}dlv:${to}`, ...clean)
        .exec();
      const removed = Number(r?.[0]?.[1] ?? 0);
      if (removed > 0) await this.client.decrby(`${this.p}count`, removed);
      return ok(removed);
    } catch (e) {
      return fail(e);
    }
  }

  /** See {@link RelayStore.stats}; `messages` is approximate (expired messages still count), `mailboxes` is -1 (not tracked). */
  async stats(): Promise<RelayStoreStats> {
    try {
      return { messages: Number((await this.client.get(`${this.p}count`)) ?? 0), mailboxes: -1 };
    } catch {
      return { messages: -1, mailboxes: -1 };
    }
  }

  /** The client belongs to the caller: nothing to release here. */
  async close(): Promise<void> {}
}
