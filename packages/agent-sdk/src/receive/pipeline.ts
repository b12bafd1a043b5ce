/**
 * The receive pipeline: the steps below, in this order; the first step that answers (an error,
 * or an early result such as a pending share) ends it. Each step is its own module in this
 * directory and documents the codes it returns.
 *
 *   parse           strict parse; Xchange enabled; cleartext allowed; version; recipient
 *   late-share      late shares of a delivered split-channel / Xchange message: `pending`
 *   timestamp       within +-timestampWindowMs (default 30 000 ms)
 *   nonce-seen      nonce not seen before (read only)
 *   resolve-sender  sender in the registry, key document verified against its DID
 *   revoked         sender not revoked
 *   downgrade       encrypted envelopes use the version both key documents support
 *   signatures      Ed25519, plus ML-DSA-65 for v3; Xchange: group statement, once a group
 *   record-nonce    nonce recorded atomically, only now that the envelope is authentic
 *   scope           granted by the registry and accepted by this agent
 *   decrypt         key agreement and AES-256-GCM
 *   assemble        split-channel share / Xchange part: buffer, `pending` until k shares
 *   deliver         payload parsed, the message returned
 *
 * Pitfalls:
 * - The nonce is checked early but recorded only after the signatures verify (nonce-seen.ts).
 * - Replay protection is as durable as the nonce store (memory by default).
 *
 * @module
 */

import type { ReceiveOptions } from '../agent-types.js';
import { type NamedStep, runSteps } from '../step-pipeline.js';
import { assembleStep } from './assemble.js';
import type { ReceiveContext, ReceiveOutcome, ReceiveState } from './context.js';
import { decryptStep } from './decrypt.js';
import { deliverStep } from './deliver.js';
import { downgradeStep } from './downgrade.js';
import { lateShareStep } from './late-share.js';
import { nonceSeenStep } from './nonce-seen.js';
import { parseStep } from './parse.js';
import { recordNonceStep } from './record-nonce.js';
import { resolveSenderStep } from './resolve-sender.js';
import { revokedStep } from './revoked.js';
import { scopeStep } from './scope.js';
import { signaturesStep } from './signatures.js';
import { timestampStep } from './timestamp.js';

/** The steps in the order they run (see the module doc). */
export const RECEIVE_STEPS: readonly NamedStep<ReceiveContext, ReceiveState, ReceiveOutcome>[] = [
  { name: 'parse', run: parseStep },
  { name: 'late-share', run: lateShareStep },
  { name: 'timestamp', run: timestampStep },
  { name: 'nonce-seen', run: nonceSeenStep },
  { name: 'resolve-sender', run: resolveSenderStep },
  { name: 'revoked', run: revokedStep },
  { name: 'downgrade', run: downgradeStep },
  { name: 'signatures', run: signaturesStep },
  { name: 'record-nonce', run: recordNonceStep },
  { name: 'scope', run: scopeStep },
  { name: 'decrypt', run: decryptStep },
  { name: 'assemble', run: assembleStep },
  { name: 'deliver', run: deliverStep },
];

/**
 * Runs {@link RECEIVE_STEPS} on one envelope. Reports progress `verifying` first.
 * @param ctx the receiving agent
 * @param input the envelope in any form (JSON object or text, compact text, bytes)
 * @param options `onProgress`, `allowCleartext`, `now` (ms, tests)
 * @returns the first answer of a step (`deliver` always answers)
 */
export async function runReceivePipeline(
  ctx: ReceiveContext,
  input: unknown,
  options: ReceiveOptions,
): Promise<ReceiveOutcome> {
  if (options.onProgress) await options.onProgress({ stage: 'verifying', current: 1, total: 1 });
  return runSteps(RECEIVE_STEPS, ctx, { input, options });
}
