/**
 * Receive step 6, `revoked`: a sender the registry lists as revoked is refused.
 *
 * @module
 */
import { xlinkErr } from '../errors.js';
import type { ReceiveStep } from './context.js';

/** @returns `VERIFICATION_FAILED:SENDER_REVOKED`, or `undefined` */
export const revokedStep: ReceiveStep = (_ctx, s) =>
  s.sender!.entry.status === 'revoked'
    ? xlinkErr(
        'VERIFICATION_FAILED',
        'sender DID is revoked',
        'Do not accept messages from revoked peers',
        { subCode: 'SENDER_REVOKED', field: 'sender' },
      )
    : undefined;
