/**
 * `@xorida/agent-sdk/crypto`: THE crypto backend of the platform, plus its one byte codec and
 * its one canonical JSON. Every package (agent-sdk, xpass, xghost, modelguard) takes its
 * primitives from here and keeps no copy.
 *
 * The backend is chosen ONCE, when this module loads, through the package's `#crypto`
 * conditional import: the `node` condition gives `node:crypto` (synchronous, native), every
 * other runtime (Deno, Bun, browsers, workers) gets Web Crypto + @noble. Nothing sniffs the
 * runtime per call. `cryptoBackendName` tells which one loaded, `cryptoCapabilities()` which of
 * its primitives are native (the Node backend detects ML-KEM-768 / ML-DSA-65 / SHA3-256 in
 * node:crypto once at load, Node >= 24.7, and uses @noble where they are missing).
 *
 * Pitfalls:
 * - Everything is synchronous except `aes256GcmSeal`/`aes256GcmOpen`, which are async because
 *   Web Crypto's AES-GCM is. The one exception, `aes256GcmSealSync`/`aes256GcmOpenSync`, exists
 *   because xpass opens messages on a synchronous per-message path (`decryptWithShares`); it is
 *   node:crypto in Node and @noble/ciphers (audited, constant-time tables) in the portable
 *   backend. Use the async pair everywhere else: it is native AES in browsers.
 * - Verification and decryption return `false`/`null` on bad input and never throw; key loaders
 *   throw `RangeError` on a wrong key length (a programming error, not an attack).
 * - Post-quantum primitives (`backend.mlKem768`, `backend.mlDsa65`, `backend.sha3_256`) are
 *   backend members so a native implementation replaces @noble/post-quantum in one place; keys
 *   and wire bytes are identical on both paths.
 *
 * Specs: FIPS 180-4 (SHA-256), FIPS 202 (SHA3-256), RFC 2104 (HMAC), RFC 5869 (HKDF),
 * NIST SP 800-38D (AES-GCM), RFC 8032 (Ed25519), RFC 7748 (X25519), RFC 8410 (DER key
 * encodings), FIPS 203 (ML-KEM), FIPS 204 (ML-DSA), RFC 4648 (base64url), RFC 8785 (JSON
 * canonicalization).
 *
 * @module
 */
import { bytesToHex } from 'xorida';
import { backend } from '#crypto';
import type { CryptoCapabilities } from './lib/crypto/types.js';

export { backend };

/** `'node'` or `'portable'`: which crypto backend this build resolved to. */
export const cryptoBackendName: 'node' | 'portable' = backend.name;

/**
 * Which primitives of the loaded backend run natively in this runtime and which in JavaScript
 * (@noble), decided once when the backend loaded by trying each operation. On Node >= 24.7 the
 * Node backend reports ML-KEM-768 (FIPS 203), ML-DSA-65 (FIPS 204) and SHA3-256 (FIPS 202) as
 * `'native'`; on Node 20/22 they are `'js'`.
 * @returns a frozen {@link CryptoCapabilities} (same object on every call)
 */
export function cryptoCapabilities(): CryptoCapabilities {
  return capabilities;
}
const capabilities: CryptoCapabilities = Object.freeze({ ...backend.capabilities });

/**
 * Ed25519 verification against a raw public key (RFC 8032); the backend's, as a function.
 * @param publicKey 32 bytes
 * @param message any length
 * @param signature 64 bytes
 * @returns `true` only for a valid signature by a strong key; never throws
 */
export function ed25519Verify(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  return backend.ed25519Verify(publicKey, message, signature);
}

/**
 * SHA-256 (FIPS 180-4) as lowercase hex, for content addresses and file digests.
 * @param data bytes, or a string hashed as its UTF-8 encoding
 * @returns 64 lowercase hex characters
 */
export function sha256Hex(data: Uint8Array | string): string {
  return bytesToHex(
    backend.sha256(typeof data === 'string' ? new TextEncoder().encode(data) : data),
  );
}

export { canonicalJson } from './lib/canonical-json.js';
export { base58Decode, base58Encode, base64urlDecode, base64urlEncode } from './lib/codec.js';
export {
  derUnwrap,
  derWrap,
  ED25519_PKCS8_PREFIX,
  ED25519_SPKI_PREFIX,
  X25519_PKCS8_PREFIX,
} from './lib/crypto/der.js';
export type {
  CryptoBackend,
  CryptoCapabilities,
  Ed25519SigningKey,
  MlDsa65,
  MlKem768,
  MlKem768Prepared,
  PrimitiveSource,
  X25519SecretKey,
} from './lib/crypto/types.js';
