/**
 * Ghost step 2: verify a lease (shape, vendor signature, bundle, customer DID, challenge,
 * expiry) and open share 2 from its Xlink envelope. Format: docs/formats.md#xghost.
 *
 * @module
 */
import {
  type AgentIdentity,
  decryptEnvelope,
  envelopeFromJson,
  parseDidKey,
  verifyEnvelopeSignatures,
} from '@xorida/agent-sdk';
import { ed25519Verify, sha256Hex } from '@xorida/agent-sdk/crypto';
import { ok, type Result } from 'xorida';
import {
  billingScope,
  type GhostLease,
  type GhostLeaseFile,
  type GhostManifest,
  leaseSigningInput,
  parseLease,
  type XghostError,
  xghostErr,
} from '../index.js';
import { fromB64u } from './signature-text.js';

/** Checks of {@link openLeaseFile}. */
export interface OpenLeaseOptions {
  readonly manifest: GhostManifest;
  readonly customer: AgentIdentity;
  /** Online: the request nonce the lease must echo. */
  readonly challenge?: string;
  readonly now: number;
}

/**
 * Verifies a lease (shape, vendor signature, bundle, customer DID, challenge, expiry) and opens
 * share 2 from its Xlink envelope (sender = vendor, recipient = customer, SHA-256 = lease's).
 * @returns the lease and the encoded share 2, or `LEASE_INVALID` / `LEASE_EXPIRED`
 */
export async function openLeaseFile(
  file: unknown,
  o: OpenLeaseOptions,
): Promise<Result<{ lease: GhostLease; share: Uint8Array }, XghostError>> {
  const f = file as GhostLeaseFile | null;
  if (f === null || typeof f !== 'object' || f.type !== 'xghost-lease-file' || f.v !== 1)
    return xghostErr(
      'LEASE_INVALID',
      'not an xghost lease file',
      'Import the file `xghost lease export` wrote',
      { subCode: 'MALFORMED' },
    );
  const l = parseLease(f.lease);
  if (!l.ok) return l;
  const lease = l.value;
  const inv = (subCode: string, message: string, field?: string) =>
    xghostErr('LEASE_INVALID', message, 'Ask the vendor for a lease for this bundle and DID', {
      subCode,
      ...(field ? { field } : {}),
    });
  if (lease.vendorDid !== o.manifest.vendorDid)
    return inv('VENDOR_MISMATCH', 'lease is from another vendor', 'vendorDid');
  const pub = parseDidKey(lease.vendorDid);
  if (!pub.ok || !ed25519Verify(pub.value, leaseSigningInput(lease), fromB64u(lease.signature)))
    return inv('BAD_SIGNATURE', 'lease signature does not verify', 'signature');
  if (lease.bundleId !== o.manifest.bundleId)
    return inv('WRONG_BUNDLE', 'lease is for another bundle', 'bundleId');
  if (lease.customerDid !== o.customer.did)
    return inv('WRONG_CUSTOMER', 'lease is for another customer DID', 'customerDid');
  if (o.challenge !== undefined && lease.challenge !== o.challenge)
    return inv('CHALLENGE_MISMATCH', 'lease does not answer this request', 'challenge');
  if (o.challenge === undefined && lease.mode !== 'file')
    return inv('WRONG_MODE', 'an online lease cannot be imported as a file', 'mode');
  if (o.now >= lease.notAfter)
    return xghostErr(
      'LEASE_EXPIRED',
      `lease ran out at ${new Date(lease.notAfter).toISOString()}`,
      'Renew the payment / import a new lease file',
      { field: 'notAfter' },
    );
  const env = envelopeFromJson(f.sealedShare);
  if (!env.ok) return inv('BAD_ENVELOPE', `sealed share: ${env.error.message}`, 'sealedShare');
  const e = env.value;
  if (
    e.sender !== lease.vendorDid ||
    e.recipient !== o.customer.did ||
    e.scope !== billingScope(lease.bundleId)
  )
    return inv(
      'BAD_ENVELOPE',
      'sealed share has the wrong sender, recipient or scope',
      'sealedShare',
    );
  const header = verifyEnvelopeSignatures(e, undefined);
  if (!header.ok)
    return inv('BAD_ENVELOPE', 'sealed share signature does not verify', 'sealedShare');
  const share = await decryptEnvelope(e, o.customer, header.value);
  if (!share.ok)
    return inv('BAD_ENVELOPE', 'sealed share does not decrypt with this identity', 'sealedShare');
  if (sha256Hex(share.value) !== lease.shareSha256) {
    share.value.fill(0);
    return inv('SHARE_MISMATCH', 'share 2 does not match the lease', 'shareSha256');
  }
  return ok({ lease, share: share.value });
}
