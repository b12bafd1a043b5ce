/**
 * Ghost step 1: check a bundle manifest's shape and its vendor's Ed25519 signature (RFC 8032),
 * optionally pinned to one vendor DID. Format: docs/formats.md#xghost.
 *
 * @module
 */
import { parseDidKey } from '@xorida/agent-sdk';
import { ed25519Verify } from '@xorida/agent-sdk/crypto';
import type { Result } from 'xorida';
import {
  type GhostManifest,
  manifestSigningInput,
  parseManifest,
  type XghostError,
  xghostErr,
} from '../index.js';
import { fromB64u } from './signature-text.js';

/**
 * Checks a manifest's shape and vendor signature.
 * @param input parsed manifest or its JSON text
 * @param vendorDid optional pinned vendor DID
 * @returns the manifest, or `MANIFEST_INVALID` (`MALFORMED`, `BAD_SIGNATURE`, `VENDOR_MISMATCH`)
 */
export function verifyManifest(
  input: unknown,
  vendorDid?: string,
): Result<GhostManifest, XghostError> {
  const m = parseManifest(input);
  if (!m.ok) return m;
  if (vendorDid !== undefined && m.value.vendorDid !== vendorDid)
    return xghostErr(
      'MANIFEST_INVALID',
      'manifest is signed by another vendor',
      'Use the manifest your vendor shipped',
      { subCode: 'VENDOR_MISMATCH', field: 'vendorDid' },
    );
  const pub = parseDidKey(m.value.vendorDid);
  if (
    !pub.ok ||
    !ed25519Verify(pub.value, manifestSigningInput(m.value), fromB64u(m.value.signature))
  )
    return xghostErr(
      'MANIFEST_INVALID',
      'manifest signature does not verify',
      'The manifest was altered; reinstall it from the vendor',
      { subCode: 'BAD_SIGNATURE', field: 'signature' },
    );
  return m;
}
