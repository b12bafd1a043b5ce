/**
 * The `Share` value and its structural checks.
 *
 * @module
 */
import { type ShareInvalidSubCode, type XoridaError, xoridaErr } from './errors.js';
import {
  isIntIn,
  MAX_SECRET_LENGTH,
  MAX_SHARES,
  rampWithinBounds,
  shareLength,
} from './lib/params.js';
import { OK_VOID, type Result } from './result.js';

/** Length in bytes of the random id that links the shares of one split. */
export const GROUP_ID_LENGTH = 16;

/**
 * One share of a K-of-N split, or of a (k, L, n) ramp split (xorida-scheme.md section 9) when
 * `L` is set. All fields except `payload` are public.
 */
export interface Share {
  /** Share index i, 0-based, `0 <= index < n`. */
  readonly index: number;
  /** Threshold k: any k shares recover the secret, k-1 reveal nothing. */
  readonly k: number;
  /** Number of shares n, `k <= n <= 255`. */
  readonly n: number;
  /**
   * Ramp parameter L of a (k, L, n) ramp split, `2 <= L <= k` (L = k: dispersal, made by
   * `disperse`). Absent (or 1) for threshold shares made by `split`. Any k shares recover the
   * secret; k-L or fewer are independent of it; between k-L and k shares leak part of it.
   */
  readonly L?: number;
  /** 16 random bytes shared by all shares of one split. */
  readonly groupId: Uint8Array;
  /** Secret length in bytes (the payload is `(p-1)*ceil(length/(L*(p-1)))` bytes). */
  readonly originalLength: number;
  /** The share payload, `shareLength(originalLength, n, L)` bytes. */
  readonly payload: Uint8Array;
}

function badShare(
  where: string,
  subCode: ShareInvalidSubCode,
  field: string,
  message: string,
  hint: string,
): Result<never, XoridaError> {
  return xoridaErr('SHARE_INVALID', message, hint, { subCode, field: `${where}.${field}` });
}

/**
 * Checks one share's fields and payload length.
 * @returns `ok(undefined)` or `SHARE_INVALID` (sub-codes `BAD_FIELD`, `INDEX_OUT_OF_RANGE`,
 *   `THRESHOLD_OUT_OF_RANGE`, `RAMP_OUT_OF_RANGE`, `LENGTH_MISMATCH`) naming the field
 */
export function checkShare(share: Share, where = 'share'): Result<void, XoridaError> {
  if (typeof share !== 'object' || share === null) {
    return badShare(
      where,
      'BAD_FIELD',
      'self',
      `${where} is not a share object`,
      'Pass shares returned by split() or decodeShare().',
    );
  }
  if (!isIntIn(share.n, 2, MAX_SHARES)) {
    return badShare(
      where,
      'BAD_FIELD',
      'n',
      `n must be an integer in 2..${MAX_SHARES}`,
      'Decode the share again from its source.',
    );
  }
  if (!isIntIn(share.k, 2, share.n)) {
    return badShare(
      where,
      'THRESHOLD_OUT_OF_RANGE',
      'k',
      'k must be an integer in 2..n',
      'Decode the share again from its source.',
    );
  }
  if (!isIntIn(share.index, 0, share.n - 1)) {
    return badShare(
      where,
      'INDEX_OUT_OF_RANGE',
      'index',
      'index must be an integer in 0..n-1',
      'Decode the share again from its source.',
    );
  }
  const L = rampOf(share);
  if (!isIntIn(L, 1, share.k) || !rampWithinBounds(share.k, share.n, L)) {
    return badShare(
      where,
      'RAMP_OUT_OF_RANGE',
      'L',
      'L must be an integer in 1..k with k*L*(p-1)^2 at most 2^24',
      'Decode the share again from its source.',
    );
  }
  if (!(share.groupId instanceof Uint8Array) || share.groupId.length !== GROUP_ID_LENGTH) {
    return badShare(
      where,
      'BAD_FIELD',
      'groupId',
      `groupId must be ${GROUP_ID_LENGTH} bytes`,
      'Decode the share again from its source.',
    );
  }
  if (
    !isIntIn(share.originalLength, 1, MAX_SECRET_LENGTH) ||
    shareLength(share.originalLength, share.n, L) > MAX_SECRET_LENGTH
  ) {
    return badShare(
      where,
      'BAD_FIELD',
      'originalLength',
      'originalLength must be an integer >= 1 whose padded length fits 32 bits',
      'Decode the share again from its source.',
    );
  }
  if (
    !(share.payload instanceof Uint8Array) ||
    share.payload.length !== shareLength(share.originalLength, share.n, L)
  ) {
    return badShare(
      where,
      'LENGTH_MISMATCH',
      'payload',
      `payload must be ${shareLength(share.originalLength, share.n, L)} bytes for originalLength ${share.originalLength}, n ${share.n} and L ${L}`,
      'The share was truncated or belongs to another split; fetch it again.',
    );
  }
  return OK_VOID;
}

/**
 * The ramp parameter of a share: `share.L`, or 1 when absent (threshold shares).
 * @returns the value as given (not validated; `checkShare` validates it)
 */
export function rampOf(share: Share): number {
  return share.L === undefined ? 1 : share.L;
}
