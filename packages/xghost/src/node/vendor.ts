/**
 * Vendor side: `ghostBuild` (split + signed manifest), lease signing and sealing share 2 to a
 * customer DID (an Xlink envelope), lease files for air-gapped sites.
 *
 * Pitfalls: the vendor identity signs manifests and leases; whoever holds it can issue leases.
 * Share 2 alone reveals nothing of the code, but share 1 and share 2 together ARE the code.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import {
  type Agent,
  type AgentIdentity,
  createEnvelope,
  envelopeToJson,
  importIdentityExport,
  type KeyDocument,
} from '@xorida/agent-sdk';
import { base64urlEncode as b64u, sha256Hex } from '@xorida/agent-sdk/crypto';
import { bytesToHex, encodeShare, ok, type Result, split } from 'xorida';
import {
  ALLOWED_GLOBALS,
  billingScope,
  type GhostLease,
  type GhostLeaseFile,
  type GhostManifest,
  leaseSigningInput,
  manifestSigningInput,
  parseManifest,
  XGHOST_PRODUCT_TYPE,
  type XghostError,
  xghostErr,
} from '../index.js';

/** The vendor's identity: an agent-sdk identity or Agent. */
export type VendorKey = AgentIdentity | Agent;

/**
 * @internal
 * @param v an identity or Agent (anything else, e.g. missing or a DID string, is refused)
 * @param field option name reported in the error (`vendor`, `agent`)
 */
export function identityOf(v: VendorKey, field = 'agent'): Result<AgentIdentity, XghostError> {
  if (typeof v !== 'object' || v === null || !('signing' in v || 'exportIdentity' in v))
    return xghostErr(
      'INVALID_OPTIONS',
      `${field} is required: an agent-sdk identity or Agent (a DID alone cannot sign)`,
      field === 'vendor'
        ? 'Pass vendor: the identity that signs manifests and leases (generateIdentity())'
        : 'Pass agent: the customer Agent whose DID signs share requests',
      { field },
    );
  if ('signing' in v) return ok(v);
  const id = importIdentityExport(v.exportIdentity());
  if (!id.ok)
    return xghostErr(
      'INVALID_OPTIONS',
      `cannot read the ${field} identity`,
      'Pass an AgentIdentity',
      {
        field,
      },
    );
  return ok(id.value);
}

/** Options of {@link ghostBuild}. */
export interface GhostBuildOptions {
  /** The module source (a script that assigns `module.exports` / `exports.<name>`). */
  readonly source: Uint8Array;
  readonly exports: readonly string[];
  /** Number of shares (threshold is 2): index 0 customer, index 1 vendor server, others spare. */
  readonly n?: number;
  readonly version?: string;
  readonly globals?: readonly string[];
  readonly metadata?: Readonly<Record<string, string>>;
  readonly vendor: VendorKey;
  /** Tests: fixed bundle id (32 hex) and creation time. */
  readonly bundleId?: string;
  readonly created?: string;
}

/** Output of {@link ghostBuild}: the signed manifest and the IDA5-encoded shares. */
export interface GhostBuild {
  readonly manifest: GhostManifest;
  /** `shares[0]` goes into the customer artifact, `shares[1]` to the vendor server. */
  readonly shares: Uint8Array[];
}

/**
 * Splits a module 2-of-n and signs its manifest.
 * @returns `{ manifest, shares }`, or `INVALID_OPTIONS` (field `vendor`, `n`, `globals`,
 *   `exports`, `metadata`, ...) / `INVALID_INPUT` (field `source`: empty or unsplittable bytes)
 */
export function ghostBuild(opts: GhostBuildOptions): Result<GhostBuild, XghostError> {
  const n = opts.n ?? 2;
  if (!(opts.source instanceof Uint8Array) || opts.source.length === 0)
    return xghostErr(
      'INVALID_INPUT',
      'source must be non-empty bytes',
      'Pass the module file contents',
      { field: 'source' },
    );
  if (!Number.isInteger(n) || n < 2 || n > 255)
    return xghostErr('INVALID_OPTIONS', 'n must be 2..255', 'Use n = 2 (customer + vendor)', {
      field: 'n',
    });
  const globals = opts.globals ?? [];
  if (!globals.every((g) => (ALLOWED_GLOBALS as readonly string[]).includes(g)))
    return xghostErr(
      'INVALID_OPTIONS',
      'unknown global requested',
      `Allowed: ${ALLOWED_GLOBALS.join(', ')}`,
      { field: 'globals' },
    );
  const id = identityOf(opts.vendor, 'vendor');
  if (!id.ok) return id;
  const parts = split(opts.source, { threshold: 2, shares: n });
  if (!parts.ok)
    return xghostErr('INVALID_INPUT', parts.error.message, parts.error.hint, { field: 'source' });
  const shares: Uint8Array[] = [];
  for (const s of parts.value) {
    const e = encodeShare(s, { productType: XGHOST_PRODUCT_TYPE });
    if (!e.ok) return xghostErr('SHARE_INVALID', e.error.message, e.error.hint);
    shares.push(e.value);
    s.payload.fill(0);
  }
  const unsigned: Omit<GhostManifest, 'signature'> = {
    type: 'xghost-manifest',
    v: 1,
    bundleId: opts.bundleId ?? bytesToHex(randomBytes(16)),
    version: opts.version ?? '1.0.0',
    exports: [...opts.exports],
    globals: [...globals],
    sourceSha256: sha256Hex(opts.source),
    sourceBytes: opts.source.length,
    shareBytes: shares[0]!.length,
    threshold: 2,
    shares: n,
    created: opts.created ?? new Date().toISOString(),
    vendorDid: id.value.did,
    metadata: { ...(opts.metadata ?? {}) },
  };
  const signature = b64u(id.value.signing.sign(manifestSigningInput(unsigned)));
  const manifest = { ...unsigned, signature };
  // Validate the shape the runtime will check (exports names, metadata values).
  const checked = parseManifest(manifest);
  if (!checked.ok)
    return xghostErr('INVALID_OPTIONS', checked.error.message, checked.error.hint, {
      field: checked.error.field ?? 'manifest',
    });
  return ok({ manifest, shares });
}

