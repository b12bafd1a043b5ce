/**
 * Send step 6, `seal`: one envelope, encrypted to the recipient's key document and signed with
 * this agent's keys (seal.ts: key agreement, AES-256-GCM, Ed25519 and ML-DSA-65 for v3).
 *
 * @module
 */
import { envelopeToJson } from '../envelope.js';
import { createEnvelope } from '../seal.js';
import type { SendStep } from './context.js';

/**
 * Reports progress `encrypting`, then `signing`; sets `envelope` (JSON form).
 * @returns `ECDH_FAILED`, `KEM_FAILED`, or `undefined`
 */
export const sealStep: SendStep = async (ctx, s) => {
  const options = s.options;
  const progress = options.onProgress;
  if (progress) await progress({ stage: 'encrypting', current: 1, total: 1 });
  const env = await createEnvelope({
    sender: ctx.identity,
    recipient: s.recipient!.doc,
    version: s.version!,
    scope: options.scope,
    plaintext: s.plaintext!,
    // encoded by the validate step with SEAL_ROOM, and not read after this step
    sealInPlace: true,
    // stamped by createEnvelope after encryption; a test's fixed timestamp wins
    ...(options.testing?.timestamp !== undefined ? { timestamp: options.testing.timestamp } : {}),
    now: options.testing?.now ?? Date.now,
    ...(options.testing?.random ? { random: options.testing.random } : {}),
    ...(progress
      ? { onEncrypted: () => progress({ stage: 'signing', current: 1, total: 1 }) }
      : {}),
  });
  if (!env.ok) return env;
  // Not read after sealing: let it go before the ciphertext is base64-encoded.
  s.plaintext = undefined;
  s.envelope = envelopeToJson(env.value);
  return undefined;
};
