/**
 * Receive step 13, `deliver`: the payload of a whole (not split) message is parsed (JSON object
 * or bytes, lib/payload.ts; signed-only payloads are bytes as sent) and returned as the
 * {@link AgentMessage}.
 *
 * @module
 */

import type { Result } from 'xorida';
import { ok } from 'xorida';
import type { AgentMessage } from '../agent-types.js';
import type { XlinkErrorDetail } from '../errors.js';
import { base64urlEncode } from '../lib/codec.js';
import {
  type Payload,
  parseUnwrappedPayload,
  type UnwrappedPayload,
  unwrapPayload,
} from '../lib/payload.js';
import type { ReceiveState, ReceiveStep } from './context.js';

/**
 * Takes the plaintext out of the state and unwraps it: once this returns, nothing holds the
 * plaintext while a large JSON text is parsed (test/delivery/memory.test.ts).
 */
function takeUnwrapped(s: ReceiveState): Result<UnwrappedPayload, XlinkErrorDetail> {
  const plaintext = s.plaintext!;
  s.plaintext = undefined;
  return unwrapPayload(plaintext);
}

/**
 * Reports progress `complete`.
 * @returns the message, or `DECRYPT_FAILED:PARSE`
 */
export const deliverStep: ReceiveStep = async (_ctx, s) => {
  const env = s.env!;
  let payload: Payload;
  if (s.signedOnly) payload = s.plaintext!;
  else {
    const u = takeUnwrapped(s);
    if (!u.ok) return u;
    const p = parseUnwrappedPayload(u.value);
    if (!p.ok) return p;
    payload = p.value;
  }
  const progress = s.options.onProgress;
  if (progress) await progress({ stage: 'complete', current: 1, total: 1 });
  const message: AgentMessage = {
    status: 'complete',
    sender: env.sender,
    recipient: env.recipient,
    scope: env.scope,
    payload,
    version: env.version,
    cleartext: s.signedOnly === true,
    timestamp: env.timestamp,
    nonce: base64urlEncode(env.nonce),
  };
  return ok(message);
};
