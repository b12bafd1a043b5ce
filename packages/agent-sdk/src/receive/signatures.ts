/**
 * Receive step 8, `signatures`: Ed25519 against the sender DID, plus ML-DSA-65 against the
 * sender's key document for v3 (open.ts).
 *
 * @module
 */
import { verifyEnvelopeSignatures } from '../open.js';
import type { ReceiveStep } from './context.js';

/**
 * Sets `header` (the encoded header, reused as AEAD associated data).
 * @returns `VERIFICATION_FAILED` (`SIGNATURE_MISMATCH`, `PQ_KEY_MISSING`,
 *   `PQ_SIGNATURE_MISMATCH`), or `undefined`
 */
export const signaturesStep: ReceiveStep = (_ctx, s) => {
  const header = verifyEnvelopeSignatures(s.env!, s.sender!.doc);
  if (!header.ok) return header;
  s.header = header.value;
  return undefined;
};
