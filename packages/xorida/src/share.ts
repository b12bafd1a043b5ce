/**
 * The `Share` value and its structural checks.
 *
 * @module
 */
import { type ShareInvalidSubCode, type XoridaError, xoridaErr } from './errors.js';
import { isIntIn, MAX_SECRET_LENGTH, MAX_SHARES, shareLength } from './lib/params.js';
import { ok, type Result } from './result.js';

/** Length in bytes of the random id that links the shares of one split. */
export const GROUP_ID_LENGTH = 16;

/** One share of a K-of-N split (xorida-scheme.md). All fields except `payload` are public. */
export interface Share {
  /** Share index i, 0-based, `0 <= index < n`. */
  readonly index: number;
  /** Threshold k: any k shares recover the secret, k-1 reveal nothing. */
  readonly k: number;
  /** Number of shares n, `k <= n <= 255`. */
  readonly n: number;
  /** 16 random bytes shared by all shares of one split. */
  readonly groupId: Uint8Array;
  /** Secret length L in bytes (the payload is padded to `(p-1)*ceil(L/(p-1))`). */
  readonly originalLength: number;
  /** The share payload, `shareLength(originalLength, n)` bytes. */
  readonly payload: Uint8Array;
}

/**
 * Checks one share's fields and payload length.
 * @returns `ok(undefined)` or `SHARE_INVALID` (sub-codes `BAD_FIELD`, `INDEX_OUT_OF_RANGE`,
 *   `THRESHOLD_OUT_OF_RANGE`, `LENGTH_MISMATCH`) naming the field
 */
export function checkShare(share: Share, where = 'share'): Result<void, XoridaError> {
  const bad = (subCode: ShareInvalidSubCode, field: string, message: string, hint: string) =>
    xoridaErr('SHARE_INVALID', message, hint, { subCode, field: `${where}.${field}` });
  if (typeof share !== 'object' || share === null) {
    return bad(
      'BAD_FIELD',
      'self',
      `${where} is not a share object`,
      'Pass shares returned by split() or decodeShare().',
    );
  }
  if (!isIntIn(share.n, 2, MAX_SHARES)) {
    return bad(
      'BAD_FIELD',
      'n',
      `n must be an integer in 2..${MAX_SHARES}`,
      'Decode the share again from its source.',
    );
  }
  if (!isIntIn(share.k, 2, share.n)) {
    return bad(
      'THRESHOLD_OUT_OF_RANGE',
      'k',
      'k must be an integer in 2..n',
      'Decode the share again from its source.',
    );
  }
  if (!isIntIn(share.index, 0, share.n - 1)) {
    return bad(
      'INDEX_OUT_OF_RANGE',
      'index',
      'index must be an integer in 0..n-1',
      'Decode the share again from its source.',
    );
  }
  if (!(share.groupId instanceof Uint8Array) || share.groupId.length !== GROUP_ID_LENGTH) {
    return bad(
      'BAD_FIELD',
      'groupId',
      `groupId must be ${GROUP_ID_LENGTH} bytes`,
      'Decode the share again from its source.',
    );
  }
  if (
    !isIntIn(share.originalLength, 1, MAX_SECRET_LENGTH) ||
    shareLength(share.originalLength, share.n) > MAX_SECRET_LENGTH
  ) {
    return bad(
      'BAD_FIELD',
      'originalLength',
      'originalLength must be an integer >= 1 whose padded length fits 32 bits',
      'Decode the share again from its source.',
    );
  }
  if (
    !(share.payload instanceof Uint8Array) ||
    share.payload.length !== shareLength(share.originalLength, share.n)
  ) {
    return bad(
      'LENGTH_MISMATCH',
      'payload',
      `payload must be ${shareLength(share.originalLength, share.n)} bytes for originalLength ${share.originalLength} and n ${share.n}`,
      'The share was truncated or belongs to another split; fetch it again.',
    );
  }
  return ok(undefined);
}
