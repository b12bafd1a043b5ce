/**
 * The binary share codec ("IDA5") and its Base45 text form. Layout (big-endian), specified with
 * vectors in docs/formats.md:
 *
 *   offset size field
 *        0    4 magic 0x49444135 ("IDA5")
 *        4    1 format version (1: threshold share; 2: ramp share, one more header byte)
 *        5    2 product type (0x0000 plain xorida; other values belong to the product using them)
 *        7    1 share index i (< n)
 *        8    1 n (2..255)
 *        9    1 k (2..n)
 *       10   16 groupId
 *       26    4 original length L (>= 1)
 *       30    4 payload length (must equal (p-1)*ceil(L/(p-1)); version 2: /(R*(p-1)))
 *       34    - payload (version 1)
 *       34    1 version 2 only: ramp parameter R (the scheme's L) in 2..k
 *       35    - payload (version 2)
 *
 * A threshold share (R = 1) is always written as version 1, byte for byte as before ramp
 * shares existed, and a version 2 header with R = 1 is refused: one share, one encoding.
 * Readers that only know version 1 refuse ramp shares as `UNSUPPORTED_VERSION` instead of
 * misreading them.
 *
 * Parsing is strict and total: every malformed input returns `SHARE_INVALID` with a distinct
 * sub-code and never throws. The header is not authenticated: sign or MAC encoded shares in the
 * layer above if they cross a trust boundary.
 *
 * @module
 */
import { base45Decode, base45Encode } from './base45.js';
import { type ShareInvalidSubCode, type XoridaError, xoridaErr } from './errors.js';
import { isIntIn, rampWithinBounds, shareLength } from './lib/params.js';
import { ok, type Result } from './result.js';
import { checkShare, GROUP_ID_LENGTH, rampOf, type Share } from './share.js';

/** "IDA5" as a big-endian uint32. */
export const SHARE_MAGIC = 0x49444135;
/** The codec version of threshold shares (L = 1). */
export const SHARE_FORMAT_VERSION = 1;
/** Header length in bytes of a version 1 (threshold) share. */
export const SHARE_HEADER_LENGTH = 34;
/** The codec version of ramp and dispersal shares (L >= 2). */
export const SHARE_FORMAT_VERSION_RAMP = 2;
/** Header length in bytes of a version 2 (ramp) share: version 1's plus the L byte. */
export const SHARE_HEADER_LENGTH_RAMP = 35;

/**
 * Header length in bytes of a share with ramp parameter `L`.
 * @param L 1 (threshold share) or 2..k (ramp share)
 * @returns 34 for L = 1, 35 otherwise
 */
export function shareHeaderLength(L = 1): number {
  return L > 1 ? SHARE_HEADER_LENGTH_RAMP : SHARE_HEADER_LENGTH;
}
/** Product type of plain xorida shares. */
export const PRODUCT_TYPE_XORIDA = 0x0000;

/** A decoded share plus the product type from its header. */
export interface DecodedShare extends Share {
  /** 16-bit product type (0x0000 for plain xorida shares). */
  readonly productType: number;
}

/** Options of `encodeShare`. */
export interface EncodeShareOptions {
  /** 16-bit product type written in the header; default `PRODUCT_TYPE_XORIDA` (0). */
  readonly productType?: number;
}

/**
 * Encodes a share as `shareHeaderLength(L) + payload.length` bytes: version 1 for threshold
 * shares, version 2 for ramp shares (`share.L >= 2`).
 * @param share a share from `split`, `disperse` or `decodeShare`
 * @param options `{ productType? }`, 0..65535
 * @returns the encoding, or `SHARE_INVALID` (malformed share) / `INVALID_CONFIG` (productType)
 */
export function encodeShare(
  share: Share,
  options: EncodeShareOptions = {},
): Result<Uint8Array, XoridaError> {
  const header = encodeShareHeader(share, options);
  if (!header.ok) return header;
  const out = new Uint8Array(header.value.length + share.payload.length);
  out.set(header.value, 0);
  out.set(share.payload, header.value.length);
  return ok(out);
}

