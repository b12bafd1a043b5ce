/**
 * An Agent registering its own key document in its trust registry (registry.ts).
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import type { KeyDocument } from './key-document.js';
import { bytesEqual } from './lib/binary.js';
import type { TrustRegistry } from './registry.js';

/** What registration needs from the agent. */
export interface SelfRegistration {
  readonly registry: TrustRegistry;
  readonly keyDocument: KeyDocument;
  readonly scopes: readonly string[];
  readonly name: string | undefined;
}

/**
 * Registers the key document with the agent's scopes (and name).
 * @param self registry, key document, scopes, name
 * @param allowExisting accept `ALREADY_REGISTERED` when the registry serves the same keys
 * @returns ok, or the registry's `REGISTRATION_FAILED` (subCode `ALREADY_REGISTERED` unless
 *   allowed; `KEY_DOCUMENT_MISMATCH` when the DID is registered with other keys or versions)
 */
export async function registerSelf(
  self: SelfRegistration,
  allowExisting: boolean,
): Promise<Result<void, XlinkErrorDetail>> {
  const r = await self.registry.register({
    keyDocument: self.keyDocument,
    scopes: self.scopes,
    ...(self.name !== undefined ? { name: self.name } : {}),
  });
  if (r.ok) return ok(undefined);
  if (!(allowExisting && r.error.subCode === 'ALREADY_REGISTERED')) return r;
  // Already registered: only fine if the registry serves the same keys and versions, else
  // peers keep using the old document (e.g. v3 to an agent restarted without ML-DSA) and
  // every message fails on receive.
  const existing = await self.registry.resolve(self.keyDocument.did);
  if (!existing.ok) return existing;
  if (!sameKeys(existing.value.keyDocument, self.keyDocument))
    return xlinkErr(
      'REGISTRATION_FAILED',
      'this DID is registered with other keys or versions than this agent has',
      'Restore with the same options (e.g. postQuantumSig) or re-register the DID with the new key document',
      { subCode: 'KEY_DOCUMENT_MISMATCH', field: 'did' },
    );
  return ok(undefined);
}

/** Same public keys and versions (the `created` time and signature may differ). */
function sameKeys(a: KeyDocument, b: KeyDocument): boolean {
  const opt = (x: Uint8Array | undefined, y: Uint8Array | undefined) =>
    x === undefined || y === undefined ? x === y : bytesEqual(x, y);
  return (
    a.did === b.did &&
    bytesEqual(a.x25519, b.x25519) &&
    opt(a.xwing, b.xwing) &&
    opt(a.mldsa65, b.mldsa65) &&
    a.versions.join() === b.versions.join()
  );
}
