/**
 * Error codes of `@xorida/xpass`. Stable: callers may switch on `code` (and `subCode`).
 * The 12 codes of the original design, the 4 billing/rate codes, and 7 codes this
 * implementation needs for options and input validation, the state machine, signed requests, the audit
 * chain, storage and the network. The table lives in the package README and `docs/errors.md#xpass`.
 *
 * Every error carries `message`, `remediation` (the original design's name) and `hint` (the
 * monorepo's name for the same text), plus `docs`, and where relevant `field`, `subCode` and
 * `metadata` (e.g. `{ epoch }`, `{ shareIndex }`, `{ retryAfterMs }`).
 *
 * @module
 */
import { type Err, type ErrorDetail, err } from 'xorida';

/** Every code xpass returns. */
export const XPASS_ERROR_CODES = [
  // original design, category 1: connection ids
  'CONNECTION_ID_COLLISION',
  'CONNECTION_NOT_FOUND',
  'CONNECTION_ALREADY_EXISTS',
  // category 2: secret generation
  'SECRET_GENERATION_FAILED',
  'SPLIT_FAILED',
  'INSUFFICIENT_SHARES',
  // category 3: epochs
  'EPOCH_EXPIRED',
  'EPOCH_MISMATCH',
  'EPOCH_NOT_READY',
  // category 4: crypto
  'HMAC_VERIFICATION_FAILED',
  'SHARE_INVALID',
  'RECONSTRUCTION_FAILED',
  // billing and rate limiting
  'BILLING_REQUIRED',
  'CONNECTION_SUSPENDED',
  'CONNECTION_REVOKED',
  'RATE_LIMITED',
  // this implementation
  'INVALID_OPTIONS',
  'INVALID_INPUT',
  'INVALID_TRANSITION',
  'REQUEST_REJECTED',
  'AUDIT_VERIFICATION_FAILED',
  'STORE_FAILED',
  'BILLING_SERVER_UNREACHABLE',
  // payment-provider webhooks (node/stripe-webhook.ts)
  'WEBHOOK_SIGNATURE_INVALID',
  'WEBHOOK_TIMESTAMP_STALE',
] as const;

/** A stable machine-readable xpass error code. */
export type XpassErrorCode = (typeof XPASS_ERROR_CODES)[number];

/** Error detail of every xpass operation (discriminated on `code`). */
export interface XpassError extends ErrorDetail<XpassErrorCode> {
  /** What the caller can do about it (same text as `hint`; the original design's field name). */
  readonly remediation: string;
  /** Structured context, e.g. `{ epoch: 20412 }`, `{ shareIndex: 1 }`, `{ retryAfterMs: 1200 }`. */
  readonly metadata?: Readonly<Record<string, number | string | null>>;
}

/** The docs site's errors page; each code has the anchor `xpass-<code in lower case>`. */
const DOCS_PAGE = 'https://docs.xorida.dev/errors.html#xpass-';

/** Default remediation per code (overridable per call). */
const REMEDIATION: Record<XpassErrorCode, string> = {
  CONNECTION_ID_COLLISION:
    'Two different (didA, didB, scope) tuples hashed to one id (expected never, 2^-128): report it; use another scope meanwhile.',
  CONNECTION_NOT_FOUND: 'Create the connection first, or check the connection id (64 hex chars).',
  CONNECTION_ALREADY_EXISTS: 'Use the existing connection, or create one with another scope.',
  SECRET_GENERATION_FAILED: 'The runtime CSPRNG failed; check crypto.getRandomValues support.',
  SPLIT_FAILED: 'xorida could not split the secret; report it with the error detail.',
  INSUFFICIENT_SHARES: 'Provide both shares of the connection (2-of-2).',
  EPOCH_EXPIRED: 'Fetch the share of the current epoch from the billing server.',
  EPOCH_MISMATCH:
    'Both shares (and the ciphertext) must belong to the same connection epoch; refetch.',
  EPOCH_NOT_READY: 'Wait until the overlap window before the epoch starts, then fetch again.',
  HMAC_VERIFICATION_FAILED:
    'The share or its signature was tampered with or is for another recipient; discard it and refetch.',
  SHARE_INVALID: 'The bytes are not an xpass share envelope; fetch the share again.',
  RECONSTRUCTION_FAILED:
    'The two shares do not belong to one split (other connection, other split or tampered); refetch both.',
  BILLING_REQUIRED:
    'The connection is not paid (pending); activate it through the billing operator.',
  CONNECTION_SUSPENDED: 'Payment lapsed; settle the bill to have the connection reactivated.',
  CONNECTION_REVOKED: 'The connection is revoked; create or reactivate it with a valid payment.',
  RATE_LIMITED: 'Too many requests from this DID; wait for Retry-After and try again.',
  INVALID_OPTIONS: 'Fix the option named in `field`.',
  INVALID_INPUT: 'Fix the argument named in `field`.',
  INVALID_TRANSITION:
    'The connection is not in a state that allows this operation; check its status.',
  REQUEST_REJECTED:
    'Sign a fresh request (new challenge, current time) with the DID key of the share owner.',
  AUDIT_VERIFICATION_FAILED:
    'The audit log was edited, reordered or truncated, or signed by another key; restore it from a trusted copy.',
  STORE_FAILED: 'The connection store failed; check the storage backend and retry.',
  BILLING_SERVER_UNREACHABLE: 'Check the billing server URL and the network, then retry.',
  WEBHOOK_SIGNATURE_INVALID:
    'Check the webhook signing secret (XPASS_STRIPE_WEBHOOK_SECRET) and that nothing rewrites the body in transit.',
  WEBHOOK_TIMESTAMP_STALE:
    'The signed timestamp is outside the tolerance window: check the server clock, or resend the event.',
};

