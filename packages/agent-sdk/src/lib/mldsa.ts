/**
 * ML-DSA-65 (FIPS 204) from the selected crypto backend, with a fixed context string so Xlink
 * signatures cannot be replayed as signatures of another protocol using the same key.
 *
 * Pitfalls:
 * - Signing is hedged (fresh randomness per signature), so signatures are not reproducible;
 *   known-answer tests compare verification results, not signature bytes.
 * - Signing costs ~1-3 ms in pure JS; it dominates v3 latency.
 *
 * @module
 */
import { backend } from '#crypto';

/** ML-DSA-65 public key length in bytes. */
export const MLDSA65_PUBLIC_KEY_LENGTH = 1952;
/** ML-DSA-65 signature length in bytes. */
export const MLDSA65_SIGNATURE_LENGTH = 3309;

const CONTEXT = new TextEncoder().encode('xlink-v3');

/** An ML-DSA-65 key pair. Holds secret material. */
export interface MlDsaKeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/**
 * Deterministic ML-DSA-65 key generation (FIPS 204 ML-DSA.KeyGen_internal from a 32-byte seed).
 * @param seed 32 bytes
 * @returns `{ publicKey (1952 bytes), secretKey (4032 bytes) }`
 */
export function mldsaKeygen(seed: Uint8Array): MlDsaKeyPair {
  return backend.mlDsa65.keygen(seed);
}

/**
 * Signs with the `xlink-v3` context.
 * @param secretKey ML-DSA-65 secret key
 * @param message any length
 * @returns 3309-byte signature
 */
export function mldsaSign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return backend.mlDsa65.sign(secretKey, message, CONTEXT);
}

/**
 * Verifies with the `xlink-v3` context; never throws.
 * @returns `true` only for a valid signature of well-formed inputs
 */
export function mldsaVerify(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (publicKey.length !== MLDSA65_PUBLIC_KEY_LENGTH) return false;
  if (signature.length !== MLDSA65_SIGNATURE_LENGTH) return false;
  return backend.mlDsa65.verify(publicKey, message, signature, CONTEXT);
}
