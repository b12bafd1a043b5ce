/**
 * `@xorida/xghost`: vendor code shipped to customer infrastructure as a 2-share xorida bundle.
 * This entry is browser-safe and holds the data formats (manifest, lease, lease file, share
 * request), their canonical signing inputs and the error type. Building, serving and running
 * bundles (Ed25519 from `@xorida/agent-sdk/crypto`, `node:vm`, Fastify, files) is in `@xorida/xghost/node`.
 *
 * Pitfalls: read the README's threat model. A customer with root can dump reconstructed code
 * from memory; xghost protects code at rest, in stolen images and in unpaid deployments run
 * with this runtime.
 *
 * @module
 */
import { canonicalJson } from '@xorida/agent-sdk/crypto';
import { type Err, type ErrorDetail, err, type Result } from 'xorida';

/** IDA5 product type of xghost bundle shares (docs/formats.md#xghost). */
export const XGHOST_PRODUCT_TYPE = 0x0020;
/** Default port of `xghost serve`. */
export const DEFAULT_XGHOST_PORT = 3700;
/** Domain-separation labels of the two signatures. */
export const MANIFEST_SIGNATURE_LABEL = 'XGHOST-MANIFEST-V1\n';
export const LEASE_SIGNATURE_LABEL = 'XGHOST-LEASE-V1\n';
/** Route of the share request. */
export const SHARE_REQUEST_PATH = '/v1/share';

/** Host globals a manifest may ask for inside the sandbox (nothing else is passed in). */
export const ALLOWED_GLOBALS = [
  'console',
  'TextEncoder',
  'TextDecoder',
  'URL',
  'atob',
  'btoa',
  'structuredClone',
] as const;

/** The signed description of a bundle (JSON; `signature` over {@link manifestSigningInput}). */
export interface GhostManifest {
  readonly type: 'xghost-manifest';
  readonly v: 1;
  /** 32 lowercase hex (16 random bytes). */
  readonly bundleId: string;
  readonly version: string;
  /** Names the runtime exposes; nothing else of the module is reachable through the ghost. */
  readonly exports: readonly string[];
  /** Host globals passed into the sandbox (subset of {@link ALLOWED_GLOBALS}). */
  readonly globals: readonly string[];
  /** SHA-256 of the source bytes, 64 lowercase hex. */
  readonly sourceSha256: string;
  readonly sourceBytes: number;
  /** Bytes of one encoded IDA5 share. */
  readonly shareBytes: number;
  readonly threshold: 2;
  readonly shares: number;
  /** ISO 8601. */
  readonly created: string;
  /** did:key of the vendor's Ed25519 key, which signs the manifest and every lease. */
  readonly vendorDid: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** base64url Ed25519 signature. */
  readonly signature: string;
}

/** A vendor-signed permission to run one bundle for one customer until `notAfter`. */
export interface GhostLease {
  readonly type: 'xghost-lease';
  readonly v: 1;
  readonly bundleId: string;
  readonly customerDid: string;
  readonly vendorDid: string;
  readonly epoch: number;
  /** ms since the Unix epoch. */
  readonly issuedAt: number;
  readonly notAfter: number;
  /** The request nonce it answers (online), or `null` (lease file). */
  readonly challenge: string | null;
  /** `online` (share server) or `file` (air-gapped lease file). */
  readonly mode: 'online' | 'file';
  /** SHA-256 of the encoded share 2 inside the sealed envelope. */
  readonly shareSha256: string;
  readonly signature: string;
}

/** Share-server answer and lease-file body: a lease plus share 2 in an Xlink envelope (JSON form). */
export interface GhostLeaseFile {
  readonly type: 'xghost-lease-file';
  readonly v: 1;
  readonly lease: GhostLease;
  /** agent-sdk `EnvelopeJson` from the vendor DID to the customer DID, scope `xghost:<bundleId>`. */
  readonly sealedShare: unknown;
}

/** Body of `POST /v1/share` (DID-signed request; the request nonce is the challenge). */
export interface ShareRequestBody {
  readonly bundleId: string;
  readonly epoch: number;
  /** agent-sdk `KeyDocumentJson` of the customer (verified against the signing DID). */
  readonly keyDocument: unknown;
}

