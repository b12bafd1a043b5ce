/**
 * Key documents: a did:key only carries the Ed25519 key, so the other public keys (X25519,
 * X-Wing, ML-DSA-65) and the supported envelope versions travel in a document signed by the
 * DID's Ed25519 key. Registries store and serve it; every consumer verifies it against the DID
 * before using any key in it (a registry cannot substitute keys without the Ed25519 key).
 *
 * Signing input (all integers big-endian):
 *   "XLINK-KEYDOC" | u8 1 | u16 len + DID (UTF-8) | u16 len + x25519 (32)
 *   | u16 len + x-wing (0 or 1216) | u16 len + ml-dsa-65 (0 or 1952)
 *   | u8 versions bitmask (bit0 = v1, bit1 = v2, bit2 = v3) | u64 created (ms since epoch)
 *
 * Pitfalls:
 * - The document is only as strong as Ed25519: a quantum attacker who forges Ed25519 can forge
 *   documents, whatever KEM they list.
 * - A registry can still withhold or roll back to an older valid document of the same DID
 *   (e.g. one without X-Wing, forcing v1). Compare `created` if that matters.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { backend } from '#crypto';
import { parseDidKey } from './did.js';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import type { AgentIdentity } from './identity.js';
import { ByteWriter, utf8 } from './lib/binary.js';
import { base64urlDecode, base64urlEncode } from './lib/codec.js';
import { MLDSA65_PUBLIC_KEY_LENGTH } from './lib/mldsa.js';
import { XWING_PUBLIC_KEY_LENGTH } from './lib/xwing.js';

/** Envelope protocol versions. */
export type EnvelopeVersion = 1 | 2 | 3;

/** A verified (or to-be-verified) key document; byte fields are raw. */
export interface KeyDocument {
  readonly v: 1;
  readonly did: string;
  /** 32-byte X25519 public key (v1). */
  readonly x25519: Uint8Array;
  /** 1216-byte X-Wing encapsulation key (v2/v3), when supported. */
  readonly xwing: Uint8Array | undefined;
  /** 1952-byte ML-DSA-65 public key (v3), when supported. */
  readonly mldsa65: Uint8Array | undefined;
  /** Supported envelope versions, ascending. */
  readonly versions: readonly EnvelopeVersion[];
  /** Creation time, milliseconds since the Unix epoch. */
  readonly created: number;
  /** 64-byte Ed25519 signature over {@link keyDocumentSigningInput}. */
  readonly signature: Uint8Array;
}

/** JSON form of a key document (byte fields base64url, no padding). */
export interface KeyDocumentJson {
  v: 1;
  did: string;
  x25519: string;
  xwing?: string;
  mldsa65?: string;
  versions: EnvelopeVersion[];
  created: number;
  sig: string;
}

const MAGIC = utf8('XLINK-KEYDOC');

/**
 * The exact bytes the Ed25519 signature of a key document covers.
 * @param doc the document fields (signature ignored)
 * @returns signing input bytes
 */
export function keyDocumentSigningInput(doc: Omit<KeyDocument, 'signature'>): Uint8Array {
  let mask = 0;
  for (const v of doc.versions) mask |= 1 << (v - 1);
  return new ByteWriter(3400)
    .bytes(MAGIC)
    .u8(1)
    .bytes16(utf8(doc.did))
    .bytes16(doc.x25519)
    .bytes16(doc.xwing ?? new Uint8Array(0))
    .bytes16(doc.mldsa65 ?? new Uint8Array(0))
    .u8(mask)
    .u64(doc.created)
    .finish();
}

/**
 * Creates and signs the key document of an identity.
 * @param identity the signer
 * @param options `versions` to advertise (default: every version the identity's keys allow:
 *   1, 2, and 3 when it has ML-DSA-65), `created` in ms (default now)
 * @returns the signed document, or `INVALID_OPTIONS` (field `versions`) when a version needs a
 *   key the identity lacks or v1 is missing
 */
