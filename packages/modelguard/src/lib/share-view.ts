/**
 * A zero-copy reader of IDA5 shares for the restore hot path: the same strict checks as
 * xorida's `decodeShare` (magic, version 1 or 2, n, k, L, index, original length, payload
 * length, exact total length), but the payload is a view into `bytes` instead of a copy. A test
 * checks that it accepts and rejects exactly what `decodeShare` does on the cases that matter
 * here. Version 2 is the ramp header (xorida-scheme.md section 9): one more byte, L, in 2..k.
 *
 * Pitfall: the returned payload aliases `bytes`; the caller must not modify `bytes` while the
 * share is in use.
 *
 * @module
 */
import {
  choosePrime,
  MAX_RAMP_WORK,
  SHARE_FORMAT_VERSION,
  SHARE_FORMAT_VERSION_RAMP,
  SHARE_HEADER_LENGTH,
  SHARE_HEADER_LENGTH_RAMP,
  SHARE_MAGIC,
  type Share,
  shareLength,
} from 'xorida';

/** A share viewed in place, with its product type. */
export interface ShareView extends Share {
  readonly productType: number;
}

/**
 * Reads one IDA5 share (version 1, or version 2 with a ramp parameter L) without copying its
 * payload.
 * @param bytes exactly one encoded share
 * @returns the share (`L` set only for version 2), or undefined when `decodeShare` would
 *   reject it
 */
export function viewShare(bytes: Uint8Array): ShareView | undefined {
  if (!(bytes instanceof Uint8Array) || bytes.length < SHARE_HEADER_LENGTH) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0) !== SHARE_MAGIC) return undefined;
  const version = v.getUint8(4);
  if (version !== SHARE_FORMAT_VERSION && version !== SHARE_FORMAT_VERSION_RAMP) return undefined;
  const header = version === SHARE_FORMAT_VERSION ? SHARE_HEADER_LENGTH : SHARE_HEADER_LENGTH_RAMP;
  if (bytes.length < header) return undefined;
  const index = v.getUint8(7);
  const n = v.getUint8(8);
  const k = v.getUint8(9);
  if (n < 2 || k < 2 || k > n || index >= n) return undefined;
  const L = version === SHARE_FORMAT_VERSION ? 1 : v.getUint8(34);
  if (L > 1) {
    const p1 = choosePrime(n) - 1;
    if (L > k || k * L * p1 * p1 > MAX_RAMP_WORK) return undefined;
  } else if (version === SHARE_FORMAT_VERSION_RAMP) return undefined;
  const originalLength = v.getUint32(26);
  const payloadLength = v.getUint32(30);
  if (originalLength < 1 || payloadLength !== shareLength(originalLength, n, L)) return undefined;
  if (bytes.length !== header + payloadLength) return undefined;
  return {
    index,
    k,
    n,
    ...(L > 1 ? { L } : {}),
    groupId: bytes.subarray(10, 26),
    originalLength,
    payload: bytes.subarray(header),
    productType: v.getUint16(5),
  };
}