/** xghost error codes (docs/errors.md#xghost). */
export type XghostErrorCode =
  | 'INVALID_OPTIONS'
  | 'INVALID_INPUT'
  | 'MANIFEST_INVALID'
  | 'SHARE_INVALID'
  | 'LEASE_INVALID'
  | 'LEASE_EXPIRED'
  | 'CLOCK_ROLLBACK'
  | 'SOURCE_MISMATCH'
  | 'EVALUATION_FAILED'
  | 'EXPORT_NOT_FOUND'
  | 'CALL_FAILED'
  | 'GHOST_DISPOSED'
  | 'BILLING_REQUIRED'
  | 'CONNECTION_SUSPENDED'
  | 'CONNECTION_REVOKED'
  | 'BUNDLE_NOT_FOUND'
  | 'REQUEST_REJECTED'
  | 'RATE_LIMITED'
  | 'NETWORK_ERROR'
  | 'IO_FAILED';

/** An xghost error: the shared `ErrorDetail` shape with an xghost code. */
export interface XghostError extends ErrorDetail {
  readonly code: XghostErrorCode;
}

/**
 * Builds an error result.
 * @param code stable code
 * @param message what happened (no secrets)
 * @param hint what to do
 * @param extra `subCode`, `field`
 */
/**
 * Absolute URL of an xghost error code's entry on the docs site (the `docs` field).
 * @param code error code, e.g. `LEASE_EXPIRED`
 * @returns e.g. `https://docs.xorida.dev/errors.html#xghost-lease_expired`
 */
export function xghostDocsUrl(code: string): string {
  return `https://docs.xorida.dev/errors.html#xghost-${code.toLowerCase()}`;
}

export function xghostErr(
  code: XghostErrorCode,
  message: string,
  hint: string,
  extra: { subCode?: string; field?: string } = {},
): Err<XghostError> {
  return err({
    code,
    message,
    hint,
    docs: xghostDocsUrl(code),
    ...(extra.subCode !== undefined ? { subCode: extra.subCode } : {}),
    ...(extra.field !== undefined ? { field: extra.field } : {}),
  } as XghostError);
}

/** Canonical JSON (RFC 8785) of the signing inputs: the platform's one implementation. */
export { canonicalJson };

const te = new TextEncoder();

/** Bytes the vendor signs for a manifest: label + canonical JSON without `signature`. */
export function manifestSigningInput(m: Omit<GhostManifest, 'signature'>): Uint8Array {
  const { signature: _s, ...rest } = m as GhostManifest;
  return te.encode(MANIFEST_SIGNATURE_LABEL + canonicalJson(rest));
}

/** Bytes the vendor signs for a lease: label + canonical JSON without `signature`. */
export function leaseSigningInput(l: Omit<GhostLease, 'signature'>): Uint8Array {
  const { signature: _s, ...rest } = l as GhostLease;
  return te.encode(LEASE_SIGNATURE_LABEL + canonicalJson(rest));
}

