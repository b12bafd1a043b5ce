/**
 * The synchronous primitives xpass needs, implemented twice: `node.ts` on `node:crypto` and
 * `portable.ts` on @noble (Deno, Bun, browsers). The package picks one ONCE through the `#crypto`
 * conditional import in package.json; nothing sniffs the runtime per call.
 *
 * Pitfalls:
 * - Everything is synchronous (unlike agent-sdk's backend, whose portable AES-GCM is Web Crypto):
 *   the per-message path must stay in the low microseconds, so the portable backend uses
 *   @noble/ciphers for AES-GCM instead of async Web Crypto.
 * - Functions that consume attacker-controlled keys, tags or signatures return `false`/`null`
 *   instead of throwing.
 *
 * @module
 */

/** A loaded Ed25519 private key (RFC 8032). */
export interface Ed25519Signer {
  /** 32-byte public key. */
  readonly publicKey: Uint8Array;
  /** Signs `message` (any length); returns the 64-byte signature. */
  sign(message: Uint8Array): Uint8Array;
}

/** The primitives xpass takes from a runtime. */
export interface XpassCryptoBackend {
  /** `'node'` or `'portable'`, for diagnostics and benchmark labels. */
  readonly name: 'node' | 'portable';
  /** `n` bytes from the runtime CSPRNG. */
  randomBytes(n: number): Uint8Array;
  /** SHA-256 digest (FIPS 180-4), 32 bytes. */
  sha256(data: Uint8Array): Uint8Array;
  /** HMAC-SHA256 (RFC 2104), 32 bytes. */
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** HKDF-SHA256 (RFC 5869), `length` bytes (<= 8160). */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /** AES-256-GCM (NIST SP 800-38D), 12-byte IV; returns `ciphertext || 16-byte tag`. */
  aesGcmSeal(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /** Opens `ciphertext || tag`; `null` on authentication failure. */
  aesGcmOpen(
    key: Uint8Array,
    iv: Uint8Array,
    sealed: Uint8Array,
    aad: Uint8Array,
  ): Uint8Array | null;
  /** Loads a 32-byte Ed25519 seed. Throws `RangeError` on a wrong length. */
  ed25519Signer(seed: Uint8Array): Ed25519Signer;
  /** Ed25519 verification; `false` for malformed keys or signatures, never throws. */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}
