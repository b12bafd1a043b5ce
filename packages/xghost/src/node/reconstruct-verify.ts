/**
 * Ghost step 3: reconstruct the module source from share 1 and share 2 (xorida) and check its
 * SHA-256 (FIPS 180-4) against the manifest.
 *
 * @module
 */

import { sha256Hex } from '@xorida/agent-sdk/crypto';
import { decodeShare, ok, type Result, reconstructInto } from 'xorida';
import { type GhostManifest, XGHOST_PRODUCT_TYPE, type XghostError, xghostErr } from '../index.js';

/**
 * A `length`-byte buffer at the same offset modulo 8 as the payload views (the share header is
 * 34 bytes), so the XOR runs on 64-bit words (measured: the unaligned path doubled the
 * reconstruct). Not zero-filled: reconstructInto writes every byte, and it is wiped on failure;
 * the few bytes around it are zeroed.
 */
function outputFor(length: number, payloadOffset: number): Uint8Array {
  const skew = payloadOffset & 7;
  const raw = Buffer.allocUnsafeSlow(length + skew); // its own ArrayBuffer, never the pool
  raw.fill(0, 0, skew);
  return new Uint8Array(raw.buffer, raw.byteOffset + skew, length);
}

/** @internal Reconstructs, checks the SHA-256 and evaluates; exported for benchmarks. */
export function reconstructVerify(
  manifest: GhostManifest,
  customerShare: Uint8Array,
  vendorShare: Uint8Array,
): Result<Uint8Array, XghostError> {
  // Views, not copies: the payloads are only read, once, by reconstructInto below (two 100 KiB
  // copies and their zeroing were a quarter of a 100 KiB reconstruct + verify).
  const a = decodeShare(customerShare, { copy: false });
  const b = decodeShare(vendorShare, { copy: false });
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
  const out = outputFor(manifest.sourceBytes, a.value.payload.byteOffset);
  const n = reconstructInto([a.value, b.value], out);
  if (!n.ok) {
    out.fill(0);
    return xghostErr(
      'SOURCE_MISMATCH',
      `reconstruction failed: ${n.error.code}`,
      'A share was altered or belongs to another build',
      { subCode: n.error.code },
    );
  }
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
