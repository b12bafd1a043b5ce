/**
 * xorida: K-of-N threshold secret sharing over GF(2) using XOR only
 * (Kurihara, Kiyomoto, Fukushima, Tanaka, ISC 2008), its (k, L, n) ramp extension and XOR
 * information dispersal (`disperse` / `recover`), with a strict binary share codec.
 * Zero dependencies; needs only `globalThis.crypto.getRandomValues`.
 *
 * @module
 */

export { base45Decode, base45Encode } from './base45.js';
export {
  bytesToHex,
  bytesToUtf8,
  concatBytes,
  equalBytes,
  hexToBytes,
  utf8ToBytes,
  wipe,
} from './bytes.js';
export {
  type DecodedShare,
  type DecodeShareOptions,
  decodeShare,
  decodeShareBase45,
  type EncodeShareOptions,
  encodeShare,
  encodeShareBase45,
  encodeShareHeader,
  PRODUCT_TYPE_XORIDA,
  SHARE_FORMAT_VERSION,
  SHARE_FORMAT_VERSION_RAMP,
  SHARE_HEADER_LENGTH,
  SHARE_HEADER_LENGTH_RAMP,
  SHARE_MAGIC,
  shareHeaderLength,
} from './codec.js';
export {
  createDisperser,
  type DisperseCallOptions,
  type DisperseOptions,
  type Disperser,
  disperse,
} from './disperse.js';
export type {
  InconsistentSharesSubCode,
  ShareInvalidSubCode,
  XoridaError,
  XoridaErrorCode,
  XoridaErrorOf,
  XoridaSubCodes,
} from './errors.js';
export {
  choosePrime,
  MAX_RAMP_WORK,
  MAX_SECRET_LENGTH,
  MAX_SHARES,
  shareLength,
} from './lib/params.js';
export { reconstruct, reconstructInto, recover, recoverInto } from './reconstruct.js';
export { type Err, type ErrorDetail, err, type Ok, ok, type Result } from './result.js';
export { GROUP_ID_LENGTH, type Share } from './share.js';
export {
  createSplitter,
  type DealerOptions,
  type ShareDealer,
  type ShareOverlay,
  type SplitOptions,
  type Splitter,
  split,
} from './split.js';
