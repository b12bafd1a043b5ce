/**
 * Plaintext payload encoding inside an envelope: one type byte, then the data.
 *   0x01 = JSON object (UTF-8 text of JSON.stringify), 0x02 = raw bytes.
 *
 * Pitfalls:
 * - Only plain JSON objects and byte arrays are accepted; `JSON.stringify` silently drops
 *   functions/undefined, so callers should send data, not class instances.
 * - Decoding uses strict UTF-8 and requires the JSON to be an object (not an array or scalar).
 *
 * @module
 */

import { ok, type Result } from 'xorida';
import { type XlinkErrorDetail, xlinkErr } from '../errors.js';
import { payloadTooLarge } from '../size-policy.js';
import { fromUtf8, utf8 } from './binary.js';
import { encodeLargeJson, parseLargeJson } from './payload-json.js';

const JSON_TYPE = 0x01;
const BYTES_TYPE = 0x02;

/** A message payload: a JSON object or raw bytes. */
export type Payload = Record<string, unknown> | Uint8Array;

/**
 * Encodes a payload.
 * @param payload plain object or Uint8Array
 * @param maxBytes limit on the encoded data (bytes, excluding the type byte)
 * @param room free bytes to leave in the result's buffer before (`front`) and after (`back`) it,
 *   for a caller that encrypts it in place (seal.ts `SEAL_ROOM`); default none
 * @returns encoded bytes, or `INVALID_PAYLOAD` / `PAYLOAD_TOO_LARGE` (field `payload`)
 */
export function encodePayload(
  payload: Payload,
  maxBytes: number,
  room: { readonly front: number; readonly back: number } = { front: 0, back: 0 },
): Result<Uint8Array, XlinkErrorDetail> {
  const alloc = (n: number) =>
    new Uint8Array(room.front + n + room.back).subarray(room.front, room.front + n);
  let data: Uint8Array;
  let type: number;
  if (payload instanceof Uint8Array) {
    data = payload;
    type = BYTES_TYPE;
  } else if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
    let text: string;
    try {
      // large plain strings straight into the result: no full-size JSON text (payload-json.ts)
      const large = encodeLargeJson(payload, maxBytes, alloc, 1);
      if (large !== undefined) {
        if ('tooLarge' in large) return payloadTooLarge(large.tooLarge, maxBytes);
        large[0] = JSON_TYPE;
        return ok(large);
      }
      text = JSON.stringify(payload);
    } catch {
      return xlinkErr(
        'INVALID_PAYLOAD',
        'payload is not JSON-serialisable',
        'Send plain data (no cycles, no BigInt)',
        { field: 'payload' },
      );
    }
    // Cheap pre-check before encoding: UTF-8 is at least one byte per UTF-16 unit.
    if (text.length > maxBytes) return payloadTooLarge(text.length, maxBytes);
    // ASCII text (the common case) is encoded straight behind the type byte: no second copy
    const out = alloc(text.length + 1);
    const { read, written } = new TextEncoder().encodeInto(text, out.subarray(1));
    if (read === text.length && written === text.length) {
      out[0] = JSON_TYPE;
      return ok(out);
    }
    data = utf8(text);
    type = JSON_TYPE;
  } else
    return xlinkErr(
      'INVALID_PAYLOAD',
      'payload must be a plain object or a Uint8Array',
      'Wrap scalars in an object',
      { field: 'payload' },
    );
  if (data.length > maxBytes) return payloadTooLarge(data.length, maxBytes);
  const out = alloc(data.length + 1);
  out[0] = type;
  out.set(data, 1);
  return ok(out);
}

const bad = (message: string) =>
  xlinkErr('DECRYPT_FAILED', message, 'The sender used an incompatible payload encoding', {
    subCode: 'PARSE',
  });

/**
 * A payload between the two halves of decoding: JSON text, the bytes payload itself, or the
 * JSON value already parsed (a large payload, parsed from its bytes: payload-json.ts).
 */
export type UnwrappedPayload =
  | { readonly json: string }
  | { readonly bytes: Uint8Array }
  | { readonly parsed: unknown };

/**
 * First half of {@link decodePayload}: checks the type byte and decodes JSON text. Callers that
 * hold a large plaintext drop it between the halves, so it is not alive while the text is parsed.
 * @param bytes encoded payload
 * @returns the JSON text (or value, for large strings), or a copy of the bytes payload, or
 *   `DECRYPT_FAILED` subCode `PARSE`
 */
export function unwrapPayload(bytes: Uint8Array): Result<UnwrappedPayload, XlinkErrorDetail> {
  if (bytes.length < 1) return bad('empty payload');
  const data = bytes.subarray(1);
  if (bytes[0] === BYTES_TYPE) return ok({ bytes: data.slice() });
  if (bytes[0] !== JSON_TYPE) return bad('unknown payload type');
  // large strings decoded straight from the bytes, no full-size JSON text (payload-json.ts)
  const large = parseLargeJson(data);
  if (large) return ok({ parsed: large.value });
  const text = fromUtf8(data);
  if (text === null) return bad('payload is not valid UTF-8');
  return ok({ json: text });
}

/**
 * Second half of {@link decodePayload}.
 * @param unwrapped the result of {@link unwrapPayload}
 * @returns the payload, or `DECRYPT_FAILED` subCode `PARSE` (not JSON, or not an object)
 */
export function parseUnwrappedPayload(
  unwrapped: UnwrappedPayload,
): Result<Payload, XlinkErrorDetail> {
  if ('bytes' in unwrapped) return ok(unwrapped.bytes);
  if ('parsed' in unwrapped) return objectPayload(unwrapped.parsed);
  return parsePayloadJson(unwrapped.json);
}

/**
 * Decodes a payload.
 * @param bytes encoded payload
 * @returns the payload, or `DECRYPT_FAILED` subCode `PARSE`
 */
export function decodePayload(bytes: Uint8Array): Result<Payload, XlinkErrorDetail> {
  const u = unwrapPayload(bytes);
  return u.ok ? parseUnwrappedPayload(u.value) : u;
}

function parsePayloadJson(text: string): Result<Payload, XlinkErrorDetail> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return bad('payload is not valid JSON');
  }
  return objectPayload(value);
}

function objectPayload(value: unknown): Result<Payload, XlinkErrorDetail> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return bad('JSON payload is not an object');
  return ok(value as Record<string, unknown>);
}
