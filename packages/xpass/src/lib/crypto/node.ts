/**
 * `node:crypto` backend: native SHA-256, HMAC, HKDF, AES-256-GCM, Ed25519 and randomness.
 *
 * Pitfalls:
 * - Selected only through the `node` condition of `#crypto`; never import this file from library
 *   code directly.
 * - Ed25519 public keys are imported as JWK (cheaper than SPKI DER on Node 20) and cached in a
 *   small bounded map, because verifiers see the same billing-server key over and over.
 *
 * @module
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  hkdfSync,
  type KeyObject,
  randomFillSync,
  sign,
  verify,
} from 'node:crypto';
import type { Ed25519Signer, XpassCryptoBackend } from './types.js';

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const PUBLIC_KEY_CACHE_MAX = 256;
const publicKeys = new Map<string, KeyObject>();

function buf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function u8(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function publicKeyObject(publicKey: Uint8Array): KeyObject | null {
  if (publicKey.length !== 32) return null;
  const x = buf(publicKey).toString('base64url');
  let key = publicKeys.get(x);
  if (key === undefined) {
    try {
      key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
    } catch {
      return null;
    }
    if (publicKeys.size >= PUBLIC_KEY_CACHE_MAX) publicKeys.clear();
    publicKeys.set(x, key);
  }
  return key;
}

/** The `node:crypto` implementation of {@link XpassCryptoBackend}. */
export const backend: XpassCryptoBackend = {
  name: 'node',
  randomBytes(n) {
    const out = new Uint8Array(n);
    randomFillSync(out);
    return out;
  },
  sha256: (data) => u8(createHash('sha256').update(data).digest()),
  hmacSha256: (key, data) => u8(createHmac('sha256', key).update(data).digest()),
  hkdfSha256: (ikm, salt, info, length) =>
    new Uint8Array(hkdfSync('sha256', ikm, salt, info, length)),
  aesGcmSeal(key, iv, plaintext, aad) {
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(aad);
    const head = c.update(plaintext);
    const tail = c.final();
    const tag = c.getAuthTag();
    const out = new Uint8Array(head.length + tail.length + 16);
    out.set(head, 0);
    out.set(tail, head.length);
    out.set(tag, head.length + tail.length);
    return out;
  },
  aesGcmOpen(key, iv, sealed, aad) {
    if (sealed.length < 16) return null;
    try {
      const d = createDecipheriv('aes-256-gcm', key, iv);
      d.setAAD(aad);
      d.setAuthTag(sealed.subarray(sealed.length - 16));
      const head = d.update(sealed.subarray(0, sealed.length - 16));
      const tail = d.final();
      if (tail.length === 0) return u8(head);
      return u8(Buffer.concat([head, tail]));
    } catch {
      return null;
    }
  },
  ed25519Signer(seed): Ed25519Signer {
    if (!(seed instanceof Uint8Array) || seed.length !== 32)
      throw new RangeError('Ed25519 seed must be 32 bytes');
    const der = Buffer.concat([PKCS8_ED25519, seed]);
    const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    der.fill(0);
    const jwk = createPublicKey(key).export({ format: 'jwk' });
    const publicKey = u8(Buffer.from(String(jwk.x), 'base64url'));
    return { publicKey, sign: (message) => u8(sign(null, message, key)) };
  },
  ed25519Verify(publicKey, message, signature) {
    if (signature.length !== 64) return false;
    const key = publicKeyObject(publicKey);
    if (key === null) return false;
    try {
      return verify(null, message, key, signature);
    } catch {
      return false;
    }
  },
};
