/**
 * xorida: K-of-N threshold secret sharing over GF(2) using XOR only
 * (Kurihara, Kiyomoto, Fukushima, Tanaka, ISC 2008), with a strict binary share codec.
 * Zero dependencies; needs only `globalThis.crypto.getRandomValues`.
 *
 * @module
 */
export { type Ok, type Err, type Result, type ErrorDetail, ok, err } from './result.js';
export type { XoridaError, XoridaErrorCode, ShareInvalidSubCode } from './errors.js';
export { type Share, GROUP_ID_LENGTH } from './share.js';
export { type SplitOptions, type Splitter, split, createSplitter } from './split.js';
export { reconstruct, reconstructInto } from './reconstruct.js';
export { shareLength, choosePrime, MAX_SHARES, MAX_SECRET_LENGTH } from './lib/params.js';
export {
  type DecodedShare,
  type EncodeShareOptions,
  encodeShare,
  decodeShare,
  encodeShareBase45,
  decodeShareBase45,
  SHARE_MAGIC,
  SHARE_FORMAT_VERSION,
  SHARE_HEADER_LENGTH,
  PRODUCT_TYPE_XORIDA,
} from './codec.js';
export { base45Encode, base45Decode } from './base45.js';
export { concatBytes, equalBytes, bytesToHex, hexToBytes, utf8ToBytes, bytesToUtf8, wipe } from './bytes.js';
