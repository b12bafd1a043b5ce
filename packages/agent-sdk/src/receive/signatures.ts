/**
 * Receive step 8, `signatures`: Ed25519 against the sender DID, plus ML-DSA-65 against the
 * sender's key document for v3 (open.ts). An Xchange part is checked against its group
 * statement instead (xchange-part.ts `verifyXchangePart`): one Ed25519 verification for the
 * first part of a group, none for a later part whose statement and signature equal the ones
 * verified for its buffered group.
 *
 * @module
 */
import { verifyEnvelopeSignatures } from '../open.js';
import { decodeXchangePart, verifyXchangePart } from '../xchange-part.js';
import type { ReceiveStep } from './context.js';

const EMPTY = new Uint8Array(0);

/**
 * Sets `header` (the encoded header, reused as AEAD associated data; empty for an Xchange part,
 * which is signed-only) and, for an Xchange part, `xchangeVerified`.
 * @returns `VERIFICATION_FAILED` (`SIGNATURE_MISMATCH`, `PQ_KEY_MISSING`,
 *   `PQ_SIGNATURE_MISMATCH`), `INCONSISTENT_SHARES:MALFORMED_SHARE` (an Xchange part body that
 *   does not decode), or `undefined`
 */
export const signaturesStep: ReceiveStep = (ctx, s) => {
  const env = s.env!;
  if (s.xchangePart) {
    // decoded once by the late-share step (same bytes; the size limit is applied in assemble)
    const part = s.xchangeDecoded ?? decodeXchangePart(env.ciphertext, env.ciphertext.length);
    if (!part.ok) return part;
    const cached = ctx.shareBuffer.xchangeStatement(env.sender, part.value.share.groupId);
    const checked = verifyXchangePart(env, part.value, cached);
    if (!checked.ok) return checked;
    s.xchangeVerified = checked.value;
    s.header = EMPTY;
    return undefined;
  }
  const header = verifyEnvelopeSignatures(env, s.sender!.doc);
  if (!header.ok) return header;
  s.header = header.value;
  return undefined;
};
