/**
 * Portable backend (Deno, Bun, browsers): @noble/hashes for SHA-256, HMAC and HKDF,
 * @noble/ciphers for AES-256-GCM, @noble/curves for Ed25519, `crypto.getRandomValues` for
 * randomness. All audited, synchronous, no primitive implemented here.
 *
 * Pitfall: @noble/curves' Ed25519 verification follows RFC 8032 / ZIP-215 rules that may accept
 * a few non-canonical encodings OpenSSL rejects; signatures made by the billing server verify on
 * both. Selected only through the `default` condition of `#crypto`.
 *
 * @module
 */
import { gcm } from '@noble/ciphers/aes.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Ed25519Signer, XpassCryptoBackend } from './types.js';

/** The @noble implementation of {@link XpassCryptoBackend}. */
export const backend: XpassCryptoBackend = {
  name: 'portable',
  randomBytes(n) {
    const out = new Uint8Array(n);
    for (let o = 0; o < n; o += 65536)
      crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
    return out;
  },
  sha256: (data) => sha256(data),
  hmacSha256: (key, data) => hmac(sha256, key, data),
  hkdfSha256: (ikm, salt, info, length) => hkdf(sha256, ikm, salt, info, length),
  aesGcmSeal: (key, iv, plaintext, aad) => gcm(key, iv, aad).encrypt(plaintext),
  aesGcmOpen(key, iv, sealed, aad) {
    if (sealed.length < 16) return null;
    try {
      return gcm(key, iv, aad).decrypt(sealed);
    } catch {
      return null;
    }
  },
  ed25519Signer(seed): Ed25519Signer {
    if (!(seed instanceof Uint8Array) || seed.length !== 32)
      throw new RangeError('Ed25519 seed must be 32 bytes');
    const secret = seed.slice();
    return {
      publicKey: ed25519.getPublicKey(secret),
      sign: (message) => ed25519.sign(message, secret),
    };
  },
  ed25519Verify(publicKey, message, signature) {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    try {
      return ed25519.verify(signature, message, publicKey);
    } catch {
      return false;
    }
  },
};
