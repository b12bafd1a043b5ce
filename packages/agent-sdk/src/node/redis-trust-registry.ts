/**
 * `RedisTrustRegistry`: a {@link TrustRegistry} in one Redis hash (`{prefix}entries`, field =
 * DID, value = RegistryEntryJson), so several registry/relay nodes share state.
 *
 * Pitfalls:
 * - `register` is atomic (`HSETNX`): two nodes registering one DID -> one ALREADY_REGISTERED.
 * - `revoke` reads, marks revoked and writes back: safe because the only other write to an
 *   existing field is another revoke (register uses HSETNX, which never overwrites).
 * - Durability is Redis's: configure AOF (`appendfsync everysec` or `always`) if the registry
 *   must survive a Redis crash; the file registry fsyncs every write.
 * - Entries are re-verified when read (key document against the DID).
 *
 * @module
 */
import type { Redis } from 'ioredis';
import { ok, type Result } from 'xorida';
import { type XlinkErrorDetail, xlinkErr } from '../errors.js';
import {
  type RegisterInput,
  type RegistryEntry,
  type TrustRegistry,
  validateRegistration,
} from '../registry.js';
import { registryEntryFromJson, registryEntryToJson } from '../registry-entry-json.js';

/** Options of {@link RedisTrustRegistry}. */
export interface RedisTrustRegistryOptions {
  /** An ioredis client. */
  readonly client: Redis;
  /** Key namespace (default `xlink:registry:`). */
  readonly keyPrefix?: string;
}

function redisErr(code: 'REGISTRATION_FAILED' | 'REVOCATION_FAILED' | 'LOOKUP_FAILED', e: unknown) {
  return xlinkErr(code, `Redis registry: ${(e as Error).message}`, 'Check the Redis connection', {
    subCode: 'STORAGE',
  });
}

/** Trust registry shared through Redis. */
export class RedisTrustRegistry implements TrustRegistry {
  readonly keyPrefix: string;
  private readonly client: Redis;

  /** @param options {@link RedisTrustRegistryOptions} */
  constructor(options: RedisTrustRegistryOptions) {
    if (!options?.client) throw new TypeError('RedisTrustRegistry: client required');
    this.client = options.client;
    this.keyPrefix = options.keyPrefix ?? 'xlink:registry:';
  }

  private get key(): string {
    return `${this.keyPrefix}entries`;
  }

  /** See {@link TrustRegistry.register} (subCode `STORAGE` on Redis errors). */
  async register(input: RegisterInput): Promise<Result<RegistryEntry, XlinkErrorDetail>> {
    const doc = validateRegistration(input);
    if (!doc.ok) return doc;
    const entry: RegistryEntry = {
      did: doc.value.did,
      name: input.name,
      keyDocument: doc.value,
      scopes: [...input.scopes],
      status: 'active',
      registeredAt: Date.now(),
    };
    try {
      const set = await this.client.hsetnx(
        this.key,
        entry.did,
        JSON.stringify(registryEntryToJson(entry)),
      );
      if (set !== 1)
        return xlinkErr(
          'REGISTRATION_FAILED',
          'DID already registered',
          'Resolve it instead, or use a new identity',
          { subCode: 'ALREADY_REGISTERED', field: 'did' },
        );
      return ok(entry);
    } catch (e) {
      return redisErr('REGISTRATION_FAILED', e);
    }
  }

  /** See {@link TrustRegistry.resolve}. */
  async resolve(did: string): Promise<Result<RegistryEntry, XlinkErrorDetail>> {
    let v: string | null;
    try {
      v = await this.client.hget(this.key, did);
    } catch (e) {
      return redisErr('LOOKUP_FAILED', e);
    }
    if (v === null)
      return xlinkErr('DID_NOT_IN_REGISTRY', 'DID is not registered', 'Register the agent first', {
        field: 'did',
      });
    try {
      return registryEntryFromJson(JSON.parse(v));
    } catch {
      return xlinkErr('LOOKUP_FAILED', 'stored entry is not JSON', 'Check Redis contents', {
        subCode: 'STORAGE',
      });
    }
  }

  /** See {@link TrustRegistry.revoke}. */
  async revoke(did: string, reason?: string): Promise<Result<RegistryEntry, XlinkErrorDetail>> {
    if (reason !== undefined && (typeof reason !== 'string' || reason.length > 1024))
      return xlinkErr('REVOCATION_FAILED', 'reason must be at most 1024 characters', 'Shorten it', {
        field: 'reason',
      });
    const cur = await this.resolve(did);
    if (!cur.ok)
      return cur.error.code === 'LOOKUP_FAILED'
        ? { ...cur, error: { ...cur.error, code: 'REVOCATION_FAILED' } }
        : cur;
    const revoked: RegistryEntry = {
      ...cur.value,
      status: 'revoked',
      revokedAt: Date.now(),
      revocationReason: reason,
    };
    try {
      await this.client.hset(this.key, did, JSON.stringify(registryEntryToJson(revoked)));
    } catch (e) {
      return redisErr('REVOCATION_FAILED', e);
    }
    return ok(revoked);
  }

  /** See {@link TrustRegistry.list}. */
  async list(): Promise<Result<readonly RegistryEntry[], XlinkErrorDetail>> {
    try {
      const all = await this.client.hgetall(this.key);
      const out: RegistryEntry[] = [];
      for (const v of Object.values(all)) {
        const e = registryEntryFromJson(JSON.parse(v));
        if (!e.ok) return e;
        out.push(e.value);
      }
      return ok(out);
    } catch (e) {
      return redisErr('LOOKUP_FAILED', e);
    }
  }

  /** Number of entries (`HLEN`), or -1 on a Redis error. */
  async count(): Promise<number> {
    try {
      return await this.client.hlen(this.key);
    } catch {
      return -1;
    }
  }
}
