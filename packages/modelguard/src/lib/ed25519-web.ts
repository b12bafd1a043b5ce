/**
 * Ed25519 (RFC 8032) through Web Crypto, for signing and verifying manifests. Works in Node 20
 * (`globalThis.crypto.subtle`), Deno, Bun and current browsers. No primitive is implemented
 * here: this file only wraps a 32-byte seed into PKCS#8 (RFC 8410) so Web Crypto can import it.
 *
 * Pitfall: a runtime without Web Crypto Ed25519 (older browsers) makes these functions reject;
 * the callers turn that into an error result.
 *
 * @module
 */

// RFC 8410 PKCS#8 wrapper for an Ed25519 private key: SEQUENCE { version 0, AlgorithmIdentifier
// { 1.3.101.112 }, OCTET STRING { OCTET STRING (32 bytes) } }.
const PKCS8_PREFIX = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

function fromBase64Url(s: string): Uint8Array {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function importSeed(seed: Uint8Array): Promise<CryptoKey> {
  const der = new Uint8Array(PKCS8_PREFIX.length + 32);
  der.set(PKCS8_PREFIX, 0);
  der.set(seed, PKCS8_PREFIX.length);
  try {
    return await globalThis.crypto.subtle.importKey(
      'pkcs8',
      der as Uint8Array<ArrayBuffer>,
      { name: 'Ed25519' },
      true,
      ['sign'],
    );
  } finally {
    der.fill(0);
  }
}

/**
 * Derives the raw public key of a seed.
 * @param seed 32-byte Ed25519 private key seed
 * @returns 32 bytes
 */
export async function ed25519PublicKey(seed: Uint8Array): Promise<Uint8Array> {
  const key = await importSeed(seed);
  const jwk = await globalThis.crypto.subtle.exportKey('jwk', key);
  if (typeof jwk.x !== 'string') throw new Error('Web Crypto did not export the public key');
  return fromBase64Url(jwk.x);
}

/**
 * Signs `message`.
 * @param seed 32-byte private key seed
 * @returns the 64-byte signature
 */
export async function ed25519Sign(seed: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  const key = await importSeed(seed);
  return new Uint8Array(
    await globalThis.crypto.subtle.sign(
      { name: 'Ed25519' },
      key,
      message as Uint8Array<ArrayBuffer>,
    ),
  );
}

/**
 * Verifies a signature.
 * @param publicKey raw 32-byte public key
 * @param signature 64 bytes
 * @returns true when valid
 */
export async function ed25519Verify(
  publicKey: Uint8Array,
  signature: Uint8Array,
  message: Uint8Array,
): Promise<boolean> {
  const key = await globalThis.crypto.subtle.importKey(
    'raw',
    publicKey as Uint8Array<ArrayBuffer>,
    { name: 'Ed25519' },
    false,
    ['verify'],
  );
  return globalThis.crypto.subtle.verify(
    { name: 'Ed25519' },
    key,
    signature as Uint8Array<ArrayBuffer>,
    message as Uint8Array<ArrayBuffer>,
  );
}
