/**
 * Connection ids: the billable unit `(didA, didB, scope)` as 32 bytes / 64 lowercase hex chars.
 * Spec and vectors: docs/formats.md#xpass ("Connection id").
 *
 *   id = SHA-256( "xpass/connection-id/v1" || 0x00
 *                 || u16be(len lo) || lo || u16be(len hi) || hi || u16be(len scope) || scope )
 *
 * where `lo`/`hi` are the UTF-8 bytes of the two DIDs sorted bytewise, so A->B equals B->A, and
 * every field is length-prefixed, so no two tuples share an encoding (the original design's
 * `sort(a,b) + "|" + scope` is ambiguous when a DID contains `|`).
 *
 * Pitfall: DIDs are compared as exact strings; `did:key:z6Mk...` and a different spelling of the
 * same key are different connections. Validation is syntactic only (`did:<method>:<id>`,
 * printable ASCII, <= 512 bytes; scope 1..128 printable ASCII bytes).
 *
 * @module
 */

import { backend } from '@xorida/agent-sdk/crypto';
import { bytesToHex, concatBytes, ok, type Result, utf8ToBytes } from 'xorida';
import { type XpassError, xpassErr } from './errors.js';

/** Longest accepted DID, in bytes. */
export const MAX_DID_LENGTH = 512;
/** Longest accepted scope, in bytes. */
export const MAX_SCOPE_LENGTH = 128;

const DOMAIN = utf8ToBytes('xpass/connection-id/v1\u0000');
const DID_RE = /^did:[a-z0-9]+:[\x21-\x7e]+$/;
const SCOPE_RE = /^[\x21-\x7e]+$/;
const ID_RE = /^[0-9a-f]{64}$/;

/**
 * Checks a DID syntactically.
 * @param did candidate DID
 * @param field the argument name reported in `field`
 * @returns `ok(did)` or `INVALID_INPUT`
 */
export function checkDid(did: unknown, field = 'did'): Result<string, XpassError> {
  if (typeof did !== 'string' || did.length > MAX_DID_LENGTH || !DID_RE.test(did))
    return xpassErr(
      'INVALID_INPUT',
      `${field} must be a DID (did:<method>:<id>, printable ASCII, <= ${MAX_DID_LENGTH} bytes)`,
      { field },
    );
  return ok(did);
}

/**
 * Checks a scope.
 * @returns `ok(scope)` or `INVALID_INPUT` (field `scope`)
 */
export function checkScope(scope: unknown): Result<string, XpassError> {
  if (
    typeof scope !== 'string' ||
    scope.length < 1 ||
    scope.length > MAX_SCOPE_LENGTH ||
    !SCOPE_RE.test(scope)
  )
    return xpassErr(
      'INVALID_INPUT',
      `scope must be 1..${MAX_SCOPE_LENGTH} printable ASCII characters without spaces`,
      { field: 'scope' },
    );
  return ok(scope);
}

/**
 * Checks a connection id string.
 * @returns `ok(id)` or `INVALID_INPUT` (field `connectionId`)
 */
export function checkConnectionId(id: unknown): Result<string, XpassError> {
  if (typeof id !== 'string' || !ID_RE.test(id))
    return xpassErr('INVALID_INPUT', 'connectionId must be 64 lowercase hex characters', {
      field: 'connectionId',
    });
  return ok(id);
}

/**
 * Sorts two DIDs bytewise (UTF-8; for the accepted printable-ASCII DIDs this is plain code-unit
 * order).
 * @returns `[lo, hi]`; share index 0 belongs to `lo`, index 1 to `hi`
 */
export function sortDids(didA: string, didB: string): [string, string] {
  return didA < didB ? [didA, didB] : [didB, didA];
}

function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + bytes.length);
  out[0] = bytes.length >>> 8;
  out[1] = bytes.length & 0xff;
  out.set(bytes, 2);
  return out;
}

/**
 * The exact bytes hashed into a connection id (exported for the format vectors).
 * @returns the encoding, or `INVALID_INPUT` (bad DID or scope, or didA === didB)
 */
export function connectionIdInput(
  didA: string,
  didB: string,
  scope: string,
): Result<Uint8Array, XpassError> {
  const a = checkDid(didA, 'didA');
  if (!a.ok) return a;
  const b = checkDid(didB, 'didB');
  if (!b.ok) return b;
  const s = checkScope(scope);
  if (!s.ok) return s;
  if (didA === didB)
    return xpassErr('INVALID_INPUT', 'a connection needs two different DIDs', { field: 'didB' });
  const [lo, hi] = sortDids(didA, didB);
  return ok(
    concatBytes(
      DOMAIN,
      lengthPrefixed(utf8ToBytes(lo)),
      lengthPrefixed(utf8ToBytes(hi)),
      lengthPrefixed(utf8ToBytes(scope)),
    ),
  );
}

/**
 * Derives the connection id of `(didA, didB, scope)`; symmetric in the two DIDs.
 * @param didA one agent's DID (`did:<method>:<id>`, <= 512 bytes)
 * @param didB the other agent's DID (must differ from didA)
 * @param scope context label, 1..128 printable ASCII bytes (e.g. `xlink`)
 * @returns 64 lowercase hex chars (SHA-256, docs/formats.md#xpass), or `INVALID_INPUT`
 */
export function createConnectionId(
  didA: string,
  didB: string,
  scope: string,
): Result<string, XpassError> {
  const input = connectionIdInput(didA, didB, scope);
  if (!input.ok) return input;
  return ok(bytesToHex(backend.sha256(input.value)));
}
