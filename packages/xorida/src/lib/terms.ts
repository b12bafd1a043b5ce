/**
 * Reusable source lists for the XOR kernels: the dealer and the reconstruction fill one
 * `(srcs, offs)` pair per piece, and allocating them per call cost about a tenth of a 64-byte
 * split + reconstruct. Both callers are synchronous and never re-enter each other while the
 * lists are in use; they reset `srcs` to `EMPTY` afterwards, so no payload or secret stays
 * referenced between calls. `offs` holds public byte offsets only.
 *
 * @module
 */

/** Placeholder for unused source slots. */
export const EMPTY = new Uint8Array(0);

let srcs: Uint8Array[] = [];
let offs = new Float64Array(0); // byte offsets may exceed 2^31

/**
 * The shared lists, at least `width` long (grown, never shrunk).
 * @param width most sources of one piece
 */
export function termScratch(width: number): { srcs: Uint8Array[]; offs: Float64Array } {
  if (offs.length < width) {
    const size = Math.max(width, 8);
    offs = new Float64Array(size);
    srcs = new Array(size).fill(EMPTY);
  }
  return { srcs, offs };
}
