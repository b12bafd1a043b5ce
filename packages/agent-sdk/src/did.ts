/**
 * did:key for Ed25519 (W3C CCG did:key method): `did:key:z` + base58btc(varint multicodec
 * 0xed01 || 32-byte public key). The X25519 key-agreement key the method derives from the
 * Ed25519 key (multicodec 0xec01) is exposed for interoperability; Xlink's own v1 envelopes use
 * an independent X25519 key published in the signed key document.
 *
 * Pitfalls:
 * - Parsing is strict and canonical: the text must re-encode to itself, so one key has one DID
 *   (registries and nonce keys compare DIDs as strings).
 * - A DID proves nothing by itself; only a signature verified against it does.
 * - Small-order and non-canonical points are refused (`WEAK_KEY`): a signature "by" such a key
 *   can be forged for any message.
 *
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { LRUCache } from 'lru-cache';
import { ok, type Result } from 'xorida';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import { base58Decode, base58Encode } from './lib/codec.js';
import { isStrongEd25519PublicKey } from './lib/ed25519-key-check.js';

/** Multicodec varint prefix of an Ed25519 public key (0xed, as varint `ed 01`). */
export const ED25519_MULTICODEC = Uint8Array.from([0xed, 0x01]);
/** Multicodec varint prefix of an X25519 public key (0xec, as varint `ec 01`). */
export const X25519_MULTICODEC = Uint8Array.from([0xec, 0x01]);
/** Longest DID string accepted, in characters (an Ed25519 did:key is 56). */
export const MAX_DID_LENGTH = 64;

const PREFIX = 'did:key:z';

/**
 * Builds the did:key of an Ed25519 public key.
 * @param publicKey 32-byte Ed25519 public key
 * @returns `did:key:z6Mk...` (56 characters)
 * @throws RangeError when `publicKey` is not 32 bytes (programming error)
 */
export function didFromEd25519PublicKey(publicKey: Uint8Array): string {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32)
    throw new RangeError('Ed25519 public key must be 32 bytes');
  const buf = new Uint8Array(34);
  buf.set(ED25519_MULTICODEC, 0);
  buf.set(publicKey, 2);
  return PREFIX + base58Encode(buf);
}

/**
 * Parses an Ed25519 did:key strictly.
 * @param did text such as `did:key:z6Mk...`
 * @returns the 32-byte Ed25519 public key, or `INVALID_DID` (subCode `BAD_PREFIX`,
 *   `BAD_ENCODING`, `NOT_ED25519`, `NOT_CANONICAL`, `WEAK_KEY`; field `did`)
 */
export function parseDidKey(did: string): Result<Uint8Array, XlinkErrorDetail> {
  // Parsing is pure and runs several times per envelope; remember recent successes.
  const hit = typeof did === 'string' ? parsedDids.get(did) : undefined;
  if (hit !== undefined) return ok(hit.slice());
  const bad = (subCode: string, message: string) =>
    xlinkErr('INVALID_DID', message, 'Pass an Ed25519 did:key such as did:key:z6Mk...', {
      subCode,
      field: 'did',
    });
  if (typeof did !== 'string' || did.length > MAX_DID_LENGTH || !did.startsWith(PREFIX))
    return bad('BAD_PREFIX', 'not a did:key with a base58btc (z) multibase value');
  const raw = base58Decode(did.slice(PREFIX.length), MAX_DID_LENGTH);
  if (raw === null) return bad('BAD_ENCODING', 'did:key value is not valid base58btc');
  if (raw.length !== 34 || raw[0] !== 0xed || raw[1] !== 0x01)
    return bad('NOT_ED25519', 'did:key does not hold a 32-byte Ed25519 key (multicodec 0xed01)');
  const publicKey = raw.slice(2);
  if (didFromEd25519PublicKey(publicKey) !== did)
    return bad('NOT_CANONICAL', 'did:key is not in canonical form');
  if (!isStrongEd25519PublicKey(publicKey))
    return bad('WEAK_KEY', 'did:key holds an invalid or small-order Ed25519 point');
  parsedDids.set(did, publicKey.slice());
  return ok(publicKey);
}

/** Parsed DIDs, bounded: least recently used entries are evicted first. */
const parsedDids = new LRUCache<string, Uint8Array>({ max: 1024 });

/**
 * The X25519 key-agreement key the did:key method derives from an Ed25519 DID
 * (birational map Edwards -> Montgomery), with its multibase id.
 * @param did Ed25519 did:key
 * @returns `{ publicKey (32 bytes), id: 'z6LS...' }` or `INVALID_DID`
 */
export function didKeyAgreementKey(
  did: string,
): Result<{ publicKey: Uint8Array; id: string }, XlinkErrorDetail> {
  const parsed = parseDidKey(did);
  if (!parsed.ok) return parsed;
  let publicKey: Uint8Array;
  try {
    publicKey = ed25519.utils.toMontgomery(parsed.value);
  } catch {
    return xlinkErr('INVALID_DID', 'Ed25519 key is not a valid curve point', 'Check the DID', {
      subCode: 'NOT_ED25519',
      field: 'did',
    });
  }
  const buf = new Uint8Array(34);
  buf.set(X25519_MULTICODEC, 0);
  buf.set(publicKey, 2);
  return ok({ publicKey, id: `z${base58Encode(buf)}` });
}

/**
 * The X25519 private key the did:key method pairs with an Ed25519 private key (RFC 8032
 * SHA-512 expansion, clamped), for interoperability with did:key tooling.
 * @param ed25519Seed 32-byte Ed25519 private key
 * @returns 32-byte X25519 private key
 */
export function didKeyAgreementSecret(ed25519Seed: Uint8Array): Uint8Array {
  return ed25519.utils.toMontgomerySecret(ed25519Seed);
}
