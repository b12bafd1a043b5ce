/**
 * The inner payload codec of a billed message: one tag byte (0 = bytes, 1 = JSON object) then
 * the payload, and the base64url (RFC 4648 section 5, unpadded) text of the `ct` field.
 *
 * @module
 */
import type { Payload } from '@xorida/agent-sdk';
import { bytesToUtf8, utf8ToBytes } from 'xorida';

const B64 = /^[A-Za-z0-9_-]*$/;

/** Unpadded base64url of `bytes` (RFC 4648 section 5). */
export function b64uEncode(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Decodes unpadded base64url. @returns the bytes, or null when `text` is not base64url */
export function b64uDecode(text: string): Uint8Array | null {
  if (!B64.test(text)) return null;
  try {
    const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

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
