/**
 * X-Wing hybrid KEM (draft-connolly-cfrg-xwing-kem, the version whose decapsulation key is a
 * 32-byte seed): ML-KEM-768, X25519 and SHA3-256 from the selected crypto backend (native in
 * node:crypto where the runtime has them, see `crypto/node-pq.ts`), SHAKE256
 * from @noble/hashes, combined exactly as the draft specifies. The official
 * test vectors (test/fixtures/xwing-draft-10-appendix-c.txt) pin this composition byte for byte.
 *
 * Pitfalls:
 * - The combiner input order is `ss_M || ss_X || ct_X || pk_X || XWingLabel`; any reordering
 *   still "works" between two copies of this code but breaks interoperability and the vectors.
 * - Expanding a decapsulation key runs ML-KEM key generation (~0.1-0.3 ms); keep the expanded
 *   `XWingSecretKey` for the key's lifetime instead of re-expanding per message.
 * - ML-KEM decapsulation never fails (implicit rejection); a forged ciphertext yields a random
 *   shared secret and is caught by the AEAD tag later.
 *
 * @module
 */

import { shake256 } from '@noble/hashes/sha3.js';
import { backend } from '#crypto';
import type { MlKem768Prepared, X25519SecretKey } from './crypto/types.js';

/** X-Wing public (encapsulation) key length in bytes: 1184 (ML-KEM-768) + 32 (X25519). */
export const XWING_PUBLIC_KEY_LENGTH = 1216;
/** X-Wing ciphertext length in bytes: 1088 (ML-KEM-768) + 32 (X25519). */
export const XWING_CIPHERTEXT_LENGTH = 1120;
/** X-Wing decapsulation key (seed) length in bytes. */
export const XWING_SEED_LENGTH = 32;
/** X-Wing shared secret length in bytes. */
export const XWING_SHARED_SECRET_LENGTH = 32;

const ML_KEM_PK = 1184;

// Prepared ML-KEM encapsulation keys (expanded matrix A), keyed by the X-Wing public key
// object: a peer's key document is verified once and its byte array re-used, so repeat sends
// to the same peer skip the ~40% of encapsulation spent re-expanding A.
type Prepared = MlKem768Prepared;
const prepared = new WeakMap<Uint8Array, Prepared>();
const ML_KEM_CT = 1088;
// XWingLabel = "\.//^\" (6 bytes) per the draft.
const XWING_LABEL = Uint8Array.from([0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c]);

/** An expanded X-Wing decapsulation key. Holds secret material. */
export interface XWingSecretKey {
  /** 1216-byte encapsulation key `pk_M || pk_X`. */
  readonly publicKey: Uint8Array;
  /** @internal ML-KEM-768 decapsulation key. */
  readonly mlkemSecret: Uint8Array;
  /** @internal X25519 key handle. */
  readonly x25519: X25519SecretKey;
  /** @internal own ML-KEM public key with its matrix expanded once (decapsulation re-encrypts). */
  readonly prepared: Prepared;
}

function combine(ssM: Uint8Array, ssX: Uint8Array, ctX: Uint8Array, pkX: Uint8Array): Uint8Array {
  const input = new Uint8Array(32 + 32 + 32 + 32 + XWING_LABEL.length);
  input.set(ssM, 0);
  input.set(ssX, 32);
  input.set(ctX, 64);
  input.set(pkX, 96);
  input.set(XWING_LABEL, 128);
  return backend.sha3_256(input);
}

/**
 * Expands a 32-byte X-Wing decapsulation key seed (draft `expandDecapsulationKey`).
 * @param seed 32 bytes
 * @returns the expanded key with its 1216-byte public key
 * @throws RangeError when `seed` is not 32 bytes (programming error)
 */
