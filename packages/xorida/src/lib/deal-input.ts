/**
 * Input checks shared by the dealers (`split`, `disperse` and their `Into` forms). The
 * kernels read the secret while writing the payloads, so overlapping buffers are refused here
 * rather than corrupting output silently.
 *
 * @module
 */
import { type XoridaError, xoridaErr } from '../errors.js';
import { OK_VOID, type Result } from '../result.js';
import { overlaps } from './overlap.js';
import { type Layout, MAX_SECRET_LENGTH, shareLength } from './params.js';

/**
 * Checks a secret (or data) buffer: a real Uint8Array of 1 byte or more whose padded share
 * length fits 32 bits.
 * @param secret the caller's value
 * @param n number of shares
 * @param L ramp parameter (1 for split)
 * @returns ok, or `INVALID_CONFIG` (field `secret`)
 */
export function checkSecret(secret: Uint8Array, n: number, L = 1): Result<void, XoridaError> {
  // ArrayBuffer.isView is false for a Proxy, whose traps could re-enter split() mid-deal.
  if (!(secret instanceof Uint8Array) || !ArrayBuffer.isView(secret)) {
    return xoridaErr(
      'INVALID_CONFIG',
      'secret must be a Uint8Array',
      'Encode text with utf8ToBytes() first.',
      {
        field: 'secret',
      },
    );
  }
  if (secret.length < 1 || shareLength(secret.length, n, L) > MAX_SECRET_LENGTH) {
    return xoridaErr(
      'INVALID_CONFIG',
      `secret must be 1 byte or more, and its padded length at most ${MAX_SECRET_LENGTH} bytes; got ${secret.length}`,
      'Split non-empty secrets; chunk very large ones (see createSplitter).',
      { field: 'secret' },
    );
  }
  return OK_VOID;
}

/**
 * Checks caller-owned payload buffers for `splitInto` / `disperseInto`: n separate buffers of
 * exactly `layout.padded` bytes, overlapping neither each other nor the secret.
 * @returns ok, or `INVALID_CONFIG` (field `payloads`)
 */
export function checkPayloads(
  layout: Layout,
  secret: Uint8Array,
  payloads: readonly Uint8Array[],
): Result<void, XoridaError> {
  const bad = (message: string) =>
    xoridaErr(
      'INVALID_CONFIG',
      message,
      `Allocate ${layout.n} separate buffers of shareLength(${layout.length}) = ${layout.padded} bytes.`,
      { field: 'payloads' },
    );
  if (!Array.isArray(payloads) || payloads.length !== layout.n) {
    return bad(`expected ${layout.n} payload buffers`);
  }
  for (let i = 0; i < payloads.length; i++) {
    const p = payloads[i];
    if (!(p instanceof Uint8Array) || !ArrayBuffer.isView(p) || p.length !== layout.padded) {
      return bad(`payloads[${i}] must be ${layout.padded} bytes`);
    }
    if (overlaps(p, secret)) return bad(`payloads[${i}] overlaps the secret`);
    for (let j = 0; j < i; j++) {
      if (overlaps(p, payloads[j]!)) return bad(`payloads[${i}] overlaps payloads[${j}]`);
    }
  }
  return OK_VOID;
}
