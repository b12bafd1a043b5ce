/**
 * SHA-256 through `node:crypto` (synchronous, streaming, SHA-NI accelerated where the CPU has
 * it). Produces the same digests as the Web Crypto backend of the main entry.
 *
 * @module
 */
import { createHash } from 'node:crypto';

/**
 * SHA-256 of the concatenation of `parts`, without concatenating them.
 * @returns 32 bytes
 */
export function nodeSha256(parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}
