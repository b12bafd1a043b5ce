/**
 * CSPRNG access. xorida needs only `globalThis.crypto.getRandomValues`, present in Node >= 19,
 * Deno, Bun and browsers.
 *
 * Pitfall: `getRandomValues` refuses requests above 65,536 bytes, so large fills loop.
 * Never substitute `Math.random`: perfect secrecy needs uniform, independent, fresh pieces.
 *
 * @module
 */

const MAX_REQUEST = 65_536;

/**
 * Fills `buf` with cryptographically secure random bytes, 64 KiB per call.
 * @param buf destination; any length
 */
export function fillRandom(buf: Uint8Array): void {
  const c = globalThis.crypto;
  if (!c || typeof c.getRandomValues !== 'function') {
    throw new TypeError(
      'xorida needs globalThis.crypto.getRandomValues (Node >= 19, Deno, Bun, browsers)',
    );
  }
  for (let off = 0; off < buf.length; off += MAX_REQUEST) {
    c.getRandomValues(buf.subarray(off, Math.min(off + MAX_REQUEST, buf.length)));
  }
}
