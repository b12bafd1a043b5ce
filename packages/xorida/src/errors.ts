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

/** Sub-codes of `SHARE_INVALID` returned by the binary and Base45 share codec and share checks. */
export type ShareInvalidSubCode =
  | 'BAD_MAGIC'
  | 'UNSUPPORTED_VERSION'
  | 'TRUNCATED'
  | 'TRAILING_BYTES'
  | 'INDEX_OUT_OF_RANGE'
  | 'THRESHOLD_OUT_OF_RANGE'
  | 'RAMP_OUT_OF_RANGE'
  | 'WRONG_VARIANT'
  | 'LENGTH_MISMATCH'
  | 'BAD_BASE45'
  | 'BAD_FIELD';

/** Sub-codes of `INCONSISTENT_SHARES`. */
export type InconsistentSharesSubCode = 'GROUP_MISMATCH' | 'PARAMETER_MISMATCH' | 'DUPLICATE_INDEX';

/** Which sub-codes each code may carry. */
export interface XoridaSubCodes {
  INVALID_CONFIG: never;
  INSUFFICIENT_SHARES: never;
  INCONSISTENT_SHARES: InconsistentSharesSubCode;
  SHARE_INVALID: ShareInvalidSubCode;
  RECONSTRUCT_FAILED: 'PADDING_NONZERO';
}

/** The error detail of one code, with its own sub-code type. */
export interface XoridaErrorOf<C extends XoridaErrorCode> extends ErrorDetail<C> {
  readonly subCode?: XoridaSubCodes[C];
}

/** Error detail of every `xorida` operation: a union discriminated on `code`. */
export type XoridaError = { [C in XoridaErrorCode]: XoridaErrorOf<C> }[XoridaErrorCode];

/** The docs site's errors page; each code has the anchor `xorida-<code in lower case>`. */
const DOCS_PAGE = 'https://docs.xorida.dev/errors.html#xorida-';

/** Builds an `Err<XoridaError>` with the docs link filled in. Internal helper. */
export function xoridaErr<C extends XoridaErrorCode>(
  code: C,
  message: string,
  hint: string,
  extra: { subCode?: XoridaSubCodes[C]; field?: string } = {},
): Err<XoridaError> {
  return err({
    code,
    message,
    hint,
    docs: `${DOCS_PAGE}${code.toLowerCase()}`,
    ...extra,
  } as XoridaErrorOf<C> as XoridaError);
}
