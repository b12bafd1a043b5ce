/**
 * Node-only primitives of xghost, all from `node:crypto` (never reimplemented): SHA-256 and
 * Ed25519 verification of raw 32-byte public keys; base64url helpers.
 *
 * @module
 */
import { createHash, createPublicKey, verify } from 'node:crypto';

/** SHA-256, lowercase hex. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const keyCache = new Map<string, ReturnType<typeof createPublicKey>>();

/** Ed25519 verification against a raw 32-byte public key. */
export function ed25519Verify(
  publicKey: Uint8Array,
  message: Uint8Array,
  sig: Uint8Array,
): boolean {
  if (publicKey.length !== 32 || sig.length !== 64) return false;
  const id = Buffer.from(publicKey).toString('hex');
  let key = keyCache.get(id);
  if (key === undefined) {
    key = createPublicKey({
      key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]),
      format: 'der',
      type: 'spki',
    });
    if (keyCache.size > 64) keyCache.clear();
    keyCache.set(id, key);
  }
  try {
    return verify(null, message, key, sig);
  } catch {
    return false;
  }
}

export function b64u(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

export function fromB64u(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64url'));
}