/** Options of {@link xpassError}. */
export interface XpassErrorExtra {
  readonly subCode?: string;
  readonly field?: string;
  readonly remediation?: string;
  readonly metadata?: Readonly<Record<string, number | string | null>>;
}

/**
 * Builds an {@link XpassError} detail.
 * @param code the stable code
 * @param message what went wrong (human-readable)
 * @param extra `{ subCode?, field?, remediation?, metadata? }`
 * @returns the error detail with `hint` = `remediation` and `docs` set
 */
export function xpassError(
  code: XpassErrorCode,
  message: string,
  extra: XpassErrorExtra = {},
): XpassError {
  const remediation = extra.remediation ?? REMEDIATION[code];
  const e: {
    -readonly [K in keyof XpassError]: XpassError[K];
  } = { code, message, remediation, hint: remediation, docs: `${DOCS_PAGE}${code.toLowerCase()}` };
  if (extra.subCode !== undefined) e.subCode = extra.subCode;
  if (extra.field !== undefined) e.field = extra.field;
  if (extra.metadata !== undefined) e.metadata = extra.metadata;
  return e;
}

/**
 * `err(xpassError(...))`.
 * @returns an `Err<XpassError>`
 */
export function xpassErr(
  code: XpassErrorCode,
  message: string,
  extra: XpassErrorExtra = {},
): Err<XpassError> {
  return err(xpassError(code, message, extra));
}

/**
 * Type guard for an {@link XpassError} detail (e.g. parsed from a server's JSON body).
 * @param value anything
 * @returns true when `value` has a known xpass `code` and string `message`
 */
export function isXpassError(value: unknown): value is XpassError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (XPASS_ERROR_CODES as readonly string[]).includes(
      (value as { code?: unknown }).code as string,
    ) &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/** HTTP status the billing server answers each code with. */
export const HTTP_STATUS: Readonly<Record<XpassErrorCode, number>> = {
  CONNECTION_ID_COLLISION: 409,
  CONNECTION_NOT_FOUND: 404,
  CONNECTION_ALREADY_EXISTS: 409,
  SECRET_GENERATION_FAILED: 500,
  SPLIT_FAILED: 500,
  INSUFFICIENT_SHARES: 400,
  EPOCH_EXPIRED: 410,
  EPOCH_MISMATCH: 409,
  EPOCH_NOT_READY: 425,
  HMAC_VERIFICATION_FAILED: 422,
  SHARE_INVALID: 400,
  RECONSTRUCTION_FAILED: 422,
  BILLING_REQUIRED: 402,
  CONNECTION_SUSPENDED: 402,
  CONNECTION_REVOKED: 403,
  RATE_LIMITED: 429,
  INVALID_OPTIONS: 400,
  INVALID_INPUT: 400,
  INVALID_TRANSITION: 409,
  REQUEST_REJECTED: 401,
  AUDIT_VERIFICATION_FAILED: 422,
  STORE_FAILED: 503,
  BILLING_SERVER_UNREACHABLE: 502,
  WEBHOOK_SIGNATURE_INVALID: 400,
  WEBHOOK_TIMESTAMP_STALE: 400,
};
