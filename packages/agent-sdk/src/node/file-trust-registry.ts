/**
 * `FileTrustRegistry`: a {@link TrustRegistry} persisted in a durable JSONL log
 * (durable-log.ts: self-checking lines, fsync before acknowledging, torn-tail recovery).
 *
 * Records (one per line, spec in docs/formats.md#durable-log-line-format):
 *   {"t":"register","entry":RegistryEntryJson}   a new DID
 *   {"t":"upsert","entry":RegistryEntryJson}     an entry mirrored from another registry
 *   {"t":"revoke","did":"...","at":ms,"reason":"..."}
 *
 * Pitfalls:
 * - One process owns the file; other processes must go through the registry server.
 * - Operations in one process are serialised on the DID: a second `register` of a DID that is
 *   still being written is refused with ALREADY_REGISTERED, and a `resolve` only sees entries
 *   whose record is durable.
 * - Key documents are re-verified on replay; a record that fails verification makes `open`
 *   fail (`LOOKUP_FAILED`, subCode `STORAGE`) instead of silently trusting it.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { type XlinkErrorDetail, xlinkErr } from '../errors.js';
import {
  type RegisterInput,
  type RegistryEntry,
  type TrustRegistry,
  validateRegistration,
} from '../registry.js';
import { registryEntryFromJson, registryEntryToJson } from '../registry-entry-json.js';
import { DurableLog, type DurableLogOptions, type LogRecovery } from './durable-log.js';

/** Options of {@link FileTrustRegistry}. */
export interface FileTrustRegistryOptions extends DurableLogOptions {
  /** Log file path (created with its directories if missing). */
  readonly path: string;
  /** Refuse registrations beyond this many entries (default 100 000). */
  readonly maxEntries?: number;
}

function storageErr(
  code: 'REGISTRATION_FAILED' | 'REVOCATION_FAILED' | 'LOOKUP_FAILED',
  message: string,
) {
  return xlinkErr(code, message, 'Check the registry file, disk space and permissions', {
    subCode: 'STORAGE',
  });
}

/** Durable file-backed trust registry. */
export class FileTrustRegistry implements TrustRegistry {
  readonly path: string;
  private readonly opts: FileTrustRegistryOptions;
  private readonly entries = new Map<string, RegistryEntry>();
  private readonly pending = new Set<string>();
  private log: DurableLog | undefined;
  private opening: Promise<Result<LogRecovery, XlinkErrorDetail>> | undefined;

  /**
   * Lazy: the file is opened and replayed on first use (or call {@link open}).
   * @param options `path`, `maxEntries`, durable-log options
   */
  constructor(options: FileTrustRegistryOptions) {
    if (!options || typeof options.path !== 'string' || options.path.length === 0)
      throw new TypeError('FileTrustRegistry: path required');
    this.path = options.path;
    this.opts = options;
  }

  /**
   * Opens and replays the log (idempotent).
   * @returns what recovery did, or `LOOKUP_FAILED` (subCode `STORAGE`) when the file is
   *   unreadable, corrupt mid-file, or holds an entry that does not verify
   */
  open(): Promise<Result<LogRecovery, XlinkErrorDetail>> {
    this.opening ??= this.doOpen();
    return this.opening;
  }

  private async doOpen(): Promise<Result<LogRecovery, XlinkErrorDetail>> {
    const r = await DurableLog.open(this.path, this.opts);
    if (!r.ok) return storageErr('LOOKUP_FAILED', `${r.error.code}: ${r.error.message}`);
    for (const rec of r.value.records) {
      const o = rec as {
        t?: unknown;
        entry?: unknown;
        did?: unknown;
        at?: unknown;
        reason?: unknown;
      };
      if (o.t === 'register' || o.t === 'upsert') {
        const e = registryEntryFromJson(o.entry);
        if (!e.ok) {
          await r.value.log.close();
          return storageErr('LOOKUP_FAILED', `bad entry in ${this.path}: ${e.error.message}`);
        }
        this.entries.set(e.value.did, e.value);
      } else if (o.t === 'revoke' && typeof o.did === 'string') {
        const cur = this.entries.get(o.did);
        if (cur)
          this.entries.set(o.did, {
            ...cur,
            status: 'revoked',
            revokedAt: typeof o.at === 'number' ? o.at : Date.now(),
            revocationReason: typeof o.reason === 'string' ? o.reason : undefined,
          });
      }
      // unknown record types are skipped: newer writers may add kinds older readers ignore
    }
    this.log = r.value.log;
    return ok(r.value.recovery);
  }

  private async ready(code: 'REGISTRATION_FAILED' | 'REVOCATION_FAILED' | 'LOOKUP_FAILED') {
    const o = await this.open();
    if (!o.ok) return storageErr(code, o.error.message);
    return ok(this.log!);
  }