export function createKeyDocument(
  identity: AgentIdentity,
  options: { versions?: readonly EnvelopeVersion[]; created?: number } = {},
): Result<KeyDocument, XlinkErrorDetail> {
  const versions = normalizeVersions(options.versions ?? (identity.mldsa ? [1, 2, 3] : [1, 2]));
  if (versions === null || (versions.includes(3) && !identity.mldsa))
    return xlinkErr(
      'INVALID_OPTIONS',
      'versions must be a subset of [1, 2, 3] containing 1; v3 needs postQuantumSig',
      'Use e.g. [1], [1, 2] or [1, 2, 3] with postQuantumSig: true',
      { field: 'versions' },
    );
  const has2 = versions.includes(2) || versions.includes(3);
  const body = {
    v: 1 as const,
    did: identity.did,
    x25519: identity.x25519.publicKey,
    xwing: has2 ? identity.xwing.publicKey : undefined,
    mldsa65: versions.includes(3) ? identity.mldsa!.publicKey : undefined,
    versions,
    created: options.created ?? Date.now(),
  };
  return ok({ ...body, signature: identity.signing.sign(keyDocumentSigningInput(body)) });
}

function normalizeVersions(list: readonly unknown[]): EnvelopeVersion[] | null {
  if (!Array.isArray(list) || list.length === 0 || list.length > 3) return null;
  const set = new Set<EnvelopeVersion>();
  for (const v of list) {
    if (v !== 1 && v !== 2 && v !== 3) return null;
    set.add(v);
  }
  if (set.size !== list.length || !set.has(1)) return null;
  return [...set].sort();
}

/**
 * Checks a key document's structure and its Ed25519 signature against its DID.
 * @param doc the document (e.g. from a registry)
 * @param expectedDid when given, the document must belong to this DID
 * @returns the same document, or `INVALID_KEY_DOCUMENT` (subCode `MALFORMED`, `DID_MISMATCH`,
 *   `BAD_SIGNATURE`) / `INVALID_DID`
 */
export function verifyKeyDocument(
  doc: KeyDocument,
  expectedDid?: string,
): Result<KeyDocument, XlinkErrorDetail> {
  const bad = (subCode: string, message: string, field?: string) =>
    xlinkErr('INVALID_KEY_DOCUMENT', message, 'Re-register the agent with a fresh key document', {
      subCode,
      ...(field ? { field } : {}),
    });
  if (typeof doc !== 'object' || doc === null || doc.v !== 1)
    return bad('MALFORMED', 'unknown key document version', 'v');
  if (expectedDid !== undefined && doc.did !== expectedDid)
    return bad('DID_MISMATCH', 'key document belongs to another DID', 'did');
  const pub = parseDidKey(doc.did);
  if (!pub.ok) return pub;
  const versions = normalizeVersions(doc.versions as unknown[]);
  if (versions === null || versions.join() !== doc.versions.join())
    return bad(
      'MALFORMED',
      'versions must be ascending, unique, from [1, 2, 3], with 1',
      'versions',
    );
  const len = (b: Uint8Array | undefined) => (b instanceof Uint8Array ? b.length : -1);
  if (len(doc.x25519) !== 32) return bad('MALFORMED', 'x25519 must be 32 bytes', 'x25519');
  const needXwing = versions.includes(2) || versions.includes(3);
  if (needXwing ? len(doc.xwing) !== XWING_PUBLIC_KEY_LENGTH : doc.xwing !== undefined)
    return bad('MALFORMED', 'xwing key length does not match the versions', 'xwing');
  if (
    versions.includes(3)
      ? len(doc.mldsa65) !== MLDSA65_PUBLIC_KEY_LENGTH
      : doc.mldsa65 !== undefined
  )
    return bad('MALFORMED', 'mldsa65 key length does not match the versions', 'mldsa65');
  if (!Number.isSafeInteger(doc.created) || doc.created < 0)
    return bad('MALFORMED', 'created must be a non-negative integer (ms)', 'created');
  if (len(doc.signature) !== 64) return bad('MALFORMED', 'signature must be 64 bytes', 'sig');
  if (!backend.ed25519Verify(pub.value, keyDocumentSigningInput(doc), doc.signature))
    return bad('BAD_SIGNATURE', 'key document signature does not verify against the DID', 'sig');
  return ok(doc);
}