/**
 * The header of {@link encodeShare}'s encoding alone (`shareHeaderLength(L)` bytes): the
 * encoding is this header followed by the payload. For a caller that lays out large shares in
 * its own buffers (e.g. `Splitter.splitInto` payloads right behind room for the header), so a
 * share is never copied to be encoded.
 * @param share a share from `split`, `disperse` or `decodeShare`
 * @param options `{ productType? }`, 0..65535
 * @returns the header, or `SHARE_INVALID` (malformed share) / `INVALID_CONFIG` (productType)
 */
export function encodeShareHeader(
  share: Share,
  options: EncodeShareOptions = {},
): Result<Uint8Array, XoridaError> {
  const productType = options.productType ?? PRODUCT_TYPE_XORIDA;
  if (!isIntIn(productType, 0, 0xffff)) {
    return xoridaErr(
      'INVALID_CONFIG',
      'productType must be an integer in 0..65535',
      'Use a 16-bit product type.',
      { field: 'productType' },
    );
  }
  const c = checkShare(share);
  if (!c.ok) return c;
  const L = rampOf(share);
  const out = new Uint8Array(shareHeaderLength(L));
  const v = new DataView(out.buffer);
  v.setUint32(0, SHARE_MAGIC);
  v.setUint8(4, L > 1 ? SHARE_FORMAT_VERSION_RAMP : SHARE_FORMAT_VERSION);
  v.setUint16(5, productType);
  v.setUint8(7, share.index);
  v.setUint8(8, share.n);
  v.setUint8(9, share.k);
  out.set(share.groupId, 10);
  v.setUint32(26, share.originalLength);
  v.setUint32(30, share.payload.length);
  if (L > 1) v.setUint8(34, L);
  return ok(out);
}

function invalid(
  subCode: ShareInvalidSubCode,
  message: string,
  field?: string,
): Result<never, XoridaError> {
  return xoridaErr(
    'SHARE_INVALID',
    message,
    'The bytes are not a complete xorida share; fetch or copy it again.',
    field ? { subCode, field } : { subCode },
  );
}

/** Options of `decodeShare`. */
export interface DecodeShareOptions {
  /**
   * Copy the payload out of `bytes` (default `true`). With `false` the payload is a view of
   * `bytes` (no copy): cheaper for large shares that are consumed at once, but later changes
   * to `bytes` show through, and wiping the payload wipes `bytes`.
   */
  readonly copy?: boolean;
}

/**
 * Decodes one share, version 1 (threshold) or 2 (ramp; the result has `L` set). The payload is
 * copied unless `options.copy` is `false`, so later changes to `bytes` do not affect it.
 * @param bytes exactly one encoded share
 * @param options `{ copy? }` (default: copy the payload)
 * @returns the share with its product type, or `SHARE_INVALID` with sub-code `BAD_MAGIC`,
 *   `TRUNCATED`, `UNSUPPORTED_VERSION`, `BAD_FIELD` (n or length), `THRESHOLD_OUT_OF_RANGE`
 *   (k), `INDEX_OUT_OF_RANGE`, `RAMP_OUT_OF_RANGE` (version 2: L not in 2..k, or over
 *   `MAX_RAMP_WORK`), `LENGTH_MISMATCH` (payload length vs length, n and L) or `TRAILING_BYTES`
 */
