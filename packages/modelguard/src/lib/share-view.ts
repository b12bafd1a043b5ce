/**
 * A zero-copy reader of IDA5 shares for the restore hot path: the same strict checks as
 * xorida's `decodeShare` (magic, version, n, k, index, original length, payload length, exact
 * total length), but the payload is a view into `bytes` instead of a copy. A test checks that
 * it accepts and rejects exactly what `decodeShare` does on the cases that matter here.
 *
 * Pitfall: the returned payload aliases `bytes`; the caller must not modify `bytes` while the
 * share is in use.
 *
 * @module
 */
import {
  SHARE_FORMAT_VERSION,
  SHARE_HEADER_LENGTH,
  SHARE_MAGIC,
  type Share,
  shareLength,
} from 'xorida';

/** A share viewed in place, with its product type. */
export interface ShareView extends Share {
  readonly productType: number;
}

/**
 * Reads one IDA5 share without copying its payload.
 * @param bytes exactly one encoded share
 * @returns the share, or undefined when `decodeShare` would reject it
 */
export function viewShare(bytes: Uint8Array): ShareView | undefined {
  if (!(bytes instanceof Uint8Array) || bytes.length < SHARE_HEADER_LENGTH) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0) !== SHARE_MAGIC || v.getUint8(4) !== SHARE_FORMAT_VERSION) return undefined;
  const index = v.getUint8(7);
  const n = v.getUint8(8);
  const k = v.getUint8(9);
  if (n < 2 || k < 2 || k > n || index >= n) return undefined;
  const originalLength = v.getUint32(26);
  const payloadLength = v.getUint32(30);
  if (originalLength < 1 || payloadLength !== shareLength(originalLength, n)) return undefined;
  if (bytes.length !== SHARE_HEADER_LENGTH + payloadLength) return undefined;
  return {
    index,
    k,
    n,
    groupId: bytes.subarray(10, 26),
    originalLength,
    payload: bytes.subarray(SHARE_HEADER_LENGTH),
    productType: v.getUint16(5),
  };
}
