/**
 * Aliasing checks. The XOR kernels read sources while writing the destination, so a
 * destination that overlaps a source (other than exactly the first one, see xor.ts) corrupts
 * the output silently; public entry points refuse such buffers instead.
 *
 * @module
 */

/** True when the two views share at least one byte of one ArrayBuffer. */
export function overlaps(a: Uint8Array, b: Uint8Array): boolean {
  return (
    a.buffer === b.buffer &&
    a.byteOffset < b.byteOffset + b.length &&
    b.byteOffset < a.byteOffset + a.length
  );
}
