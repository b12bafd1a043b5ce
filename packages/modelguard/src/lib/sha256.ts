/**
 * The hash backend interface the chunk logic is written against, and its Web Crypto
 * implementation for the browser-safe entry. The `./node` entry plugs in `node:crypto`
 * (synchronous and faster for large buffers); both give identical digests.
 *
 * @module
 */

/** SHA-256 of the concatenation of `parts`: 32 bytes. May be sync or async. */
export type Sha256 = (parts: readonly Uint8Array[]) => Uint8Array | Promise<Uint8Array>;

/**
 * SHA-256 through `crypto.subtle` (copies the parts into one buffer first: Web Crypto has no
 * streaming digest).
 * @returns 32 bytes
 */
export async function webSha256(parts: readonly Uint8Array[]): Promise<Uint8Array> {
  let data: Uint8Array;
  if (parts.length === 1) data = parts[0]!;
  else {
    let total = 0;
    for (const p of parts) total += p.length;
    data = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      data.set(p, at);
      at += p.length;
    }
  }
  return new Uint8Array(
    await globalThis.crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>),
  );
}
