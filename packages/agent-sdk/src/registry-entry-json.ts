/**
 * JSON form of a {@link RegistryEntry}: what the registry HTTP API answers, what the file and
 * Redis registries store. The key document uses its own JSON form (keyDocumentToJson).
 *
 * Pitfalls:
 * - Parsing re-verifies the key document against the DID: a tampered store or a lying server
 *   cannot substitute keys, only scopes and status (the registry is trusted for those).
 * - Unknown fields are refused, sizes are bounded (scopes <= 256, name <= 256 chars).
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { isValidScope } from './envelope.js';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import { type KeyDocumentJson, keyDocumentFromJson, keyDocumentToJson } from './key-document.js';
import type { RegistryEntry } from './registry.js';

/** JSON form of a registry entry (times in ms since the Unix epoch). */
export interface RegistryEntryJson {
  did: string;
  name?: string;
  keyDocument: KeyDocumentJson;
  scopes: string[];
  status: 'active' | 'revoked';
  registeredAt: number;
  revokedAt?: number;
  revocationReason?: string;
}

/**
 * Serialises an entry.
 * @param entry a registry entry
 * @returns its JSON form
 */
export function registryEntryToJson(entry: RegistryEntry): RegistryEntryJson {
  return {
    did: entry.did,
    ...(entry.name !== undefined ? { name: entry.name } : {}),
    keyDocument: keyDocumentToJson(entry.keyDocument),
    scopes: [...entry.scopes],
    status: entry.status,
    registeredAt: entry.registeredAt,
    ...(entry.revokedAt !== undefined ? { revokedAt: entry.revokedAt } : {}),
    ...(entry.revocationReason !== undefined ? { revocationReason: entry.revocationReason } : {}),
  };
}

const FIELDS = new Set([
  'did',
  'name',
  'keyDocument',
  'scopes',
  'status',
  'registeredAt',
  'revokedAt',
  'revocationReason',
]);

/**
 * Parses and verifies the JSON form strictly.
 * @param json an object (already JSON-parsed)
 * @returns the entry, or `LOOKUP_FAILED` (subCode `MALFORMED_ENTRY`) / `INVALID_KEY_DOCUMENT`
 */
export function registryEntryFromJson(json: unknown): Result<RegistryEntry, XlinkErrorDetail> {
  const bad = (message: string, field?: string) =>
    xlinkErr('LOOKUP_FAILED', `registry entry: ${message}`, 'The registry answered garbage', {
      subCode: 'MALFORMED_ENTRY',
      ...(field ? { field } : {}),
    });
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return bad('not an object');
  const r = json as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!FIELDS.has(k)) return bad(`unknown field ${k}`, k);
  if (typeof r.did !== 'string') return bad('did missing', 'did');
  if (r.name !== undefined && (typeof r.name !== 'string' || r.name.length > 256))
    return bad('bad name', 'name');
  if (!Array.isArray(r.scopes) || r.scopes.length > 256 || !r.scopes.every((s) => isValidScope(s)))
    return bad('bad scopes', 'scopes');
  if (r.status !== 'active' && r.status !== 'revoked') return bad('bad status', 'status');
  const time = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!time(r.registeredAt)) return bad('bad registeredAt', 'registeredAt');
  if (r.revokedAt !== undefined && !time(r.revokedAt)) return bad('bad revokedAt', 'revokedAt');
  if (
    r.revocationReason !== undefined &&
    (typeof r.revocationReason !== 'string' || r.revocationReason.length > 1024)
  )
    return bad('bad revocationReason', 'revocationReason');
  const doc = keyDocumentFromJson(r.keyDocument, r.did);
  if (!doc.ok) return doc;
  return ok({
    did: r.did,
    name: r.name as string | undefined,
    keyDocument: doc.value,
    scopes: [...(r.scopes as string[])],
    status: r.status,
    registeredAt: r.registeredAt as number,
    revokedAt: r.revokedAt as number | undefined,
    revocationReason: r.revocationReason as string | undefined,
  });
}
