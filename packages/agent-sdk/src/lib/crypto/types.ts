/**
 * The contract both crypto backends (`node.ts` on `node:crypto`, `portable.ts` on Web Crypto +
 * @noble) implement: the union of the primitives agent-sdk, xpass, xghost and modelguard use.
 * The package picks one ONCE through the `#crypto` conditional import in package.json; nothing
 * sniffs the runtime per call. Public as `@xorida/agent-sdk/crypto`.
 *
 * Pitfalls:
 * - `aes256GcmSeal`/`aes256GcmOpen` are async because Web Crypto is; the Node backend resolves
 *   immediately. `aes256GcmSealSync`/`aes256GcmOpenSync` exist for per-message paths that must
 *   stay synchronous on every runtime (xpass `decryptWithShares`): node:crypto in Node,
 *   @noble/ciphers in the portable backend. Both pairs produce identical bytes.
 * - Every function that consumes attacker-controlled keys, tags or signatures returns
 *   `false`/`null` instead of throwing, so callers can map failures to `Result` errors.
 * - Handles (`Ed25519SigningKey`, `X25519SecretKey`) keep native key objects so hot paths do not
 *   re-import keys; they hold secret material for their owner's lifetime.
 * - Post-quantum primitives (`mlKem768`, `mlDsa65`, `sha3_256`) are members of the backend so a
 *   backend can swap @noble/post-quantum for a native implementation without touching callers:
 *   the Node backend uses `node:crypto`'s ML-KEM-768 / ML-DSA-65 where the runtime has them
 *   (`node-pq.ts`), otherwise @noble (`noble-pq.ts`); `capabilities` says which one runs.
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

/** An ML-KEM-768 encapsulation key with its matrix expanded once (FIPS 203). */
export interface MlKem768Prepared {
  /**
   * Encapsulates to the prepared key. `m`: 32 bytes of encapsulation randomness (tests only;
   * fresh CSPRNG bytes when omitted). Returns the 1088-byte ciphertext and 32-byte secret.
   */
  encapsulate(m?: Uint8Array): { cipherText: Uint8Array; sharedSecret: Uint8Array };
  /** Decapsulates `cipherText` (1088 bytes) with `secretKey` (2400 bytes); never fails (FIPS 203 implicit rejection). */
  decapsulate(cipherText: Uint8Array, secretKey: Uint8Array): Uint8Array;
}

/** ML-KEM-768 (FIPS 203). */
export interface MlKem768 {
  /** Deterministic key generation from a 64-byte seed `d || z`: 1184-byte public, 2400-byte secret key. */
  keygen(seed: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array };
  /** Expands a 1184-byte encapsulation key once for repeated use. Throws on a malformed key. */
  prepare(publicKey: Uint8Array): MlKem768Prepared;
}

/** ML-DSA-65 (FIPS 204), hedged signing, with an application context string (<= 255 bytes). */
export interface MlDsa65 {
  /** Deterministic key generation from a 32-byte seed: 1952-byte public, 4032-byte secret key. */
  keygen(seed: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array };
  /** Signs `message` under `context`; returns the 3309-byte signature. */
  sign(secretKey: Uint8Array, message: Uint8Array, context: Uint8Array): Uint8Array;
  /** Verifies; `false` for malformed inputs, never throws. */
  verify(
    publicKey: Uint8Array,
    message: Uint8Array,
    signature: Uint8Array,
    context: Uint8Array,
  ): boolean;
}

/** Where a primitive runs: the runtime's native crypto, or JavaScript (@noble). */
export type PrimitiveSource = 'native' | 'js';

/**
 * Which implementation each primitive of a backend uses, decided once when the backend loads
 * (by trying the operation, not by reading a version string).
 */
