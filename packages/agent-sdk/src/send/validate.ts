/**
 * Send step 1, `validate`: the scope is well formed and the payload encodes within
 * `maxPayloadBytes` (lib/payload.ts), before any lookup or key operation.
 *
 * @module
 */
import { isValidScope } from '../envelope.js';
import { xlinkErr } from '../errors.js';
import { encodePayload } from '../lib/payload.js';
import { SEAL_ROOM } from '../seal.js';
import type { SendStep } from './context.js';

/**
 * Sets `plaintext`.
 * @returns `INVALID_SCOPE`, `INVALID_PAYLOAD`, `PAYLOAD_TOO_LARGE`, or `undefined`
 */
export const validateStep: SendStep = (ctx, s) => {
  if (!isValidScope(s.options?.scope))
    return xlinkErr(
      'INVALID_SCOPE',
      'scope must be 1..128 printable ASCII characters',
      'Use e.g. "payments:notify"',
      { field: 'scope' },
    );
  // with room to be sealed in place (seal.ts SEAL_ROOM): no second full-size buffer at seal.
  // Xchange encrypts it into a new buffer, so it gets none (a 2 KB zeroed buffer per message).
  const room = s.options.xchange ? undefined : SEAL_ROOM;
  const plaintext = encodePayload(s.options.payload, ctx.config.maxPayloadBytes, room);
  if (!plaintext.ok) return plaintext;
  s.plaintext = plaintext.value;
  return undefined;
};
