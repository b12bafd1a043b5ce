/**
 * Writing an IDA5 share header (xorida's codec, docs/formats.md "xorida shares") in front of a
 * payload that `Splitter.splitInto` or `Disperser.disperseInto` already wrote in place, so the
 * streaming path never copies a payload. The layout constants come from xorida; a test checks
 * that the result is byte-identical to `encodeShare`, which stays the reference.
 *
 * Pitfall: this writes, it does not validate: callers pass values that `splitInto` or
 * `disperseInto` accepted.
 *
 * @module
 */
import {
  SHARE_FORMAT_VERSION,
  SHARE_FORMAT_VERSION_RAMP,
  SHARE_HEADER_LENGTH,
  SHARE_MAGIC,
  shareHeaderLength,
} from 'xorida';

/** What the header records. */
export interface ShareHeaderFields {
  readonly index: number;
  readonly n: number;
  readonly k: number;
  /** Ramp parameter; 2..k writes the version 2 (ramp) header, absent or 1 version 1. */
  readonly L?: number;
  readonly groupId: Uint8Array;
  readonly originalLength: number;
  readonly payloadLength: number;
  readonly productType: number;
}

/**
 * Writes the `shareHeaderLength(L)`-byte header (34 bytes, or 35 for ramp shares) at the start
 * of `out`.
 * @param out a buffer of `shareHeaderLength(L) + payloadLength` bytes whose tail holds the
 *   payload
 */
export function writeShareHeader(out: Uint8Array, f: ShareHeaderFields): void {
  const L = f.L ?? 1;
  const v = new DataView(out.buffer, out.byteOffset, shareHeaderLength(L));
  v.setUint32(0, SHARE_MAGIC);
  v.setUint8(4, L > 1 ? SHARE_FORMAT_VERSION_RAMP : SHARE_FORMAT_VERSION);
  v.setUint16(5, f.productType);
  v.setUint8(7, f.index);
  v.setUint8(8, f.n);
  v.setUint8(9, f.k);
  out.set(f.groupId, 10);
  v.setUint32(26, f.originalLength);
  v.setUint32(30, f.payloadLength);
  if (L > 1) v.setUint8(SHARE_HEADER_LENGTH, L);
}
