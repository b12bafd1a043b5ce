/**
 * The contract both crypto backends (`node.ts` on `node:crypto`, `portable.ts` on Web Crypto +
 * @noble) implement. The package picks one ONCE through the `#crypto` conditional import in
 * package.json; nothing sniffs the runtime per call.
 *
 * Pitfalls:
 * - AES-GCM is async because Web Crypto is; the Node backend resolves immediately.
 * - Every function that consumes attacker-controlled keys or signatures returns `false`/`null`
 *   instead of throwing, so callers can map failures to `Result` errors.
 * - Handles (`Ed25519SigningKey`, `X25519SecretKey`) keep native key objects so hot paths do not
 *   re-import keys; they hold secret material for the agent's lifetime.
 *
 * @module
 */

/** A loaded Ed25519 private key (RFC 8032). */
export interface Ed25519SigningKey {
  /** 32-byte public key. */
  readonly publicKey: Uint8Array;
  /** Signs `message` (any length); returns the 64-byte signature. */
  sign(message: Uint8Array): Uint8Array;
}

/** A loaded X25519 private key (RFC 7748). */
export interface X25519SecretKey {
  /** 32-byte public key (`X25519(sk, 9)`). */
  readonly publicKey: Uint8Array;
  /**
   * `X25519(sk, peer)`; `null` when `peer` is malformed or the result is all-zero (low order).
   * `cachePeer` keeps the imported peer key for reuse (static recipient keys, not ephemerals).
   */
  agree(peerPublicKey: Uint8Array, cachePeer?: boolean): Uint8Array | null;
}

/** The primitives Xlink needs from a runtime. */
export interface CryptoBackend {
  /** `'node'` or `'portable'`, for diagnostics and benchmark labels. */
  readonly name: 'node' | 'portable';
  /** `n` bytes from the runtime CSPRNG. */
  randomBytes(n: number): Uint8Array;
  /** SHA-256 digest (32 bytes). */
  sha256(data: Uint8Array): Uint8Array;
  /** HMAC-SHA256 (RFC 2104): 32-byte tag of `data` under `key` (any length). */
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** HKDF-SHA256 (RFC 5869): `length` bytes (<= 8160). */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /** AES-256-GCM encryption (NIST SP 800-38D), 12-byte IV, returns `ciphertext || 16-byte tag`. */
  aes256GcmSeal(
    key: Uint8Array,
    iv: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array,
  ): Promise<Uint8Array>;
  /** AES-256-GCM decryption of `ciphertext || tag`; `null` on authentication failure. */
  aes256GcmOpen(
    key: Uint8Array,
    iv: Uint8Array,
    sealed: Uint8Array,
    aad: Uint8Array,
  ): Promise<Uint8Array | null>;
  /** Loads a 32-byte Ed25519 private key seed. Throws `RangeError` on a wrong length. */
  ed25519SigningKey(seed: Uint8Array): Ed25519SigningKey;
  /** Ed25519 verification; `false` for malformed keys or signatures, never throws. */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** Loads a 32-byte X25519 private key. Throws `RangeError` on a wrong length. */
  x25519SecretKey(secretKey: Uint8Array): X25519SecretKey;
  /** A fresh random X25519 key pair (ephemeral keys), via the fastest native path. */
  x25519Generate(): X25519SecretKey;
}
