/**
 * The send pipeline: the steps below, in this order; the first step that answers (an error or
 * the receipt) ends it. Each step is its own module in this directory and documents the codes
 * it returns.
 *
 *   validate           scope well formed, payload encoded within maxPayloadBytes
 *   resolve-recipient  recipient in the registry, key document verified, not revoked
 *   negotiate-version  highest version both key documents list
 *   policy             security policy: one envelope, or k-of-n shares
 *   split              n > 1 only: split-channel or Xchange shares over the transports
 *   seal               encrypt to the recipient and sign (one envelope)
 *   fresh              still within the timestamp window now that sealing ended
 *   transport          deliver on the first transport, return the receipt
 *
 * @module
 */
import type { SendOptions } from '../agent-types.js';
import { type NamedStep, runSteps } from '../step-pipeline.js';
import type { SendContext, SendOutcome, SendState } from './context.js';
import { freshStep } from './fresh.js';
import { negotiateVersionStep } from './negotiate-version.js';
import { policyStep } from './policy.js';
import { resolveRecipientStep } from './resolve-recipient.js';
import { sealStep } from './seal.js';
import { splitStep } from './split.js';
import { transportStep } from './transport.js';
import { validateStep } from './validate.js';

/** The steps in the order they run (see the module doc). */
export const SEND_STEPS: readonly NamedStep<SendContext, SendState, SendOutcome>[] = [
  { name: 'validate', run: validateStep },
  { name: 'resolve-recipient', run: resolveRecipientStep },
  { name: 'negotiate-version', run: negotiateVersionStep },
  { name: 'policy', run: policyStep },
  { name: 'split', run: splitStep },
  { name: 'seal', run: sealStep },
  { name: 'fresh', run: freshStep },
  { name: 'transport', run: transportStep },
];

/**
 * Runs {@link SEND_STEPS} for one message.
 * @param ctx the sending agent
 * @param options the caller's send options
 * @returns the first answer of a step (`split` or `transport` always answers)
 */
export async function runSendPipeline(
  ctx: SendContext,
  options: SendOptions,
): Promise<SendOutcome> {
  return runSteps(SEND_STEPS, ctx, { options });
}
