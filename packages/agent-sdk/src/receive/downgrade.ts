/**
 * Receive step 7, `downgrade`: an encrypted envelope must use the version both key documents
 * support (a lower one is refused here; a higher one already failed `parse`). Without this, a
 * sender whose document lists ML-DSA-65 could be impersonated with an Ed25519-only v1/v2
 * envelope by whoever forges Ed25519, and v3 would add nothing.
 *
 * @module
 */
import { xlinkErr } from '../errors.js';
import { negotiateVersion } from '../key-document.js';
import type { ReceiveStep } from './context.js';

/** @returns `UNSUPPORTED_VERSION:DOWNGRADE`, or `undefined` (signed-only envelopes pass) */
export const downgradeStep: ReceiveStep = (ctx, s) => {
  const env = s.env!;
  const floor = negotiateVersion(s.sender!.doc, ctx.keyDocument);
  if (!s.signedOnly && floor !== null && env.version < floor)
    return xlinkErr(
      'UNSUPPORTED_VERSION',
      `v${env.version} envelope where both key documents support v${floor}`,
      'The sender must use the negotiated version; a lower one is a downgrade',
      { subCode: 'DOWNGRADE', field: 'version' },
    );
  return undefined;
};
