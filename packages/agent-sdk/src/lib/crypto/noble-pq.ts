/**
 * The post-quantum members of both backends, from @noble/post-quantum and @noble/hashes: no
 * runtime this package targets ships ML-KEM-768 / ML-DSA-65 / SHA3-256 everywhere yet, so both
 * backends share these until one plugs in a native implementation behind the same interface.
 *
 * Pitfall: @noble's `ml_dsa65.sign` takes `(message, secretKey, opts)`; the backend interface
 * takes `(secretKey, message, context)`. Only this file knows the library's argument order.
 *
 * @module
 */
import { sha3_256 } from '@noble/hashes/sha3.js';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import type { MlDsa65, MlKem768, MlKem768Prepared } from './types.js';

/** ML-KEM-768 on @noble/post-quantum (FIPS 203). */
export const nobleMlKem768: MlKem768 = {
  keygen: (seed) => ml_kem768.keygen(seed),
  prepare: (publicKey) => ml_kem768.prepare(publicKey) as MlKem768Prepared,
};

/** ML-DSA-65 on @noble/post-quantum (FIPS 204). */
export const nobleMlDsa65: MlDsa65 = {
  keygen: (seed) => ml_dsa65.keygen(seed),
  sign: (secretKey, message, context) => ml_dsa65.sign(message, secretKey, { context }),
  verify(publicKey, message, signature, context) {
    try {
      return ml_dsa65.verify(signature, message, publicKey, { context });
    } catch {
      return false;
    }
  },
};

/** SHA3-256 on @noble/hashes (FIPS 202), 32 bytes. */
export function nobleSha3_256(data: Uint8Array): Uint8Array {
  return sha3_256(data);
}
