/**
 * Reading Ed25519 keys for the CLI: a signing key as a PKCS#8 PEM file (`openssl genpkey
 * -algorithm ed25519`) or a file holding a 64-hex-char seed; a trusted public key as 64 hex
 * chars, or a file holding hex or an SPKI PEM.
 *
 * Pitfalls:
 * - An empty or blank trusted key is an error, never "no key" (`--trusted-key "$UNSET"` would
 *   otherwise restore an unsigned manifest).
 * - Seeds are secrets; they are read into memory only to sign and wiped afterwards by
 *   the caller. Never pass a seed on the command line (shell history); pass a file.
 *
 * @module
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

function fromB64Url(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64url'));
}

/**
 * Loads a 32-byte Ed25519 seed from a file.
 * @throws Error with a readable message when the file is not a usable key
 */
export function loadSigningSeed(path: string): Uint8Array {
  const text = readFileSync(path, 'utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return new Uint8Array(Buffer.from(text, 'hex'));
  const key = createPrivateKey(text);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${path} is not an Ed25519 private key`);
  const jwk = key.export({ format: 'jwk' });
  if (typeof jwk.d !== 'string') throw new Error(`${path}: cannot export the key`);
  return fromB64Url(jwk.d);
}

/**
 * Loads a raw 32-byte Ed25519 public key from hex text or a file (hex or SPKI PEM).
 * @param value 64 hex chars, or the path of a file holding hex or an SPKI PEM
 * @throws Error (the CLI reports it as `INVALID_CONFIG`) when the value is empty or blank
 *   (e.g. an unset shell variable: an empty key must never mean "no key"), or not an Ed25519
 *   public key
 */
export function loadPublicKey(value: string): Uint8Array {
  if (typeof value !== 'string' || value.trim() === '')
    throw new Error('the trusted key is empty (an unset variable?); pass 64 hex chars or a file');
  const text = /^[0-9a-fA-F]{64}$/.test(value.trim())
    ? value.trim()
    : readFileSync(value, 'utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return new Uint8Array(Buffer.from(text, 'hex'));
  const key = createPublicKey(text);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 public key');
  const jwk = key.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('cannot export the public key');
  return fromB64Url(jwk.x);
}
