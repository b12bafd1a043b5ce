/**
 * Trust registries: who is known, with which verified key document, which scopes they may
 * use, and whether they are revoked. `TrustRegistry` is the interface file/HTTP/Redis
 * implementations plug into; `MemoryTrustRegistry` is the in-process one.
 *
 * Pitfalls:
 * - A registry is trusted for scopes and revocation, NOT for keys: key documents are verified
 *   against the DID on register and again by every consumer.
 * - A revoked DID stays revoked: it cannot register again under the same DID.
 * - Scope `*` grants every scope (what `Agent.quickstart` registers by default); production
 *   registrations should list scopes explicitly.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { isValidScope } from './envelope.js';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import { type KeyDocument, verifyKeyDocument } from './key-document.js';

/** One registry record. */
export interface RegistryEntry {
  readonly did: string;
  /** Display name (not authenticated). */
  readonly name?: string | undefined;
  /** Verified key document. */
  readonly keyDocument: KeyDocument;
  /** Scopes this DID may use when sending; `*` = any. */
  readonly scopes: readonly string[];
  readonly status: 'active' | 'revoked';
  /** ms since epoch. */
  readonly registeredAt: number;
  readonly revokedAt?: number | undefined;
  readonly revocationReason?: string | undefined;
}

/** Registration request. */
export interface RegisterInput {
  readonly keyDocument: KeyDocument;
  readonly scopes: readonly string[];
  readonly name?: string;
}

/**
 * A trust registry. Implementations must verify key documents on `register` and return
 * `Result`s (never throw) for expected failures.
 */
export interface TrustRegistry {
  /** Adds a DID; `REGISTRATION_FAILED` (`ALREADY_REGISTERED`, `INVALID_KEY_DOCUMENT`, `INVALID_SCOPE`). */
  register(input: RegisterInput): Promise<Result<RegistryEntry, XlinkErrorDetail>>;
  /** Looks a DID up (revoked entries are returned with status `revoked`); `DID_NOT_IN_REGISTRY`, `LOOKUP_FAILED`. */
  resolve(did: string): Promise<Result<RegistryEntry, XlinkErrorDetail>>;
  /** Marks a DID revoked; `DID_NOT_IN_REGISTRY`, `REVOCATION_FAILED`. */
  revoke(did: string, reason?: string): Promise<Result<RegistryEntry, XlinkErrorDetail>>;
  /** Every entry. */
  list(): Promise<Result<readonly RegistryEntry[], XlinkErrorDetail>>;
}

/**
 * Validates a registration request (shared by implementations).
 * @param input the request
 * @returns the verified key document, or `REGISTRATION_FAILED`
 */
export function validateRegistration(input: RegisterInput): Result<KeyDocument, XlinkErrorDetail> {
  const doc = verifyKeyDocument(input?.keyDocument);
  if (!doc.ok)
    return xlinkErr(
      'REGISTRATION_FAILED',
      `key document rejected: ${doc.error.message}`,
      doc.error.hint,
      { subCode: 'INVALID_KEY_DOCUMENT', field: 'keyDocument' },
    );
  if (
    !Array.isArray(input.scopes) ||
    input.scopes.length > 256 ||
    !input.scopes.every(isValidScope)
  )
    return xlinkErr(
      'REGISTRATION_FAILED',
      'scopes must be at most 256 valid scope strings',
      'Use e.g. ["payments:notify"] or ["*"]',
      { subCode: 'INVALID_SCOPE', field: 'scopes' },
    );
  if (input.name !== undefined && (typeof input.name !== 'string' || input.name.length > 256))
    return xlinkErr(
      'REGISTRATION_FAILED',
      'name must be a string of at most 256 characters',
      'Shorten the name',
      { subCode: 'INVALID_NAME', field: 'name' },
    );
  return ok(doc.value);
}

/** True when `entry` grants `scope` (exact match or `*`). */
export function scopeGranted(entry: RegistryEntry, scope: string): boolean {
  return entry.scopes.includes('*') || entry.scopes.includes(scope);
}

/** A deep copy of a key document (fresh byte arrays, frozen object and version list). */
export function copyKeyDocument(doc: KeyDocument): KeyDocument {
  return Object.freeze({
    ...doc,
    x25519: doc.x25519.slice(),
    xwing: doc.xwing?.slice(),
    mldsa65: doc.mldsa65?.slice(),
    versions: Object.freeze([...doc.versions]),
    signature: doc.signature.slice(),
  });
}

/** In-memory registry (single process; lost on restart). */
export class MemoryTrustRegistry implements TrustRegistry {
  private readonly entries = new Map<string, RegistryEntry>();
  /** Refuse registrations beyond this many entries (bounded memory). */
  readonly maxEntries: number;

  /** @param options `maxEntries` (default 100 000) */
  constructor(options: { maxEntries?: number } = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
  }

  /** See {@link TrustRegistry.register}. */
  async register(input: RegisterInput): Promise<Result<RegistryEntry, XlinkErrorDetail>> {
    const doc = validateRegistration(input);
    if (!doc.ok) return doc;
    if (this.entries.has(doc.value.did))
      return xlinkErr(
        'REGISTRATION_FAILED',
        'DID already registered',
        'Resolve it instead, or use a new identity',
        { subCode: 'ALREADY_REGISTERED', field: 'did' },
      );
    if (this.entries.size >= this.maxEntries)
      return xlinkErr(
        'REGISTRATION_FAILED',
        'registry is full',
        'Raise maxEntries or use a persistent registry',
        { subCode: 'FULL' },
      );
    const entry: RegistryEntry = {
      did: doc.value.did,
      name: input.name,
      // A copy: the caller's object (verified just now) could be changed after registration.
      keyDocument: copyKeyDocument(doc.value),
      scopes: [...input.scopes],
      status: 'active',
      registeredAt: Date.now(),
    };
    this.entries.set(entry.did, entry);
    return ok(entry);
  }

  /** See {@link TrustRegistry.resolve}. */
  async resolve(did: string): Promise<Result<RegistryEntry, XlinkErrorDetail>> {
    const entry = this.entries.get(did);
    if (!entry)
      return xlinkErr('DID_NOT_IN_REGISTRY', 'DID is not registered', 'Register the agent first', {
        field: 'did',
      });
    return ok(entry);
  }

  /** See {@link TrustRegistry.revoke}. */
  async revoke(did: string, reason?: string): Promise<Result<RegistryEntry, XlinkErrorDetail>> {
    const entry = this.entries.get(did);
    if (!entry)
      return xlinkErr('DID_NOT_IN_REGISTRY', 'DID is not registered', 'Check the DID', {
        field: 'did',
      });
    const revoked: RegistryEntry = {
      ...entry,
      status: 'revoked',
      revokedAt: Date.now(),
      revocationReason: reason,
    };
    this.entries.set(did, revoked);
    return ok(revoked);
  }

  /** See {@link TrustRegistry.list}. */
  async list(): Promise<Result<readonly RegistryEntry[], XlinkErrorDetail>> {
    return ok([...this.entries.values()]);
  }
}