export function xwingExpand(seed: Uint8Array): XWingSecretKey {
  if (!(seed instanceof Uint8Array) || seed.length !== XWING_SEED_LENGTH)
    throw new RangeError('X-Wing seed must be 32 bytes');
  const expanded = shake256(seed, { dkLen: 96 });
  const { publicKey: pkM, secretKey: skM } = backend.mlKem768.keygen(expanded.subarray(0, 64));
  const x = backend.x25519SecretKey(expanded.subarray(64, 96));
  expanded.fill(0);
  const publicKey = new Uint8Array(XWING_PUBLIC_KEY_LENGTH);
  publicKey.set(pkM, 0);
  publicKey.set(x.publicKey, ML_KEM_PK);
  return {
    publicKey,
    mlkemSecret: skM,
    x25519: x,
    prepared: backend.mlKem768.prepare(pkM),
  };
}

/**
 * X-Wing encapsulation (draft `Encapsulate` / `EncapsulateDerand`).
 * @param publicKey 1216-byte encapsulation key
 * @param eseed optional 64 bytes of randomness (tests only; ML-KEM `m` then the X25519 ephemeral
 *   scalar); fresh CSPRNG bytes otherwise
 * @returns `{ sharedSecret (32 bytes), cipherText (1120 bytes) }`, or `null` when the public key
 *   is malformed (wrong length, ML-KEM modulus check failure, low-order X25519 point)
 */
export function xwingEncapsulate(
  publicKey: Uint8Array,
  eseed?: Uint8Array,
): { sharedSecret: Uint8Array; cipherText: Uint8Array } | null {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== XWING_PUBLIC_KEY_LENGTH)
    return null;
  if (eseed !== undefined && eseed.length !== 64) return null;
  const pkX = publicKey.subarray(ML_KEM_PK);
  const eph = eseed ? backend.x25519SecretKey(eseed.subarray(32, 64)) : backend.x25519Generate();
  const ssX = eph.agree(pkX, true);
  if (ssX === null) return null;
  let kem: { cipherText: Uint8Array; sharedSecret: Uint8Array };
  try {
    let prep: Prepared | undefined = prepared.get(publicKey);
    if (prep === undefined) {
      prep = backend.mlKem768.prepare(publicKey.slice(0, ML_KEM_PK));
      prepared.set(publicKey, prep);
    }
    // No `m` on the random path: a native backend then encapsulates with its own randomness.
    kem = prep.encapsulate(eseed ? eseed.slice(0, 32) : undefined);
  } catch {
    return null;
  }
  const ctX = eph.publicKey;
  const sharedSecret = combine(kem.sharedSecret, ssX, ctX, pkX);
  kem.sharedSecret.fill(0);
  ssX.fill(0);
  const cipherText = new Uint8Array(XWING_CIPHERTEXT_LENGTH);
  cipherText.set(kem.cipherText, 0);
  cipherText.set(ctX, ML_KEM_CT);
  return { sharedSecret, cipherText };
}

/**
 * X-Wing decapsulation (draft `Decapsulate`).
 * @param secretKey expanded key from {@link xwingExpand}
 * @param cipherText 1120 bytes
 * @returns the 32-byte shared secret, or `null` for a wrong-length ciphertext or a low-order
 *   X25519 part
 */
export function xwingDecapsulate(
  secretKey: XWingSecretKey,
  cipherText: Uint8Array,
): Uint8Array | null {
  if (!(cipherText instanceof Uint8Array) || cipherText.length !== XWING_CIPHERTEXT_LENGTH)
    return null;
  const ctM = cipherText.subarray(0, ML_KEM_CT);
  const ctX = cipherText.subarray(ML_KEM_CT);
  const ssX = secretKey.x25519.agree(ctX);
  if (ssX === null) return null;
  let ssM: Uint8Array;
  try {
    ssM = secretKey.prepared.decapsulate(ctM, secretKey.mlkemSecret);
  } catch {
    return null;
  }
  const ss = combine(ssM, ssX, ctX, secretKey.x25519.publicKey);
  ssM.fill(0);
  ssX.fill(0);
  return ss;
}
