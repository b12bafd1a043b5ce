/**
 * CSPRNG access. xorida needs only `globalThis.crypto.getRandomValues`, present in Node >= 19,
 * Deno, Bun and browsers.
 *
 * Why no pool of pre-drawn bytes (it would save ~1.7 µs per short split): a pool keeps future
 * randomness in memory, where a heap snapshot reveals the pieces of the next splits, and a
 * process or VM snapshot restored several times (startup snapshots, cloned VMs) would hand the
 * same bytes to every clone: exactly the reuse that leaks the XOR of two secrets.
 *
 * Pitfalls: `getRandomValues` refuses requests above 65,536 bytes, so large fills loop. Never
 * substitute `Math.random`: perfect secrecy needs uniform, independent, fresh pieces.
 *
 * @module
 */

const MAX_REQUEST = 65_536;

/**
 * Fills `buf` with cryptographically secure random bytes, 64 KiB per call.
 * @param buf destination; any length
 * @throws TypeError when the runtime has no `crypto.getRandomValues` (a platform error)
 */
export function fillRandom(buf: Uint8Array): void {
  const c = globalThis.crypto;
  if (!c || typeof c.getRandomValues !== 'function') {
    throw new TypeError(
      'xorida needs globalThis.crypto.getRandomValues (Node >= 19, Deno, Bun, browsers)',
    );
  }
  if (buf.length <= MAX_REQUEST) {
    c.getRandomValues(buf); // one call, no view: the common small split
    return;
  }
  for (let off = 0; off < buf.length; off += MAX_REQUEST) {
    c.getRandomValues(buf.subarray(off, Math.min(off + MAX_REQUEST, buf.length)));
  }
}