/** Billing scope of a bundle's connection `(vendorDid, customerDid, scope)`. */
export function billingScope(bundleId: string): string {
  return `xghost:${bundleId}`;
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const B64U = /^[A-Za-z0-9_-]+$/;

/**
 * Strict shape check of a parsed manifest (not the signature).
 * @returns the manifest, or `MANIFEST_INVALID` (`MALFORMED`)
 */
export function parseManifest(input: unknown): Result<GhostManifest, XghostError> {
  const bad = (field: string) =>
    xghostErr(
      'MANIFEST_INVALID',
      `manifest field ${field} is missing or malformed`,
      'Use the manifest ghostBuild wrote',
      {
        subCode: 'MALFORMED',
        field,
      },
    );
  const o = (typeof input === 'string' ? safeParse(input) : input) as Record<
    string,
    unknown
  > | null;
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return bad('(root)');
  if (o.type !== 'xghost-manifest') return bad('type');
  if (o.v !== 1) return bad('v');
  if (typeof o.bundleId !== 'string' || !HEX32.test(o.bundleId)) return bad('bundleId');
  if (typeof o.version !== 'string' || o.version.length > 64) return bad('version');
  if (!isNameList(o.exports) || (o.exports as string[]).length === 0) return bad('exports');
  if (
    !Array.isArray(o.globals) ||
    !o.globals.every((g) => (ALLOWED_GLOBALS as readonly unknown[]).includes(g))
  )
    return bad('globals');
  if (typeof o.sourceSha256 !== 'string' || !HEX64.test(o.sourceSha256)) return bad('sourceSha256');
  for (const f of ['sourceBytes', 'shareBytes', 'shares'] as const)
    if (!Number.isSafeInteger(o[f]) || (o[f] as number) < 1) return bad(f);
  if (o.threshold !== 2 || (o.shares as number) < 2 || (o.shares as number) > 255)
    return bad('threshold');
  if (typeof o.created !== 'string' || Number.isNaN(Date.parse(o.created))) return bad('created');
  if (typeof o.vendorDid !== 'string' || !o.vendorDid.startsWith('did:key:'))
    return bad('vendorDid');
  if (
    o.metadata === null ||
    typeof o.metadata !== 'object' ||
    Array.isArray(o.metadata) ||
    !Object.values(o.metadata).every((v) => typeof v === 'string')
  )
    return bad('metadata');
  if (typeof o.signature !== 'string' || !B64U.test(o.signature)) return bad('signature');
  const known = new Set([
    'type',
    'v',
    'bundleId',
    'version',
    'exports',
    'globals',
    'sourceSha256',
    'sourceBytes',
    'shareBytes',
    'threshold',
    'shares',
    'created',
    'vendorDid',
    'metadata',
    'signature',
  ]);
  for (const k of Object.keys(o)) if (!known.has(k)) return bad(k);
  return { ok: true, value: o as unknown as GhostManifest };
}

/**
 * Strict shape check of a parsed lease (not the signature).
 * @returns the lease, or `LEASE_INVALID` (`MALFORMED`)
 */
export function parseLease(input: unknown): Result<GhostLease, XghostError> {
  const bad = (field: string) =>
    xghostErr(
      'LEASE_INVALID',
      `lease field ${field} is missing or malformed`,
      'Ask the vendor for a new lease',
      {
        subCode: 'MALFORMED',
        field,
      },
    );
  const o = input as Record<string, unknown> | null;
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return bad('(root)');
  if (o.type !== 'xghost-lease') return bad('type');
  if (o.v !== 1) return bad('v');
  if (typeof o.bundleId !== 'string' || !HEX32.test(o.bundleId)) return bad('bundleId');
  for (const f of ['customerDid', 'vendorDid'] as const)
    if (typeof o[f] !== 'string' || !(o[f] as string).startsWith('did:key:')) return bad(f);
  for (const f of ['epoch', 'issuedAt', 'notAfter'] as const)
    if (!Number.isSafeInteger(o[f]) || (o[f] as number) < 0) return bad(f);
  if (!(o.challenge === null || (typeof o.challenge === 'string' && B64U.test(o.challenge))))
    return bad('challenge');
  if (o.mode !== 'online' && o.mode !== 'file') return bad('mode');
  if (typeof o.shareSha256 !== 'string' || !HEX64.test(o.shareSha256)) return bad('shareSha256');
  if (typeof o.signature !== 'string' || !B64U.test(o.signature)) return bad('signature');
  const known = new Set([
    'type',
    'v',
    'bundleId',
    'customerDid',
    'vendorDid',
    'epoch',
    'issuedAt',
    'notAfter',
    'challenge',
    'mode',
    'shareSha256',
    'signature',
  ]);
  for (const k of Object.keys(o)) if (!known.has(k)) return bad(k);
  return { ok: true, value: o as unknown as GhostLease };
}

function isNameList(v: unknown): boolean {
  return (
    Array.isArray(v) &&
    v.length <= 256 &&
    v.every((s) => typeof s === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/.test(s)) &&
    new Set(v).size === v.length
  );
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}