  /** See {@link TrustRegistry.register}; adds subCodes `STORAGE`, `FULL`. Durable when it resolves ok. */
  async register(input: RegisterInput): Promise<Result<RegistryEntry, XlinkErrorDetail>> {
    const doc = validateRegistration(input);
    if (!doc.ok) return doc;
    const log = await this.ready('REGISTRATION_FAILED');
    if (!log.ok) return log;
    const did = doc.value.did;
    if (this.entries.has(did) || this.pending.has(did))
      return xlinkErr(
        'REGISTRATION_FAILED',
        'DID already registered',
        'Resolve it instead, or use a new identity',
        { subCode: 'ALREADY_REGISTERED', field: 'did' },
      );
    if (this.entries.size + this.pending.size >= (this.opts.maxEntries ?? 100_000))
      return xlinkErr('REGISTRATION_FAILED', 'registry is full', 'Raise maxEntries', {
        subCode: 'FULL',
      });
    const entry: RegistryEntry = {
      did,
      name: input.name,
      keyDocument: doc.value,
      scopes: [...input.scopes],
      status: 'active',
      registeredAt: Date.now(),
    };
    this.pending.add(did);
    const w = await log.value.append({ t: 'register', entry: registryEntryToJson(entry) });
    this.pending.delete(did);
    if (!w.ok) return storageErr('REGISTRATION_FAILED', w.error.message);
    this.entries.set(did, entry);
    return ok(entry);
  }

  /**
   * Stores an entry as given (mirroring another registry, e.g. the HTTP one); replaces any
   * existing entry of that DID except that a revoked entry is never made active again.
   * @param entry a verified registry entry
   * @returns the stored entry, or `REGISTRATION_FAILED` (`STORAGE`)
   */
  async upsert(entry: RegistryEntry): Promise<Result<RegistryEntry, XlinkErrorDetail>> {
    const log = await this.ready('REGISTRATION_FAILED');
    if (!log.ok) return log;
    const cur = this.entries.get(entry.did);
    const next: RegistryEntry =
      cur?.status === 'revoked' && entry.status === 'active' ? cur : entry;
    if (
      cur &&
      JSON.stringify(registryEntryToJson(cur)) === JSON.stringify(registryEntryToJson(next))
    )
      return ok(cur);
    const w = await log.value.append({ t: 'upsert', entry: registryEntryToJson(next) });
    if (!w.ok) return storageErr('REGISTRATION_FAILED', w.error.message);
    this.entries.set(next.did, next);
    return ok(next);
  }

  /** See {@link TrustRegistry.resolve}. */
  async resolve(did: string): Promise<Result<RegistryEntry, XlinkErrorDetail>> {
    const log = await this.ready('LOOKUP_FAILED');
    if (!log.ok) return log;
    const entry = this.entries.get(did);
    if (!entry)
      return xlinkErr('DID_NOT_IN_REGISTRY', 'DID is not registered', 'Register the agent first', {
        field: 'did',
      });
    return ok(entry);
  }

  /** See {@link TrustRegistry.revoke}; durable when it resolves ok (subCode `STORAGE` otherwise). */
  async revoke(did: string, reason?: string): Promise<Result<RegistryEntry, XlinkErrorDetail>> {
    const log = await this.ready('REVOCATION_FAILED');
    if (!log.ok) return log;
    const entry = this.entries.get(did);
    if (!entry)
      return xlinkErr('DID_NOT_IN_REGISTRY', 'DID is not registered', 'Check the DID', {
        field: 'did',
      });
    if (reason !== undefined && (typeof reason !== 'string' || reason.length > 1024))
      return xlinkErr('REVOCATION_FAILED', 'reason must be at most 1024 characters', 'Shorten it', {
        field: 'reason',
      });
    const at = Date.now();
    const w = await log.value.append({
      t: 'revoke',
      did,
      at,
      ...(reason !== undefined ? { reason } : {}),
    });
    if (!w.ok) return storageErr('REVOCATION_FAILED', w.error.message);
    const revoked: RegistryEntry = {
      ...(this.entries.get(did) ?? entry),
      status: 'revoked',
      revokedAt: at,
      revocationReason: reason,
    };
    this.entries.set(did, revoked);
    return ok(revoked);
  }

  /** See {@link TrustRegistry.list}. */
  async list(): Promise<Result<readonly RegistryEntry[], XlinkErrorDetail>> {
    const log = await this.ready('LOOKUP_FAILED');
    if (!log.ok) return log;
    return ok([...this.entries.values()]);
  }

  /** Number of entries (after open). */
  get size(): number {
    return this.entries.size;
  }

  /** Flushes pending writes and closes the file. */
  async close(): Promise<void> {
    if (this.opening) await this.opening;
    await this.log?.close();
  }
}
