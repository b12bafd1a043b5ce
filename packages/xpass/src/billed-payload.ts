/**
 * The inner payload codec of a billed message: one tag byte (0 = bytes, 1 = JSON object) then
 * the payload. The `ct` field's base64url text uses the platform codec (`@xorida/agent-sdk/crypto`).
 *
 * @module
 */
import type { Payload } from '@xorida/agent-sdk';
import { bytesToUtf8, utf8ToBytes } from 'xorida';

/** Encodes a payload as tag byte + content (0: raw bytes, 1: UTF-8 JSON). */
export function encodeInner(payload: Payload): Uint8Array {
  if (payload instanceof Uint8Array) {
    const out = new Uint8Array(payload.length + 1);
    out.set(payload, 1);
    return out;
  }
  const json = utf8ToBytes(JSON.stringify(payload));
  const out = new Uint8Array(json.length + 1);
  out[0] = 1;
  out.set(json, 1);
  return out;
}

/** Decodes `encodeInner` output. @returns the payload, or null when malformed */
export function decodeInner(bytes: Uint8Array): Payload | null {
  if (bytes.length < 1) return null;
  if (bytes[0] === 0) return bytes.slice(1);
  if (bytes[0] !== 1) return null;
  try {
    const v = JSON.parse(bytesToUtf8(bytes.subarray(1)));
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
