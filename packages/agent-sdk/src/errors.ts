/**
 * Xlink error model: every expected failure is a `Result` error carrying an
 * {@link XlinkErrorDetail} (stable `code`, optional `subCode`, `message`, `hint`, `field`,
 * `docs`). For callers who prefer exceptions, {@link toXlinkError} turns a detail into an
 * instance of the `XlinkError` class hierarchy (seven subclasses, one per category).
 *
 * Pitfalls:
 * - Match on `code` (and `subCode`), never on `message`; messages may be reworded.
 * - Error messages never include key material or decrypted payload bytes.
 *
 * @module
 */
import { type Err, type ErrorDetail, err } from 'xorida';

/** Every `code` the agent-sdk can return, grouped by category (see docs/errors.md#agent-sdk). */
export const XLINK_ERROR_CATEGORIES = {
  identity: [
    'INVALID_DID',
    'INVALID_SEED',
    'INVALID_PKCS8',
    'INVALID_IDENTITY',
    'KEYGEN_FAILED',
    'IDENTITY_FAILED',
    'INVALID_KEY_DOCUMENT',
  ],
  envelope: [
    'ENVELOPE_INVALID',
    'UNSUPPORTED_VERSION',
    'RECIPIENT_MISMATCH',
    'PAYLOAD_TOO_LARGE',
    'INVALID_PAYLOAD',
    'INVALID_SCOPE',
    'ENCRYPT_FAILED',
    'DECRYPT_FAILED',
    'CLEARTEXT_NOT_ALLOWED',
  ],
  transport: ['SEND_FAILED', 'NETWORK_ERROR'],
  registry: ['DID_NOT_IN_REGISTRY', 'LOOKUP_FAILED', 'REGISTRATION_FAILED', 'REVOCATION_FAILED'],
  keyAgreement: ['ECDH_FAILED', 'KEM_FAILED', 'INVALID_KEY_LENGTH'],
  splitChannel: ['HMAC_VERIFICATION_FAILED', 'INSUFFICIENT_SHARES', 'INCONSISTENT_SHARES'],
  agent: [
    'VERIFICATION_FAILED',
    'REPLAY_DETECTED',
    'NONCE_STORE_FULL',
    'TIMESTAMP_EXPIRED',
    'SCOPE_DENIED',
    'VERSION_NEGOTIATION_FAILED',
    'INVALID_OPTIONS',
  ],
} as const;

/** The error-category table's type: category name -> its codes. */
export type Categories = typeof XLINK_ERROR_CATEGORIES;
/** The category names, matching the seven `XlinkError` subclasses. */
export type XlinkErrorCategory = keyof Categories;
/** Union of every agent-sdk error code. */
export type XlinkErrorCode = Categories[XlinkErrorCategory][number];

/** The error detail every agent-sdk `Result` carries. */
export interface XlinkErrorDetail extends ErrorDetail<XlinkErrorCode> {}

/** The docs site's errors page; each code has the anchor `agent-sdk-<code in lower case>`. */
const DOCS_PAGE = 'https://docs.xorida.dev/errors.html#agent-sdk-';

/**
 * Absolute URL of an agent-sdk error code's entry on the docs site (the `docs` field).
 * @param code error code, e.g. `PAYLOAD_TOO_LARGE`
 * @returns e.g. `https://docs.xorida.dev/errors.html#agent-sdk-payload_too_large`
 */
export function xlinkDocsUrl(code: string): string {
  return `${DOCS_PAGE}${code.toLowerCase()}`;
}

/**
 * Builds a failed `Result` with an agent-sdk error detail.
 * @param code stable error code
 * @param message human description (no secrets)
 * @param hint what the caller can do
 * @param extra optional `subCode` and `field`
 * @returns `{ ok: false, error }`
 */
export function xlinkErr(
  code: XlinkErrorCode,
  message: string,
  hint: string,
  extra: { subCode?: string; field?: string } = {},
): Err<XlinkErrorDetail> {
  const detail: {
    code: XlinkErrorCode;
    message: string;
    hint: string;
    docs: string;
    subCode?: string;
    field?: string;
  } = { code, message, hint, docs: xlinkDocsUrl(code) };
  if (extra.subCode !== undefined) detail.subCode = extra.subCode;
  if (extra.field !== undefined) detail.field = extra.field;
  return err(detail);
}

const categoryOf = new Map<string, XlinkErrorCategory>();
for (const [cat, codes] of Object.entries(XLINK_ERROR_CATEGORIES) as [
  XlinkErrorCategory,
  readonly string[],
][])
  for (const c of codes) categoryOf.set(c, cat);

/**
 * Base class of the exception form of agent-sdk errors. `code`, `subCode`, `hint`, `field`
 * and `docUrl` mirror the {@link XlinkErrorDetail} it was built from.
 */
export class XlinkError extends Error {
  readonly code: string;
  readonly subCode: string | undefined;
  readonly hint: string | undefined;
  readonly field: string | undefined;
  /** Path of the documentation page (docs/errors.md#agent-sdk). */
  readonly docUrl: string;
  constructor(detail: ErrorDetail) {
    super(detail.message);
    this.name = 'XlinkError';
    this.code = detail.code;
    this.subCode = detail.subCode;
    this.hint = detail.hint;
    this.field = detail.field;
    this.docUrl = detail.docs ?? xlinkDocsUrl(detail.code);
  }
}
/** DID, key generation, key documents, PKCS#8, signing. */
export class XlinkIdentityError extends XlinkError {
  override readonly name = 'XlinkIdentityError';
}
/** Envelope creation, encryption, decryption, parsing. */
export class XlinkEnvelopeError extends XlinkError {
  override readonly name = 'XlinkEnvelopeError';
}
/** Send failures, network, timeouts. */
export class XlinkTransportError extends XlinkError {
  override readonly name = 'XlinkTransportError';
}
/** Registry lookup, registration, revocation. */
export class XlinkRegistryError extends XlinkError {
  override readonly name = 'XlinkRegistryError';
}
/** X25519 / X-Wing key agreement. */
export class XlinkKeyAgreementError extends XlinkError {
  override readonly name = 'XlinkKeyAgreementError';
}
/** Split-channel share handling (reserved for split-channel mode). */
export class XlinkSplitChannelError extends XlinkError {
  override readonly name = 'XlinkSplitChannelError';
}
/** Agent pipeline: verification, replay, timestamps, scopes, options. */
export class XlinkAgentError extends XlinkError {
  override readonly name = 'XlinkAgentError';
}

const CLASS_OF: Record<XlinkErrorCategory, new (d: ErrorDetail) => XlinkError> = {
  identity: XlinkIdentityError,
  envelope: XlinkEnvelopeError,
  transport: XlinkTransportError,
  registry: XlinkRegistryError,
  keyAgreement: XlinkKeyAgreementError,
  splitChannel: XlinkSplitChannelError,
  agent: XlinkAgentError,
};

/**
 * Converts an error detail into the matching `XlinkError` subclass (by `code`'s category;
 * unknown codes give the base class).
 * @param detail an {@link XlinkErrorDetail} (or any `ErrorDetail`)
 * @returns an `XlinkError` instance (not thrown)
 */
export function toXlinkError(detail: ErrorDetail): XlinkError {
  const cat = categoryOf.get(detail.code);
  return cat ? new CLASS_OF[cat](detail) : new XlinkError(detail);
}

/**
 * Type guard for the exception form.
 * @param value anything
 * @returns `true` when `value` is an `XlinkError` (any subclass)
 */
export function isXlinkError(value: unknown): value is XlinkError {
  return value instanceof XlinkError;
}