/** Inputs of {@link issueLease}. */
export interface IssueLeaseInput {
  readonly vendor: VendorKey;
  readonly manifest: GhostManifest;
  /** Encoded share 2. */
  readonly vendorShare: Uint8Array;
  /** The customer's VERIFIED key document. */
  readonly customer: KeyDocument;
  readonly epoch: number;
  readonly notAfter: number;
  readonly challenge: string | null;
  readonly mode: 'online' | 'file';
  readonly now?: number;
}

/**
 * Signs a lease and seals share 2 to the customer (Xlink envelope, scope `xghost:<bundleId>`).
 * @returns the lease file / share answer body
 */
export async function issueLease(
  input: IssueLeaseInput,
): Promise<Result<GhostLeaseFile, XghostError>> {
  const id = identityOf(input.vendor, 'vendor');
  if (!id.ok) return id;
  const now = input.now ?? Date.now();
  const unsigned: Omit<GhostLease, 'signature'> = {
    type: 'xghost-lease',
    v: 1,
    bundleId: input.manifest.bundleId,
    customerDid: input.customer.did,
    vendorDid: id.value.did,
    epoch: input.epoch,
    issuedAt: now,
    notAfter: input.notAfter,
    challenge: input.challenge,
    mode: input.mode,
    shareSha256: sha256Hex(input.vendorShare),
  };
  const lease: GhostLease = {
    ...unsigned,
    signature: b64u(id.value.signing.sign(leaseSigningInput(unsigned))),
  };
  const version = input.customer.versions.includes(2) ? 2 : 1;
  const env = await createEnvelope({
    sender: id.value,
    recipient: input.customer,
    version: version as 1 | 2,
    scope: billingScope(input.manifest.bundleId),
    plaintext: input.vendorShare,
    timestamp: now,
  });
  if (!env.ok)
    return xghostErr('INVALID_INPUT', `cannot seal share 2: ${env.error.message}`, env.error.hint, {
      field: 'customer',
    });
  return ok({ type: 'xghost-lease-file', v: 1, lease, sealedShare: envelopeToJson(env.value) });
}

/** Inputs of {@link exportLeaseFile}. */
export interface ExportLeaseFileInput {
  readonly vendor: VendorKey;
  readonly manifest: GhostManifest;
  readonly vendorShare: Uint8Array;
  /** The customer's VERIFIED key document. */
  readonly customer: KeyDocument;
  /** Validity in days (default 30, 1..366). */
  readonly validityDays?: number;
  readonly now?: number;
}

/**
 * Air-gapped tier: a signed lease file with share 2 sealed to the customer DID.
 * @returns the lease file (write it as JSON), or `INVALID_OPTIONS` (field `validityDays`,
 *   `vendor`) / `INVALID_INPUT` (field `customer`: the key document cannot be sealed to)
 */
export function exportLeaseFile(
  input: ExportLeaseFileInput,
): Promise<Result<GhostLeaseFile, XghostError>> {
  const days = input.validityDays ?? 30;
  if (!(days > 0 && days <= 366))
    return Promise.resolve(
      xghostErr('INVALID_OPTIONS', 'validityDays must be in (0, 366]', 'Use 7-30 days', {
        field: 'validityDays',
      }),
    );
  const now = input.now ?? Date.now();
  return issueLease({
    vendor: input.vendor,
    manifest: input.manifest,
    vendorShare: input.vendorShare,
    customer: input.customer,
    epoch: Math.floor(now / 86_400_000),
    notAfter: now + Math.round(days * 86_400_000),
    challenge: null,
    mode: 'file',
    now,
  });
}
