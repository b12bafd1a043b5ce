/**
 * The one size policy: every byte limit on the message path is derived from a single setting,
 * the largest plaintext payload (`maxPayloadBytes`, env `XLINK_MAX_PAYLOAD_BYTES`, default
 * 16 MiB). The agent refuses larger payloads at `send` (`PAYLOAD_TOO_LARGE`, naming the limit and
 * the setting); the relay body limit, the server body limit, the HTTP transport's response limit
 * and the split-channel share buffer are computed here so that anything `send` accepts passes
 * every later hop. Spec: docs/formats.md#size-policy.
 *
 * Pitfall: peers must agree on the setting. A receiver (or relay) configured lower refuses what a
 * sender configured higher accepted; the relay then answers 413 at deposit, never silently later.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { DEFAULT_MAX_PAYLOAD_BYTES, maxCiphertextFor } from './envelope-model.js';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import type { ShareBufferOptions } from './split-channel/share-buffer.js';

/** Default largest plaintext payload, bytes (16 MiB). */
export const DEFAULT_POLICY_MAX_PAYLOAD_BYTES = DEFAULT_MAX_PAYLOAD_BYTES;
/** Hard upper bound of the setting, bytes (256 MiB). */
export const MAX_POLICY_PAYLOAD_BYTES = 256 * 1024 * 1024;
/** Name of the setting, as error messages and docs cite it. */
export const SIZE_SETTING = 'maxPayloadBytes (env XLINK_MAX_PAYLOAD_BYTES)';
/**
 * Bytes a share envelope or Xchange part may exceed the payload limit by (share framing, r, tag).
 * The agent's `SHARE_ENVELOPE_SLACK` is this value.
 */
export const SHARE_FRAMING_BYTES = 1024;
/** Bytes of an envelope's JSON form besides its base64 ciphertext (keys, ML-DSA signature, DIDs). */
export const ENVELOPE_JSON_OVERHEAD_BYTES = 16_384;
/** Smallest per-sender share buffer, bytes (the former fixed default, 8 MiB). */
export const MIN_SHARE_BUFFER_BYTES = 8 * 1024 * 1024;

/** Every limit derived from one payload limit (all in bytes). */
export interface SizeLimits {
  /** Largest plaintext payload (the setting). */
  readonly maxPayloadBytes: number;
  /** Largest envelope ciphertext, share framing included. */
  readonly maxCiphertextBytes: number;
  /** Encoded size of the largest envelope JSON form: the relay and server body limit. */
  readonly maxEnvelopeJsonBytes: number;
  /** Largest relay pull answer and HTTP transport response: one envelope plus its receipt. */
  readonly maxResponseBytes: number;
  /** Split-channel share buffer per sender: two shares of a full-size message (k <= 3). */
  readonly shareBufferBytesPerSender: number;
}

/**
 * Derives every limit from the payload limit.
 * @param maxPayloadBytes plaintext limit, bytes (default `DEFAULT_POLICY_MAX_PAYLOAD_BYTES`)
 * @returns the derived limits (bytes)
 */
export function sizeLimits(maxPayloadBytes = DEFAULT_POLICY_MAX_PAYLOAD_BYTES): SizeLimits {
  const maxCiphertextBytes = maxCiphertextFor(maxPayloadBytes + SHARE_FRAMING_BYTES);
  // The JSON form carries the ciphertext in base64 (4/3) plus bounded fixed fields; this is the
  // same bound the strict JSON parser applies to envelope text (envelope-json.ts).
  const maxEnvelopeJsonBytes =
    Math.ceil((maxCiphertextBytes * 4) / 3) + ENVELOPE_JSON_OVERHEAD_BYTES;
  return {
    maxPayloadBytes,
    maxCiphertextBytes,
    maxEnvelopeJsonBytes,
    maxResponseBytes: maxEnvelopeJsonBytes + 64 * 1024,
    shareBufferBytesPerSender: Math.max(
      MIN_SHARE_BUFFER_BYTES,
      2 * (maxPayloadBytes + SHARE_FRAMING_BYTES),
    ),
  };
}

/**
 * Reads the setting from the environment.
 * @param env process environment (`XLINK_MAX_PAYLOAD_BYTES`, decimal bytes)
 * @returns the limit in bytes (default 16 MiB), or `INVALID_OPTIONS` (field `XLINK_MAX_PAYLOAD_BYTES`)
 *   for anything but an integer in 1..268 435 456
 */
export function payloadLimitFromEnv(
  env: Record<string, string | undefined>,
): Result<number, XlinkErrorDetail> {
  const raw = env.XLINK_MAX_PAYLOAD_BYTES;
  if (raw === undefined || raw === '') return ok(DEFAULT_POLICY_MAX_PAYLOAD_BYTES);
  const n = /^[0-9]{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_POLICY_PAYLOAD_BYTES)
    return xlinkErr(
      'INVALID_OPTIONS',
      `XLINK_MAX_PAYLOAD_BYTES must be an integer in 1..${MAX_POLICY_PAYLOAD_BYTES}`,
      'e.g. XLINK_MAX_PAYLOAD_BYTES=16777216',
      { field: 'XLINK_MAX_PAYLOAD_BYTES' },
    );
  return ok(n);
}

/**
 * The send-time refusal: names the limit and the setting.
 * @param size encoded payload size, bytes (or a lower bound of it)
 * @param limit the configured limit, bytes
 * @returns `PAYLOAD_TOO_LARGE` (field `payload`)
 */
export function payloadTooLarge(size: number, limit: number): Result<never, XlinkErrorDetail> {
  return xlinkErr(
    'PAYLOAD_TOO_LARGE',
    `payload of ${size} bytes exceeds the limit of ${limit} bytes (${SIZE_SETTING})`,
    `Send less data, or raise ${SIZE_SETTING} on the sender, the relay and the receiver`,
    { field: 'payload' },
  );
}

/**
 * Share-buffer options with the per-sender byte limit derived from the payload limit (an
 * explicit `maxBufferedBytesPerSender` wins).
 * @param options the agent's `splitChannel` options
 * @param maxPayloadBytes the agent's payload limit, bytes
 * @returns options for `new ShareBuffer`
 */
export function shareBufferOptions(
  options: ShareBufferOptions | undefined,
  maxPayloadBytes: number,
): ShareBufferOptions {
  return {
    ...options,
    maxBufferedBytesPerSender:
      options?.maxBufferedBytesPerSender ?? sizeLimits(maxPayloadBytes).shareBufferBytesPerSender,
  };
}

/** Slowest transfer rate the HTTP transport allows for before timing out, bytes per ms (1 MB/s). */
export const MIN_TRANSFER_BYTES_PER_MS = 1000;

/**
 * Per-attempt timeout for sending `bytes`: the base timeout plus time for the body at
 * {@link MIN_TRANSFER_BYTES_PER_MS} (and for the server to parse and verify it).
 * @param baseMs the configured per-attempt timeout, ms
 * @param bytes body size, bytes
 * @returns timeout, ms
 */
export function transferTimeoutMs(baseMs: number, bytes: number): number {
  return baseMs + Math.ceil(bytes / MIN_TRANSFER_BYTES_PER_MS);
}