/**
 * JSON form of a key document.
 * @param doc a key document
 * @returns a JSON-safe object
 */
export function keyDocumentToJson(doc: KeyDocument): KeyDocumentJson {
  return {
    v: 1,
    did: doc.did,
    x25519: base64urlEncode(doc.x25519),
    ...(doc.xwing ? { xwing: base64urlEncode(doc.xwing) } : {}),
    ...(doc.mldsa65 ? { mldsa65: base64urlEncode(doc.mldsa65) } : {}),
    versions: [...doc.versions],
    created: doc.created,
    sig: base64urlEncode(doc.signature),
  };
}

/**
 * Parses the JSON form strictly and verifies the signature.
 * @param json object or JSON text (at most 16 KiB)
 * @param expectedDid optional DID the document must belong to
 * @returns the verified document or `INVALID_KEY_DOCUMENT` / `INVALID_DID`
 */
export function keyDocumentFromJson(
  json: unknown,
  expectedDid?: string,
): Result<KeyDocument, XlinkErrorDetail> {
  const bad = (message: string, field?: string) =>
    xlinkErr('INVALID_KEY_DOCUMENT', message, 'Pass the output of keyDocumentToJson()', {
      subCode: 'MALFORMED',
      ...(field ? { field } : {}),
    });
  let o: unknown = json;
  if (typeof json === 'string') {
    if (json.length > 16384) return bad('key document too large');
    try {
      o = JSON.parse(json);
    } catch {
      return bad('not JSON');
    }
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return bad('not an object');
  const r = o as Record<string, unknown>;
  const allowed = new Set(['v', 'did', 'x25519', 'xwing', 'mldsa65', 'versions', 'created', 'sig']);
  for (const k of Object.keys(r)) if (!allowed.has(k)) return bad(`unknown field ${k}`, k);
  const b = (name: string, max: number): Uint8Array | undefined | null => {
    if (r[name] === undefined) return undefined;
    return typeof r[name] === 'string' ? base64urlDecode(r[name] as string, max) : null;
  };
  const x25519 = b('x25519', 32);
  const xwing = b('xwing', XWING_PUBLIC_KEY_LENGTH);
  const mldsa65 = b('mldsa65', MLDSA65_PUBLIC_KEY_LENGTH);
  const sig = b('sig', 64);
  if (!x25519) return bad('x25519 missing or not base64url', 'x25519');
  if (xwing === null) return bad('xwing not base64url', 'xwing');
  if (mldsa65 === null) return bad('mldsa65 not base64url', 'mldsa65');
  if (!sig) return bad('sig missing or not base64url', 'sig');
  if (typeof r.did !== 'string') return bad('did missing', 'did');
  if (!Array.isArray(r.versions)) return bad('versions missing', 'versions');
  if (typeof r.created !== 'number') return bad('created missing', 'created');
  return verifyKeyDocument(
    {
      v: r.v as 1,
      did: r.did,
      x25519,
      xwing,
      mldsa65,
      versions: r.versions as EnvelopeVersion[],
      created: r.created,
      signature: sig,
    },
    expectedDid,
  );
}

/**
 * The highest envelope version both documents support (v3 if both list it, else v2, else v1).
 * @param sender the sender's key document
 * @param recipient the recipient's key document
 * @returns the version, or `null` when they share none (impossible for valid documents, which
 *   all include v1)
 */
export function negotiateVersion(
  sender: Pick<KeyDocument, 'versions'>,
  recipient: Pick<KeyDocument, 'versions'>,
): EnvelopeVersion | null {
  for (const v of [3, 2, 1] as const)
    if (sender.versions.includes(v) && recipient.versions.includes(v)) return v;
  return null;
}
