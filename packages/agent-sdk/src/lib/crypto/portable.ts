/**
 * Portable backend for Deno, Bun, browsers and workers: Web Crypto for AES-256-GCM and
 * randomness, @noble/curves for Ed25519 / X25519, @noble/hashes for SHA-2, SHA-3, HMAC and HKDF,
 * @noble/post-quantum for ML-KEM-768 / ML-DSA-65 (`noble-pq.ts`).
 *
 * Pitfalls:
 * - Web Crypto AES-GCM is async and slow for tiny messages (about 15x node:crypto here); that
 *   is the price of portability.
 * - Exception: `aes256GcmSealSync`/`aes256GcmOpenSync` use @noble/ciphers, because some
 *   per-message paths (xpass `decryptWithShares`) are synchronous by contract and Web Crypto
 *   has no synchronous API. Both pairs are the same AES-256-GCM (NIST SP 800-38D); the
 *   conformance test checks that they agree byte for byte.
 * - Ed25519 verification uses `zip215: false` (strict RFC 8032 decoding) to match OpenSSL's
 *   acceptance rules as closely as possible, so both backends accept the same signatures.
 * - Never import this file directly from library code; `#crypto` selects it.
 *
 * @module
 */
import { gcm } from '@noble/ciphers/aes.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { isStrongEd25519PublicKey } from '../ed25519-key-check.js';
import { nobleMlDsa65, nobleMlKem768, nobleSha3_256 } from './noble-pq.js';
import type { CryptoBackend, Ed25519SigningKey, X25519SecretKey } from './types.js';

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error('Web Crypto (globalThis.crypto.subtle) is not available');
  return s;
}

function need32(bytes: Uint8Array, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32)
    throw new RangeError(`${what} must be 32 bytes`);
}

// Web Crypto wants ArrayBuffer-backed views; copy anything else (e.g. SharedArrayBuffer).
function view(b: Uint8Array): Uint8Array<ArrayBuffer> {
  return b.buffer instanceof ArrayBuffer ? (b as Uint8Array<ArrayBuffer>) : new Uint8Array(b);
}

async function aesKey(key: Uint8Array, usage: KeyUsage): Promise<CryptoKey> {
  return subtle().importKey('raw', view(key), { name: 'AES-GCM' }, false, [usage]);
}

/** The Web Crypto + @noble implementation of {@link CryptoBackend}. */
export const backend: CryptoBackend = {
  name: 'portable',
  // Web Crypto's ML-KEM / ML-DSA (where a runtime has them) are asynchronous; this contract is
  // synchronous, so the post-quantum members stay on @noble here.
  capabilities: {
    backend: 'portable',
    mlKem768: 'js',
    mlDsa65: 'js',
    sha3_256: 'js',
    x25519: 'js',
    ed25519: 'js',
    aes256Gcm: 'native',
  },
  randomBytes(n) {
    const out = new Uint8Array(n);
    // getRandomValues fills at most 65536 bytes per call.
    for (let i = 0; i < n; i += 65536)
      globalThis.crypto.getRandomValues(out.subarray(i, i + 65536));
    return out;
  },
  sha256(data) {
    return sha256(data);
  },
  sha256Parts(parts) {
    const h = sha256.create();
    for (const p of parts) h.update(p);
    return h.digest();
  },
  sha3_256: nobleSha3_256,
  hmacSha256(key, data) {
    return hmac(sha256, key, data);
  },
  hkdfSha256(ikm, salt, info, length) {
    return hkdf(sha256, ikm, salt, info, length);
  },
  async aes256GcmSeal(key, iv, plaintext, aad, headroom = 0) {
    const k = await aesKey(key, 'encrypt');
    const out = await subtle().encrypt(
      { name: 'AES-GCM', iv: view(iv), additionalData: view(aad), tagLength: 128 },
      k,
      view(plaintext),
    );
    if (headroom === 0) return new Uint8Array(out);
    // Web Crypto cannot encrypt into a caller's buffer: one copy here
    const room = new Uint8Array(headroom + out.byteLength);
    room.set(new Uint8Array(out), headroom);
    return room.subarray(headroom);
  },
  async aes256GcmOpen(key, iv, sealed, aad) {
    if (sealed.length < 16) return null;
    try {
      const k = await aesKey(key, 'decrypt');
      const out = await subtle().decrypt(
        { name: 'AES-GCM', iv: view(iv), additionalData: view(aad), tagLength: 128 },
        k,
        view(sealed),
      );
      return new Uint8Array(out);
    } catch {
      return null;
    }
  },
  aes256GcmSealSync: (key, iv, plaintext, aad) => gcm(key, iv, aad).encrypt(plaintext),
  aes256GcmOpenSync(key, iv, sealed, aad) {
    if (sealed.length < 16) return null;
    try {
      return gcm(key, iv, aad).decrypt(sealed);
    } catch {
      return null;
    }
  },
  ed25519Signer(seed): Ed25519SigningKey {
    need32(seed, 'Ed25519 private key');
    const secret = Uint8Array.from(seed);
    return {
      publicKey: ed25519.getPublicKey(secret),
      sign: (message) => ed25519.sign(message, secret),
    };
  },
  ed25519Verify(publicKey, message, signature) {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    // Same acceptance as the node backend, which refuses small-order keys before OpenSSL.
    if (!isStrongEd25519PublicKey(publicKey)) return false;
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
  x25519Generate() {
    return backend.x25519SecretKey(x25519.utils.randomSecretKey());
  },
  x25519SecretKey(secretKey): X25519SecretKey {
    need32(secretKey, 'X25519 private key');
    const secret = Uint8Array.from(secretKey);
    return {
      publicKey: x25519.getPublicKey(secret),
      agree(peer) {
        if (!(peer instanceof Uint8Array) || peer.length !== 32) return null;
        try {
          return x25519.getSharedSecret(secret, peer);
        } catch {
          return null;
        }
      },
    };
  },
  mlKem768: nobleMlKem768,
  mlDsa65: nobleMlDsa65,
};
