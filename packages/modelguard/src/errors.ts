/**
 * Error codes of `@xorida/modelguard`. Stable: callers may switch on `code` and `subCode`.
 * The table lives in `packages/modelguard/README.md` and `docs/errors.md#modelguard`.
 *
 * Pitfall: `HMAC_FAILED` keeps the name the original Xguard design uses, but the check behind it is a
 * per-chunk SHA-256 tag recorded in the manifest (no key travels with a share). It means "a
 * chunk could not be recovered from shares that pass the tag", not "a MAC key was wrong".
 *
 * @module
 */
import { type Err, type ErrorDetail, err } from 'xorida';

/** Every top-level code `@xorida/modelguard` returns. */
export type ModelGuardErrorCode =
  | 'INVALID_CONFIG'
  | 'SPLIT_FAILED'
  | 'HMAC_FAILED'
  | 'RECONSTRUCT_FAILED'
  | 'INSUFFICIENT_SHARES'
  | 'INTEGRITY_FAILED'
  | 'MANIFEST_INVALID'
  | 'STORAGE_FAILED'
  | 'FILE_FAILED';

/** Error detail of every modelguard operation. */
export interface ModelGuardError extends ErrorDetail<ModelGuardErrorCode> {
  /** Node indices (0-based, as in the manifest) found to return bad data, when known. */
  readonly badNodes?: readonly number[];
  /** The chunk at fault, when there is one. */
  readonly chunkIndex?: number;
}

/** The docs site's errors page; each code has the anchor `modelguard-<code in lower case>`. */
export const DOCS_PAGE = 'https://docs.xorida.dev/errors.html#modelguard-';

/** Builds an `Err<ModelGuardError>` with the docs link filled in. Internal helper. */
export function mgErr(
  code: ModelGuardErrorCode,
  message: string,
  hint: string,
  extra: {
    subCode?: string;
    field?: string;
    badNodes?: readonly number[];
    chunkIndex?: number;
  } = {},
): Err<ModelGuardError> {
  return err({ code, message, hint, docs: `${DOCS_PAGE}${code.toLowerCase()}`, ...extra });
}
