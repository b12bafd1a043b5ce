/**
 * Error codes of the `xorida` core. Stable: callers may switch on `code` and `subCode`.
 * The table lives in `packages/xorida/README.md` and `docs/errors.md`.
 *
 * @module
 */
import { type Err, type ErrorDetail, err } from './result.js';

/** Every top-level code `xorida` returns. */
export type XoridaErrorCode =
  | 'INVALID_CONFIG'
  | 'INSUFFICIENT_SHARES'
  | 'INCONSISTENT_SHARES'
  | 'SHARE_INVALID'
  | 'RECONSTRUCT_FAILED';

/** Sub-codes of `SHARE_INVALID` returned by the binary and Base45 share codec. */
export type ShareInvalidSubCode =
  | 'BAD_MAGIC'
  | 'UNSUPPORTED_VERSION'
  | 'TRUNCATED'
  | 'TRAILING_BYTES'
  | 'INDEX_OUT_OF_RANGE'
  | 'THRESHOLD_OUT_OF_RANGE'
  | 'LENGTH_MISMATCH'
  | 'RESERVED_NONZERO'
  | 'BAD_BASE45'
  | 'BAD_FIELD';

/** Error detail of every `xorida` operation. */
export interface XoridaError extends ErrorDetail<XoridaErrorCode> {}

const DOCS = 'docs/errors.md#xorida';

/** Builds an `Err<XoridaError>` with the docs link filled in. Internal helper. */
export function xoridaErr(
  code: XoridaErrorCode,
  message: string,
  hint: string,
  extra: { subCode?: string; field?: string } = {},
): Err<XoridaError> {
  return err({ code, message, hint, docs: `${DOCS}-${code.toLowerCase()}`, ...extra });
}
