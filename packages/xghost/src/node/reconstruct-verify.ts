/**
 * Ghost step 3: reconstruct the module source from share 1 and share 2 (xorida) and check its
 * SHA-256 (FIPS 180-4) against the manifest.
 *
 * @module
 */

import { sha256Hex } from '@xorida/agent-sdk/crypto';
import { decodeShare, ok, type Result, reconstructInto } from 'xorida';
import { type GhostManifest, XGHOST_PRODUCT_TYPE, type XghostError, xghostErr } from '../index.js';

/** @internal Reconstructs, checks the SHA-256 and evaluates; exported for benchmarks. */
export function reconstructVerify(
  manifest: GhostManifest,
  customerShare: Uint8Array,
  vendorShare: Uint8Array,
): Result<Uint8Array, XghostError> {
  const a = decodeShare(customerShare);
  const b = decodeShare(vendorShare);
  if (!a.ok || !b.ok)
    return xghostErr(
      'SHARE_INVALID',
      `share does not decode: ${(a.ok ? b : a).ok ? '' : ((a.ok ? b : a) as { error: { message: string } }).error.message}`,
      'Reinstall the customer share file',
      { field: a.ok ? 'vendorShare' : 'customerShare' },
    );
  for (const s of [a.value, b.value])
    if (s.productType !== XGHOST_PRODUCT_TYPE || s.originalLength !== manifest.sourceBytes)
      return xghostErr(
        'SHARE_INVALID',
        'share is not a share of this bundle (product type or length)',
        'Use the share file shipped with this manifest',
        { subCode: 'NOT_THIS_BUNDLE' },
      );
  const out = new Uint8Array(manifest.sourceBytes);
  const n = reconstructInto([a.value, b.value], out);
  b.value.payload.fill(0); // share 2's copy (share 1 is on the customer's disk anyway)
  if (!n.ok)
    return xghostErr(
      'SOURCE_MISMATCH',
      `reconstruction failed: ${n.error.code}`,
      'A share was altered or belongs to another build',
      { subCode: n.error.code },
    );
  if (n.value !== out.length || sha256Hex(out) !== manifest.sourceSha256) {
    out.fill(0);
    return xghostErr(
      'SOURCE_MISMATCH',
      'reconstructed source does not match the manifest SHA-256',
      'A share was altered or belongs to another build',
    );
  }
  return ok(out);
}