export interface CryptoCapabilities {
  /** `'node'` or `'portable'`: the backend that loaded. */
  readonly backend: 'node' | 'portable';
  /** ML-KEM-768 (FIPS 203) key generation, decapsulation and random encapsulation. */
  readonly mlKem768: PrimitiveSource;
  /** ML-DSA-65 (FIPS 204) key generation, signing and verification. */
  readonly mlDsa65: PrimitiveSource;
  /** SHA3-256 (FIPS 202), the X-Wing combiner hash. */
  readonly sha3_256: PrimitiveSource;
  /** X25519 (RFC 7748). */
  readonly x25519: PrimitiveSource;
  /** Ed25519 (RFC 8032). */
  readonly ed25519: PrimitiveSource;
  /** AES-256-GCM (NIST SP 800-38D), the asynchronous pair. */
  readonly aes256Gcm: PrimitiveSource;
}

/** The primitives the platform takes from a runtime. */
export interface CryptoBackend {
  /** `'node'` or `'portable'`, for diagnostics and benchmark labels. */
  readonly name: 'node' | 'portable';
  /** Which primitives are native in this runtime. */
  readonly capabilities: CryptoCapabilities;
  /** `n` bytes from the runtime CSPRNG. */
  randomBytes(n: number): Uint8Array;
  /** SHA-256 digest (FIPS 180-4), 32 bytes. */
  sha256(data: Uint8Array): Uint8Array;
  /** SHA-256 of the concatenation of `parts` without concatenating them (streaming), 32 bytes. */
  sha256Parts(parts: readonly Uint8Array[]): Uint8Array;
  /** SHA3-256 digest (FIPS 202), 32 bytes. */
  sha3_256(data: Uint8Array): Uint8Array;
  /** HMAC-SHA256 (RFC 2104): 32-byte tag of `data` under `key` (any length). */
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** HKDF-SHA256 (RFC 5869): `length` bytes (<= 8160). */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /**
   * AES-256-GCM encryption (NIST SP 800-38D), 12-byte IV, returns `ciphertext || 16-byte tag`.
   * With `headroom` > 0 the result is a view that starts `headroom` bytes into its own buffer,
   * so a caller can put a prefix in front of it without copying the ciphertext (the envelope
   * signing input, envelope-binary.ts); the headroom bytes are unspecified. With `inPlace` the
   * ciphertext may be written over `plaintext` (whose contents are then lost) when its buffer
   * has `headroom` bytes before it and 16 after it: for large buffers the caller owns.
   */
  aes256GcmSeal(
    key: Uint8Array,
    iv: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array,
    headroom?: number,
    inPlace?: boolean,
  ): Promise<Uint8Array>;
  /**
   * AES-256-GCM decryption of `ciphertext || tag`; `null` on authentication failure. With
   * `inPlace` the plaintext may be written over `sealed` (whose contents are then lost, on
   * failure too) and returned as a view of it: for large buffers the caller owns.
   */
  aes256GcmOpen(
    key: Uint8Array,
    iv: Uint8Array,
    sealed: Uint8Array,
    aad: Uint8Array,
    inPlace?: boolean,
  ): Promise<Uint8Array | null>;
  /** Synchronous {@link CryptoBackend.aes256GcmSeal} (same bytes); see the module doc. */
  aes256GcmSealSync(
    key: Uint8Array,
    iv: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array,
  ): Uint8Array;
  /** Synchronous {@link CryptoBackend.aes256GcmOpen}; `null` on authentication failure. */
  aes256GcmOpenSync(
    key: Uint8Array,
    iv: Uint8Array,
    sealed: Uint8Array,
    aad: Uint8Array,
  ): Uint8Array | null;
  /** Loads a 32-byte Ed25519 private key seed (RFC 8032). Throws `RangeError` on a wrong length. */
  ed25519Signer(seed: Uint8Array): Ed25519SigningKey;
  /**
   * Ed25519 verification (RFC 8032, strict encodings); `false` for malformed, non-canonical or
   * small-order keys and malformed signatures, never throws.
   */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** Loads a 32-byte X25519 private key. Throws `RangeError` on a wrong length. */
  x25519SecretKey(secretKey: Uint8Array): X25519SecretKey;
  /** A fresh random X25519 key pair (ephemeral keys), via the fastest native path. */
  x25519Generate(): X25519SecretKey;
  /** ML-KEM-768 (FIPS 203). */
  readonly mlKem768: MlKem768;
  /** ML-DSA-65 (FIPS 204). */
  readonly mlDsa65: MlDsa65;
}
