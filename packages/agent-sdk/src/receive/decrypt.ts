/**
 * Receive step 11, `decrypt`: key agreement (X25519 for v1, X-Wing for v2/v3) and AES-256-GCM
 * decryption with the verified header as associated data (open.ts). Signed-only envelopes pass
 * their payload through unchanged.
 *
 * @module
 */
import { decryptEnvelope } from '../open.js';
import type { ReceiveStep } from './context.js';

/**
 * Reports progress `decrypting`, then sets `plaintext`.
 * @returns `DECRYPT_FAILED` (`KEY_AGREEMENT` / `DECRYPTION`), or `undefined`
 */
export const decryptStep: ReceiveStep = async (ctx, s) => {
  const progress = s.options.onProgress;
  if (progress) await progress({ stage: 'decrypting', current: 1, total: 1 });
  const plaintext = await decryptEnvelope(s.env!, ctx.identity, s.header!, { inPlace: true });
  if (!plaintext.ok) return plaintext;
  s.plaintext = plaintext.value;
  // The ciphertext is not read after this step: let it go before the payload is decoded.
  if (!s.signedOnly) s.env = { ...s.env!, ciphertext: new Uint8Array(0) };
  return undefined;
};