export function decodeShare(
  bytes: Uint8Array,
  options?: DecodeShareOptions,
): Result<DecodedShare, XoridaError> {
  if (!(bytes instanceof Uint8Array) || !ArrayBuffer.isView(bytes))
    return invalid('BAD_FIELD', 'share bytes must be a Uint8Array', 'bytes');
  // Length first: a view of a detached (transferred) buffer has length 0, and a DataView over
  // it would throw.
  if (bytes.length < 4)
    return invalid('TRUNCATED', `share is ${bytes.length} bytes, shorter than its magic`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0) !== SHARE_MAGIC)
    return invalid('BAD_MAGIC', 'share does not start with "IDA5"');
  if (bytes.length < SHARE_HEADER_LENGTH)
    return invalid(
      'TRUNCATED',
      `share header needs ${SHARE_HEADER_LENGTH} bytes, got ${bytes.length}`,
    );
  const version = v.getUint8(4);
  if (version !== SHARE_FORMAT_VERSION && version !== SHARE_FORMAT_VERSION_RAMP)
    return invalid(
      'UNSUPPORTED_VERSION',
      `share format version ${version} is not supported (expected ${SHARE_FORMAT_VERSION} or ${SHARE_FORMAT_VERSION_RAMP})`,
      'version',
    );
  const header =
    version === SHARE_FORMAT_VERSION_RAMP ? SHARE_HEADER_LENGTH_RAMP : SHARE_HEADER_LENGTH;
  if (bytes.length < header)
    return invalid('TRUNCATED', `share header needs ${header} bytes, got ${bytes.length}`);
  const productType = v.getUint16(5);
  const index = v.getUint8(7);
  const n = v.getUint8(8);
  const k = v.getUint8(9);
  if (n < 2) return invalid('BAD_FIELD', `n = ${n} is below 2`, 'n');
  if (k < 2 || k > n)
    return invalid('THRESHOLD_OUT_OF_RANGE', `k = ${k} is not in 2..n (${n})`, 'k');
  if (index >= n)
    return invalid('INDEX_OUT_OF_RANGE', `index ${index} is not below n = ${n}`, 'index');
  const L = header === SHARE_HEADER_LENGTH_RAMP ? v.getUint8(34) : 1;
  if (header === SHARE_HEADER_LENGTH_RAMP && (L < 2 || L > k || !rampWithinBounds(k, n, L)))
    return invalid(
      'RAMP_OUT_OF_RANGE',
      `L = ${L} is not in 2..k (${k}) within k*L*(p-1)^2 <= 2^24 (L = 1 is written as version 1)`,
      'L',
    );
  const originalLength = v.getUint32(26);
  if (originalLength < 1) return invalid('BAD_FIELD', 'original length is 0', 'originalLength');
  const payloadLength = v.getUint32(30);
  const expected = shareLength(originalLength, n, L);
  if (payloadLength !== expected) {
    return invalid(
      'LENGTH_MISMATCH',
      `payload length ${payloadLength} does not match ${expected} for length ${originalLength}, n = ${n}, L = ${L}`,
      'payloadLength',
    );
  }
  const total = header + payloadLength;
  if (bytes.length < total)
    return invalid('TRUNCATED', `share needs ${total} bytes, got ${bytes.length}`);
  if (bytes.length > total)
    return invalid('TRAILING_BYTES', `${bytes.length - total} bytes follow the share`);
  const groupId = bytes.slice(10, 10 + GROUP_ID_LENGTH);
  const payload =
    options?.copy === false ? bytes.subarray(header, total) : bytes.slice(header, total);
  // Literal objects, not a conditional spread (which builds a slower dictionary-mode object).
  return ok(
    L > 1
      ? { index, k, n, L, groupId, originalLength, payload, productType }
      : { index, k, n, groupId, originalLength, payload, productType },
  );
}

/**
 * Encodes a share as Base45 text (RFC 9285) of its binary encoding.
 * @returns the text, or the errors of `encodeShare`
 */
export function encodeShareBase45(
  share: Share,
  options: EncodeShareOptions = {},
): Result<string, XoridaError> {
  const bin = encodeShare(share, options);
  return bin.ok ? ok(base45Encode(bin.value)) : bin;
}

/**
 * Decodes a share from Base45 text.
 * @returns the share, or `SHARE_INVALID:BAD_BASE45` or any error of `decodeShare`
 */
export function decodeShareBase45(text: string): Result<DecodedShare, XoridaError> {
  const bin = base45Decode(text);
  return bin.ok ? decodeShare(bin.value) : bin;
}
