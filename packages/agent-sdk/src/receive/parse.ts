/**
 * Receive step 1, `parse`: strict parse (envelope.ts) of any envelope form, then what this agent
 * accepts before any lookup: Xchange enabled for Xchange parts, signed-only envelopes only with
 * `allowCleartext`, a version from this agent's key document, and this agent as recipient.
 *
 * @module
 */
import { SHARE_ENVELOPE_SLACK } from '../agent-types.js';
import { parseEnvelope, SIGNED_ONLY_ALG } from '../envelope.js';
import { xlinkErr } from '../errors.js';
import { isXchangePart } from '../xchange-part.js';
import type { ReceiveStep } from './context.js';

/**
 * Sets `env`, `signedOnly`, `xchangePart` and `oversize`.
 * @returns `ENVELOPE_INVALID`, `UNSUPPORTED_VERSION` (incl. `XCHANGE_NOT_ENABLED`,
 *   `NOT_ACCEPTED`), `PAYLOAD_TOO_LARGE`, `CLEARTEXT_NOT_ALLOWED`, `RECIPIENT_MISMATCH`
 */
export const parseStep: ReceiveStep = (ctx, s) => {
  const max = ctx.config.maxPayloadBytes;
  let parsed = parseEnvelope(s.input, max);
  // Share envelopes / Xchange parts carry up to SHARE_ENVELOPE_SLACK bytes of framing on top
  // of the payload; such an envelope is accepted only if it turns out to be one (assemble).
  if (!parsed.ok && parsed.error.code === 'PAYLOAD_TOO_LARGE') {
    const again = parseEnvelope(s.input, max + SHARE_ENVELOPE_SLACK);
    if (again.ok) {
      s.oversize = parsed;
      parsed = again;
    }
  }
  if (!parsed.ok) return parsed;
  const env = parsed.value;
  const signedOnly = env.alg === SIGNED_ONLY_ALG;
  const xchangePart = signedOnly && isXchangePart(env.ciphertext);
  s.env = env;
  s.signedOnly = signedOnly;
  s.xchangePart = xchangePart;
  if (xchangePart && !ctx.config.xchange)
    return xlinkErr(
      'UNSUPPORTED_VERSION',
      'Xchange part received by an agent without xchange: true',
      'Create the receiving agent with { xchange: true }',
      { subCode: 'XCHANGE_NOT_ENABLED', field: 'alg' },
    );
  if (s.oversize && signedOnly && !xchangePart) return s.oversize;
  if (signedOnly && !xchangePart && !s.options.allowCleartext)
    return xlinkErr(
      'CLEARTEXT_NOT_ALLOWED',
      'signed-only (unencrypted) envelope refused',
      'Pass { allowCleartext: true } to accept telemetry envelopes',
      { field: 'alg' },
    );
  if (!ctx.keyDocument.versions.includes(env.version))
    return xlinkErr(
      'UNSUPPORTED_VERSION',
      `this agent does not accept v${env.version}`,
      'The sender must negotiate a version from our key document',
      { subCode: 'NOT_ACCEPTED', field: 'version' },
    );
  if (env.recipient !== ctx.did)
    return xlinkErr(
      'RECIPIENT_MISMATCH',
      'envelope is addressed to another DID',
      'Deliver it to its recipient',
      { field: 'recipient' },
    );
  return undefined;
};
