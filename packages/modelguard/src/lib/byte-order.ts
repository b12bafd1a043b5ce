/**
 * Big-endian 64-bit writes and reads of JS numbers without BigInt and without 32-bit
 * truncation (offsets above 4 GiB).
 *
 * Pitfall: `x >>> 0` and `x | 0` silently drop the high word; split with division instead.
 *
 * @module
 */

const TWO_32 = 2 ** 32;

/**
 * Writes `value` (an integer 0..2^53-1) as a big-endian u64 at `offset`.
 * @throws RangeError when value is not a safe non-negative integer
 */
export function writeU64(view: DataView, offset: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a u53: ${value}`);
  view.setUint32(offset, Math.floor(value / TWO_32));
  view.setUint32(offset + 4, value % TWO_32);
}

/**
 * Reads a big-endian u64 at `offset`.
 * @returns the value, or -1 when it exceeds 2^53-1 (callers treat it as malformed)
 */
export function readU64(view: DataView, offset: number): number {
  const hi = view.getUint32(offset);
  const lo = view.getUint32(offset + 4);
  if (hi >= 2 ** 21) return -1;
  return hi * TWO_32 + lo;
}
