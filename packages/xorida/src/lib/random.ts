/**
 * CSPRNG access. xorida needs only `globalThis.crypto.getRandomValues`, present in Node >= 19,
 * Deno, Bun and browsers.
 *
 * Small requests are served from a 4 KiB pool: one `getRandomValues` call costs about 1.7 µs
 * whatever its size up to a few KiB (Node 20), which dominated splitting short secrets. Bytes
 * handed out are zeroed in the pool at once, so the pool never holds randomness that was used;
 * it holds only bytes no split has seen yet.
 *
 * Pitfalls: `getRandomValues` refuses requests above 65,536 bytes, so large fills loop. Never
 * substitute `Math.random`: perfect secrecy needs uniform, independent, fresh pieces.
 *
 * @module
 */

const MAX_REQUEST = 65_536;
const POOL_SIZE = 4096;
/** Requests up to this many bytes come from the pool. */
const POOLED_MAX = 1024;

let pool: Uint8Array | undefined;
let poolPos = POOL_SIZE;

function source(): Crypto {
  const c = globalThis.crypto;
  if (!c || typeof c.getRandomValues !== 'function') {
    throw new TypeError(
      'xorida needs globalThis.crypto.getRandomValues (Node >= 19, Deno, Bun, browsers)',
    );
  }
  return c;
}

/**
 * Fills `buf` with cryptographically secure random bytes.
 * @param buf destination; any length
 * @throws TypeError when the runtime has no `crypto.getRandomValues` (a platform error)
 */
export function fillRandom(buf: Uint8Array): void {
  const c = source();
  const len = buf.length;
  if (len <= POOLED_MAX) {
    if (!pool) pool = new Uint8Array(POOL_SIZE);
    if (poolPos + len > POOL_SIZE) {
      c.getRandomValues(pool);
      poolPos = 0;
    }
    buf.set(pool.subarray(poolPos, poolPos + len));
    pool.fill(0, poolPos, poolPos + len);
    poolPos += len;
    return;
  }
  for (let off = 0; off < len; off += MAX_REQUEST) {
    c.getRandomValues(buf.subarray(off, Math.min(off + MAX_REQUEST, len)));
  }
}
